// Token verification and minting (jose, HS256 pinned: no `none`, no algorithm confusion; `iss`, `aud`,
// `exp` checked). Key rotation: tokens carry a `kid` (a digest of the key); the current key signs,
// the current and previous keys (WT_JWT_PREVIOUS_SECRETS) verify. Tokens without a `kid` (device
// tokens minted before rotation existed) are tried against each key.
//
// User access tokens are short-lived and bound to a login session (`sid`): each verification checks
// the session is still open and takes the user's role as it is now (briefly cached), so logout, a
// reused refresh token, disabling or a role change take effect at once, not after 15 minutes.
import { timingSafeEqual, createHash, randomUUID } from "node:crypto";
import { SignJWT, decodeProtectedHeader, jwtVerify } from "jose";
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
  /** Earlier signing keys, still accepted for verification. */
  previousSecrets?: Uint8Array[];
  /** Looks up whether a device token id was revoked or never issued. */
  isDeviceTokenActive: (jti: string) => Promise<boolean>;
  /** The role a user session grants now, or null when it is over (logged out, revoked, user not active). */
  sessionRole?: (sid: string) => Promise<UserRole | null>;
}

/** A key's id: the first 12 characters of its SHA-256 (base64url); reveals nothing usable about the key. */
export function keyId(key: Uint8Array): string {
  return createHash("sha256").update(key).digest("base64url").slice(0, 12);
}

export class TokenService {
  private readonly adminDigest: Buffer;
  private readonly keys: Map<string, Uint8Array>;
  private readonly currentKid: string;

  constructor(private readonly opts: TokenServiceOptions) {
    this.adminDigest = digest(opts.adminToken);
    this.currentKid = keyId(opts.jwtSecret);
    this.keys = new Map([[this.currentKid, opts.jwtSecret]]);
    for (const k of opts.previousSecrets ?? []) if (!this.keys.has(keyId(k))) this.keys.set(keyId(k), k);
  }

  /** The keys to try for a token: the one its kid names, or (no kid) every key; none for an unknown kid or another algorithm. */
  private keysFor(token: string): Uint8Array[] {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return [];
    }
    if (header.alg !== "HS256") return [];
    if (header.kid === undefined) return [...this.keys.values()];
    const key = typeof header.kid === "string" ? this.keys.get(header.kid) : undefined;
    return key ? [key] : [];
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
    let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"] | null = null;
    for (const key of this.keysFor(token)) {
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ["HS256"],
          issuer: TOKEN_ISSUER,
          audience: [DEVICE_AUDIENCE, USER_AUDIENCE],
          requiredClaims: ["iat"],
        }));
        break;
      } catch {
        // next key (only tokens without a kid have more than one)
      }
    }
    if (payload === null) return null;
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (audiences.includes(USER_AUDIENCE)) {
      // User access token: short-lived (exp required) and bound to an open session.
      if (typeof payload.exp !== "number" || typeof payload.sub !== "string" || typeof payload.sid !== "string" || !isUserRole(payload.role as Role)) return null;
      if (!this.opts.sessionRole) return null;
      let role: UserRole | null;
      try {
        role = await this.opts.sessionRole(payload.sid);
      } catch (err) {
        throw new TokenCheckUnavailable(err);
      }
      if (role === null) return null;
      return { role, subject: payload.sub, session: payload.sid };
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

  /** Signs a short-lived user access token for a session (the role claim is informational: the session decides). */
  async signAccess(user: { sub: string; role: UserRole; sid: string }, ttlSeconds = ACCESS_TOKEN_TTL_S): Promise<string> {
    return new SignJWT({ role: user.role, sid: user.sid })
      .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: this.currentKid })
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
      .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: this.currentKid })
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
