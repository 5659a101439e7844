// Rate limits on the authentication endpoints, per client address and per account (e-mail), in the
// shared limiter (Redis with REDIS_URL). Over a limit: 429 with Retry-After. Both keys are checked
// so one address cannot try many accounts and many addresses cannot hammer one account.
import { createHash } from "node:crypto";
import type { RateLimiter, RateRule } from "../../auth/rate-limit.ts";
import { HttpError } from "../http/problem.ts";

const MIN = 60_000;

export const AUTH_LIMITS = {
  register: { ip: { limit: 10, windowMs: 60 * MIN }, account: { limit: 5, windowMs: 60 * MIN } },
  login: { ip: { limit: 30, windowMs: 15 * MIN }, account: { limit: 10, windowMs: 15 * MIN } },
  verify: { ip: { limit: 30, windowMs: 15 * MIN }, account: { limit: 10, windowMs: 15 * MIN } },
  refresh: { ip: { limit: 60, windowMs: MIN } },
} satisfies Record<string, { ip: RateRule; account?: RateRule }>;

export type AuthAction = keyof typeof AUTH_LIMITS;
export type AuthLimits = Record<AuthAction, { ip: RateRule; account?: RateRule }>;

/** Throws 429 when `action` from `ip` (and for `account`, when given) is over its limit. */
export async function enforceAuthLimit(limiter: RateLimiter, action: AuthAction, ip: string, account?: string, limits: AuthLimits = AUTH_LIMITS): Promise<void> {
  const rules = limits[action];
  const checks = [limiter.hit(`auth:${action}:ip:${ip}`, rules.ip)];
  // Hashed so the limiter's keys (e.g. in Redis) do not list e-mail addresses.
  if (account !== undefined && rules.account) checks.push(limiter.hit(`auth:${action}:acct:${digest(account.toLowerCase())}`, rules.account));
  const decisions = await Promise.all(checks);
  const refused = decisions.filter((d) => !d.allowed);
  if (refused.length === 0) return;
  const retryAfter = Math.max(...refused.map((d) => d.retryAfterS));
  throw new HttpError(429, `too many ${action} attempts; retry in ${retryAfter} s`, undefined, { "Retry-After": String(retryAfter) });
}

function digest(s: string): string {
  return createHash("sha256").update(s).digest("base64url").slice(0, 22);
}
