// REST tracking through the one ingest pipeline: bulk upload with exact per-item results, single fixes
// with roles, late fixes that do not move the live status, stored-fix queries, and /overtime against
// an independent computation over the stored rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";

const T0 = Date.UTC(2026, 10, 18, 0);
const MIN = 60_000;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

describe.each(DATABASE_KINDS)("tracking REST on %s", (kind) => {
  let tdb: TestDatabase;
  let ts: TestServer;
  const collars = ["BK0", "BK1", "BK2", "BK3", "BK4"];
  let herdA = "";
  let herdB = "";

  beforeAll(async () => {
    tdb = await createTestDatabase(kind);
    ts = await startTestServer(tdb);
    const api = ts.api;
    herdA = (await api.post("/api/v1/herds", { species_name: "elephant", name: "A" })).body.id;
    herdB = (await api.post("/api/v1/herds", { species_name: "elephant", name: "B" })).body.id;
    const famA = (await api.post("/api/v1/families", { herd_id: herdA, friendly_name: "fa" })).body.id;
    const famB = (await api.post("/api/v1/families", { herd_id: herdB, friendly_name: "fb" })).body.id;
    for (const [i, c] of collars.entries()) await deployedAnimal(api, c, { family_id: i < 3 ? famA : famB });
  }, 60_000);
  afterAll(async () => {
    await ts?.server.close();
    await tdb?.drop();
  });

  it("bulk upload of 10,000 mixed items gives exact per-item results and stores the valid ones once", async () => {
    const api = ts.api;
    const fix = (c: string, k: number) => ({ collar: c, ts: new Date(T0 + k * 15_000).toISOString(), lat: -1.5 + k * 1e-4, lon: 35 + (k % 7) * 1e-4 });
    // 300 fixes already stored (per collar the first 60).
    const pre = collars.flatMap((c) => Array.from({ length: 60 }, (_, k) => fix(c, k)));
    const first = await api.post("/api/v1/tracking/bulk_upload", pre);
    expect(first.status).toBe(200);
    expect(first.body.counts).toEqual({ stored: 300, duplicate: 0, quarantined: 0, invalid: 0 });

    const rand = rng(3);
    const items: unknown[] = [];
    const expected: Array<{ result: string; path?: string }> = [];
    const seen = new Set<string>(pre.map((f) => `${f.collar}|${f.ts}`));
    let next = 60;
    let newStored = 0;
    while (items.length < 10_000) {
      const r = rand();
      const c = collars[Math.floor(rand() * collars.length)]!;
      if (r < 0.6) {
        const f = fix(c, next++ * 1 + 0);
        const key = `${f.collar}|${f.ts}`;
        items.push(f);
        expected.push({ result: seen.has(key) ? "duplicate" : "stored" });
        if (!seen.has(key)) newStored++;
        seen.add(key);
      } else if (r < 0.7) {
        const f = fix(c, Math.floor(rand() * 60)); // already stored before this request
        items.push(f);
        expected.push({ result: "duplicate" });
      } else if (r < 0.78 && items.length > 0) {
        // repeat of an earlier valid item of this request
        const j = Math.floor(rand() * items.length);
        const e = expected[j]!;
        if (e.result === "stored" || e.result === "duplicate") {
          items.push({ ...(items[j] as object) });
          expected.push({ result: "duplicate" });
        }
      } else if (r < 0.82) {
        items.push({ collar: `UNREG${Math.floor(rand() * 3)}`, ts: new Date(T0 + items.length * 1000).toISOString(), lat: 1, lon: 2 });
        expected.push({ result: "quarantined" });
      } else if (r < 0.86) {
        items.push({ ...fix(c, 99_999), lat: 123 });
        expected.push({ result: "invalid", path: "lat" });
      } else if (r < 0.9) {
        const { ts: _ts, ...noTs } = fix(c, 99_998);
        items.push(noTs);
        expected.push({ result: "invalid", path: "ts" });
      } else if (r < 0.94) {
        const { collar: _c, ...noCollar } = fix(c, 99_997);
        items.push(noCollar);
        expected.push({ result: "invalid", path: "collar" });
      } else if (r < 0.97) {
        items.push(rand() < 0.5 ? "not a fix" : null);
        expected.push({ result: "invalid", path: "(root)" });
      } else {
        items.push({ ...fix(c, 99_996), ts: "yesterday" });
        expected.push({ result: "invalid", path: "ts" });
      }
    }
    const t = Date.now();
    const res = await api.post("/api/v1/tracking/bulk_upload", items);
    const took = Date.now() - t;
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(10_000);
    res.body.items.forEach((it: { index: number; result: string; errors?: Array<{ path: string }> }, i: number) => {
      expect(it.index).toBe(i);
      expect(it.result, `item ${i} ${JSON.stringify(items[i])}`).toBe(expected[i]!.result);
      if (expected[i]!.path) expect(it.errors?.map((e) => e.path)).toContain(expected[i]!.path);
    });
    const count = (r: string) => expected.filter((e) => e.result === r).length;
    expect(res.body.counts).toEqual({ stored: count("stored"), duplicate: count("duplicate"), quarantined: count("quarantined"), invalid: count("invalid") });
    expect(count("stored")).toBe(newStored);
    const db = ts.server.db;
    const stored = await db.query<{ n: number; d: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT (collar_id, ts))::int AS d FROM fixes WHERE collar_id = ANY($1)",
      [collars],
    );
    expect(stored.rows[0]).toEqual({ n: 300 + newStored, d: 300 + newStored });
    const q = await db.query<{ n: number }>("SELECT count(DISTINCT (collar_id, ts))::int AS n FROM quarantined_fixes WHERE collar_id LIKE 'UNREG%'");
    expect(q.rows[0]!.n).toBe(new Set(items.filter((x: any) => x?.collar?.startsWith?.("UNREG")).map((x: any) => `${x.collar}|${x.ts}`)).size);
    console.log(`[${kind}] bulk_upload of 10,000 items: ${took} ms`);

    // Too many items: one 400 naming the limit.
    const tooMany = await api.post("/api/v1/tracking/bulk_upload", Array.from({ length: 10_001 }, () => ({})));
    expect(tooMany.status).toBe(400);
  }, 60_000);

  it("POST /tracking: device tokens, roles, duplicates, quarantine; a late fix does not move live_status", async () => {
    const api = ts.api;
    const { animalId } = await deployedAnimal(api, "LATE1", { species: "giraffe" });
    const tok = await api.post("/api/v1/collars/LATE1/token");
    expect(tok.status).toBe(201);
    const dev = apiClient(ts.server.url, tok.body.token);
    const at = (m: number) => new Date(T0 + 3 * 86_400_000 + m * MIN).toISOString();

    const a = await dev.post("/api/v1/tracking", { ts: at(0), lat: -2, lon: 36 });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ result: "stored", collar: "LATE1", animal: animalId });
    expect((await dev.post("/api/v1/tracking", { ts: at(10), lat: -2.01, lon: 36.01, collar: "LATE1" })).body.result).toBe("stored");
    expect((await dev.post("/api/v1/tracking", { ts: at(10), lat: -2.01, lon: 36.01 })).body.result).toBe("duplicate");
    // A collar token may not send another collar's fixes, nor call other REST endpoints.
    const other = await dev.post("/api/v1/tracking", { ts: at(11), lat: -2, lon: 36, collar: "BK0" });
    expect(other.status).toBe(403);
    expect((await dev.get("/api/v1/animals")).status).toBe(403);
    expect((await dev.get("/api/v1/animals/live_status")).status).toBe(403);
    expect((await dev.post("/api/v1/tracking/bulk_upload", [{ ts: at(12), lat: -2, lon: 36 }])).body.items[0].result).toBe("stored");
    // User tokens must name the collar; validation lists every bad field.
    const noCollar = await api.post("/api/v1/tracking", { ts: at(13), lat: 95, lon: 36 });
    expect(noCollar.status).toBe(400);
    expect(noCollar.body.errors.map((e: { path: string }) => e.path)).toEqual(["lat"]);
    const noCollar2 = await api.post("/api/v1/tracking", { ts: at(13), lat: 5, lon: 36 });
    expect(noCollar2.body.errors).toEqual([{ path: "collar", message: "is required" }]);
    expect((await api.post("/api/v1/tracking", { ts: at(13), lat: 5, lon: 36, collar: "NOPE9" })).body).toMatchObject({ result: "quarantined", reason: "unknown_collar" });
    expect((await api.post("/api/v1/tracking", {}, null)).status).toBe(401);

    const status = async () => (await api.get(`/api/v1/animals/live_status?species=giraffe`)).body.items as any[];
    const before = await status();
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ animal: animalId, latest: { ts: at(12), lat: -2, lon: 36 } });
    // A live forecast is made from the latest fixes (at most one per animal per WT_PREDICT_INTERVAL_S).
    expect(before[0].predicted_position === null || before[0].predicted_position.length === 3).toBe(true);
    // Late fix (older than the latest): stored and analysed, flagged, but the live position stays.
    const late = await dev.post("/api/v1/tracking", { ts: at(5), lat: -3, lon: 37 });
    expect(late.body.result).toBe("stored");
    expect((await status())[0].latest).toEqual(before[0].latest);
    const live = (await api.get(`/api/v1/tracking/live_tracking?species=giraffe`)).body.items;
    expect(live[0]).toMatchObject({ animal: animalId, ts: at(12), lat: -2, lon: 36 });
    const track = await api.get(`/api/v1/tracking?animal=${animalId}`);
    expect(track.body.items.map((f: { ts: string }) => f.ts)).toEqual([at(0), at(5), at(10), at(12)]);
    expect(track.body.items[1].quality).toContain("out_of_order");
    // by_animal, pagination, bbox
    const p1 = await api.get(`/api/v1/tracking/by_animal?animal_id=${animalId}&limit=3`);
    const p2 = await api.get(`/api/v1/tracking/by_animal?animal_id=${animalId}&limit=3&cursor=${p1.body.next_cursor}`);
    expect([...p1.body.items, ...p2.body.items].map((f: { ts: string }) => f.ts)).toEqual([at(0), at(5), at(10), at(12)]);
    expect(p2.body.next_cursor).toBeNull();
    expect((await api.get(`/api/v1/tracking/by_animal?animal_id=nope`)).status).toBe(404);
    const boxed = await api.get(`/api/v1/tracking?animal=${animalId}&bbox=36.5,-3.5,37.5,-2.5`);
    expect(boxed.body.items.map((f: { ts: string }) => f.ts)).toEqual([at(5)]);
    const bad = await api.get(`/api/v1/tracking?bbox=1,2,3&from=x`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["bbox", "from"]);
  }, 60_000);

  it("GET /overtime matches an independent computation over the stored rows", async () => {
    const api = ts.api;
    const db = ts.server.db;
    // Observations of the families (table from sql/0010).
    const fams = (await db.query<{ id: string; herd_id: string }>("SELECT id, herd_id FROM families")).rows;
    const rand = rng(11);
    for (let i = 0; i < 40; i++) {
      const f = fams[i % fams.length]!;
      await db.query("INSERT INTO observations (id, family_id, ts, lat, lon, size, health) VALUES ($1, $2, to_timestamp($3 / 1000.0), -1.5, 35, $4, $5)", [
        `obs-${kind}-${i}`, f.id, T0 + Math.floor(rand() * 30 * 60) * MIN, Math.floor(rand() * 20), Math.round(rand() * 100) / 10,
      ]);
    }
    const fixes = (
      await db.query<{ ms: number; animal_id: string; step_m: number | null; speed_kmh: number | null; herd_id: string }>(
        `SELECT extract(epoch FROM x.ts) * 1000 AS ms, x.animal_id, x.step_m, x.speed_kmh, f.herd_id
           FROM fixes x LEFT JOIN animals a ON a.id = x.animal_id LEFT JOIN families f ON f.id = a.family_id`,
      )
    ).rows.map((r) => ({ ...r, ms: Number(r.ms) }));
    const obs = (await db.query<{ ms: number; size: number | null; health: number | null; herd_id: string }>(
      `SELECT extract(epoch FROM o.ts) * 1000 AS ms, o.size, o.health, f.herd_id FROM observations o JOIN families f ON f.id = o.family_id`,
    )).rows.map((r) => ({ ...r, ms: Number(r.ms) }));
    const ORIGIN = Date.UTC(2000, 0, 3);
    const check = async (bucket: string, width: number, from: number, to: number, herd?: string) => {
      const want = new Map<number, { fixes: number; animals: Set<string>; dist: number; sp: number[]; obs: number; size: number[]; health: number[] }>();
      const get = (ms: number) => {
        const b = ORIGIN + Math.floor((ms - ORIGIN) / width) * width;
        let e = want.get(b);
        if (!e) want.set(b, (e = { fixes: 0, animals: new Set(), dist: 0, sp: [], obs: 0, size: [], health: [] }));
        return e;
      };
      for (const f of fixes) {
        if (f.ms < from || f.ms >= to || (herd && f.herd_id !== herd)) continue;
        const e = get(f.ms);
        e.fixes++;
        e.animals.add(f.animal_id);
        e.dist += f.step_m ?? 0;
        if (f.speed_kmh !== null) e.sp.push(Number(f.speed_kmh));
      }
      for (const o of obs) {
        if (o.ms < from || o.ms >= to || (herd && o.herd_id !== herd)) continue;
        const e = get(o.ms);
        e.obs++;
        if (o.size !== null) e.size.push(Number(o.size));
        if (o.health !== null) e.health.push(Number(o.health));
      }
      const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
      const res = await api.get(`/api/v1/overtime?bucket=${bucket}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}${herd ? `&herd=${herd}` : ""}`);
      expect(res.status).toBe(200);
      const expected = [...want.entries()].sort((a, b) => a[0] - b[0]);
      expect(res.body.items.map((i: { bucket: string }) => i.bucket)).toEqual(expected.map(([b]) => new Date(b).toISOString()));
      res.body.items.forEach((it: any, i: number) => {
        const e = expected[i]![1];
        expect(it.fixes).toBe(e.fixes);
        expect(it.animals).toBe(e.animals.size);
        expect(it.distance_m).toBeCloseTo(e.dist, 1);
        const ms = mean(e.sp);
        if (ms === null) expect(it.mean_speed).toBeNull();
        else expect(it.mean_speed).toBeCloseTo(ms, 3);
        expect(it.observations).toBe(e.obs);
        for (const [k, xs] of [["mean_size", e.size], ["mean_health", e.health]] as const) {
          const m = mean(xs);
          if (m === null) expect(it[k]).toBeNull();
          else expect(it[k]).toBeCloseTo(m, 4);
        }
      });
      return res.body.items.length;
    };
    const end = T0 + 4 * 86_400_000;
    expect(await check("1h", 3_600_000, T0, end)).toBeGreaterThan(5);
    expect(await check("15m", 15 * MIN, T0 + 7 * MIN, T0 + 20 * 3_600_000, herdA)).toBeGreaterThan(5);
    await check("1d", 86_400_000, T0 - 86_400_000, end, herdB);
    await check("7d", 7 * 86_400_000, T0 - 30 * 86_400_000, end);
    const badBucket = await api.get("/api/v1/overtime?bucket=2h&from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z");
    expect(badBucket.status).toBe(400);
    expect(badBucket.body.errors.map((e: { path: string }) => e.path)).toEqual(["bucket"]);
    const tooLong = await api.get("/api/v1/overtime?bucket=1d&from=2020-01-01T00:00:00Z&to=2022-01-01T00:00:00Z");
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual([{ path: "to", message: "the range from..to is at most 366 days" }]);
    expect((await api.get("/api/v1/overtime?from=2022-01-02T00:00:00Z&to=2022-01-01T00:00:00Z")).status).toBe(400);
  }, 60_000);
});
