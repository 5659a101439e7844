// Gateways and device tokens (collar and gateway), recorded so a token can be revoked by its id.
import type { Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import { toPage, type Page } from "./pagination.ts";
import { iso } from "./rows.ts";

export async function createGateway(db: Queryable, name: string): Promise<{ id: string; name: string }> {
  const id = newId("gw");
  await db.query("INSERT INTO gateways (id, name) VALUES ($1, $2)", [id, name]);
  return { id, name };
}

export async function recordDeviceToken(
  db: Queryable,
  token: { jti: string; kind: "collar"; collar: string } | { jti: string; kind: "gateway"; gateway: string },
): Promise<void> {
  await db.query("INSERT INTO device_tokens (id, kind, collar_id, gateway_id) VALUES ($1, $2, $3, $4)", [
    token.jti,
    token.kind,
    token.kind === "collar" ? token.collar : null,
    token.kind === "gateway" ? token.gateway : null,
  ]);
}

/** A device token is active when it was issued here and not revoked. */
export async function isDeviceTokenActive(db: Queryable, jti: string): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM device_tokens WHERE id = $1 AND revoked_at IS NULL", [jti]);
  return rows.length === 1;
}

export interface DeviceTokenRecord {
  id: string;
  kind: "collar" | "gateway";
  collar: string | null;
  gateway: string | null;
  created_at: string;
  revoked_at: string | null;
}

/** Issued device tokens (never the token itself: only its id), newest first, optionally one collar's or gateway's. */
export async function listDeviceTokens(
  db: Queryable,
  f: { collar?: string; gateway?: string; revoked?: boolean },
  limit: number,
  after?: [string, string],
): Promise<Page<DeviceTokenRecord>> {
  const { rows } = await db.query(
    `SELECT id, kind, collar_id, gateway_id, created_at, revoked_at FROM device_tokens
      WHERE ($1::text IS NULL OR collar_id = $1) AND ($2::text IS NULL OR gateway_id = $2)
        AND ($3::boolean IS NULL OR (revoked_at IS NOT NULL) = $3)
        AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::text))
      ORDER BY created_at DESC, id DESC LIMIT $6`,
    [f.collar ?? null, f.gateway ?? null, f.revoked ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  return toPage(
    rows,
    limit,
    (r): DeviceTokenRecord => ({
      id: String(r.id),
      kind: r.kind as "collar" | "gateway",
      collar: (r.collar_id as string | null) ?? null,
      gateway: (r.gateway_id as string | null) ?? null,
      created_at: iso(r.created_at)!,
      revoked_at: iso(r.revoked_at),
    }),
    (r) => [iso(r.created_at), String(r.id)],
  );
}

/** Revokes a device token; null when there is no such token, false when it was already revoked. */
export async function revokeDeviceToken(db: Queryable, id: string): Promise<DeviceTokenRecord | null> {
  const { rows } = await db.query("UPDATE device_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING id, kind, collar_id, gateway_id, created_at, revoked_at", [id]);
  const r = rows[0];
  return r
    ? { id: String(r.id), kind: r.kind as "collar" | "gateway", collar: (r.collar_id as string | null) ?? null, gateway: (r.gateway_id as string | null) ?? null, created_at: iso(r.created_at)!, revoked_at: iso(r.revoked_at) }
    : null;
}
