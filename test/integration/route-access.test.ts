// Every REST route enforces its access level (gateway/access-table.ts): no token → 401, a device token
// → 403 on everything but the tracking routes (API.md: devices may only call POST /api/v1/tracking*),
// public routes need none.
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKEN_ISSUER, USER_AUDIENCE } from "../../auth/tokens.ts";
import type { Access } from "../../gateway/access-table.ts";
import type { RegisteredRoute } from "../../gateway/http/router.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";
import { userWithToken } from "../helpers/users.ts";

/** The access the router enforces: listed routes carry their access-table entry. */
function accessOf(r: RegisteredRoute): Access {
  return r.access;
}

/** The weakest user role an access level admits (device tokens are checked separately). */
const WEAKEST: Record<Exclude<Access, "public">, "viewer" | "ranger" | "manager" | "admin"> = {
  viewer: "viewer",
  ranger: "ranger",
  manager: "manager",
  admin: "admin",
  tracking: "ranger",
  ingest: "manager",
};

const SECRET = "route-access-test-signing-key-0123456789abcdef";

/** Tokens that must never get past authentication, built around a real admin session. */
async function badTokens(t: TestServer): Promise<Record<string, string>> {
  const admin = await userWithToken(t, "admin");
  const key = new TextEncoder().encode(SECRET);
  const claims = { role: "admin", sid: admin.session };
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const [h, , sig] = admin.token.split(".");
  const now = Math.floor(Date.now() / 1000);
  const payload = { ...claims, iss: TOKEN_ISSUER, aud: USER_AUDIENCE, sub: admin.id, iat: now, exp: now + 600 };
  return {
    expired: await t.server.services.tokens.signAccess({ sub: admin.id, role: "admin", sid: admin.session }, -10),
    tampered: `${h}.${b64({ ...payload, role: "admin", sub: "someone-else" })}.${sig}`,
    "wrong audience": await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer(TOKEN_ISSUER).setAudience("another-service").setSubject(admin.id).setIssuedAt().setExpirationTime("10m").sign(key),
    "wrong issuer": await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer("someone-else").setAudience(USER_AUDIENCE).setSubject(admin.id).setIssuedAt().setExpirationTime("10m").sign(key),
    "alg none": `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.`,
    "other key": await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuer(TOKEN_ISSUER).setAudience(USER_AUDIENCE).setSubject(admin.id).setIssuedAt().setExpirationTime("10m").sign(new TextEncoder().encode("x".repeat(48))),
    garbage: "not-a-token",
  };
}

describe("route access", () => {
  let db: TestDatabase;
  let t: TestServer;
  let collarToken: string;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db, { WT_JWT_SECRET: SECRET });
    await deployedAnimal(t.api, "ACC001");
    collarToken = (await t.api.post("/api/v1/collars/ACC001/token")).body.token;
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("each user role reaches exactly the routes its rank allows", async () => {
    const ranks = ["viewer", "ranger", "manager", "admin"] as const;
    const mint = async () => Object.fromEntries(await Promise.all(ranks.map(async (r) => [r, (await userWithToken(t, r)).token])));
    let tokens = await mint();
    for (const r of t.server.routes()) {
      const access = accessOf(r);
      if (access === "public") continue;
      const needed = WEAKEST[access];
      const path = r.path.replace(/:([A-Za-z_]+)/g, "x");
      const body = r.method === "GET" || r.method === "DELETE" ? undefined : {};
      for (const role of ranks) {
        const res = await t.api.call(r.method, path, body, tokens[role]);
        const what = `${role} → ${r.method} ${r.path} (needs ${needed})`;
        if (ranks.indexOf(role) >= ranks.indexOf(needed)) expect([401, 403], what).not.toContain(res.status);
        else expect(res.status, what).toBe(403);
      }
      // Logout ends the session of the token it is called with: the routes after it need new ones.
      if (r.path === "/api/v1/auth/logout") tokens = await mint();
    }
  });

  it("covers every route: no token, expired, tampered, wrong audience or issuer, alg none, another key → 401; a collar token → 403 off the tracking routes", async () => {
    const routes = t.server.routes();
    expect(routes.length).toBeGreaterThan(40);
    const bad = await badTokens(t);
    for (const r of routes) {
      const path = r.path.replace(/:([A-Za-z_]+)/g, "x");
      const body = r.method === "GET" || r.method === "DELETE" ? undefined : {};
      const anon = await t.api.call(r.method, path, body, null);
      const device = await t.api.call(r.method, path, body, collarToken);
      const access = accessOf(r);
      const what = `${r.method} ${r.path} (${access})`;
      if (access === "public") {
        expect(anon.status, what).not.toBe(401);
      } else {
        expect(anon.status, what).toBe(401);
        for (const [kind, token] of Object.entries(bad)) expect((await t.api.call(r.method, path, body, token)).status, `${what} with ${kind} token`).toBe(401);
        if (access === "tracking" || access === "ingest") expect([401, 403], what).not.toContain(device.status);
        else expect(device.status, what).toBe(403);
      }
    }
  });
});
