import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { canIngest, hasRole, type Principal } from "../../auth/roles.ts";
import { DEVICE_AUDIENCE, TOKEN_ISSUER, TokenService } from "../../auth/tokens.ts";

const secret = new TextEncoder().encode("x".repeat(48));
const active = new Set<string>();
const service = new TokenService({ adminToken: "admin-token-0123456789", jwtSecret: secret, isDeviceTokenActive: async (jti) => active.has(jti) });

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

  it("signs short-lived user access tokens carrying the role; expired ones are refused", async () => {
    const viewer = await service.signAccess({ sub: "user:1", role: "viewer" });
    expect(await service.verify(viewer)).toEqual({ role: "viewer", subject: "user:1" });
    const manager = await service.signAccess({ sub: "user:2", role: "manager" });
    expect(await service.verify(manager)).toMatchObject({ role: "manager" });
    const expired = await service.signAccess({ sub: "user:3", role: "admin" }, -10);
    expect(await service.verify(expired)).toBeNull();
    // A forged role claim breaks the signature.
    const [h, body, sig] = viewer.split(".");
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, "base64url").toString()), role: "admin" })).toString("base64url");
    expect(await service.verify(`${h}.${forged}.${sig}`)).toBeNull();
    // A user token without an expiry is not accepted.
    const noExp = await new SignJWT({ role: "admin" }).setProtectedHeader({ alg: "HS256" }).setIssuer(TOKEN_ISSUER).setAudience("wt-user").setSubject("x").setIssuedAt().sign(secret);
    expect(await service.verify(noExp)).toBeNull();
  });
});
