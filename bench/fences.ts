// Fence point checks: FenceIndex (Flatbush + exact PIP) vs @turf/turf brute force vs PostGIS, same
// seeded data, same run. 1,000 star-shaped fences of 50–500 vertices (with holes in some) in a
// 10°×10° region, 1 million seeded points in it. A "check" answers "which fences cover this point".
// Run: node bin/run-ts.mjs bench/fences.ts [--quick]   (PG_URL / TEST_PG_ADMIN_URL for PostGIS)
import { booleanPointInPolygon } from "@turf/turf";
import pg from "pg";
import { FenceIndex } from "../engine/fences/index.ts";
import type { Fence, Position } from "../engine/fences/types.ts";
import { validateFenceGeometry } from "../engine/fences/validate.ts";
import { createTestDatabase } from "../test/helpers/databases.ts";
import { fmtInt, mulberry32 } from "./lib/stats.ts";

const QUICK = process.argv.includes("--quick");
const FENCES = 1_000;
const POINTS = QUICK ? 200_000 : 1_000_000;
const TURF_POINTS = QUICK ? 300 : 2_000;
const PG_POINTS = QUICK ? 20_000 : 200_000;
const REPEATS = QUICK ? 3 : 5;

const rnd = mulberry32(42);
function star(cx: number, cy: number, r0: number, r1: number, n: number): Position[] {
  const ring: Position[] = [];
  for (let i = 0; i < n; i++) {
    const a = ((i + 0.8 * rnd()) / n) * 2 * Math.PI;
    const r = r0 + (r1 - r0) * rnd();
    ring.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  ring.push([ring[0]![0], ring[0]![1]]);
  return ring;
}

let t0 = performance.now();
const fences: Fence[] = [];
let vertices = 0;
while (fences.length < FENCES) {
  const cx = 30 + rnd() * 10, cy = -5 + rnd() * 10;
  const r1 = 0.05 + rnd() * 0.25;
  const n = 50 + Math.floor(rnd() * 451);
  const rings = [star(cx, cy, r1 * 0.6, r1, n)];
  if (rnd() < 0.3) rings.push(star(cx, cy, r1 * 0.1, r1 * 0.4, 12));
  const v = validateFenceGeometry({ type: "Polygon", coordinates: rings });
  if (!v.ok) continue;
  vertices += rings.reduce((s, r) => s + r.length, 0);
  fences.push({ id: `f${fences.length}`, kind: fences.length % 3 === 0 ? "risk_zone" : "corridor", name: "", area: v.area, rules: {} });
}
console.log(`fences: ${FENCES} (${fmtInt(vertices)} vertices) generated + validated in ${(performance.now() - t0).toFixed(0)} ms`);

const points = new Float64Array(POINTS * 2);
for (let i = 0; i < POINTS; i++) {
  points[2 * i] = 29.7 + rnd() * 10.6;
  points[2 * i + 1] = -5.3 + rnd() * 10.6;
}

// Engine.
t0 = performance.now();
const index = new FenceIndex(fences);
console.log(`FenceIndex build: ${(performance.now() - t0).toFixed(1)} ms`);
const counts = new Uint32Array(POINTS);
index.countMany(points.subarray(0, 20_000), counts); // warm-up
const times: number[] = [];
for (let r = 0; r < REPEATS; r++) {
  const s = performance.now();
  index.countMany(points, counts);
  times.push(performance.now() - s);
}
let hits = 0;
for (const c of counts) hits += c;
const best = Math.min(...times), mean = times.reduce((a, b) => a + b, 0) / times.length;
const engineRate = POINTS / (best / 1000);
console.log(`engine countMany: ${fmtInt(POINTS)} points, min ${best.toFixed(0)} ms, mean ${mean.toFixed(0)} ms → ${fmtInt(engineRate)} checks/s/core (mean ${fmtInt(POINTS / (mean / 1000))}); ${fmtInt(hits)} point-in-fence hits`);
const sBatch = performance.now();
const batch = index.queryMany(points);
const batchMs = performance.now() - sBatch;
console.log(`engine queryMany (with fence lists): ${fmtInt(POINTS / (batchMs / 1000))} checks/s/core`);
const sq = performance.now();
const QN = Math.min(POINTS, 200_000);
for (let i = 0; i < QN; i++) index.query(points[2 * i]!, points[2 * i + 1]!);
console.log(`engine query() (id lists, one point at a time): ${fmtInt(QN / ((performance.now() - sq) / 1000))} checks/s/core`);

// Turf brute force: booleanPointInPolygon against every fence.
const polys = fences.map((f) => f.area);
let turfHits = 0;
let mismatches = 0;
const st = performance.now();
for (let i = 0; i < TURF_POINTS; i++) {
  const pt: [number, number] = [points[2 * i]!, points[2 * i + 1]!];
  let c = 0;
  for (const p of polys) if (booleanPointInPolygon(pt, p)) c++;
  turfHits += c;
  if (c !== counts[i]) mismatches++;
}
const turfRate = TURF_POINTS / ((performance.now() - st) / 1000);
console.log(`turf brute force: ${fmtInt(TURF_POINTS)} points × ${FENCES} fences → ${fmtInt(turfRate)} checks/s/core (${turfHits} hits, ${mismatches} disagreements with the engine)`);

// PostGIS: one query checking N points with ST_Covers against a GiST-indexed fence table.
let pgRate = NaN;
try {
  const db = await createTestDatabase("postgres");
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query("CREATE EXTENSION IF NOT EXISTS postgis");
    await client.query("CREATE TABLE fence (i int PRIMARY KEY, geom geometry(Polygon, 4326) NOT NULL)");
    await client.query(
      "INSERT INTO fence SELECT ord - 1, ST_SetSRID(ST_GeomFromGeoJSON(g), 4326) FROM unnest($1::text[]) WITH ORDINALITY AS t(g, ord)",
      [polys.map((p) => JSON.stringify(p))],
    );
    await client.query("CREATE INDEX ON fence USING gist (geom)");
    await client.query("ANALYZE fence");
    await client.query("SET max_parallel_workers_per_gather = 0"); // per core
    const xs = Array.from({ length: PG_POINTS }, (_, i) => points[2 * i]!);
    const ys = Array.from({ length: PG_POINTS }, (_, i) => points[2 * i + 1]!);
    const sql = `SELECT count(*)::int AS n FROM unnest($1::float8[], $2::float8[]) AS p(x, y)
                   JOIN fence f ON ST_Covers(f.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326))`;
    await client.query(sql, [xs.slice(0, 2000), ys.slice(0, 2000)]); // warm-up
    const sp = performance.now();
    const r = await client.query<{ n: number }>(sql, [xs, ys]);
    pgRate = PG_POINTS / ((performance.now() - sp) / 1000);
    let engineHits = 0;
    for (let i = 0; i < PG_POINTS; i++) engineHits += counts[i]!;
    console.log(`PostGIS ST_Covers + GiST: ${fmtInt(PG_POINTS)} points in one query → ${fmtInt(pgRate)} checks/s (1 backend; ${r.rows[0]!.n} hits vs engine ${engineHits})`);
  } finally {
    await client.end();
    await db.drop();
  }
} catch (e) {
  console.log(`PostGIS: skipped (${(e as Error).message})`);
}

console.log("");
console.log(`engine / turf brute force: ${(engineRate / turfRate).toFixed(0)}×   (target ≥ 50×)`);
if (Number.isFinite(pgRate)) console.log(`engine / PostGIS:          ${(engineRate / pgRate).toFixed(1)}×`);
console.log(`engine checks/s/core:      ${fmtInt(engineRate)}   (target ≥ 1,000,000 with ${FENCES} fences) ${engineRate >= 1e6 ? "OK" : "BELOW TARGET"}`);
void batch;
