// The per-connection message bucket, on an injected clock.
import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../auth/token-bucket.ts";

function clock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

describe("TokenBucket", () => {
  it("starts full: the burst goes through at once, then it is empty", () => {
    const c = clock();
    const b = new TokenBucket({ ratePerS: 10, burst: 20, now: c.now });
    for (let i = 0; i < 20; i++) expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
  });

  it("refills at the rate, never above the burst", () => {
    const c = clock();
    const b = new TokenBucket({ ratePerS: 10, burst: 20, now: c.now });
    for (let i = 0; i < 20; i++) b.take();
    c.t += 99;
    expect(b.take()).toBe(false);
    c.t += 1; // 100 ms at 10/s: one token
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    c.t += 60_000; // a long pause saves up only the burst
    let n = 0;
    while (b.take()) n++;
    expect(n).toBe(20);
  });

  it("take(n) takes all n or none", () => {
    const c = clock();
    const b = new TokenBucket({ ratePerS: 1, burst: 5, now: c.now });
    expect(b.take(4)).toBe(true);
    expect(b.take(2)).toBe(false); // one left: not taken
    expect(b.take(1)).toBe(true);
    expect(b.take(6)).toBe(false);
  });

  it("refused takes cost nothing", () => {
    const c = clock();
    const b = new TokenBucket({ ratePerS: 2, burst: 2, now: c.now });
    b.take(2);
    for (let i = 0; i < 100; i++) expect(b.take()).toBe(false);
    c.t += 500;
    expect(b.take()).toBe(true);
  });

  it("msUntil says when the next tokens will be there", () => {
    const c = clock();
    const b = new TokenBucket({ ratePerS: 4, burst: 2, now: c.now });
    expect(b.msUntil()).toBe(0);
    b.take(2);
    expect(b.msUntil()).toBe(250);
    expect(b.msUntil(2)).toBe(500);
    c.t += 100;
    expect(b.msUntil()).toBe(150);
    c.t += 150;
    expect(b.msUntil()).toBe(0);
    expect(b.take()).toBe(true);
  });

  it("a clock going backwards does not add or remove tokens", () => {
    const c = clock();
    c.t = 1000;
    const b = new TokenBucket({ ratePerS: 1, burst: 1, now: c.now });
    expect(b.take()).toBe(true);
    c.t = 0;
    expect(b.take()).toBe(false);
    c.t = 1000;
    expect(b.take()).toBe(true);
  });

  it("rejects a rate or burst that could never let anything through", () => {
    expect(() => new TokenBucket({ ratePerS: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerS: 1, burst: 0 })).toThrow(RangeError);
  });
});
