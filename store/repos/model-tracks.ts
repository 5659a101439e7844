// An animal's trusted fixes as columns (typed arrays) for the movement models: the stored fixes the
// actor accepted (no suspect flags), oldest first, with the step and turning angle it derived.
import type { Queryable } from "../database.ts";

export interface TrackColumns {
  t: Float64Array; // epoch ms
  lat: Float64Array;
  lon: Float64Array;
  /** Metres from the previous accepted fix; NaN for the first. */
  step: Float64Array;
  /** Degrees at the previous fix (between the step into it and the step out of it); NaN when unknown. */
  turn: Float64Array;
  /** Seconds since the previous accepted fix; NaN for the first. */
  interval: Float64Array;
}

const UNTRUSTED = "{out_of_order,zero_island,future,impossible_speed}";

/** The newest `limit` trusted fixes in [from, to), returned oldest first. */
export async function trackColumns(db: Queryable, animalId: string, range: { from?: number; to?: number }, limit: number): Promise<TrackColumns> {
  const { rows } = await db.query<{ ms: number; lat: number; lon: number; step_m: number | null; turn_deg: number | null; interval_s: number | null }>(
    `SELECT * FROM (
       SELECT extract(epoch FROM ts) * 1000 AS ms, lat, lon, step_m, turn_deg, interval_s FROM fixes
        WHERE animal_id = $1 AND NOT (quality && $2::text[])
          AND ($3::float8 IS NULL OR ts >= to_timestamp($3::float8 / 1000)) AND ($4::float8 IS NULL OR ts < to_timestamp($4::float8 / 1000))
        ORDER BY ts DESC LIMIT $5) newest
     ORDER BY ms`,
    [animalId, UNTRUSTED, range.from ?? null, range.to ?? null, limit],
  );
  const n = rows.length;
  const out: TrackColumns = { t: new Float64Array(n), lat: new Float64Array(n), lon: new Float64Array(n), step: new Float64Array(n), turn: new Float64Array(n), interval: new Float64Array(n) };
  const orNaN = (v: number | null) => (v === null || v === undefined ? NaN : Number(v));
  rows.forEach((r, i) => {
    out.t[i] = Math.round(Number(r.ms));
    out.lat[i] = Number(r.lat);
    out.lon[i] = Number(r.lon);
    out.step[i] = orNaN(r.step_m);
    out.turn[i] = orNaN(r.turn_deg);
    out.interval[i] = orNaN(r.interval_s);
  });
  return out;
}
