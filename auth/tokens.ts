// Token verification and device token minting (jose, HS256 pinned: no `none`, no algorithm confusion).
import { timingSafeEqual, createHash, randomUUID } from "node:crypto";
import { SignJWT, jwtVerify } from "jose";
import { isUserRole, type Principal, type Role, type UserRole } from "./roles.ts";

export const TOKEN_ISSUER = "wildlife-tracker";
export const DEVICE_AUDIENCE = "wt-device";
export const USER_AUDIENCE = "wt-user";
/** Access tokens are short-lived; refresh (with rotation) arrives with user accounts. */
export const ACCESS_TOKEN_TTL_S = 15 * 60;

export type DeviceTokenClaims = { kind: "collar"; collar: string } | { kind: "gateway"; gateway: string };

/** The token could not be checked right now (database unreachable): answer "try later", not "unauthorized". */
export class TokenCheckUnavailable extends Error {
  constructor(cause: unknown) {
    super(`token check unavailable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = "TokenCheckUnavailable";
  }
}

export interface TokenServiceOptions {
  adminToken: string;
  jwtSecret: Uint8Array;
  /** Looks up whether a device token id was revoked or never issued. */
  isDeviceTokenActive: (jti: string) => Promise<boolean>;
}

export class TokenService {
  private readonly adminDigest: Buffer;

  constructor(private readonly opts: TokenServiceOptions) {
    this.adminDigest = digest(opts.adminToken);
  }

  /**
   * Verifies a bearer token; null when missing, malformed, expired, revoked or unknown.
   * Throws TokenCheckUnavailable when the revocation list cannot be read (a database outage must not
   * tell collars their tokens are bad).
   */
  async verify(token: string | undefined | null): Promise<Principal | null> {
    if (!token) return null;
    // Compare digests so the comparison is constant-time whatever the lengths.
    if (timingSafeEqual(digest(token), this.adminDigest)) return { role: "admin", subject: "admin-token" };
    if (token.split(".").length !== 3) return null;
    let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
    try {
      ({ payload } = await jwtVerify(token, this.opts.jwtSecret, {
        algorithms: ["HS256"],
        issuer: TOKEN_ISSUER,
        audience: [DEVICE_AUDIENCE, USER_AUDIENCE],
        requiredClaims: ["iat"],
      }));
    } catch {
      return null;
    }
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (audiences.includes(USER_AUDIENCE)) {
      // User access token: short-lived (exp required), role from the token.
      const role = payload.role;
      if (typeof payload.exp !== "number" || typeof payload.sub !== "string" || !isUserRole(role as Role)) return null;
      return { role: role as UserRole, subject: payload.sub };
    }
    const jti = payload.jti;
    if (!jti) return null;
    let active: boolean;
    try {
      active = await this.opts.isDeviceTokenActive(jti);
    } catch (err) {
      throw new TokenCheckUnavailable(err);
    }
    if (!active) return null;
    if (payload.kind === "collar" && typeof payload.collar === "string") {
      return { role: "collar", subject: `collar:${payload.collar}`, collar: payload.collar, tokenId: jti };
    }
    if (payload.kind === "gateway" && typeof payload.gateway === "string") {
      return { role: "gateway", subject: `gateway:${payload.gateway}`, gateway: payload.gateway, tokenId: jti };
    }
    return null;
  }

  /** Signs a short-lived user access token carrying the user's role. */
  async signAccess(user: { sub: string; role: UserRole }, ttlSeconds = ACCESS_TOKEN_TTL_S): Promise<string> {
    return new SignJWT({ role: user.role })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(USER_AUDIENCE)
      .setSubject(user.sub)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.opts.jwtSecret);
  }

  /** Signs a long-lived device token (collars live in the field for years; revocation is by jti). */
  async signDevice(claims: DeviceTokenClaims, jti: string = randomUUID()): Promise<{ token: string; jti: string }> {
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(DEVICE_AUDIENCE)
      .setSubject(claims.kind === "collar" ? `collar:${claims.collar}` : `gateway:${claims.gateway}`)
      .setIssuedAt()
      .setJti(jti)
      .sign(this.opts.jwtSecret);
    return { token, jti };
  }
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}
