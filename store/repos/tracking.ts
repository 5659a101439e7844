// Stored fixes across animals for GET /tracking (animal, time window, bbox) and /tracking/by_animal,
// oldest first, keyset-paginated on (ts, collar_id).
import type { Queryable } from "../database.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

export interface TrackingFix {
  animal: string;
  collar: string;
  ts: string;
  lat: number;
  lon: number;
  alt: number | null;
  speed: number | null; // derived km/h
  heading: number | null; // derived degrees
  step_m: number | null;
  turn_deg: number | null;
  interval_s: number | null;
  distance_today_m: number | null;
  reported_speed: number | null;
  reported_heading: number | null;
  hdop: number | null;
  sats: number | null;
  battery: number | null;
  temp: number | null;
  activity: number | null;
  quality: string[];
}

export interface TrackingFilter {
  animal?: string;
  from?: number;
  to?: number;
  /** [west, south, east, north]; west > east crosses the antimeridian. */
  bbox?: [number, number, number, number];
  after?: { ts: string; collar: string };
}

type Row = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const fixOf = (r: Row): TrackingFix => ({
  animal: String(r.animal_id),
  collar: String(r.collar_id),
  ts: iso(r.ts)!,
  lat: Number(r.lat),
  lon: Number(r.lon),
  alt: num(r.alt),
  speed: num(r.speed_kmh),
  heading: num(r.heading_deg),
  step_m: num(r.step_m),
  turn_deg: num(r.turn_deg),
  interval_s: num(r.interval_s),
  distance_today_m: num(r.distance_today_m),
  reported_speed: num(r.reported_speed),
  reported_heading: num(r.reported_heading),
  hdop: num(r.hdop),
  sats: num(r.sats),
  battery: num(r.battery),
  temp: num(r.temp),
  activity: num(r.activity),
  quality: (r.quality as string[] | null) ?? [],
});

export async function listTracking(db: Queryable, f: TrackingFilter, limit: number): Promise<Page<TrackingFix>> {
  const [w, s, e, n] = f.bbox ?? [null, null, null, null];
  const { rows } = await db.query(
    `SELECT animal_id, collar_id, ts, lat, lon, alt, speed_kmh, heading_deg, step_m, turn_deg, interval_s, distance_today_m,
            reported_speed, reported_heading, hdop, sats, battery, temp, activity, quality
       FROM fixes
      WHERE ($1::text IS NULL OR animal_id = $1)
        AND ($2::float8 IS NULL OR ts >= to_timestamp($2 / 1000.0))
        AND ($3::float8 IS NULL OR ts < to_timestamp($3 / 1000.0))
        AND ($4::float8 IS NULL OR (lat BETWEEN $5 AND $7
             AND CASE WHEN $4 <= $6 THEN lon BETWEEN $4 AND $6 ELSE (lon >= $4 OR lon <= $6) END))
        AND ($8::timestamptz IS NULL OR (ts, collar_id) > ($8::timestamptz, $9::text))
      ORDER BY ts, collar_id
      LIMIT $10`,
    [f.animal ?? null, f.from ?? null, f.to ?? null, w, s, e, n, f.after?.ts ?? null, f.after?.collar ?? null, limit + 1],
  );
  return toPage(rows, limit, fixOf, (r) => ({ ts: iso(r.ts), collar: r.collar_id }));
}
