// Typed data shared by the gateway, the engine and the store.
// Everything here has already been validated at the edge; the engine trusts it.

/** A fix as accepted by the ingest protocol, collar resolved, time as epoch milliseconds. */
export interface FixInput {
  collar: string;
  ts: number;
  lat: number;
  lon: number;
  alt?: number | null;
  speed?: number | null; // km/h, as reported by the collar
  heading?: number | null; // degrees, as reported by the collar
  hdop?: number | null;
  sats?: number | null;
  battery?: number | null; // percent
  temp?: number | null; // °C
  activity?: number | null;
}

/**
 * Quality flags in the spirit of Traccar's position filters. A flagged fix is still stored.
 * - zero_island: lat and lon both (near) 0 — a GPS receiver with no fix.
 * - future: ts more than the allowed clock skew ahead of the server clock.
 * - outdated: ts much older than when it was received (a stale buffered or replayed fix).
 * - duplicate: exactly the same coordinates as the previous fix under a new time (a stale GPS repeat).
 * - impossible_speed: the speed needed from the previous fix exceeds the species' maximum.
 * - out_of_order: older than the animal's latest fix; stored, but it does not move the live position.
 */
export const QUALITY_FLAGS = [
  "zero_island",
  "future",
  "outdated",
  "duplicate",
  "impossible_speed",
  "out_of_order",
] as const;
export type QualityFlag = (typeof QUALITY_FLAGS)[number];

/** Movement metrics the actor derives for a fix from the fixes before it. */
export interface MovementMetrics {
  step_m: number | null; // great-circle distance from the previous fix
  turn_deg: number | null; // turning angle in (-180, 180], null when either step is zero or missing
  speed_kmh: number | null; // step / interval
  heading_deg: number | null; // initial bearing from the previous fix, [0, 360)
  interval_s: number | null; // time since the previous fix
  distance_today_m: number; // distance travelled since 00:00 UTC of the fix's day
}

/** A fix ready to be stored: input + owner animal + derived metrics + flags. */
export interface FixRecord extends FixInput, MovementMetrics {
  animal: string;
  quality: QualityFlag[];
  received_at: number; // epoch ms
}

export type QuarantineReason = "unknown_collar" | "not_deployed";

/** A fix from a collar that is not registered or not deployed at that time. */
export interface QuarantineRecord {
  collar: string;
  ts: number;
  lat: number;
  lon: number;
  reason: QuarantineReason;
  payload: FixInput;
  received_at: number;
}

/** What the engine knows about an animal to process its fixes. */
export interface AnimalProfile {
  id: string;
  name: string;
  species: string;
  herd: string | null;
  family: string | null;
}

/** The live position broadcast to dashboards (API.md `position`). */
export interface LivePosition {
  animal: string;
  collar: string;
  herd: string | null;
  family: string | null;
  species: string;
  name: string;
  ts: string; // ISO 8601 UTC
  lat: number;
  lon: number;
  speed: number | null; // km/h, derived from the previous fix (collar-reported if no previous fix)
  heading: number | null; // degrees
  state: string | null; // behaviour state; null until a behaviour model is fitted for the species
  /** P(state) by name from the live forward filter; null without a model. */
  state_probs: Record<string, number> | null;
  /** Habitat suitability (0–1) where the fix is, from the newest habitat model; null without one. */
  habitat: number | null;
  /** The animal's latest forecast path (1h, 6h, 24h), set when the position is broadcast. */
  predicted?: Array<{ horizon: string; ts: string; lat: number; lon: number; sd_m: number }> | null;
  step_m: number | null;
  turn_deg: number | null;
  interval_s: number | null;
  distance_today_m: number;
  battery: number | null;
  quality: QualityFlag[];
}

/** Serialisable state of one animal actor, written as a snapshot. */
export interface ActorSnapshot {
  animal: string;
  taken_at: number; // epoch ms
  last_ts: number | null; // ts of the latest in-order fix, epoch ms
  state: unknown; // actor-defined JSON (window contents, day distance, ...)
}

/** Whether the writer's commit inserted the row (`stored`) or found it already stored (`duplicate`). */
export type StoreOutcome = "stored" | "duplicate";

/**
 * Completed by the durable writer: stored(outcome) after commit (or when already stored — then the
 * outcome is "duplicate"), rejected() when the database refuses the row.
 */
export interface WriteTicket {
  /** outcome is given only when wantsOutcome is set (otherwise the writer skips reading it back). */
  stored(outcome?: StoreOutcome): void;
  rejected(message: string): void;
  /** Ask the writer to tell a newly stored row from one already stored. */
  wantsOutcome?: boolean;
}

/**
 * An alert an actor raised for a fix, ready to store. It travels with its fix to the durable writer
 * and is stored in the same transaction, so an acknowledged fix never loses its alert and an alert
 * never exists for a fix that was not stored.
 */
export interface FixAlert {
  kind: string;
  severity: string;
  animal: string;
  collar: string;
  herd: string | null;
  fence: string | null;
  ts: number; // epoch ms
  lat: number | null;
  lon: number | null;
  detail: Record<string, unknown>;
  /** Stored once per key: a resent fix never alerts twice. */
  dedupe_key: string;
}

/** One row for the durable writer, with the ticket that reports its fate (and a fix's alerts). */
export type WriteItem =
  | { kind: "fix"; record: FixRecord; ticket: WriteTicket; alerts?: FixAlert[] }
  | { kind: "quarantine"; record: QuarantineRecord; ticket: WriteTicket };
