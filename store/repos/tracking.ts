// Stored fixes across animals for GET /tracking (animal, time window, bbox) and /tracking/by_animal,
// oldest first, keyset-paginated on (ts, collar_id).
import type { Queryable } from "../database.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";
import { pointOf, TRACK_COLUMNS, type TrackPoint } from "./track.ts";

export type TrackingFix = { animal: string } & TrackPoint;

export interface TrackingFilter {
  animal?: string;
  from?: number;
  to?: number;
  /** [west, south, east, north]; west > east crosses the antimeridian. */
  bbox?: [number, number, number, number];
  after?: { ts: string; collar: string };
}

const fixOf = (r: Record<string, unknown>): TrackingFix => ({ animal: String(r.animal_id), ...pointOf(r) });

export async function listTracking(db: Queryable, f: TrackingFilter, limit: number): Promise<Page<TrackingFix>> {
  const [w, s, e, n] = f.bbox ?? [null, null, null, null];
  const { rows } = await db.query(
    `SELECT animal_id, ${TRACK_COLUMNS}
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
