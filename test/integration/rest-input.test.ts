// Bad input never produces a 500 (API.md): regressions for inputs that used to reach the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import uws from "uWebSockets.js";
import { listen } from "../../gateway/app.ts";
import { encodeCursor } from "../../store/repos/pagination.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";
import { makeFixes, TestCollar } from "../helpers/collar-client.ts";

describe("REST input edge cases (PostgreSQL)", () => {
  let db: TestDatabase;
  let t: TestServer;
  let animalId: string;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db);
    ({ animalId } = await deployedAnimal(t.api, "EDGE01"));
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("refuses NUL characters in bodies (400) and paths (404)", async () => {
    const body = await t.api.post("/api/v1/animals", { name: "a\u0000b", species: "elephant" });
    expect(body.status).toBe(400);
    expect(body.body.errors).toEqual([{ path: "name", message: "must not contain NUL characters" }]);
    expect((await t.api.post("/api/v1/gateways", { name: "\u0000" })).status).toBe(400);
    expect((await t.api.get("/api/v1/animals/%00")).status).toBe(404);
    expect((await t.api.get("/api/v1/animals?q=%00")).status).toBe(400);
  });

  it("bounds times and checks cursors", async () => {
    const far = await t.api.get(`/api/v1/animals/${animalId}/track?to=99999999999999999999`);
    expect(far.status).toBe(400);
    expect(far.body.errors[0].path).toBe("to");
    const cursor = encodeCursor({ ts: "garbage", collar: "x" });
    const bad = await t.api.get(`/api/v1/animals/${animalId}/track?cursor=${cursor}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: "cursor", message: "is not a cursor this server issued" }]);
    expect((await t.api.get("/api/v1/animals?cursor=!!!")).status).toBe(400);
    for (const from of [1e20, 9e15, Date.now() + 7 * 86_400_000]) {
      const r = await t.api.post("/api/v1/collars/EDGE01/deployments", { animal_id: animalId, from });
      expect(r.status).toBe(400);
      expect(r.body.errors[0].path).toBe("from");
    }
  });

  it("creating a collar with an animal that cannot be deployed leaves no half-made collar", async () => {
    const r = await t.api.post("/api/v1/collars", { id: "EDGE02", animal_id: "no-such-animal" });
    expect(r.status).toBe(400);
    expect((await t.api.get("/api/v1/collars/EDGE02")).status).toBe(404);
    const ok = await t.api.post("/api/v1/collars", { id: "EDGE02", animal_id: animalId });
    expect(ok.status).toBe(201);
    expect(ok.body.animal_id).toBe(animalId);
    expect((await t.api.post("/api/v1/collars", { id: "EDGE02" })).status).toBe(409);
  });

  it("answers HEAD like GET without a body, and 405 with Allow for a wrong method", async () => {
    const head = await fetch(t.server.url + "/health", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const wrong = await t.api.call("DELETE", "/api/v1/animals");
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toContain("GET");
  });

  it("regression: fixes quarantined while the collar is being deployed are attached too", async () => {
    const gw = await t.api.post("/api/v1/gateways", { name: "race" });
    const collar = await TestCollar.connect(t.wsUrl, gw.body.token);
    const fixes = makeFixes(3000, Date.UTC(2026, 10, 10), 1, "RACE01");
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < fixes.length) collar.send({ type: "batch", fixes: fixes.slice(sent, (sent += 100)) });
    }, 5);
    await collar.until(() => collar.acked.length >= 500, 20_000, "some acks");
    const animal = await t.api.post("/api/v1/animals", { name: "Racer", species: "elephant" });
    expect((await t.api.post("/api/v1/collars", { id: "RACE01" })).status).toBe(201);
    const dep = await t.api.post("/api/v1/collars/RACE01/deployments", { animal_id: animal.body.id, from: "2026-11-01T00:00:00Z" });
    expect(dep.status).toBe(201);
    await collar.until(() => collar.acked.length === fixes.length, 30_000, "all acks");
    clearInterval(timer);
    const { rows } = await t.server.db.query<{ n: number }>("SELECT count(*) AS n FROM fixes WHERE collar_id = 'RACE01'");
    const left = await t.server.db.query<{ n: number }>("SELECT count(*) AS n FROM quarantined_fixes WHERE collar_id = 'RACE01' AND attached_at IS NULL");
    expect(Number(left.rows[0]!.n)).toBe(0);
    expect(Number(rows[0]!.n)).toBe(fixes.length);
    collar.close();
  });

  it("a second server cannot listen on the same port (no silent SO_REUSEPORT sharing)", async () => {
    await expect(listen(uws.App(), "127.0.0.1", t.server.port)).rejects.toThrow(/cannot listen/);
  });
});
