// Time-bucketed summaries for GET /overtime, and family places for GET /nearby/families.
//
// Buckets: time_bucket under TimescaleDB, date_bin otherwise, both from the same origin (Monday
// 2000-01-03 00:00 UTC), so 7-day buckets start on Mondays and the two branches agree.
// Under TimescaleDB, buckets of whole hours over an hour-aligned range read the fixes_hourly
// continuous aggregate (sql/0008); elsewhere (and always on the native branch, where fixes_hourly
// is a plain view that cannot narrow its scan by time) the fixes table is read directly.
import type { Database, Queryable } from "../database.ts";
import { iso } from "./rows.ts";

export const BUCKETS = { "15m": 15 * 60_000, "1h": 3_600_000, "6h": 6 * 3_600_000, "1d": 86_400_000, "7d": 7 * 86_400_000 } as const;
export type BucketName = keyof typeof BUCKETS;
const ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'";

export interface OvertimeFilter {
  bucket: BucketName;
  from: number; // epoch ms, inclusive
  to: number; // epoch ms, exclusive
  herd?: string;
  family?: string;
  animal?: string;
}

export interface OvertimeItem {
  bucket: string;
  fixes: number;
  animals: number;
  distance_m: number;
  mean_speed: number | null; // km/h, mean of the derived per-fix speeds
  observations: number;
  mean_size: number | null;
  mean_health: number | null;
}

const timescale = new WeakMap<Database, Promise<boolean>>();
export function hasTimescale(db: Database): Promise<boolean> {
  let p = timescale.get(db);
  if (!p) {
    p = db.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").then((r) => r.rows.length > 0);
    p.catch(() => timescale.delete(db));
    timescale.set(db, p);
  }
  return p;
}

const interval = (ms: number) => `${ms / 60_000} minutes`;

export async function overtime(db: Database, f: OvertimeFilter): Promise<OvertimeItem[]> {
  const ts = await hasTimescale(db);
  const width = BUCKETS[f.bucket];
  const bin = (col: string) => (ts ? `time_bucket($1::interval, ${col}, ${ORIGIN})` : `date_bin($1::interval, ${col}, ${ORIGIN})`);
  const filtered = f.herd !== undefined || f.family !== undefined || f.animal !== undefined;
  // $1 interval, $2 from ms, $3 to ms, $4 herd, $5 family, $6 animal
  const params = [interval(width), f.from, f.to, f.herd ?? null, f.family ?? null, f.animal ?? null];
  const animalSet = `animal_id = ANY (ARRAY(
      SELECT a.id FROM animals a LEFT JOIN families fa ON fa.id = a.family_id
       WHERE ($4::text IS NULL OR fa.herd_id = $4) AND ($5::text IS NULL OR a.family_id = $5) AND ($6::text IS NULL OR a.id = $6)))`;
  const useHourly = ts && width % 3_600_000 === 0 && f.from % 3_600_000 === 0 && f.to % 3_600_000 === 0;
  const fixesSql = useHourly
    ? `SELECT ${bin("bucket")} AS b, sum(fixes)::float8 AS fixes, count(DISTINCT animal_id)::int AS animals,
              coalesce(sum(distance_m), 0)::float8 AS distance_m,
              (sum(mean_speed_kmh * fixes) / nullif(sum(fixes) FILTER (WHERE mean_speed_kmh IS NOT NULL), 0))::float8 AS mean_speed
         FROM fixes_hourly
        WHERE bucket >= to_timestamp($2 / 1000.0) AND bucket < to_timestamp($3 / 1000.0) ${filtered ? `AND ${animalSet}` : "AND $4::text IS NULL AND $5::text IS NULL AND $6::text IS NULL"}
        GROUP BY 1`
    : `SELECT ${bin("ts")} AS b, count(*)::float8 AS fixes, count(DISTINCT animal_id)::int AS animals,
              coalesce(sum(step_m::float8), 0) AS distance_m, avg(speed_kmh::float8) AS mean_speed
         FROM fixes
        WHERE ts >= to_timestamp($2 / 1000.0) AND ts < to_timestamp($3 / 1000.0) ${filtered ? `AND ${animalSet}` : "AND $4::text IS NULL AND $5::text IS NULL AND $6::text IS NULL"}
        GROUP BY 1`;
  // Observations: of the family (or of an animal) in the herd / family, or of the animal.
  const obsSql = `
      SELECT ${bin("o.ts")} AS b, count(*)::int AS observations, avg(o.size::float8) AS mean_size, avg(o.health::float8) AS mean_health
        FROM observations o
        LEFT JOIN animals a ON a.id = o.animal_id
       WHERE o.ts >= to_timestamp($2 / 1000.0) AND o.ts < to_timestamp($3 / 1000.0)
         AND ($4::text IS NULL OR coalesce(o.family_id, a.family_id) IN (SELECT id FROM families WHERE herd_id = $4))
         AND ($5::text IS NULL OR coalesce(o.family_id, a.family_id) = $5)
         AND ($6::text IS NULL OR o.animal_id = $6)
       GROUP BY 1`;
  const [fx, obs] = [await db.query(fixesSql, params), await db.query(obsSql, params)];
  const byBucket = new Map<string, OvertimeItem>();
  const item = (b: unknown): OvertimeItem => {
    const key = iso(b)!;
    let it = byBucket.get(key);
    if (!it) {
      it = { bucket: key, fixes: 0, animals: 0, distance_m: 0, mean_speed: null, observations: 0, mean_size: null, mean_health: null };
      byBucket.set(key, it);
    }
    return it;
  };
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  for (const r of fx.rows) {
    const it = item(r.b);
    it.fixes = Number(r.fixes);
    it.animals = Number(r.animals);
    it.distance_m = Number(r.distance_m);
    it.mean_speed = num(r.mean_speed);
  }
  for (const r of obs.rows) {
    const it = item(r.b);
    it.observations = Number(r.observations);
    it.mean_size = num(r.mean_size);
    it.mean_health = num(r.mean_health);
  }
  return [...byBucket.values()].sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
}

export interface FamilyPlace {
  id: string;
  herd_id: string;
  friendly_name: string;
  /** Latest observation of the family, if any. */
  obs: { lat: number; lon: number; ts: string } | null;
}

/** Every family with its latest observation (position fallback for families without live members). */
export async function familyPlaces(db: Queryable): Promise<FamilyPlace[]> {
  const { rows } = await db.query(
    `SELECT f.id, f.herd_id, f.friendly_name, o.lat, o.lon, o.ts
       FROM families f
       LEFT JOIN LATERAL (SELECT lat, lon, ts FROM observations WHERE family_id = f.id ORDER BY ts DESC, id DESC LIMIT 1) o ON true`,
  );
  return rows.map((r) => ({
    id: String(r.id),
    herd_id: String(r.herd_id),
    friendly_name: String(r.friendly_name),
    obs: r.ts === null || r.ts === undefined ? null : { lat: Number(r.lat), lon: Number(r.lon), ts: iso(r.ts)! },
  }));
}
