// Randomized agreement with PostGIS: the engine's answer for every (point, fence) pair equals
// ST_Covers(geometry, point) on SRID 4326 `geometry` (planar lon/lat, not geography), including
// points exactly on vertices and edges. Vertices lie on a 2^-10° grid so edge midpoints are exactly
// representable (and exactly on the edge) and PostGIS's floating orientation test is exact too.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FenceIndex } from "../../engine/fences/index.ts";
import type { Fence, Position } from "../../engine/fences/types.ts";
import { validateFenceGeometry } from "../../engine/fences/validate.ts";
import { Rng } from "../../simulator/random.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";


const GRID = 1024;
const snap = (v: number) => Math.round(v * GRID) / GRID;

/** A star-shaped ring around (cx, cy): n corners at jittered, sorted angles, radii in [r0, r1]. */
function star(rnd: () => number, cx: number, cy: number, r0: number, r1: number, n: number): Position[] {
  const ring: Position[] = [];
  for (let i = 0; i < n; i++) {
    const a = ((i + 0.8 * rnd()) / n) * 2 * Math.PI;
    const r = r0 + (r1 - r0) * rnd();
    ring.push([snap(cx + r * Math.cos(a)), snap(cy + r * Math.sin(a))]);
  }
  ring.push([ring[0]![0], ring[0]![1]]);
  return ring;
}

function randomPolygon(rnd: () => number, cx: number, cy: number): Position[][] {
  const r1 = 0.3 + rnd() * 1.2;
  const r0 = r1 * 0.5;
  const rings = [star(rnd, cx, cy, r0, r1, 5 + Math.floor(rnd() * 40))];
  if (rnd() < 0.6) rings.push(star(rnd, cx, cy, r0 * 0.15, r0 * 0.6, 3 + Math.floor(rnd() * 12)));
  return rings;
}

describe("fences: engine agrees with PostGIS ST_Covers(geometry, point)", () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query("CREATE EXTENSION IF NOT EXISTS postgis");
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it("thousands of seeded random points, polygons with holes and multipolygons", async () => {
    const rng = new Rng(20240604); // the project's seeded generator
    const rnd = () => rng.uniform();
    const fences: Fence[] = [];
    let attempts = 0;
    while (fences.length < 60 && attempts++ < 500) {
      const cx = 30 + rnd() * 6;
      const cy = -3 + rnd() * 6;
      const geometry = rnd() < 0.35
        ? { type: "MultiPolygon", coordinates: [randomPolygon(rnd, cx, cy), randomPolygon(rnd, cx + 3.5, cy + 0.5)] }
        : { type: "Polygon", coordinates: randomPolygon(rnd, cx, cy) };
      const v = validateFenceGeometry(geometry);
      if (!v.ok) continue; // a rare snapped star may self-touch; the validator refuses it
      fences.push({ id: `f${fences.length}`, kind: rnd() < 0.5 ? "corridor" : "risk_zone", name: "", area: v.area, rules: {} });
    }
    expect(fences.length).toBe(60);

    // Points: random doubles in the region, plus every vertex and every edge midpoint of some fences.
    const pts: number[] = [];
    for (let i = 0; i < 4000; i++) pts.push(29 + rnd() * 12, -5 + rnd() * 10);
    let onBorder = 0;
    for (const f of fences.slice(0, 20)) {
      const polys = f.area.type === "Polygon" ? [f.area.coordinates] : f.area.coordinates;
      for (const ring of polys.flat()) {
        for (let i = 0; i + 1 < ring.length; i++) {
          const [ax, ay] = ring[i]!;
          const [bx, by] = ring[i + 1]!;
          pts.push(ax, ay, (ax + bx) / 2, (ay + by) / 2);
          onBorder += 2;
        }
      }
    }
    expect(onBorder).toBeGreaterThan(500);
    const points = Float64Array.from(pts);
    const n = points.length / 2;

    await client.query("CREATE TABLE fence (i int PRIMARY KEY, geom geometry(Geometry, 4326) NOT NULL)");
    for (const [i, f] of fences.entries()) {
      await client.query("INSERT INTO fence VALUES ($1, ST_SetSRID(ST_GeomFromGeoJSON($2), 4326))", [i, JSON.stringify(f.area)]);
    }
    const invalid = await client.query("SELECT i, ST_IsValidReason(geom) AS why FROM fence WHERE NOT ST_IsValid(geom)");
    expect(invalid.rows).toEqual([]); // what our validator accepts, PostGIS calls valid
    const xs = Array.from({ length: n }, (_, i) => points[2 * i]!);
    const ys = Array.from({ length: n }, (_, i) => points[2 * i + 1]!);
    const res = await client.query<{ p: number; f: number }>(
      `SELECT p.ord - 1 AS p, f.i AS f
         FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(x, y, ord)
         JOIN fence f ON ST_Covers(f.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326))
        ORDER BY 1, 2`,
      [xs, ys],
    );
    const expected = res.rows.map((r) => `${r.p}:${r.f}`);

    const index = new FenceIndex(fences);
    const got: string[] = [];
    const batch = index.queryMany(points);
    for (let i = 0; i < n; i++) for (let k = batch.offsets[i]!; k < batch.offsets[i + 1]!; k++) got.push(`${i}:${batch.fences[k]}`);
    expect(got.length).toBeGreaterThan(1000);
    expect(got).toEqual(expected);
    // The single-point API agrees with the batch one.
    for (let i = 0; i < n; i += 7) {
      expect(index.containing(points[2 * i]!, points[2 * i + 1]!)).toEqual(Array.from(batch.fences.subarray(batch.offsets[i]!, batch.offsets[i + 1]!)));
    }
  });
});
