// Seeded random numbers for the simulator: same seed → same sequence on every platform.
// xoshiro128** (32-bit state words, pure integer math) seeded through splitmix32.

/** Hashes a string or number to a 32-bit unsigned seed (FNV-1a over the decimal/text form). */
export function hashSeed(...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = `${String(part)}\u0000`; // separator so ("ab","c") ≠ ("a","bc")
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const TWO_PI = 2 * Math.PI;

/** Wraps an angle in radians to (-π, π]. */
export function wrapAngle(theta: number): number {
  const r = theta - TWO_PI * Math.floor((theta + Math.PI) / TWO_PI);
  return r === -Math.PI ? Math.PI : r;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** seed: any number or string; equal seeds give equal sequences. */
  constructor(seed: number | string) {
    const sm = splitmix32(typeof seed === "number" && Number.isInteger(seed) ? seed >>> 0 : hashSeed(seed));
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next raw 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in (0, 1): safe for log() and division. */
  uniformPositive(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return u;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Normal(mean, sd) by Box–Muller; no cached spare, so every call costs exactly two uniforms. */
  normal(mean = 0, sd = 1): number {
    const u1 = this.uniformPositive();
    const u2 = this.uniform();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(TWO_PI * u2);
  }

  /** Gamma(shape k, scale θ): mean kθ, variance kθ². Marsaglia–Tsang (2000), with the U^(1/k) boost for k < 1. */
  gamma(shape: number, scale = 1): number {
    if (!(shape > 0) || !(scale > 0)) throw new RangeError("gamma: shape and scale must be positive");
    if (shape < 1) {
      // X ~ Gamma(k+1) and U^(1/k) X ~ Gamma(k) (Marsaglia–Tsang §6).
      return this.gamma(shape + 1, scale) * Math.pow(this.uniformPositive(), 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniformPositive();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale; // squeeze: skips the logs ~98% of the time
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }

  /** Von Mises(mu, kappa) in radians, result in (-π, π]. Best & Fisher (1979) wrapped-Cauchy envelope. */
  vonMises(mu: number, kappa: number): number {
    if (!(kappa >= 0)) throw new RangeError("vonMises: kappa must be >= 0");
    if (kappa < 1e-8) return wrapAngle(mu + Math.PI * (2 * this.uniform() - 1));
    // Above 1e6 the envelope constants lose precision; the wrapped normal is exact to ~1/kappa there.
    if (kappa > 1e6) return wrapAngle(mu + this.normal(0, 1 / Math.sqrt(kappa)));
    let s: number;
    if (kappa < 1e-5) {
      s = 1 / kappa + kappa; // Taylor form: rho underflows to 0 in double precision this close to 0
    } else {
      const tau = 1 + Math.sqrt(1 + 4 * kappa * kappa);
      const rho = (tau - Math.sqrt(2 * tau)) / (2 * kappa);
      s = (1 + rho * rho) / (2 * rho);
    }
    let w: number;
    for (;;) {
      const z = Math.cos(Math.PI * this.uniform());
      w = (1 + s * z) / (s + z);
      const y = kappa * (s - w);
      const v = this.uniformPositive();
      if (y * (2 - y) - v >= 0 || Math.log(y / v) + 1 - y >= 0) break;
    }
    const theta = Math.acos(Math.max(-1, Math.min(1, w)));
    return wrapAngle(mu + (this.uniform() < 0.5 ? -theta : theta));
  }

  /** Index drawn with probability proportional to weights (non-negative, not all zero). */
  categorical(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) {
      if (!(w >= 0)) throw new RangeError("categorical: weights must be non-negative numbers");
      total += w;
    }
    if (!(total > 0)) throw new RangeError("categorical: weights must not all be zero");
    let target = this.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i] ?? 0;
      if (target < 0) return i;
    }
    // Rounding can leave target ≥ 0 after the last weight: return the last non-zero one.
    for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] ?? 0) > 0) return i;
    return weights.length - 1;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
