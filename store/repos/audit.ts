// The audit log: logins, failed logins, role and status changes, token mints and revocations.
import type { Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

export interface AuditEntry {
  action: string;
  actor?: string | null;
  target?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditRecord {
  id: string;
  ts: string;
  action: string;
  actor: string | null;
  target: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
}

export async function audit(db: Queryable, e: AuditEntry): Promise<void> {
  await db.query("INSERT INTO audit_log (id, action, actor, target, ip, detail) VALUES ($1, $2, $3, $4, $5, $6::jsonb)", [
    newId("aud"),
    e.action,
    e.actor ?? null,
    e.target ?? null,
    e.ip ?? null,
    JSON.stringify(e.detail ?? {}),
  ]);
}

/** Newest first; optional filters by action and by actor or target. */
export async function listAudit(db: Queryable, f: { action?: string; who?: string }, limit: number, after?: [string, string]): Promise<Page<AuditRecord>> {
  const { rows } = await db.query(
    `SELECT id, ts, action, actor, target, ip, detail FROM audit_log
      WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR actor = $2 OR target = $2)
        AND ($3::timestamptz IS NULL OR (ts, id) < ($3::timestamptz, $4::text))
      ORDER BY ts DESC, id DESC LIMIT $5`,
    [f.action ?? null, f.who ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  return toPage(
    rows,
    limit,
    (r): AuditRecord => ({
      id: String(r.id),
      ts: iso(r.ts)!,
      action: String(r.action),
      actor: (r.actor as string | null) ?? null,
      target: (r.target as string | null) ?? null,
      ip: (r.ip as string | null) ?? null,
      detail: (typeof r.detail === "string" ? JSON.parse(r.detail) : r.detail) as Record<string, unknown>,
    }),
    (r) => [iso(r.ts), String(r.id)],
  );
}
