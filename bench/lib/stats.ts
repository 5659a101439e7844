// Small statistics helpers for the benchmarks: a seeded PRNG, percentiles, formatting.

/** mulberry32: a tiny seeded 32-bit PRNG; same seed → same sequence everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stateless 32-bit hash of three integers → [0, 1). */
export function hash01(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c + 0x27d4eb2f, 0x165667b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Growable sample of numbers (latencies in ms). */
export class Samples {
  private data = new Float64Array(1 << 16);
  private n = 0;

  add(v: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = v;
  }

  get count(): number {
    return this.n;
  }

  /** p in [0, 100]; NaN when empty. Nearest-rank on a sorted copy. */
  percentiles(...ps: number[]): number[] {
    if (this.n === 0) return ps.map(() => NaN);
    const sorted = this.data.slice(0, this.n).sort();
    return ps.map((p) => sorted[Math.min(this.n - 1, Math.max(0, Math.ceil((p / 100) * this.n) - 1))]!);
  }

  max(): number {
    let m = -Infinity;
    for (let i = 0; i < this.n; i++) m = Math.max(m, this.data[i]!);
    return this.n ? m : NaN;
  }
}

export const round = (v: number, digits = 1): number => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : v);

export function fmtInt(v: number): string {
  return Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : String(v);
}

export function fmtBytes(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1 << 30) return `${round(v / (1 << 30), 2)} GiB`;
  if (a >= 1 << 20) return `${round(v / (1 << 20), 1)} MiB`;
  if (a >= 1 << 10) return `${round(v / (1 << 10), 2)} KiB`;
  return `${Math.round(v)} B`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
