// GET /nearby/animals and /nearby/families against a brute-force haversine over seeded random live
// positions, streamed through REST tracking (late fixes included: they must not move anything).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";

const R = 6371008.8;
function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}
function centroid(ps: Array<{ lat: number; lon: number }>) {
  const r = Math.PI / 180;
  let x = 0, y = 0, z = 0;
  for (const p of ps) {
    x += Math.cos(p.lat * r) * Math.cos(p.lon * r);
    y += Math.cos(p.lat * r) * Math.sin(p.lon * r);
    z += Math.sin(p.lat * r);
  }
  return { lat: Math.atan2(z, Math.hypot(x, y)) / r, lon: Math.atan2(y, x) / r };
}
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}
const T0 = Date.UTC(2026, 10, 19, 0);

describe.each(DATABASE_KINDS)("nearby on %s", (kind) => {
  let tdb: TestDatabase;
  let ts: TestServer;
  const latest = new Map<string, { lat: number; lon: number }>(); // animal → live position
  const familyOf = new Map<string, string>();
  const fam: string[] = [];

  beforeAll(async () => {
    tdb = await createTestDatabase(kind);
    ts = await startTestServer(tdb);
    const api = ts.api;
    const herd = (await api.post("/api/v1/herds", { species_name: "elephant", name: "H" })).body.id;
    for (let i = 0; i < 4; i++) fam.push((await api.post("/api/v1/families", { herd_id: herd, friendly_name: `F${i}` })).body.id);
    const rand = rng(kind === "postgres" ? 5 : 6);
    const fixes: unknown[] = [];
    for (let i = 0; i < 40; i++) {
      const family = i < 5 ? fam[0] : i < 10 ? fam[1] : undefined;
      const { animalId } = await deployedAnimal(api, `NB${i}`, { family_id: family });
      if (family) familyOf.set(animalId, family);
      // Plausible walks (≤ ~400 m per 10 min) from a random start, so no fix is flagged impossible_speed.
      const start = { lat: -1.5 + (rand() - 0.5), lon: 35 + (rand() - 0.5) };
      let last = start;
      for (let k = 0; k < 3; k++) {
        last = { lat: start.lat + k * (rand() - 0.5) * 0.004, lon: start.lon + k * (rand() - 0.5) * 0.004 };
        fixes.push({ collar: `NB${i}`, ts: new Date(T0 + k * 600_000).toISOString(), ...last });
      }
      latest.set(animalId, last);
      // A late fix far away: stored, but it must not move the live position.
      fixes.push({ collar: `NB${i}`, ts: new Date(T0 - 600_000).toISOString(), lat: start.lat + 0.003, lon: start.lon - 0.003 });
    }
    const up = await api.post("/api/v1/tracking/bulk_upload", fixes);
    expect(up.body.counts.stored).toBe(160);
    // Family 2 has no live members: its latest observation places it. Family 3 has nothing.
    await ts.server.db.query(
      `INSERT INTO observations (id, family_id, ts, lat, lon, size) VALUES ('o1', $1, to_timestamp(${(T0 - 86_400_000) / 1000}), -1.2, 35.2, 5),
              ('o2', $1, to_timestamp(${T0 / 1000}), -1.3, 35.1, 6)`,
      [fam[2]],
    );
  }, 90_000);
  afterAll(async () => {
    await ts?.server.close();
    await tdb?.drop();
  });

  it("nearby animals equal a brute-force haversine scan, nearest first, with pagination", async () => {
    const rand = rng(99);
    for (let q = 0; q < 12; q++) {
      const lat = -1.5 + (rand() - 0.5);
      const lon = 35 + (rand() - 0.5);
      const radius = [2_000, 10_000, 30_000, 80_000][q % 4]!;
      const expected = [...latest]
        .map(([animal, p]) => ({ animal, d: haversine(lat, lon, p.lat, p.lon) }))
        .filter((x) => x.d <= radius)
        .sort((a, b) => a.d - b.d);
      const res = await ts.api.get(`/api/v1/nearby/animals?lat=${lat}&lon=${lon}&radius_m=${radius}&limit=1000`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: { animal: string }) => i.animal)).toEqual(expected.map((e) => e.animal));
      res.body.items.forEach((it: { distance_m: number; lat: number; lon: number; animal: string }, i: number) => {
        expect(it.distance_m).toBeCloseTo(expected[i]!.d, 3);
        expect({ lat: it.lat, lon: it.lon }).toEqual(latest.get(it.animal));
      });
    }
    // Pages of 7 over everything within 200 km.
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { body: { items: Array<{ animal: string }>; next_cursor: string | null } } = await ts.api.get(`/api/v1/nearby/animals?lat=-1.5&lon=35&radius_m=200000&limit=7${cursor ? `&cursor=${cursor}` : ""}`);
      all.push(...r.body.items.map((i: { animal: string }) => i.animal));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(all).toEqual([...latest].map(([a, p]) => ({ a, d: haversine(-1.5, 35, p.lat, p.lon) })).sort((x, y) => x.d - y.d).map((x) => x.a));
    const bad = await ts.api.get("/api/v1/nearby/animals?lat=91&radius_m=-1");
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["lat", "lon", "radius_m"]);
  });

  it("nearby families: centroid of live members, else the latest observation", async () => {
    const places = new Map<string, { lat: number; lon: number; source: string }>();
    for (const f of [fam[0]!, fam[1]!]) {
      const members = [...familyOf].filter(([, fid]) => fid === f).map(([a]) => latest.get(a)!);
      places.set(f, { ...centroid(members), source: "live" });
    }
    places.set(fam[2]!, { lat: -1.3, lon: 35.1, source: "observation" });
    for (const radius of [5_000, 30_000, 100_000, 1_000_000]) {
      const [lat, lon] = [-1.4, 35.05];
      const expected = [...places].map(([id, p]) => ({ id, ...p, d: haversine(lat, lon, p.lat, p.lon) })).filter((x) => x.d <= radius).sort((a, b) => a.d - b.d);
      const res = await ts.api.get(`/api/v1/nearby/families?lat=${lat}&lon=${lon}&radius_m=${radius}`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual(expected.map((e) => e.id));
      res.body.items.forEach((it: any, i: number) => {
        expect(it.source).toBe(expected[i]!.source);
        expect(it.lat).toBeCloseTo(expected[i]!.lat, 9);
        expect(it.lon).toBeCloseTo(expected[i]!.lon, 9);
        expect(it.distance_m).toBeCloseTo(expected[i]!.d, 3);
      });
    }
  });
});
