// The Redis-stream outbox (sql/0016): alerts stored but not yet appended to wt:alerts.
import type { Queryable } from "../database.ts";
import { textArray } from "../array-literal.ts";
import { ALERT_COLUMNS, alertOf, type Alert } from "./alerts.ts";

export async function enqueueForStream(db: Queryable, alertId: string): Promise<void> {
  await db.query("INSERT INTO alert_stream_outbox (alert_id) VALUES ($1) ON CONFLICT DO NOTHING", [alertId]);
}

export async function dequeueStreamed(db: Queryable, alertIds: string[]): Promise<void> {
  await db.query("DELETE FROM alert_stream_outbox WHERE alert_id = ANY($1::text[])", [textArray(alertIds)]);
}

/**
 * Alerts queued at least `olderThanMs` ago (younger ones are still being appended by the process
 * that stored them), oldest first.
 */
export async function unstreamedAlerts(db: Queryable, olderThanMs: number, limit: number): Promise<Alert[]> {
  const { rows } = await db.query(
    `SELECT ${ALERT_COLUMNS.split(", ").map((c) => `a.${c}`).join(", ")}
       FROM alert_stream_outbox o JOIN alerts a ON a.id = o.alert_id
      WHERE o.queued_at < now() - make_interval(secs => $1::float8 / 1000)
      ORDER BY o.queued_at, a.ts LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows.map(alertOf);
}
