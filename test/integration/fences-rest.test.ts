// Corridors and risk zones over REST: validation, storage, live edits, and POST /geofences/query.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const square = (w: number, s: number, e: number, n: number) => [[[w, s], [e, s], [e, n], [w, n], [w, s]]];

describe.each(DATABASE_KINDS)("fences on %s", (kind) => {
  let db: TestDatabase;
  let t: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await startTestServer(db);
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("creates, reads, edits live and deletes corridors and risk zones; the query follows every edit", async () => {
    const query = async (points: number[][]) => (await t.api.post("/api/v1/geofences/query", { points })).body.results;
    // A corridor with a hole, and a road as a buffered line.
    const corridor = await t.api.post("/api/v1/corridors", {
      name: "Mara–Loita corridor",
      geometry: { type: "Polygon", coordinates: [square(35, -2, 36, -1)[0], [[35.4, -1.6], [35.6, -1.6], [35.6, -1.4], [35.4, -1.4], [35.4, -1.6]]] },
      rules: { hysteresis_m: 50, quiet_s: 600 },
    });
    expect(corridor.status).toBe(201);
    expect(corridor.body.id).toMatch(/^cor_/);
    // width_m is the full width: 1000 m covers 500 m either side of the centre line.
    const road = await t.api.post("/api/v1/risk-zones", { name: "B3 road", geometry: { type: "LineString", coordinates: [[35.0, -1.8], [36.0, -1.8]] }, width_m: 1000 });
    expect(road.status).toBe(201);
    expect(road.body.area.type).toBe("Polygon");

    const points = [[35.2, -1.2], [35.5, -1.5], [35.5, -1.8], [35.5, -1.804], [37, -1]];
    expect(await query(points)).toEqual([
      { corridors: [corridor.body.id], risk_zones: [] },
      { corridors: [], risk_zones: [] }, // in the hole
      { corridors: [corridor.body.id], risk_zones: [road.body.id] },
      { corridors: [corridor.body.id], risk_zones: [road.body.id] }, // 445 m from the road's centre line
      { corridors: [], risk_zones: [] },
    ]);

    // Edits apply at once.
    const moved = await t.api.call("PATCH", `/api/v1/corridors/${corridor.body.id}`, { geometry: { type: "Polygon", coordinates: square(36.5, -1.5, 37.5, -0.5) } });
    expect(moved.status).toBe(200);
    expect((await query([[35.2, -1.2], [37, -1]])).map((r: { corridors: string[] }) => r.corridors)).toEqual([[], [corridor.body.id]]);
    const narrower = await t.api.call("PATCH", `/api/v1/risk-zones/${road.body.id}`, { width_m: 200 });
    expect(narrower.body.width_m).toBe(200);
    expect((await query([[35.5, -1.804]]))[0].risk_zones).toEqual([]); // now 100 m either side

    expect((await t.api.get(`/api/v1/corridors/${corridor.body.id}`)).body.rules).toEqual({ hysteresis_m: 50, quiet_s: 600 });
    expect((await t.api.get("/api/v1/corridors")).body.items).toHaveLength(1);
    expect((await t.api.get(`/api/v1/risk-zones/${corridor.body.id}`)).status).toBe(404); // wrong kind
    expect((await t.api.call("DELETE", `/api/v1/risk-zones/${road.body.id}`)).status).toBe(204);
    expect((await query([[35.5, -1.8]]))[0].risk_zones).toEqual([]);
    expect((await t.api.get(`/api/v1/risk-zones/${road.body.id}`)).status).toBe(404);
  });

  it("stores the area in PostGIS, agreeing with the engine on the same points", async () => {
    const zone = await t.api.post("/api/v1/risk-zones", { name: "Farm", geometry: { type: "Polygon", coordinates: square(34.6, -2.2, 34.8, -2.0) } });
    const { rows } = await t.server.db.query<{ inside: boolean }>(
      "SELECT ST_Covers(geom, ST_SetSRID(ST_MakePoint(34.7, -2.1), 4326)) AS inside FROM fences WHERE id = $1",
      [zone.body.id],
    );
    expect(rows[0]!.inside).toBe(true);
  });

  it("lists every geometry problem with its path", async () => {
    const open = await t.api.post("/api/v1/corridors", { name: "x", geometry: { type: "Polygon", coordinates: [[[35, -2], [36, -2], [36, -1], [35, -1]]] } });
    expect(open.status).toBe(400);
    expect(open.body.errors[0].path).toMatch(/^geometry\.coordinates/);
    const bow = await t.api.post("/api/v1/corridors", { name: "bow tie", geometry: { type: "Polygon", coordinates: [[[35, -2], [36, -1], [36, -1.8], [35, -1], [35, -2]]] } });
    expect(bow.status).toBe(400);
    expect(bow.body.errors.map((e: { message: string }) => e.message).join(" ")).toMatch(/intersect/i);
    const badLon = await t.api.post("/api/v1/corridors", { name: "x", geometry: { type: "Polygon", coordinates: [[[181, -2], [36, -2], [36, -1], [181, -2]]] } });
    expect(badLon.status).toBe(400);
    const noWidth = await t.api.post("/api/v1/risk-zones", { name: "road", geometry: { type: "LineString", coordinates: [[35, -1], [36, -1]] } });
    expect(noWidth.body.errors).toEqual([{ path: "width_m", message: "is required with a LineString" }]);
    const tooMany = await t.api.post("/api/v1/geofences/query", { points: Array.from({ length: 10_001 }, () => [35, -1]) });
    expect(tooMany.status).toBe(400);
    const badPoint = await t.api.post("/api/v1/geofences/query", { points: [[35, -91]] });
    expect(badPoint.body.errors[0].path).toBe("points.0.1");
  });
});
