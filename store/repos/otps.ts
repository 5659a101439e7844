// One-time code rows (see auth/otp.ts for the code and its digest). One live code per user and purpose.
import { OTP_MAX_ATTEMPTS, OTP_TTL_MS } from "../../auth/otp.ts";
import type { Database, Queryable } from "../database.ts";

export type OtpCheck = "ok" | "wrong" | "expired" | "too_many_attempts" | "none";

/** Stores a new code (replacing an earlier one for the same purpose: it stops working). */
export async function storeOtp(db: Queryable, userId: string, purpose: string, codeHash: string, ttlMs = OTP_TTL_MS): Promise<void> {
  await db.query(
    `INSERT INTO user_otps (user_id, purpose, code_hash, expires_at) VALUES ($1, $2, $3, now() + $4::float8 * interval '1 millisecond')
     ON CONFLICT (user_id, purpose) DO UPDATE SET code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at, attempts = 0, created_at = now()`,
    [userId, purpose, codeHash, ttlMs],
  );
}

/**
 * Checks a code under a row lock, so concurrent guesses cannot exceed the attempt limit. A right
 * code is consumed (single use); a wrong one counts an attempt; after OTP_MAX_ATTEMPTS wrong
 * guesses, or past its expiry, the code is dead until a new one is requested.
 */
export async function checkOtp(db: Database, userId: string, purpose: string, matches: (codeHash: string) => boolean): Promise<OtpCheck> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ code_hash: string; attempts: number; expired: boolean }>(
      "SELECT code_hash, attempts, expires_at <= now() AS expired FROM user_otps WHERE user_id = $1 AND purpose = $2 FOR UPDATE",
      [userId, purpose],
    );
    const row = rows[0];
    if (!row) return "none";
    if (row.expired) return "expired";
    if (row.attempts >= OTP_MAX_ATTEMPTS) return "too_many_attempts";
    if (matches(row.code_hash)) {
      await tx.query("DELETE FROM user_otps WHERE user_id = $1 AND purpose = $2", [userId, purpose]);
      return "ok";
    }
    await tx.query("UPDATE user_otps SET attempts = attempts + 1 WHERE user_id = $1 AND purpose = $2", [userId, purpose]);
    return row.attempts + 1 >= OTP_MAX_ATTEMPTS ? "too_many_attempts" : "wrong";
  });
}

export async function deleteOtp(db: Queryable, userId: string, purpose: string): Promise<void> {
  await db.query("DELETE FROM user_otps WHERE user_id = $1 AND purpose = $2", [userId, purpose]);
}
