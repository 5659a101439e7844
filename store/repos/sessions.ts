// Login sessions and their rotating refresh tokens (sql/0017). Refresh tokens are 256-bit random
// strings shown to the client once; only their SHA-256 is stored.
import { createHash, randomBytes } from "node:crypto";
import type { UserRole } from "../../auth/roles.ts";
import type { Database, Queryable } from "../database.ts";
import { newId } from "./ids.ts";
import type { UserStatus } from "./users.ts";

export const REFRESH_TTL_MS = 30 * 24 * 3_600_000;
/** A session ends after this long however often it is refreshed (the user logs in again). */
export const SESSION_MAX_MS = 90 * 24 * 3_600_000;

const digest = (token: string) => createHash("sha256").update(token).digest("base64url");
const newRefreshToken = () => "wtr_" + randomBytes(32).toString("base64url");

export interface NewSession {
  sessionId: string;
  refresh: string;
}

export async function createSession(db: Database, userId: string, meta: { ip?: string | null; userAgent?: string | null }): Promise<NewSession> {
  const sessionId = newId("ses");
  const refresh = newRefreshToken();
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO user_sessions (id, user_id, expires_at, ip, user_agent) VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond', $4, $5)`,
      [sessionId, userId, SESSION_MAX_MS, meta.ip ?? null, meta.userAgent?.slice(0, 300) ?? null],
    );
    await insertRefresh(tx, sessionId, refresh);
  });
  return { sessionId, refresh };
}

async function insertRefresh(tx: Queryable, sessionId: string, token: string): Promise<void> {
  await tx.query(
    `INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
     SELECT $1, $2, least(now() + $3::float8 * interval '1 millisecond', s.expires_at) FROM user_sessions s WHERE s.id = $2`,
    [digest(token), sessionId, REFRESH_TTL_MS],
  );
}

export type RotateResult =
  | { ok: true; sessionId: string; userId: string; refresh: string }
  | { ok: false; reason: "unknown" | "expired" | "revoked" | "reused" };

/**
 * Exchanges a refresh token for a new one in the same session. A token already exchanged means it
 * was copied: the whole session is revoked (the thief's and the owner's tokens both stop working).
 */
export async function rotateRefresh(db: Database, token: string): Promise<RotateResult> {
  return db.transaction(async (tx): Promise<RotateResult> => {
    const { rows } = await tx.query<{ session_id: string; user_id: string; rotated: boolean; expired: boolean; revoked: boolean }>(
      `SELECT t.session_id, s.user_id, t.rotated_at IS NOT NULL AS rotated, (t.expires_at <= now() OR s.expires_at <= now()) AS expired,
              s.revoked_at IS NOT NULL AS revoked
         FROM refresh_tokens t JOIN user_sessions s ON s.id = t.session_id
        WHERE t.token_hash = $1 FOR UPDATE OF t, s`,
      [digest(token)],
    );
    const row = rows[0];
    if (!row) return { ok: false, reason: "unknown" };
    if (row.revoked) return { ok: false, reason: "revoked" };
    if (row.rotated) {
      await tx.query("UPDATE user_sessions SET revoked_at = now(), revoked_reason = 'refresh token reused' WHERE id = $1", [row.session_id]);
      return { ok: false, reason: "reused" };
    }
    if (row.expired) return { ok: false, reason: "expired" };
    await tx.query("UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1", [digest(token)]);
    const refresh = newRefreshToken();
    await insertRefresh(tx, row.session_id, refresh);
    return { ok: true, sessionId: row.session_id, userId: row.user_id, refresh };
  });
}

/** The session a refresh token belongs to (for logout by refresh token), or null. */
export async function sessionOfRefresh(db: Queryable, token: string): Promise<{ sessionId: string; userId: string } | null> {
  const { rows } = await db.query<{ session_id: string; user_id: string }>(
    "SELECT t.session_id, s.user_id FROM refresh_tokens t JOIN user_sessions s ON s.id = t.session_id WHERE t.token_hash = $1",
    [digest(token)],
  );
  return rows[0] ? { sessionId: rows[0].session_id, userId: rows[0].user_id } : null;
}

export async function revokeSession(db: Queryable, sessionId: string, reason: string): Promise<boolean> {
  const { rowCount } = await db.query("UPDATE user_sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL", [sessionId, reason]);
  return rowCount === 1;
}

/** Ends every session of a user (password change, disabling, role change), optionally but one. */
export async function revokeUserSessions(db: Queryable, userId: string, reason: string, except?: string): Promise<number> {
  const { rowCount } = await db.query(
    "UPDATE user_sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL AND ($3::text IS NULL OR id <> $3)",
    [userId, reason, except ?? null],
  );
  return rowCount;
}

/** What an access token's session allows now: null when the session is over or its user is not active. */
export async function activeSession(db: Queryable, sessionId: string): Promise<{ userId: string; role: UserRole; status: UserStatus } | null> {
  const { rows } = await db.query<{ user_id: string; role: UserRole; status: UserStatus }>(
    `SELECT s.user_id, u.role, u.status FROM user_sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'`,
    [sessionId],
  );
  return rows[0] ? { userId: rows[0].user_id, role: rows[0].role, status: rows[0].status } : null;
}
