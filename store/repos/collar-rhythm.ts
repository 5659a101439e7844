// Seeds the collar_offline watch at start: for every current deployment, the collar's newest
// trusted fix and the intervals (interval_s, as the actor computed them) of its newest fixes. One
// query with an index-backed LATERAL per deployment; fixes older than `days` are not looked at (a
// collar silent that long was alerted before, and its alert is stored once by key anyway).
import type { Queryable } from "../database.ts";
import { textArray } from "../array-literal.ts";

export interface CollarRhythm {
  animal: string;
  collar: string;
  ts: number;
  lat: number;
  lon: number;
  /** interval_s of the newest fixes, newest first (null where unknown). */
  intervals: number[];
}

/** The quality flags the engine does not build on (SUSPECT_FLAGS): such fixes neither end a silence nor set the rhythm. */
const UNTRUSTED = ["out_of_order", "zero_island", "future", "impossible_speed"];

export async function loadCollarRhythms(db: Queryable, window = 20, days = 90): Promise<CollarRhythm[]> {
  const { rows } = await db.query<{ animal_id: string; collar_id: string; ms: number; lat: number; lon: number; intervals: Array<number | null> | string }>(
    `SELECT d.animal_id, d.collar_id, extract(epoch FROM f.ts) * 1000 AS ms, f.lat, f.lon,
            ARRAY(SELECT g.interval_s FROM fixes g
                   WHERE g.animal_id = d.animal_id AND g.collar_id = d.collar_id AND g.ts <= f.ts AND g.ts >= d.from_ts
                     AND NOT (g.quality && $1::text[])
                   ORDER BY g.ts DESC LIMIT $2) AS intervals
       FROM deployments d
       CROSS JOIN LATERAL (
         SELECT ts, lat, lon FROM fixes
          WHERE animal_id = d.animal_id AND collar_id = d.collar_id
            AND ts >= greatest(d.from_ts, now() - make_interval(days => $3)) AND NOT (quality && $1::text[])
          ORDER BY ts DESC LIMIT 1) f
      WHERE d.to_ts IS NULL OR d.to_ts > now()`,
    [textArray(UNTRUSTED), window, days],
  );
  return rows.map((r) => ({
    animal: r.animal_id,
    collar: r.collar_id,
    ts: Math.round(Number(r.ms)),
    lat: Number(r.lat),
    lon: Number(r.lon),
    intervals: parseFloatArray(r.intervals),
  }));
}

/** node-postgres parses real[]; PGlite may hand back the text form. */
function parseFloatArray(v: Array<number | null> | string): number[] {
  const items = typeof v === "string" ? v.replace(/^\{|\}$/g, "").split(",").filter((x) => x !== "") : v;
  return items.map((x) => (x === null || x === "NULL" ? NaN : Number(x)));
}
