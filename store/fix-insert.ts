// The two bulk statements of the fix writer: one INSERT ... SELECT FROM unnest(arrays) per table, so a
// batch of thousands of rows is one statement with a fixed number of parameters (no per-row SQL).
// ON CONFLICT DO NOTHING makes resends idempotent: a fix already stored is simply skipped.
import type { FixRecord, QuarantineRecord } from "../engine/types.ts";
import { numberArray, textArray } from "./array-literal.ts";

// RETURNING names the rows this statement really inserted (a conflicting row is not returned), so the
// writer can tell a new fix from a resend without any extra query. Milliseconds, rounded like the input.
const RETURNED_MS = "round(extract(epoch FROM ts) * 1000)::float8 AS ms";

// Times travel as epoch milliseconds (float8 is exact for them) and become timestamptz in the database.
const INSERT_FIXES = `
INSERT INTO fixes (collar_id, ts, animal_id, lat, lon, alt, reported_speed, reported_heading, hdop, sats,
  battery, temp, activity, step_m, turn_deg, speed_kmh, heading_deg, interval_s, distance_today_m, quality, received_at)
SELECT c, to_timestamp(t / 1000), a, lat, lon, alt, sp, hd, hdop, sats,
  bat, tmp, act, step, turn, kmh, head, ival, dist, string_to_array(q, ','), to_timestamp(r / 1000)
FROM unnest($1::text[], $2::float8[], $3::text[], $4::float8[], $5::float8[], $6::real[], $7::real[], $8::real[],
  $9::real[], $10::smallint[], $11::real[], $12::real[], $13::real[], $14::real[], $15::real[], $16::real[],
  $17::real[], $18::real[], $19::real[], $20::text[], $21::float8[])
  AS u(c, t, a, lat, lon, alt, sp, hd, hdop, sats, bat, tmp, act, step, turn, kmh, head, ival, dist, q, r)
ON CONFLICT (collar_id, ts) DO NOTHING
RETURNING collar_id, ${RETURNED_MS}`;

const INSERT_QUARANTINE = `
INSERT INTO quarantined_fixes (collar_id, ts, lat, lon, payload, reason, received_at)
SELECT c, to_timestamp(t / 1000), lat, lon, p::jsonb, why, to_timestamp(r / 1000)
FROM unnest($1::text[], $2::float8[], $3::float8[], $4::float8[], $5::text[], $6::text[], $7::float8[])
  AS u(c, t, lat, lon, p, why, r)
ON CONFLICT (collar_id, ts) DO NOTHING
RETURNING collar_id, ${RETURNED_MS}`;

// Same-key rows are inserted in one global order, so two batches in flight at once that both carry a
// resent fix wait on each other instead of deadlocking.
const byKey = (a: { collar: string; ts: number }, b: { collar: string; ts: number }) =>
  a.collar < b.collar ? -1 : a.collar > b.collar ? 1 : a.ts - b.ts;

export interface Statement {
  sql: string;
  params: unknown[];
}

/** Key of a row in the set of inserted rows a statement returns (`collar_id`, `ms`). */
export const rowKey = (collar: string, ms: number): string => `${collar}\u0000${Math.round(ms)}`;

/** Built before the transaction, so a record that cannot even be serialised is known to be bad data. */
/** The same statement without RETURNING: for batches where no ticket asks stored vs duplicate (ingest). */
const withoutReturning = (sql: string) => sql.slice(0, sql.lastIndexOf("\nRETURNING"));
const INSERT_FIXES_QUIET = withoutReturning(INSERT_FIXES);
const INSERT_QUARANTINE_QUIET = withoutReturning(INSERT_QUARANTINE);

export function fixInsert(input: readonly FixRecord[], returning = true): Statement | null {
  if (input.length === 0) return null;
  const rows = [...input].sort(byKey);
  const col = <T>(f: (r: FixRecord) => T) => rows.map(f);
  return { sql: returning ? INSERT_FIXES : INSERT_FIXES_QUIET, params: [
    textArray(col((r) => r.collar)),
    numberArray(col((r) => r.ts)),
    textArray(col((r) => r.animal)),
    numberArray(col((r) => r.lat)),
    numberArray(col((r) => r.lon)),
    numberArray(col((r) => r.alt)),
    numberArray(col((r) => r.speed)),
    numberArray(col((r) => r.heading)),
    numberArray(col((r) => r.hdop)),
    numberArray(col((r) => r.sats)),
    numberArray(col((r) => r.battery)),
    numberArray(col((r) => r.temp)),
    numberArray(col((r) => r.activity)),
    numberArray(col((r) => r.step_m)),
    numberArray(col((r) => r.turn_deg)),
    numberArray(col((r) => r.speed_kmh)),
    numberArray(col((r) => r.heading_deg)),
    numberArray(col((r) => r.interval_s)),
    numberArray(col((r) => r.distance_today_m)),
    // Flags are plain words, so one comma-joined string per row ('' = none) avoids a 2-D array.
    textArray(col((r) => r.quality.join(","))),
    numberArray(col((r) => r.received_at)),
  ] };
}

export function quarantineInsert(input: readonly QuarantineRecord[], returning = true): Statement | null {
  if (input.length === 0) return null;
  const rows = [...input].sort(byKey).map((rec) => ({ rec, payload: JSON.stringify(rec.payload) ?? "null" }));
  return { sql: returning ? INSERT_QUARANTINE : INSERT_QUARANTINE_QUIET, params: [
    textArray(rows.map((r) => r.rec.collar)),
    numberArray(rows.map((r) => r.rec.ts)),
    numberArray(rows.map((r) => r.rec.lat)),
    numberArray(rows.map((r) => r.rec.lon)),
    textArray(rows.map((r) => r.payload)),
    textArray(rows.map((r) => r.rec.reason)),
    numberArray(rows.map((r) => r.rec.received_at)),
  ] };
}
