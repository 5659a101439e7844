// Ack-latency histogram: log buckets 1% wide, so quantiles stay accurate over a run of any length
// in constant memory.

const MIN_MS = 0.01;
const GROWTH = 1.01;
const BUCKETS = 2200; // 0.01 ms · 1.01^2200 ≈ 3 · 10^7 ms: anything longer lands in the last bucket

export interface LatencySummary {
  count: number;
  p50: number | null; // ms
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private n = 0;
  private sum = 0;
  private maxMs = 0;
  private minMs = Infinity;

  record(ms: number): void {
    const v = Math.max(0, ms);
    const idx = v <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(v / MIN_MS) / Math.log(GROWTH)));
    this.counts[idx]! += 1;
    this.n++;
    this.sum += v;
    if (v > this.maxMs) this.maxMs = v;
    if (v < this.minMs) this.minMs = v;
  }

  /** q-quantile (0..1) in ms, within 1% of the true value (clamped to the observed min/max). */
  quantile(q: number): number | null {
    if (this.n === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.maxMs, Math.max(this.minMs, MIN_MS * GROWTH ** i));
    }
    return this.maxMs;
  }

  summary(): LatencySummary {
    const r = (v: number | null): number | null => (v === null ? null : Math.round(v * 100) / 100);
    return {
      count: this.n,
      p50: r(this.quantile(0.5)),
      p99: r(this.quantile(0.99)),
      max: this.n ? r(this.maxMs) : null,
      mean: this.n ? r(this.sum / this.n) : null,
    };
  }
}
