// Events reported in the field (poaching sign, conflict, birth, ...), optionally tied to a family.
import type { Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { msIso, type TimeCursor } from "./observations.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

export interface WildlifeEvent {
  id: string;
  family_id: string | null;
  description: string;
  ts: string;
  lat: number;
  lon: number;
  event_metadata: Record<string, unknown> | null;
  reporter: string | null;
  created_at: string;
}

export interface NewEvent {
  family_id?: string | null;
  description: string;
  /** Epoch milliseconds. */
  ts: number;
  lat: number;
  lon: number;
  event_metadata?: Record<string, unknown> | null;
  reporter?: string | null;
}

export interface EventFilter {
  family?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
}

/** Keyset of the nearby list ordered by distance: (distance_m, id) of the last item returned. */
export interface DistanceCursor {
  d: number;
  id: string;
}

/** Mean earth radius (m) PostGIS uses for sphere distances, as engine/geo.ts's haversine does. */
export const SPHERE_RADIUS_M = 6371008.8;

const COLUMNS = "id, family_id, description, ts, lat, lon, event_metadata, reporter, created_at";

type Row = Record<string, unknown>;
const eventOf = (r: Row): WildlifeEvent => ({
  id: String(r.id),
  family_id: (r.family_id as string | null) ?? null,
  description: String(r.description),
  ts: iso(r.ts)!,
  lat: Number(r.lat),
  lon: Number(r.lon),
  event_metadata: (typeof r.event_metadata === "string" ? JSON.parse(r.event_metadata) : r.event_metadata) ?? null,
  reporter: (r.reporter as string | null) ?? null,
  created_at: iso(r.created_at)!,
});

export async function createEvent(db: Queryable, input: NewEvent): Promise<WildlifeEvent> {
  const { rows } = await db.query(
    `INSERT INTO events (id, family_id, description, ts, lat, lon, event_metadata, reporter)
     VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7::jsonb, $8) RETURNING ${COLUMNS}`,
    [
      newId("evt"),
      input.family_id ?? null,
      input.description,
      msIso(input.ts),
      input.lat,
      input.lon,
      input.event_metadata == null ? null : JSON.stringify(input.event_metadata),
      input.reporter ?? null,
    ],
  );
  return eventOf(rows[0]!);
}

/** Events newest first (ts, then id, descending), in [from, to). */
export async function listEvents(db: Queryable, filter: EventFilter, limit: number, after?: TimeCursor): Promise<Page<WildlifeEvent>> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM events
     WHERE ($1::text IS NULL OR family_id = $1)
       AND ($2::timestamptz IS NULL OR ts >= $2::timestamptz)
       AND ($3::timestamptz IS NULL OR ts < $3::timestamptz)
       AND ($4::timestamptz IS NULL OR (ts, id) < ($4::timestamptz, $5::text))
     ORDER BY ts DESC, id DESC LIMIT $6`,
    [filter.family ?? null, msIso(filter.from), msIso(filter.to), after?.ts ?? null, after?.id ?? null, limit + 1],
  );
  return toPage(rows, limit, eventOf, (r) => ({ ts: iso(r.ts), id: r.id }));
}

/**
 * Events within `radius_m` of a point and in [from, to), nearest first (then by id), each with its
 * great-circle `distance_m` on the sphere of radius SPHERE_RADIUS_M (PostGIS ST_DWithin/ST_Distance on
 * geography with use_spheroid = false; the GiST index on `geog` serves the radius test).
 */
export async function eventsNear(
  db: Queryable,
  q: { lat: number; lon: number; radius_m: number } & EventFilter,
  limit: number,
  after?: DistanceCursor,
): Promise<Page<WildlifeEvent & { distance_m: number }>> {
  const { rows } = await db.query(
    `WITH p AS (SELECT ST_SetSRID(ST_MakePoint($2::float8, $1::float8), 4326)::geography AS g),
     near AS (
       SELECT ${COLUMNS.split(", ").map((c) => `e.${c}`).join(", ")}, ST_Distance(e.geog, p.g, false) AS distance_m
       FROM events e, p
       WHERE ST_DWithin(e.geog, p.g, $3::float8, false)
         AND ($4::text IS NULL OR e.family_id = $4)
         AND ($5::timestamptz IS NULL OR e.ts >= $5::timestamptz)
         AND ($6::timestamptz IS NULL OR e.ts < $6::timestamptz)
     )
     SELECT * FROM near
     WHERE $7::float8 IS NULL OR (distance_m, id) > ($7::float8, $8::text)
     ORDER BY distance_m, id LIMIT $9`,
    [q.lat, q.lon, q.radius_m, q.family ?? null, msIso(q.from), msIso(q.to), after?.d ?? null, after?.id ?? null, limit + 1],
  );
  return toPage(
    rows,
    limit,
    (r) => ({ ...eventOf(r), distance_m: Number(r.distance_m) }),
    (r) => ({ d: Number(r.distance_m), id: r.id }),
  );
}
