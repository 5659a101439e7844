import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { canIngest, hasRole, type Principal } from "../../auth/roles.ts";
import { DEVICE_AUDIENCE, keyId, TOKEN_ISSUER, TokenService, USER_AUDIENCE } from "../../auth/tokens.ts";

const secret = new TextEncoder().encode("x".repeat(48));
const active = new Set<string>();
// Open sessions and the role each grants now (the account service's answer in the server).
const sessions = new Map<string, "viewer" | "ranger" | "manager" | "admin">();
const service = new TokenService({
  adminToken: "admin-token-0123456789",
  jwtSecret: secret,
  isDeviceTokenActive: async (jti) => active.has(jti),
  sessionRole: async (sid) => sessions.get(sid) ?? null,
});

describe("roles", () => {
  const p = (role: Principal["role"]): Principal => ({ role, subject: "t" });
  it("orders admin > manager > ranger > viewer", () => {
    expect(hasRole(p("admin"), "manager")).toBe(true);
    expect(hasRole(p("manager"), "manager")).toBe(true);
    expect(hasRole(p("ranger"), "manager")).toBe(false);
    expect(hasRole(p("viewer"), "viewer")).toBe(true);
    expect(hasRole(p("viewer"), "ranger")).toBe(false);
  });
  it("device roles never pass a user-role check", () => {
    expect(hasRole(p("collar"), "viewer")).toBe(false);
    expect(hasRole(p("gateway"), "viewer")).toBe(false);
  });
  it("devices and managers may ingest; viewers and rangers may not", () => {
    expect(["collar", "gateway", "manager", "admin"].map((r) => canIngest(p(r as Principal["role"])))).toEqual([true, true, true, true]);
    expect(canIngest(p("viewer"))).toBe(false);
    expect(canIngest(p("ranger"))).toBe(false);
  });
});

