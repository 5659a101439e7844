// Sliding-window rate limits (auth endpoints, per IP and per account): a log of hit times per key,
// counted over the last `windowMs`. In Redis when REDIS_URL is set, so every node shares the count;
// in-process otherwise. A refused hit is not counted, so a client that keeps hammering while limited
// is let in again once its old hits have left the window.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

export interface RateRule {
  /** Hits allowed per window (≥ 1). */
  limit: number;
  windowMs: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Hits still allowed in the current window after this one. */
  remaining: number;
  /** 0 when allowed; when refused, ≥ 1: seconds until enough counted hits leave the window (Retry-After). */
  retryAfterS: number;
}

export interface RateLimiter {
  hit(key: string, rule: RateRule): Promise<RateDecision>;
}

function checkRule(rule: RateRule): void {
  if (!Number.isInteger(rule.limit) || rule.limit < 1) throw new RangeError(`rate rule limit must be an integer ≥ 1 (got ${rule.limit})`);
  if (!Number.isFinite(rule.windowMs) || rule.windowMs < 1) throw new RangeError(`rate rule windowMs must be ≥ 1 (got ${rule.windowMs})`);
}

function refused(retryMs: number): RateDecision {
  return { allowed: false, remaining: 0, retryAfterS: Math.max(1, Math.ceil(retryMs / 1000)) };
}

interface HitLog {
  /** Hit times, oldest first. */
  hits: number[];
  windowMs: number;
}

export interface MemoryRateLimiterOptions {
  now?: () => number;
  /**
   * Most keys tracked at once (default 100,000). At the cap the least recently hit key is forgotten
   * (its count starts again from zero), so memory stays bounded (≤ maxKeys × limit hit times) however
   * many addresses an attacker rotates through. A key that is being hammered is always recently hit
   * and so stays tracked; only idle keys are forgotten early.
   */
  maxKeys?: number;
}

/** Look at most at this many idle keys per hit, so pruning never makes one hit slow. */
const SWEEP_PER_HIT = 64;

export class MemoryRateLimiter implements RateLimiter {
  // Map order is least recently hit first: every hit re-inserts its key at the end.
  private readonly logs = new Map<string, HitLog>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(opts: MemoryRateLimiterOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.maxKeys = opts.maxKeys ?? 100_000;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1) throw new RangeError(`maxKeys must be an integer ≥ 1 (got ${this.maxKeys})`);
  }

  /** Keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.logs.size;
  }

  async hit(key: string, rule: RateRule): Promise<RateDecision> {
    return this.hitNow(key, rule);
  }

  /** The synchronous decision (the in-process limiter never waits). */
  hitNow(key: string, rule: RateRule): RateDecision {
    checkRule(rule);
    const now = this.now();
    this.sweep(now);
    const log = this.logs.get(key) ?? { hits: [], windowMs: rule.windowMs };
    this.logs.delete(key);
    log.windowMs = rule.windowMs;
    dropExpired(log, now);
    this.logs.set(key, log);
    if (log.hits.length >= rule.limit) {
      // The count must fall to limit - 1: wait for the hit at that position to leave the window.
      return refused(log.hits[log.hits.length - rule.limit]! + rule.windowMs - now);
    }
    log.hits.push(now);
    if (this.logs.size > this.maxKeys) this.logs.delete(this.logs.keys().next().value!);
    return { allowed: true, remaining: rule.limit - log.hits.length, retryAfterS: 0 };
  }

  /** Forgets the least recently hit keys whose hits have all left their window. */
  private sweep(now: number): void {
    let n = 0;
    for (const [key, log] of this.logs) {
      if (n++ >= SWEEP_PER_HIT) return;
      const last = log.hits[log.hits.length - 1];
      if (last !== undefined && last + log.windowMs > now) return; // still counting: newer keys are too (mostly)
      this.logs.delete(key);
    }
  }
}

function dropExpired(log: HitLog, now: number): void {
  let i = 0;
  while (i < log.hits.length && log.hits[i]! + log.windowMs <= now) i++;
  if (i > 0) log.hits.splice(0, i);
}

// One atomic step per hit: drop hits older than the window, count, add this one if under the limit,
// expire the key with its newest hit. Returns {allowed, remaining, retry ms}. Without ARGV[3] the time
// is Redis's own, so nodes with skewed clocks still agree.
const HIT_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  return {1, limit - count - 1, 0}
end
local edge = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
return {0, 0, tonumber(edge[2]) + window - now}
`;

const COMMAND = "wtRateLimitHit";
type WithHitCommand = Redis & {
  [COMMAND](key: string, limit: number, windowMs: number, now: string, member: string): Promise<[number, number, number]>;
};

export interface RedisRateLimiterOptions {
  /** Key prefix; default `wt:rl:`. */
  prefix?: string;
  log?: (line: string) => void;
  /** Time source; default Redis's clock (TIME), shared by all nodes. Tests inject one. */
  now?: () => number;
  /** A Redis call slower than this counts as an outage for that hit (default 500 ms): auth must not hang. */
  timeoutMs?: number;
  /** Where hits are counted while Redis is unavailable (default: a new MemoryRateLimiter). */
  fallback?: MemoryRateLimiter;
}

/**
 * Sliding-window log in a sorted set per key (`wt:rl:<key>`), shared by every node. When Redis fails
 * a hit is counted in-process instead (logged once per outage): an outage neither locks everyone out
 * nor turns limiting off, it only makes the count per node until Redis is back.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: WithHitCommand;
  private readonly prefix: string;
  private readonly log: (line: string) => void;
  private readonly now: (() => number) | undefined;
  private readonly timeoutMs: number;
  private readonly fallback: MemoryRateLimiter;
  // Unique members: two hits in the same millisecond (from any node) must both count.
  private readonly node = randomBytes(6).toString("hex");
  private seq = 0;
  private down = false;

  constructor(redis: Redis, opts: RedisRateLimiterOptions = {}) {
    redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis = redis as WithHitCommand;
    this.prefix = opts.prefix ?? "wt:rl:";
    this.log = opts.log ?? ((line) => console.error(line));
    this.now = opts.now;
    this.timeoutMs = opts.timeoutMs ?? 500;
    this.fallback = opts.fallback ?? new MemoryRateLimiter(opts.now ? { now: opts.now } : {});
  }

  /** True while hits are being counted in-process because Redis failed. */
  get degraded(): boolean {
    return this.down;
  }

  async hit(key: string, rule: RateRule): Promise<RateDecision> {
    checkRule(rule);
    const now = this.now ? String(Math.round(this.now())) : "";
    const member = `${this.node}:${(this.seq = (this.seq + 1) % Number.MAX_SAFE_INTEGER)}`;
    let reply: [number, number, number];
    try {
      reply = await withTimeout(this.redis[COMMAND](this.prefix + key, rule.limit, Math.round(rule.windowMs), now, member), this.timeoutMs);
    } catch (err) {
      if (!this.down) {
        this.down = true;
        this.log(`rate limits: Redis unavailable (${(err as Error)?.message ?? err}); counting in this process until it is back`);
      }
      return this.fallback.hitNow(key, rule);
    }
    if (this.down) {
      this.down = false;
      this.log("rate limits: Redis is back; counting in Redis again");
    }
    const [allowed, remaining, retryMs] = reply.map(Number) as [number, number, number];
    return allowed === 1 ? { allowed: true, remaining, retryAfterS: 0 } : refused(retryMs);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
