// One-time codes: 6 random digits (crypto.randomInt), stored only as HMAC-SHA256(key, purpose:user:code)
// so a database leak does not reveal live codes, compared in constant time. Policy: 10 minutes,
// 5 attempts, single use — enforced by store/repos/otps.ts.
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";

export const OTP_TTL_MS = 10 * 60_000;
export const OTP_MAX_ATTEMPTS = 5;

export function newOtpCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, "0");
}

export function otpDigest(key: Uint8Array, userId: string, purpose: string, code: string): string {
  return createHmac("sha256", key).update(`${purpose}:${userId}:${code}`).digest("base64url");
}

export function otpMatches(key: Uint8Array, userId: string, purpose: string, code: string, storedDigest: string): boolean {
  const a = Buffer.from(otpDigest(key, userId, purpose, code));
  const b = Buffer.from(storedDigest);
  return a.length === b.length && timingSafeEqual(a, b);
}
