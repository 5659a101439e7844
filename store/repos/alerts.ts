// Alerts: persisted before any delivery (idempotent on dedupe_key), listed newest first, acknowledged.
import type { Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

/** The alert object of API.md ("Alert consumers"); the same shape on REST, Socket.IO, webhooks and Redis. */
export interface Alert {
  id: string;
  kind: string;
  severity: string;
  animal: string | null;
  collar: string | null;
  herd: string | null;
  fence: string | null;
  ts: string;
  lat: number | null;
  lon: number | null;
  detail: Record<string, unknown>;
  acked_by: string | null;
  acked_at: string | null;
}

/** What a producer (engine, analyzer) publishes. */
export interface NewAlert {
  /** Optional; generated when absent. */
  id?: string;
  kind: string;
  /** Defaults to "warning". */
  severity?: string;
  animal?: string | null;
  collar?: string | null;
  herd?: string | null;
  fence?: string | null;
  /** Time of the fix/event that raised the alert: epoch ms, ISO string or Date. */
  ts: number | string | Date;
  lat?: number | null;
  lon?: number | null;
  detail?: Record<string, unknown>;
  /**
   * Identity of the alert for idempotency: publishing the same key again stores nothing and returns
   * the stored alert. Defaults to `id` when an id is given; without both, every publish is a new alert.
   */
  dedupe_key?: string | null;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const json = (v: unknown): Record<string, unknown> => (typeof v === "string" ? (JSON.parse(v) as Record<string, unknown>) : ((v ?? {}) as Record<string, unknown>));

export const ALERT_COLUMNS = "id, kind, severity, animal_id, collar_id, herd_id, fence_id, ts, lat, lon, detail, acked_by, acked_at";

export function alertOf(r: Row): Alert {
  return {
    id: String(r.id),
    kind: String(r.kind),
    severity: String(r.severity),
    animal: str(r.animal_id),
    collar: str(r.collar_id),
    herd: str(r.herd_id),
    fence: str(r.fence_id),
    ts: iso(r.ts)!,
    lat: num(r.lat),
    lon: num(r.lon),
    detail: json(r.detail),
    acked_by: str(r.acked_by),
    acked_at: iso(r.acked_at),
  };
}

function tsMs(ts: NewAlert["ts"]): number {
  const ms = ts instanceof Date ? ts.getTime() : typeof ts === "number" ? ts : Date.parse(ts);
  if (!Number.isFinite(ms)) throw new Error(`alert ts is not a valid time: ${String(ts)}`);
  return ms;
}

/**
 * Stores an alert once (INSERT … ON CONFLICT (dedupe_key) DO NOTHING) and, in the same transaction
 * when `tx` is one, nothing else. `created` is false when the dedupe key was already stored; the
 * stored alert is returned then.
 */
export async function insertAlert(db: Queryable, a: NewAlert): Promise<{ alert: Alert; created: boolean }> {
  const ms = tsMs(a.ts);
  const id = a.id ?? newId("alt");
  const dedupe = a.dedupe_key ?? a.id ?? null;
  const { rows } = await db.query(
    `INSERT INTO alerts (id, kind, severity, animal_id, collar_id, herd_id, fence_id, ts, lat, lon, detail, dedupe_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::float8 / 1000), $9, $10, $11::jsonb, $12)
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING ${ALERT_COLUMNS}`,
    [id, a.kind, a.severity ?? "warning", a.animal ?? null, a.collar ?? null, a.herd ?? null, a.fence ?? null, ms, a.lat ?? null, a.lon ?? null, JSON.stringify(a.detail ?? {}), dedupe],
  );
  if (rows[0]) return { alert: alertOf(rows[0]), created: true };
  const existing = await db.query(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE dedupe_key = $1`, [dedupe]);
  if (!existing.rows[0]) throw new Error(`alert with dedupe key ${dedupe} neither inserted nor found`);
  return { alert: alertOf(existing.rows[0]), created: false };
}

export async function getAlert(db: Queryable, id: string): Promise<Alert | null> {
  const { rows } = await db.query(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1`, [id]);
  return rows[0] ? alertOf(rows[0]) : null;
}

export interface AlertFilter {
  kind?: string;
  animal?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  acked?: boolean;
}

/** Cursor of the alert list: the last item's (ts in ms, id). */
export type AlertCursor = [number, string];

/** Newest first (ts, then id, descending). */
export async function listAlerts(db: Queryable, f: AlertFilter, limit: number, after?: AlertCursor): Promise<Page<Alert>> {
  const { rows } = await db.query(
    `SELECT ${ALERT_COLUMNS} FROM alerts
      WHERE ($1::text IS NULL OR kind = $1)
        AND ($2::text IS NULL OR animal_id = $2)
        AND ($3::float8 IS NULL OR ts >= to_timestamp($3::float8 / 1000))
        AND ($4::float8 IS NULL OR ts < to_timestamp($4::float8 / 1000))
        AND ($5::boolean IS NULL OR (acked_at IS NOT NULL) = $5)
        AND ($6::float8 IS NULL OR (ts, id) < (to_timestamp($6::float8 / 1000), $7::text))
      ORDER BY ts DESC, id DESC LIMIT $8`,
    [f.kind ?? null, f.animal ?? null, f.from ?? null, f.to ?? null, f.acked ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  return toPage(rows, limit, alertOf, (r): AlertCursor => [new Date(iso(r.ts)!).getTime(), String(r.id)]);
}

/** Acknowledges an alert; idempotent (the first acknowledgement is kept). Null when there is no such alert. */
export async function ackAlert(db: Queryable, id: string, by: string): Promise<Alert | null> {
  const { rows } = await db.query(
    `UPDATE alerts SET acked_by = COALESCE(acked_by, $2), acked_at = COALESCE(acked_at, now()) WHERE id = $1 RETURNING ${ALERT_COLUMNS}`,
    [id, by],
  );
  return rows[0] ? alertOf(rows[0]) : null;
}
