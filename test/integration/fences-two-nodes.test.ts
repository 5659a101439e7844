// Two servers on one database: a fence created, edited or deleted through one applies on the other
// within its poll period (WT_FENCE_POLL_S), with no restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { until } from "../helpers/webhook-receiver.ts";

const square = (w: number, s: number, e: number, n: number) => [[[w, s], [e, s], [e, n], [w, n], [w, s]]];

describe("fence edits across nodes (PostgreSQL)", () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    a = await startTestServer(db, { WT_FENCE_POLL_S: "1" });
    b = await startTestServer(db, { WT_FENCE_POLL_S: "1" });
  });

  afterAll(async () => {
    await a?.server.close();
    await b?.server.close();
    await db?.drop();
  });

  const zonesAt = async (t: TestServer, lon: number, lat: number) =>
    ((await t.api.post("/api/v1/geofences/query", { points: [[lon, lat]] })).body.results[0].risk_zones as string[]) ?? [];

  it("create, move and delete through node A are seen by node B", async () => {
    const id = (await a.api.post("/api/v1/risk-zones", { name: "Farm", geometry: { type: "Polygon", coordinates: square(36, -1, 36.1, -0.9) } })).body.id as string;
    expect(await zonesAt(a, 36.05, -0.95)).toEqual([id]); // the editing node: at once
    await until("node B to load the new zone", async () => (await zonesAt(b, 36.05, -0.95)).includes(id), 10_000);

    expect((await a.api.call("PATCH", `/api/v1/risk-zones/${id}`, { geometry: { type: "Polygon", coordinates: square(37, -1, 37.1, -0.9) } })).status).toBe(200);
    await until("node B to see the zone moved", async () => (await zonesAt(b, 37.05, -0.95)).includes(id) && (await zonesAt(b, 36.05, -0.95)).length === 0, 10_000);

    expect((await a.api.call("DELETE", `/api/v1/risk-zones/${id}`)).status).toBe(204);
    await until("node B to drop the zone", async () => (await zonesAt(b, 37.05, -0.95)).length === 0, 10_000);
  });
});
