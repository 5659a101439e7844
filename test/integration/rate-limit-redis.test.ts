// RedisRateLimiter on a real Redis: the same sliding-window semantics as in process, one count shared
// by every node, and an in-process fallback when Redis is unreachable.
import { Redis } from "ioredis";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisRateLimiter } from "../../auth/rate-limit.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
beforeAll(() => redis.connect());
afterAll(() => redis.disconnect());

// Hit times come from the injected clock; the window is long so Redis's own key expiry (real time)
// cannot interfere while a test runs.
const RULE = { limit: 3, windowMs: 60_000 };

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

/** A limiter with its own key prefix, so tests never see each other's counts. */
function limiter(now?: () => number, prefix = `wt:rl:test-${randomBytes(4).toString("hex")}:`) {
  return new RedisRateLimiter(redis, { prefix, now, log: () => {} });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe("RedisRateLimiter", () => {
  it("allows `limit` hits per window, then refuses with the seconds until the oldest hit leaves", async () => {
    const c = clock();
    const rl = limiter(c.now);
    expect(await rl.hit("ip:1", RULE)).toEqual({ allowed: true, remaining: 2, retryAfterS: 0 });
    c.t += 2_000;
    expect(await rl.hit("ip:1", RULE)).toEqual({ allowed: true, remaining: 1, retryAfterS: 0 });
    c.t += 2_000;
    expect(await rl.hit("ip:1", RULE)).toEqual({ allowed: true, remaining: 0, retryAfterS: 0 });
    c.t += 500;
    // The first hit (4.5 s ago) leaves the 60 s window in 55.5 s: Retry-After rounds up to 56.
    expect(await rl.hit("ip:1", RULE)).toEqual({ allowed: false, remaining: 0, retryAfterS: 56 });
    expect((await rl.hit("ip:2", RULE)).allowed).toBe(true);
  });

  it("slides: a slot frees exactly when the oldest hit is windowMs old; refused hits are not counted", async () => {
    const c = clock();
    const t0 = c.t;
    const rl = limiter(c.now);
    for (let i = 0; i < 3; i++) {
      expect((await rl.hit("k", RULE)).allowed).toBe(true);
      c.t += 1_000;
    }
    for (let i = 0; i < 50; i++) {
      c.t += 100; // hammering while limited
      expect((await rl.hit("k", RULE)).allowed).toBe(false);
    }
    c.t = t0 + RULE.windowMs - 1;
    expect(await rl.hit("k", RULE)).toEqual({ allowed: false, remaining: 0, retryAfterS: 1 });
    c.t = t0 + RULE.windowMs;
    expect(await rl.hit("k", RULE)).toEqual({ allowed: true, remaining: 0, retryAfterS: 0 });
    expect((await rl.hit("k", RULE)).allowed).toBe(false);
  });

  it("counts two hits in the same millisecond", async () => {
    const rl = limiter(() => 1_700_000_000_000);
    const rule = { limit: 2, windowMs: 60_000 };
    const [a, b, c] = await Promise.all([rl.hit("k", rule), rl.hit("k", rule), rl.hit("k", rule)]);
    expect([a.allowed, b.allowed, c.allowed].sort()).toEqual([false, true, true]);
  });

  it("shares one count between nodes", async () => {
    const c = clock();
    const prefix = `wt:rl:test-${randomBytes(4).toString("hex")}:`;
    const other = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const nodeA = limiter(c.now, prefix);
      const nodeB = new RedisRateLimiter(other, { prefix, now: c.now, log: () => {} });
      expect((await nodeA.hit("account:ann", RULE)).remaining).toBe(2);
      expect((await nodeB.hit("account:ann", RULE)).remaining).toBe(1);
      expect((await nodeA.hit("account:ann", RULE)).remaining).toBe(0);
      expect((await nodeB.hit("account:ann", RULE)).allowed).toBe(false);
      expect((await nodeA.hit("account:ann", RULE)).allowed).toBe(false);
    } finally {
      other.disconnect();
    }
  });

  it("by default uses Redis's clock and keys under wt:rl: that expire with their window", async () => {
    const rl = new RedisRateLimiter(redis, { log: () => {} });
    const key = `test:${randomBytes(6).toString("hex")}`;
    const rule = { limit: 2, windowMs: 30_000 };
    expect((await rl.hit(key, rule)).allowed).toBe(true);
    expect((await rl.hit(key, rule)).allowed).toBe(true);
    const refused = await rl.hit(key, rule);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterS).toBeLessThanOrEqual(30);
    expect(await redis.zcard(`wt:rl:${key}`)).toBe(2);
    const ttl = await redis.pttl(`wt:rl:${key}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await redis.del(`wt:rl:${key}`);
  });

  it("falls back to counting in process when Redis is unreachable, and logs that once", async () => {
    const port = await closedPort();
    const down = new Redis({ host: "127.0.0.1", port, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on("error", () => {}); // the connection errors are expected here
    const lines: string[] = [];
    const c = clock();
    const rl = new RedisRateLimiter(down, { now: c.now, log: (l) => lines.push(l) });
    try {
      // Still limited (not open to everyone), and nobody is locked out.
      expect(await rl.hit("ip:1", RULE)).toEqual({ allowed: true, remaining: 2, retryAfterS: 0 });
      expect((await rl.hit("ip:1", RULE)).allowed).toBe(true);
      expect((await rl.hit("ip:1", RULE)).allowed).toBe(true);
      expect(await rl.hit("ip:1", RULE)).toEqual({ allowed: false, remaining: 0, retryAfterS: 60 });
      expect((await rl.hit("ip:2", RULE)).allowed).toBe(true);
      expect(rl.degraded).toBe(true);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/Redis unavailable/);
    } finally {
      down.disconnect();
    }
  });

  it("does not wait on a Redis that accepts but never answers: the hit is counted in process", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s)); // takes connections, never replies
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as net.AddressInfo).port;
    // Commands wait in the offline queue behind a handshake that never completes.
    const hung = new Redis({ host: "127.0.0.1", port, maxRetriesPerRequest: 0 });
    hung.on("error", () => {});
    const lines: string[] = [];
    const rl = new RedisRateLimiter(hung, { timeoutMs: 50, log: (l) => lines.push(l) });
    try {
      expect(await rl.hit("ip:1", { limit: 1, windowMs: 60_000 })).toEqual({ allowed: true, remaining: 0, retryAfterS: 0 });
      expect((await rl.hit("ip:1", { limit: 1, windowMs: 60_000 })).allowed).toBe(false);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/no answer within 50 ms/);
    } finally {
      hung.disconnect();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("logs once per outage and counts in Redis again when it is back", async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    client.on("error", () => {});
    await client.connect();
    const lines: string[] = [];
    const c = clock();
    const prefix = `wt:rl:test-${randomBytes(4).toString("hex")}:`;
    const rl = new RedisRateLimiter(client, { prefix, now: c.now, log: (l) => lines.push(l) });
    try {
      expect((await rl.hit("k", RULE)).allowed).toBe(true);
      const ended = new Promise((r) => client.once("end", r));
      client.disconnect(); // an outage
      await ended;
      for (let i = 0; i < 5; i++) await rl.hit("other", RULE);
      expect(lines).toHaveLength(1);
      await client.connect();
      expect((await rl.hit("k", RULE)).remaining).toBe(1); // the count kept in Redis is used again
      expect(rl.degraded).toBe(false);
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/back/);
    } finally {
      client.disconnect();
    }
  });
});
