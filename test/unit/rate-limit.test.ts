// The in-process sliding-window limiter, on an injected clock.
import { describe, expect, it } from "vitest";
import { MemoryRateLimiter } from "../../auth/rate-limit.ts";

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

const RULE = { limit: 3, windowMs: 10_000 };

describe("MemoryRateLimiter", () => {
  it("allows `limit` hits per window, then refuses with the seconds until the oldest hit leaves", async () => {
    const c = clock();
    const rl = new MemoryRateLimiter({ now: c.now });
    expect(await rl.hit("ip:1", RULE)).toEqual({ allowed: true, remaining: 2, retryAfterS: 0 });
    c.t += 2_000;
    expect(await rl.hit("ip:1", RULE)).toEqual({ allowed: true, remaining: 1, retryAfterS: 0 });
    c.t += 2_000;
    expect(await rl.hit("ip:1", RULE)).toEqual({ allowed: true, remaining: 0, retryAfterS: 0 });
    c.t += 500;
    // The first hit (4.5 s ago) leaves the window in 5.5 s: Retry-After rounds up to 6.
    expect(await rl.hit("ip:1", RULE)).toEqual({ allowed: false, remaining: 0, retryAfterS: 6 });
    // Other keys are counted on their own.
    expect((await rl.hit("ip:2", RULE)).allowed).toBe(true);
  });

  it("slides: a slot frees exactly when the oldest hit is windowMs old", async () => {
    const c = clock();
    const rl = new MemoryRateLimiter({ now: c.now });
    for (let i = 0; i < 3; i++) {
      expect((await rl.hit("k", RULE)).allowed).toBe(true);
      c.t += 1_000;
    }
    // Hits at t0, t0+1s, t0+2s; now t0+3s.
    c.t += 6_999; // t0 + 9.999 s: the first hit still counts
    expect(await rl.hit("k", RULE)).toEqual({ allowed: false, remaining: 0, retryAfterS: 1 });
    c.t += 1; // t0 + 10 s: it has left
    expect(await rl.hit("k", RULE)).toEqual({ allowed: true, remaining: 0, retryAfterS: 0 });
    expect((await rl.hit("k", RULE)).allowed).toBe(false);
  });

  it("does not count refused hits: a client hammering while limited recovers when the window passes", async () => {
    const c = clock();
    const rl = new MemoryRateLimiter({ now: c.now });
    for (let i = 0; i < 3; i++) await rl.hit("k", RULE);
    for (let i = 0; i < 100; i++) {
      c.t += 99; // hammering all through the window
      expect((await rl.hit("k", RULE)).allowed).toBe(false);
    }
    // Only the three allowed hits (all at t0) counted: once they are windowMs old, the full limit is back.
    c.t = 1_000_000 + RULE.windowMs;
    expect(await rl.hit("k", RULE)).toEqual({ allowed: true, remaining: 2, retryAfterS: 0 });
  });

  it("counts two hits in the same millisecond", async () => {
    const rl = new MemoryRateLimiter({ now: () => 5 });
    expect((await rl.hit("k", { limit: 2, windowMs: 1000 })).allowed).toBe(true);
    expect((await rl.hit("k", { limit: 2, windowMs: 1000 })).allowed).toBe(true);
    expect((await rl.hit("k", { limit: 2, windowMs: 1000 })).allowed).toBe(false);
  });

  it("forgets keys whose hits have all expired", async () => {
    const c = clock();
    const rl = new MemoryRateLimiter({ now: c.now });
    for (let i = 0; i < 50; i++) await rl.hit(`ip:${i}`, RULE);
    expect(rl.size).toBe(50);
    c.t += RULE.windowMs;
    await rl.hit("ip:new", RULE);
    expect(rl.size).toBe(1);
  });

  it("caps tracked keys: rotating addresses cannot grow memory, and the least recently hit key is forgotten", async () => {
    const c = clock();
    const rl = new MemoryRateLimiter({ now: c.now, maxKeys: 100 });
    for (let i = 0; i < 3; i++) await rl.hit("victim", RULE);
    expect((await rl.hit("victim", RULE)).allowed).toBe(false);
    for (let i = 0; i < 1000; i++) {
      c.t += 1;
      await rl.hit(`rotating:${i}`, RULE);
      expect(rl.size).toBeLessThanOrEqual(100);
    }
    // The idle key was evicted: its count restarted (documented trade-off of the cap).
    expect((await rl.hit("victim", RULE)).allowed).toBe(true);
  });

  it("keeps a key that is being hammered tracked at the cap", async () => {
    const c = clock();
    const rl = new MemoryRateLimiter({ now: c.now, maxKeys: 10 });
    for (let i = 0; i < 3; i++) await rl.hit("attacker", RULE);
    for (let i = 0; i < 200; i++) {
      c.t += 1;
      await rl.hit(`rotating:${i}`, RULE);
      expect((await rl.hit("attacker", RULE)).allowed).toBe(false);
    }
  });

  it("rejects nonsensical rules", async () => {
    const rl = new MemoryRateLimiter();
    await expect(rl.hit("k", { limit: 0, windowMs: 1000 })).rejects.toThrow(/limit/);
    await expect(rl.hit("k", { limit: 1, windowMs: 0 })).rejects.toThrow(/windowMs/);
  });
});
