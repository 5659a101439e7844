// An animal's stored fixes over a time window, oldest first, for GET /animals/{id}/track.
import type { Queryable } from "../database.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

export interface TrackPoint {
  ts: string;
  collar: string;
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

type Row = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The fixes columns a TrackPoint is built from. */
export const TRACK_COLUMNS = `collar_id, ts, lat, lon, alt, speed_kmh, heading_deg, step_m, turn_deg, interval_s, distance_today_m,
            reported_speed, reported_heading, hdop, sats, battery, temp, activity, quality`;

/** A fixes row (TRACK_COLUMNS) as API JSON. */
export const pointOf = (r: Row): TrackPoint => ({
  ts: iso(r.ts)!,
  collar: String(r.collar_id),
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

export async function readTrack(
  db: Queryable,
  animalId: string,
  window: { from?: number; to?: number; after?: { ts: string; collar: string } },
  limit: number,
): Promise<Page<TrackPoint>> {
  const { rows } = await db.query(
    `SELECT ${TRACK_COLUMNS}
       FROM fixes
      WHERE animal_id = $1
        AND ($2::float8 IS NULL OR ts >= to_timestamp($2 / 1000.0))
        AND ($3::float8 IS NULL OR ts < to_timestamp($3 / 1000.0))
        AND ($4::timestamptz IS NULL OR (ts, collar_id) > ($4::timestamptz, $5::text))
      ORDER BY ts, collar_id
      LIMIT $6`,
    [animalId, window.from ?? null, window.to ?? null, window.after?.ts ?? null, window.after?.collar ?? null, limit + 1],
  );
  return toPage(rows, limit, pointOf, (r) => ({ ts: iso(r.ts), collar: r.collar_id }));
}
