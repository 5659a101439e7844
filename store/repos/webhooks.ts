// Webhooks and their durable delivery queue / log (webhook_deliveries survives restarts).
import type { Queryable } from "../database.ts";
import { textArray } from "../array-literal.ts";
import { alertOf, type Alert } from "./alerts.ts";
import { newId } from "./ids.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

/** A webhook as the API shows it: never the secret, only a hint of it. */
export interface WebhookRecord {
  id: string;
  url: string;
  kinds: string[];
  secret_hint: string;
  created_at: string;
}

/** pending/failed: still to be sent; delivered, dead and cancelled (the webhook was deleted) are final. */
export type DeliveryStatus = "pending" | "delivered" | "failed" | "dead" | "cancelled";

export interface DeliveryRecord {
  id: string;
  webhook_id: string;
  alert_id: string;
  attempt: number;
  status: DeliveryStatus;
  http_status: number | null;
  error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** A due delivery claimed by a dispatcher, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  webhook_id: string;
  alert_id: string;
  /** Attempts made before this one. */
  attempt: number;
  url: string;
  secret: string;
  alert: Alert;
}

type Row = Record<string, unknown>;
const textList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? v.replace(/^\{|\}$/g, "").split(",").filter(Boolean).map((s) => s.replace(/^"|"$/g, "")) : []);

/** "…" and the last 4 characters: enough to tell secrets apart, not to use one. */
export function secretHint(secret: string): string {
  return `…${secret.slice(-4)}`;
}

const webhookOf = (r: Row): WebhookRecord => ({
  id: String(r.id),
  url: String(r.url),
  kinds: textList(r.kinds),
  secret_hint: secretHint(String(r.secret)),
  created_at: iso(r.created_at)!,
});

const deliveryOf = (r: Row): DeliveryRecord => ({
  id: String(r.id),
  webhook_id: String(r.webhook_id),
  alert_id: String(r.alert_id),
  attempt: Number(r.attempt),
  status: r.status as DeliveryStatus,
  http_status: r.http_status === null || r.http_status === undefined ? null : Number(r.http_status),
  error: r.error === null || r.error === undefined ? null : String(r.error),
  next_attempt_at: r.status === "pending" || r.status === "failed" ? iso(r.next_attempt_at) : null,
  created_at: iso(r.created_at)!,
  delivered_at: iso(r.delivered_at),
});

const WEBHOOK_COLUMNS = "id, url, secret, kinds, created_at";
const DELIVERY_COLUMNS = "id, webhook_id, alert_id, attempt, status, http_status, error, next_attempt_at, created_at, delivered_at";

export async function createWebhook(db: Queryable, w: { url: string; secret: string; kinds: string[] }): Promise<WebhookRecord> {
  const { rows } = await db.query(`INSERT INTO webhooks (id, url, secret, kinds) VALUES ($1, $2, $3, $4::text[]) RETURNING ${WEBHOOK_COLUMNS}`, [
    newId("whk"),
    w.url,
    w.secret,
    textArray(w.kinds),
  ]);
  return webhookOf(rows[0]!);
}

