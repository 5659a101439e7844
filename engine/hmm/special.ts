// Special functions the HMM densities, CDFs and pseudo-residuals need, to double precision:
// log-gamma, the regularised incomplete gamma, the normal CDF and quantile, and modified Bessel
// functions of the first kind. Scalar pure functions, no allocation.

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log Γ(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 1e-16;
const TINY = 1e-300;

/** Regularised lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), a > 0, x ≥ 0. */
export function gammaP(a: number, x: number): number {
  if (!(x > 0)) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the upper tail. */
export function gammaQ(a: number, x: number): number {
  if (!(x > 0)) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

// Series for P(a, x), converging fast for x < a + 1 (Numerical Recipes §6.2).
function gammaSeries(a: number, x: number): number {
  let ap = a;
  let del = 1 / a;
  let sum = del;
  for (let n = 0; n < 10_000; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

// Continued fraction for Q(a, x), x ≥ a + 1, by modified Lentz.
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** Standard normal CDF Φ(x), accurate in both tails (through erfc(z) = Q(½, z²)). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const q = 0.5 * gammaQ(0.5, (x * x) / 2); // = P(Z > |x|)
  return x < 0 ? q : 1 - q;
}

// Acklam's rational approximation (relative error 1.2e-9), refined below to full precision.
const QA = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const QB = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const QC = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const QD = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Standard normal quantile Φ⁻¹(p): −Infinity at 0, +Infinity at 1, NaN outside [0, 1]. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  let x: number;
  const plow = 0.02425;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((QC[0]! * q + QC[1]!) * q + QC[2]!) * q + QC[3]!) * q + QC[4]!) * q + QC[5]!) / ((((QD[0]! * q + QD[1]!) * q + QD[2]!) * q + QD[3]!) * q + 1);
  } else if (p <= 1 - plow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((QA[0]! * r + QA[1]!) * r + QA[2]!) * r + QA[3]!) * r + QA[4]!) * r + QA[5]!) * q) / (((((QB[0]! * r + QB[1]!) * r + QB[2]!) * r + QB[3]!) * r + QB[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((QC[0]! * q + QC[1]!) * q + QC[2]!) * q + QC[3]!) * q + QC[4]!) * q + QC[5]!) / ((((QD[0]! * q + QD[1]!) * q + QD[2]!) * q + QD[3]!) * q + 1);
  }
  // Two Halley steps on Φ(x) − p, taking the error in the tail where it keeps its precision.
  for (let i = 0; i < 2; i++) {
    const e = x < 0 ? normalCdf(x) - p : 1 - p - upperTail(x);
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}

// P(Z > x) for x ≥ 0, without the cancellation of 1 − Φ(x).
function upperTail(x: number): number {
  return 0.5 * gammaQ(0.5, (x * x) / 2);
}

/** log I₀(κ) − κ, i.e. the log of the exponentially scaled modified Bessel function I₀. */
export function logBesselI0Scaled(kappa: number): number {
  const k = Math.abs(kappa);
  if (k <= 25) {
    // Power series Σ ((κ/2)^2k / (k!)²): all terms positive, so no cancellation.
    const q = (k * k) / 4;
    let term = 1;
    let sum = 1;
    for (let j = 1; j < 500; j++) {
      term *= q / (j * j);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return Math.log(sum) - k;
  }
  // Asymptotic expansion; at κ > 25 its smallest term is below e^-50.
  let term = 1;
  let sum = 1;
  for (let j = 1; j < 60; j++) {
    const next = (term * (2 * j - 1) * (2 * j - 1)) / (8 * j * k);
    if (next >= term) break;
    term = next;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return Math.log(sum) - 0.5 * Math.log(2 * Math.PI * k);
}

/**
 * Fills out[n-1] = I_n(κ) / I₀(κ) for n = 1..out.length, by the backward recurrence of the ratios
 * r_n = I_n / I_{n-1} = 1 / (2n/κ + r_{n+1}) (stable where forward recurrence is not).
 */
export function besselRatios(kappa: number, out: Float64Array): Float64Array {
  const n = out.length;
  if (n === 0) return out;
  if (!(kappa > 0)) return out.fill(0);
  let r = 0;
  const start = n + 50 + Math.ceil(Math.sqrt(kappa) * 4);
  for (let m = start; m > n; m--) r = 1 / ((2 * m) / kappa + r);
  // r is now r_{n+1}; walk down storing r_m, then multiply up.
  for (let m = n; m >= 1; m--) {
    r = 1 / ((2 * m) / kappa + r);
    out[m - 1] = r;
  }
  let prod = 1;
  for (let m = 0; m < n; m++) {
    prod *= out[m]!;
    out[m] = prod;
  }
  return out;
}

/** Digamma ψ(x) = d/dx log Γ(x) for x > 0 (recurrence up to x ≥ 10, then the asymptotic series). */
export function digamma(x: number): number {
  let acc = 0;
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  return acc + Math.log(x) - 0.5 * inv - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132)))));
}
