// Field observations: of a family (size, body condition) or a sighting of one animal.
import type { Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

export interface Observation {
  id: string;
  family_id: string | null;
  animal_id: string | null;
  ts: string;
  lat: number;
  lon: number;
  size: number | null;
  health: number | null;
  notes: string | null;
  observer: string | null;
  created_at: string;
}

export interface NewObservation {
  family_id?: string | null;
  animal_id?: string | null;
  /** Epoch milliseconds. */
  ts: number;
  lat: number;
  lon: number;
  size?: number | null;
  health?: number | null;
  notes?: string | null;
  observer?: string | null;
}

export interface ObservationFilter {
  family?: string;
  animal?: string;
  /** Only animal sightings (animal_id set). */
  sightingsOnly?: boolean;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
}

/** Keyset of lists ordered newest first: (ts, id) of the last item returned. */
export interface TimeCursor {
  ts: string;
  id: string;
}

/** Epoch ms → ISO 8601 for a timestamptz parameter (exact to the millisecond); undefined → null. */
export const msIso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

const COLUMNS = "id, family_id, animal_id, ts, lat, lon, size, health, notes, observer, created_at";
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

type Row = Record<string, unknown>;
const observationOf = (r: Row): Observation => ({
  id: String(r.id),
  family_id: (r.family_id as string | null) ?? null,
  animal_id: (r.animal_id as string | null) ?? null,
  ts: iso(r.ts)!,
  lat: Number(r.lat),
  lon: Number(r.lon),
  size: num(r.size),
  // real is float4: round to what the client sent (at most 7 significant digits survive anyway)
  health: r.health === null || r.health === undefined ? null : Number(Number(r.health).toPrecision(6)),
  notes: (r.notes as string | null) ?? null,
  observer: (r.observer as string | null) ?? null,
  created_at: iso(r.created_at)!,
});

export async function createObservation(db: Queryable, input: NewObservation): Promise<Observation> {
  const { rows } = await db.query(
    `INSERT INTO observations (id, family_id, animal_id, ts, lat, lon, size, health, notes, observer)
     VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
    [
      newId("obs"),
      input.family_id ?? null,
      input.animal_id ?? null,
      msIso(input.ts),
      input.lat,
      input.lon,
      input.size ?? null,
      input.health ?? null,
      input.notes ?? null,
      input.observer ?? null,
    ],
  );
  return observationOf(rows[0]!);
}

/** Observations newest first (ts, then id, descending), in [from, to). */
export async function listObservations(db: Queryable, filter: ObservationFilter, limit: number, after?: TimeCursor): Promise<Page<Observation>> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM observations
     WHERE ($1::text IS NULL OR family_id = $1)
       AND ($2::text IS NULL OR animal_id = $2)
       AND (NOT $3::boolean OR animal_id IS NOT NULL)
       AND ($4::timestamptz IS NULL OR ts >= $4::timestamptz)
       AND ($5::timestamptz IS NULL OR ts < $5::timestamptz)
       AND ($6::timestamptz IS NULL OR (ts, id) < ($6::timestamptz, $7::text))
     ORDER BY ts DESC, id DESC LIMIT $8`,
    [
      filter.family ?? null,
      filter.animal ?? null,
      filter.sightingsOnly ?? false,
      msIso(filter.from),
      msIso(filter.to),
      after?.ts ?? null,
      after?.id ?? null,
      limit + 1,
    ],
  );
  return toPage(rows, limit, observationOf, (r) => ({ ts: iso(r.ts), id: r.id }));
}