/** Active (not deleted) webhooks, by id. */
export async function listWebhooks(db: Queryable, limit: number, after?: string): Promise<Page<WebhookRecord>> {
  const { rows } = await db.query(
    `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE disabled_at IS NULL AND ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
    [after ?? null, limit + 1],
  );
  return toPage(rows, limit, webhookOf, (r) => r.id);
}

/** Any webhook, deleted ones included (their delivery log stays readable). */
export async function getWebhook(db: Queryable, id: string): Promise<(WebhookRecord & { deleted: boolean }) | null> {
  const { rows } = await db.query(`SELECT ${WEBHOOK_COLUMNS}, disabled_at FROM webhooks WHERE id = $1`, [id]);
  return rows[0] ? { ...webhookOf(rows[0]), deleted: rows[0].disabled_at !== null && rows[0].disabled_at !== undefined } : null;
}

/**
 * Deletes a webhook: it gets no new deliveries and its queued ones (pending, failed) become
 * cancelled, in the same statement, so none is left waiting forever; the row and its delivery log
 * are kept. False when there is no such active webhook.
 */
export async function deleteWebhook(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query<{ deleted: number }>(
    `WITH hook AS (
       UPDATE webhooks SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL RETURNING id
     ), cancelled AS (
       UPDATE webhook_deliveries d SET status = 'cancelled' FROM hook
        WHERE d.webhook_id = hook.id AND d.status IN ('pending', 'failed')
     ) -- runs to completion although nothing below reads it (data-modifying WITH)
     SELECT count(*)::int AS deleted FROM hook`,
    [id],
  );
  return Number(rows[0]?.deleted) === 1;
}

/** Queues one delivery per active webhook whose kinds match (no kinds = every kind). Returns how many. */
export async function enqueueDeliveries(db: Queryable, alert: { id: string; kind: string }): Promise<number> {
  const hooks = await db.query<{ id: string }>(
    "SELECT id FROM webhooks WHERE disabled_at IS NULL AND (cardinality(kinds) = 0 OR $1 = ANY(kinds)) ORDER BY id",
    [alert.kind],
  );
  if (hooks.rows.length === 0) return 0;
  const ids = hooks.rows.map(() => newId("dlv"));
  const { rowCount } = await db.query(
    `INSERT INTO webhook_deliveries (id, webhook_id, alert_id)
     SELECT d, w, $3 FROM unnest($1::text[], $2::text[]) AS t(d, w)
     ON CONFLICT (webhook_id, alert_id) DO NOTHING`,
    [textArray(ids), textArray(hooks.rows.map((h) => h.id)), alert.id],
  );
  return rowCount;
}

/**
 * Claims up to `limit` due deliveries (FOR UPDATE SKIP LOCKED, so several dispatchers never take the
 * same row) and leases them for `leaseMs`: a dispatcher that dies mid-send leaves the row to be
 * retried when the lease runs out (at least once). Webhooks in `exclude` are skipped (at their
 * concurrency limit).
 */
export async function claimDueDeliveries(db: Queryable, limit: number, leaseMs: number, exclude: string[] = []): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  const { rows } = await db.query(
    `WITH due AS (
       SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.status IN ('pending', 'failed') AND d.next_attempt_at <= now() AND w.disabled_at IS NULL
          AND NOT (d.webhook_id = ANY($2::text[]))
        ORDER BY d.next_attempt_at
        LIMIT $1
        FOR UPDATE OF d SKIP LOCKED
     ), claimed AS (
       UPDATE webhook_deliveries d SET next_attempt_at = now() + $3::float8 * interval '1 millisecond'
         FROM due WHERE d.id = due.id
       RETURNING d.id, d.webhook_id, d.alert_id, d.attempt
     )
     SELECT c.id, c.webhook_id, c.alert_id, c.attempt, w.url, w.secret, to_jsonb(a.*) AS alert_row
       FROM claimed c JOIN webhooks w ON w.id = c.webhook_id JOIN alerts a ON a.id = c.alert_id`,
    [limit, textArray(exclude), leaseMs],
  );
  return rows.map((r) => ({
    id: String(r.id),
    webhook_id: String(r.webhook_id),
    alert_id: String(r.alert_id),
    attempt: Number(r.attempt),
    url: String(r.url),
    secret: String(r.secret),
    alert: alertOf((typeof r.alert_row === "string" ? JSON.parse(r.alert_row) : r.alert_row) as Row),
  }));
}

// The marks below only change a delivery that is still pending or failed: a final status (cancelled
// by a delete while the request was in flight, or delivered by another dispatcher after this one's
// lease ran out) is never overwritten. They return false when nothing was changed.

/** After a 2xx: delivered (only then). */
export async function markDelivered(db: Queryable, id: string, httpStatus: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webhook_deliveries SET status = 'delivered', attempt = attempt + 1, http_status = $2, error = NULL, delivered_at = now()
      WHERE id = $1 AND status IN ('pending', 'failed')`,
    [id, httpStatus],
  );
  return rowCount === 1;
}

/** After a failed attempt: retry in `retryInMs`, or dead (no more retries) when `retryInMs` is null. */
export async function markFailed(db: Queryable, id: string, f: { httpStatus: number | null; error: string; retryInMs: number | null }): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webhook_deliveries SET
        attempt = attempt + 1,
        status = CASE WHEN $4::float8 IS NULL THEN 'dead' ELSE 'failed' END,
        http_status = $2, error = $3,
        next_attempt_at = CASE WHEN $4::float8 IS NULL THEN next_attempt_at ELSE now() + $4::float8 * interval '1 millisecond' END
      WHERE id = $1 AND status IN ('pending', 'failed')`,
    [id, f.httpStatus, f.error.slice(0, 1000), f.retryInMs],
  );
  return rowCount === 1;
}

/** Gives a claimed delivery back without counting an attempt (shutdown, or over the per-webhook limit). */
export async function releaseDeliveries(db: Queryable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = ANY($1::text[]) AND status IN ('pending', 'failed')", [textArray(ids)]);
}

/** A webhook's delivery log, newest first. */
export async function listDeliveries(db: Queryable, webhookId: string, limit: number, after?: string): Promise<Page<DeliveryRecord>> {
  const { rows } = await db.query(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 AND ($2::text IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
    [webhookId, after ?? null, limit + 1],
  );
  return toPage(rows, limit, deliveryOf, (r) => r.id);
}
