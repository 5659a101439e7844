// Movement models over REST, computed in the worker pool from stored fixes: the Brownian bridge home
// range (and, below, behaviour states). Errors are clear: 404, 400, 422 for too little data.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destinationPoint } from "../../engine/geo.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";

const T0 = Date.UTC(2026, 9, 1);
const HOUR = 3_600_000;

/** A seeded random walk: hourly fixes, steps of `meanStepM` on average. */
function walk(collar: string, n: number, seed: number, meanStepM: number) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let p = { lat: -1.5, lon: 35.2 };
  return Array.from({ length: n }, (_, i) => {
    if (i > 0) p = destinationPoint(p.lat, p.lon, rand() * 360, meanStepM * 2 * rand());
    return { collar, ts: new Date(T0 + i * HOUR).toISOString(), lat: p.lat, lon: p.lon };
  });
}

describe("movement models over REST (PostgreSQL)", () => {
  let db: TestDatabase;
  let t: TestServer;
  let animal: string;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db);
    ({ animalId: animal } = await deployedAnimal(t.api, "MODEL1", { from: "2026-01-01T00:00:00Z" }));
    const up = await t.api.post("/api/v1/tracking/bulk_upload", walk("MODEL1", 720, 7, 400)); // a month, hourly
    expect(up.body.counts.stored).toBe(720);
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("home range: GeoJSON contours per level with areas, from a month of fixes", async () => {
    const r = await t.api.get(`/api/v1/animals/${animal}/home-range?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z&levels=50,95`);
    expect(r.status).toBe(200);
    expect(r.body.type).toBe("FeatureCollection");
    expect(r.body.features.map((f: { properties: { level: number } }) => f.properties.level)).toEqual([50, 95]);
    const [a50, a95] = r.body.features.map((f: { properties: { area_km2: number } }) => f.properties.area_km2);
    expect(a50).toBeGreaterThan(0);
    expect(a95).toBeGreaterThan(a50);
    expect(["Polygon", "MultiPolygon"]).toContain(r.body.features[1].geometry.type);
    // Contours come back in lon/lat around the track.
    const ring = r.body.features[1].geometry.type === "Polygon" ? r.body.features[1].geometry.coordinates[0] : r.body.features[1].geometry.coordinates[0][0];
    for (const [lon, lat] of ring) {
      expect(Math.abs(lon - 35.2)).toBeLessThan(1);
      expect(Math.abs(lat + 1.5)).toBeLessThan(1);
    }
    expect(r.body.model).toMatchObject({ animal, fixes: 720, mode: "static", location_error_m: 20 });
    expect(r.body.model.motion_variance_m2_per_min).toBeGreaterThan(0);

    const dyn = await t.api.get(`/api/v1/animals/${animal}/home-range?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z&dynamic=true`);
    expect(dyn.status).toBe(200);
    expect(dyn.body.model.mode).toBe("dynamic");
  });

  it("clear errors: unknown animal 404, bad levels 400, too few fixes 422", async () => {
    expect((await t.api.get(`/api/v1/animals/nope/home-range`)).status).toBe(404);
    const bad = await t.api.get(`/api/v1/animals/${animal}/home-range?levels=50,150`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("levels");
    const few = await t.api.get(`/api/v1/animals/${animal}/home-range?from=2026-10-01T00:00:00Z&to=2026-10-01T02:00:00Z`);
    expect(few.status).toBe(422);
    expect(few.body.detail).toMatch(/fix/);
  });
});
