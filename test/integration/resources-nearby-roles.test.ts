// GET /events/nearby against an independent brute-force haversine loop over seeded random events,
// and the role table of every herd/family/animal/observation/event route, on PostgreSQL and PGlite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const R = 6371008.8; // mean earth radius (m), independent of the code under test
const rad = (d: number) => (d * Math.PI) / 180;
function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seeded {
  id: string;
  lat: number;
  lon: number;
  ts: number;
  family: string;
}

describe.each(DATABASE_KINDS)("GET /events/nearby and roles on %s", (kind) => {
  let db: TestDatabase;
  let t: TestServer;
  const seeded: Seeded[] = [];
  let families: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await startTestServer(db);
    const herd = (await t.api.post("/api/v1/herds", { species_name: "elephant" })).body.id;
    families = [
      (await t.api.post("/api/v1/families", { herd_id: herd, friendly_name: "N1" })).body.id,
      (await t.api.post("/api/v1/families", { herd_id: herd, friendly_name: "N2" })).body.id,
    ];
    const rnd = mulberry32(kind === "postgres" ? 42 : 7);
    const t0 = Date.UTC(2026, 5, 1);
    // A few through the API, the bulk in one INSERT (the API path is covered elsewhere; this keeps the suite fast).
    for (let i = 0; i < 10; i++) {
      const e = { lat: -1.5 + (rnd() - 0.5), lon: 35 + (rnd() - 0.5), ts: t0 + Math.floor(rnd() * 30 * 86_400_000), family: families[i % 2]! };
      const r = await t.api.post(`/api/v1/families/${e.family}/events`, { description: `api ${i}`, lat: e.lat, lon: e.lon, ts: e.ts });
      expect(r.status).toBe(201);
      seeded.push({ ...e, id: r.body.id });
    }
    for (let i = 0; i < 490; i++) {
      seeded.push({
        id: `evt_seed_${String(i).padStart(4, "0")}`,
        lat: -1.5 + (rnd() - 0.5),
        lon: 35 + (rnd() - 0.5),
        ts: t0 + Math.floor(rnd() * 30 * 86_400_000),
        family: families[i % 2]!,
      });
    }
    const bulk = seeded.slice(10);
    await t.server.db.query(
      `INSERT INTO events (id, family_id, description, ts, lat, lon)
       SELECT id, fam, 'seeded', to_timestamp(ts / 1000.0), lat, lon
       FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[]) AS u(id, fam, ts, lat, lon)`,
      [bulk.map((e) => e.id), bulk.map((e) => e.family), bulk.map((e) => e.ts), bulk.map((e) => e.lat), bulk.map((e) => e.lon)],
    );
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  const brute = (lat: number, lon: number, radius: number, from?: number, to?: number, family?: string) =>
    seeded
      .map((e) => ({ e, d: haversine(lat, lon, e.lat, e.lon) }))
      .filter(({ e, d }) => d <= radius && (from === undefined || e.ts >= from) && (to === undefined || e.ts < to) && (family === undefined || e.family === family))
      .sort((a, b) => a.d - b.d || (a.e.id < b.e.id ? -1 : 1));

  it("returns exactly the brute-force result set, nearest first, with distance_m", async () => {
    const rnd = mulberry32(99);
    const t0 = Date.UTC(2026, 5, 1);
    let nonEmpty = 0;
    for (let q = 0; q < 12; q++) {
      const lat = -1.5 + (rnd() - 0.5) * 0.8;
      const lon = 35 + (rnd() - 0.5) * 0.8;
      const radius = 2_000 + rnd() * 25_000;
      const windowed = q % 3 !== 0;
      const from = windowed ? t0 + Math.floor(rnd() * 15) * 86_400_000 : undefined;
      const to = windowed ? from! + Math.floor(1 + rnd() * 15) * 86_400_000 : undefined;
      const family = q % 4 === 3 ? families[1] : undefined;
      const expected = brute(lat, lon, radius, from, to, family);
      const qs = new URLSearchParams({ lat: String(lat), lon: String(lon), radius_m: String(radius), limit: "1000" });
      if (from !== undefined) qs.set("from", new Date(from).toISOString());
      if (to !== undefined) qs.set("to", String(to));
      if (family) qs.set("family", family);
      const r = await t.api.get(`/api/v1/events/nearby?${qs}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.next_cursor).toBeNull();
      expect(r.body.items.map((i: any) => i.id)).toEqual(expected.map((x) => x.e.id));
      r.body.items.forEach((item: any, k: number) => expect(item.distance_m).toBeCloseTo(expected[k]!.d, 3));
      if (expected.length) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(6);
  });

  it("pages through a large radius in distance order without gaps or repeats", async () => {
    const expected = brute(-1.5, 35, 40_000);
    expect(expected.length).toBeGreaterThan(100);
    const got: any[] = [];
    let cursor: string | null = null;
    do {
      const r: { status: number; body: any } = await t.api.get(
        `/api/v1/events/nearby?lat=-1.5&lon=35&radius_m=40000&limit=37${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(r.status).toBe(200);
      got.push(...r.body.items);
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(got.map((i) => i.id)).toEqual(expected.map((x) => x.e.id));
    expect(got[0]).toMatchObject({ family_id: expect.any(String), description: expect.any(String), ts: expect.any(String) });
  });

  it("lists every invalid query field", async () => {
    const none = await t.api.get("/api/v1/events/nearby");
    expect(none.status).toBe(400);
    expect(none.body.errors).toEqual(
      expect.arrayContaining([
        { path: "lat", message: "is required" },
        { path: "lon", message: "is required" },
        { path: "radius_m", message: "is required" },
      ]),
    );
    const bad = await t.api.get("/api/v1/events/nearby?lat=abc&lon=200&radius_m=-1&from=x&limit=0");
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        { path: "lat", message: "must be a number" },
        { path: "lon", message: "must be between -180 and 180" },
        { path: "radius_m", message: "must be between 0 and 1000000" },
        { path: "from", message: "must be an ISO 8601 time or epoch milliseconds" },
        { path: "limit", message: "must be between 1 and 1000" },
      ]),
    );
    expect(bad.body.errors).toHaveLength(5);
    const rev = await t.api.get("/api/v1/events/nearby?lat=0&lon=0&radius_m=10&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z");
    expect(rev.body.errors).toEqual([{ path: "from", message: "must not be after to" }]);
  });

  it("a device token gets 403 and no token 401 on every one of them; the admin token passes", async () => {
    expect((await t.api.post("/api/v1/collars", { id: "ROLE01" })).status).toBe(201);
    const device = (await t.api.post("/api/v1/collars/ROLE01/token")).body.token as string;
    const herd = (await t.api.post("/api/v1/herds", { species_name: "elephant" })).body.id;
    const fam = (await t.api.post("/api/v1/families", { herd_id: herd, friendly_name: "R" })).body.id;
    const animal = (await t.api.post("/api/v1/animals", { name: "R", species: "elephant", family_id: fam })).body.id;
    const ids: Record<string, string> = { herds: herd, families: fam, animals: animal };
    const mine = t.server
      .routes()
      .filter((r) => /^\/api\/v1\/(herds|families|animals|observations|events)(\/|$)/.test(r.path) && r.access !== "public" && r.access !== "tracking");
    const expected = [
      "GET /api/v1/herds", "POST /api/v1/herds", "GET /api/v1/herds/:id", "PATCH /api/v1/herds/:id", "DELETE /api/v1/herds/:id",
      "GET /api/v1/families", "POST /api/v1/families", "GET /api/v1/families/:id", "PATCH /api/v1/families/:id", "DELETE /api/v1/families/:id",
      "GET /api/v1/families/:id/observations", "POST /api/v1/families/:id/observations", "GET /api/v1/families/:id/events", "POST /api/v1/families/:id/events",
      "GET /api/v1/animals", "POST /api/v1/animals", "GET /api/v1/animals/:id", "PUT /api/v1/animals/:id", "PATCH /api/v1/animals/:id", "DELETE /api/v1/animals/:id",
      "GET /api/v1/observations", "POST /api/v1/observations", "GET /api/v1/events", "GET /api/v1/events/nearby",
    ];
    const have = mine.map((r) => `${r.method} ${r.path}`);
    for (const e of expected) expect(have).toContain(e);
    // Roles from API.md: viewers read; rangers write observations and events; managers manage the rest.
    const access = Object.fromEntries(mine.map((r) => [`${r.method} ${r.path}`, r.access]));
    for (const e of expected) {
      const want = e.startsWith("GET ") ? "viewer" : /observations|events/.test(e) ? "ranger" : "manager";
      expect(access[e], e).toBe(want);
    }
    for (const r of mine) {
      const path = r.path.replace(/^\/api\/v1\/(\w+)\/:id/, (_m, res: string) => `/api/v1/${res}/${ids[res] ?? "x"}`).replace(/:\w+/g, "x");
      const body = r.method === "GET" || r.method === "DELETE" ? undefined : {};
      const dev = await t.api.call(r.method, path, body, device);
      expect(dev.status, `${r.method} ${path} with a device token`).toBe(403);
      expect(dev.headers.get("content-type")).toContain("application/problem+json");
      const anon = await t.api.call(r.method, path, body, null);
      expect(anon.status, `${r.method} ${path} without a token`).toBe(401);
    }
    // The admin token passes the role check (reads succeed).
    for (const p of ["/api/v1/herds", `/api/v1/herds/${herd}`, `/api/v1/families/${fam}/events`, "/api/v1/observations", "/api/v1/events"]) {
      expect((await t.api.get(p)).status, p).toBe(200);
    }
  });
});
