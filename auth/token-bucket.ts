// A token bucket for per-connection message limits: `ratePerS` tokens a second, at most `burst` saved
// up. Pure and synchronous (one per connection, checked on every message); the clock is injectable.
export interface TokenBucketOptions {
  ratePerS: number;
  burst: number;
  /** Milliseconds, monotonic; default performance.now (wall-clock jumps must not refill or starve it). */
  now?: () => number;
}

export class TokenBucket {
  private readonly ratePerMs: number;
  private readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private last: number;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.ratePerS > 0)) throw new RangeError(`ratePerS must be > 0 (got ${opts.ratePerS})`);
    if (!(opts.burst >= 1)) throw new RangeError(`burst must be ≥ 1 (got ${opts.burst})`);
    this.ratePerMs = opts.ratePerS / 1000;
    this.burst = opts.burst;
    this.now = opts.now ?? (() => performance.now());
    this.tokens = opts.burst; // a new connection may send its burst at once
    this.last = this.now();
  }

  /** Takes `n` tokens if there are that many (true); otherwise takes none (false). */
  take(n = 1): boolean {
    this.refill();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Milliseconds until `n` tokens are available (0: now), a hint for when to try again. */
  msUntil(n = 1): number {
    this.refill();
    // Less a hair, so float dust (0.6 / 0.004 = 150.00000000000003) does not round up a whole ms.
    return n <= this.tokens ? 0 : Math.ceil((n - this.tokens) / this.ratePerMs - 1e-9);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + Math.max(0, now - this.last) * this.ratePerMs);
    this.last = now;
  }
}
