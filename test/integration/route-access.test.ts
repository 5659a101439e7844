// Every REST route enforces its access level: no token → 401, a device token → 403 on everything but
// the tracking routes (API.md: devices may only call POST /api/v1/tracking*), public routes need none.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";

describe("route access", () => {
  let db: TestDatabase;
  let t: TestServer;
  let collarToken: string;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db);
    await deployedAnimal(t.api, "ACC001");
    collarToken = (await t.api.post("/api/v1/collars/ACC001/token")).body.token;
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("each user role reaches exactly the routes its rank allows", async () => {
    const ranks = ["viewer", "ranger", "manager", "admin"] as const;
    const tokens = Object.fromEntries(await Promise.all(ranks.map(async (r) => [r, await t.server.services.tokens.signAccess({ sub: `test:${r}`, role: r })])));
    for (const r of t.server.routes()) {
      if (r.access === "public") continue;
      const needed = r.access === "tracking" ? "ranger" : r.access;
      const path = r.path.replace(/:([A-Za-z_]+)/g, "x");
      const body = r.method === "GET" || r.method === "DELETE" ? undefined : {};
      for (const role of ranks) {
        const res = await t.api.call(r.method, path, body, tokens[role]);
        const what = `${role} → ${r.method} ${r.path} (needs ${needed})`;
        if (ranks.indexOf(role) >= ranks.indexOf(needed)) expect([401, 403], what).not.toContain(res.status);
        else expect(res.status, what).toBe(403);
      }
    }
  });

  it("covers every route", async () => {
    const routes = t.server.routes();
    expect(routes.length).toBeGreaterThan(40);
    for (const r of routes) {
      const path = r.path.replace(/:([A-Za-z_]+)/g, "x");
      const body = r.method === "GET" || r.method === "DELETE" ? undefined : {};
      const anon = await t.api.call(r.method, path, body, null);
      const device = await t.api.call(r.method, path, body, collarToken);
      const what = `${r.method} ${r.path} (${r.access})`;
      if (r.access === "public") {
        expect(anon.status, what).not.toBe(401);
      } else {
        expect(anon.status, what).toBe(401);
        if (r.access === "tracking") expect([401, 403], what).not.toContain(device.status);
        else expect(device.status, what).toBe(403);
      }
    }
  });
});
