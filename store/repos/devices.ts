// Gateways and device tokens (collar and gateway), recorded so a token can be revoked by its id.
import type { Queryable } from "../database.ts";
import { newId } from "./ids.ts";

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