describe("tokens", () => {
  it("recognises the admin bootstrap token exactly", async () => {
    expect(await service.verify("admin-token-0123456789")).toMatchObject({ role: "admin" });
    expect(await service.verify("admin-token-012345678")).toBeNull();
    expect(await service.verify("")).toBeNull();
    expect(await service.verify(undefined)).toBeNull();
  });

  it("signs collar and gateway tokens that verify while active", async () => {
    const c = await service.signDevice({ kind: "collar", collar: "COL001" });
    const g = await service.signDevice({ kind: "gateway", gateway: "gw_1" });
    expect(await service.verify(c.token)).toBeNull(); // not recorded yet
    active.add(c.jti);
    active.add(g.jti);
    expect(await service.verify(c.token)).toMatchObject({ role: "collar", collar: "COL001", tokenId: c.jti });
    expect(await service.verify(g.token)).toMatchObject({ role: "gateway", gateway: "gw_1" });
    active.delete(c.jti); // revoked
    expect(await service.verify(c.token)).toBeNull();
  });

  it("refuses a token signed with another key, another audience or alg none", async () => {
    const jti = "t1";
    active.add(jti);
    const other = await new SignJWT({ kind: "collar", collar: "C" }).setProtectedHeader({ alg: "HS256" }).setIssuer(TOKEN_ISSUER).setAudience(DEVICE_AUDIENCE).setJti(jti).sign(new TextEncoder().encode("y".repeat(48)));
    expect(await service.verify(other)).toBeNull();
    const wrongAud = await new SignJWT({ kind: "collar", collar: "C" }).setProtectedHeader({ alg: "HS256" }).setIssuer(TOKEN_ISSUER).setAudience("elsewhere").setJti(jti).sign(secret);
    expect(await service.verify(wrongAud)).toBeNull();
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const body = Buffer.from(JSON.stringify({ kind: "collar", collar: "C", iss: TOKEN_ISSUER, aud: DEVICE_AUDIENCE, jti })).toString("base64url");
    expect(await service.verify(`${header}.${body}.`)).toBeNull();
  });

  it("user access tokens: bound to an open session whose current role counts; expired, forged or session-less ones are refused", async () => {
    sessions.set("s1", "viewer");
    const viewer = await service.signAccess({ sub: "user:1", role: "viewer", sid: "s1" });
    expect(await service.verify(viewer)).toEqual({ role: "viewer", subject: "user:1", session: "s1" });
    sessions.set("s1", "manager"); // promoted: the same token now carries the new role
    expect(await service.verify(viewer)).toMatchObject({ role: "manager" });
    sessions.delete("s1"); // logged out or revoked
    expect(await service.verify(viewer)).toBeNull();
    sessions.set("s3", "admin");
    const expired = await service.signAccess({ sub: "user:3", role: "admin", sid: "s3" }, -10);
    expect(await service.verify(expired)).toBeNull();
    // A forged claim breaks the signature.
    sessions.set("s2", "viewer");
    const [h, body, sig] = (await service.signAccess({ sub: "user:2", role: "viewer", sid: "s2" })).split(".");
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, "base64url").toString()), sid: "s3" })).toString("base64url");
    expect(await service.verify(`${h}.${forged}.${sig}`)).toBeNull();
    // Without an expiry, or without a session, a user token is not accepted.
    const noExp = await new SignJWT({ role: "admin", sid: "s3" }).setProtectedHeader({ alg: "HS256" }).setIssuer(TOKEN_ISSUER).setAudience(USER_AUDIENCE).setSubject("x").setIssuedAt().sign(secret);
    expect(await service.verify(noExp)).toBeNull();
    const noSid = await new SignJWT({ role: "admin" }).setProtectedHeader({ alg: "HS256" }).setIssuer(TOKEN_ISSUER).setAudience(USER_AUDIENCE).setSubject("x").setIssuedAt().setExpirationTime("5m").sign(secret);
    expect(await service.verify(noSid)).toBeNull();
    // The database behind sessions is down: "try later", not "unauthorized".
    const down = new TokenService({ adminToken: "admin-token-0123456789", jwtSecret: secret, isDeviceTokenActive: async () => true, sessionRole: async () => Promise.reject(new Error("ECONNREFUSED")) });
    await expect(down.verify(await down.signAccess({ sub: "u", role: "viewer", sid: "s" }))).rejects.toThrow(/unavailable/);
  });

  it("algorithm pinned: HS512, RS256-style headers and alg none are refused even with the right key", async () => {
    sessions.set("s9", "admin");
    const claims = { role: "admin", sid: "s9" };
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: "HS512" }).setIssuer(TOKEN_ISSUER).setAudience(USER_AUDIENCE).setSubject("x").setIssuedAt().setExpirationTime("5m").sign(secret);
    expect(await service.verify(hs512)).toBeNull();
    const payload = Buffer.from(JSON.stringify({ ...claims, iss: TOKEN_ISSUER, aud: USER_AUDIENCE, sub: "x", iat: 1, exp: 4102444800 })).toString("base64url");
    for (const alg of ["none", "RS256", "ES256"]) {
      const header = Buffer.from(JSON.stringify({ alg, typ: "JWT" })).toString("base64url");
      expect(await service.verify(`${header}.${payload}.`)).toBeNull();
      expect(await service.verify(`${header}.${payload}.c2ln`)).toBeNull();
    }
  });

  it("key rotation: new tokens carry the current kid; tokens of a previous key verify while it is listed", async () => {
    const oldKey = new TextEncoder().encode("o".repeat(48));
    const before = new TokenService({ adminToken: "admin-token-0123456789", jwtSecret: oldKey, isDeviceTokenActive: async (jti) => active.has(jti) });
    const minted = await before.signDevice({ kind: "collar", collar: "ROT1" });
    active.add(minted.jti);
    expect(JSON.parse(Buffer.from(minted.token.split(".")[0]!, "base64url").toString()).kid).toBe(keyId(oldKey));
    const rotated = new TokenService({ adminToken: "admin-token-0123456789", jwtSecret: secret, previousSecrets: [oldKey], isDeviceTokenActive: async (jti) => active.has(jti) });
    expect(await rotated.verify(minted.token)).toMatchObject({ role: "collar", collar: "ROT1" });
    const fresh = await rotated.signDevice({ kind: "collar", collar: "ROT2" });
    active.add(fresh.jti);
    expect(JSON.parse(Buffer.from(fresh.token.split(".")[0]!, "base64url").toString()).kid).toBe(keyId(secret));
    expect(await rotated.verify(fresh.token)).toMatchObject({ collar: "ROT2" });
    // Once the old key is dropped, its tokens stop working; an unknown kid is refused outright.
    expect(await service.verify(minted.token)).toBeNull();
    // A token without a kid (minted before rotation existed) is tried against every key.
    const legacy = await new SignJWT({ kind: "collar", collar: "ROT3" }).setProtectedHeader({ alg: "HS256" }).setIssuer(TOKEN_ISSUER).setAudience(DEVICE_AUDIENCE).setIssuedAt().setJti(minted.jti).sign(oldKey);
    expect(await rotated.verify(legacy)).toMatchObject({ collar: "ROT3" });
  });
});
