// Horne et al. (2007) leave-one-out likelihood of the Brownian motion variance σ²m: fix i is predicted
// by the bridge between fixes i-1 and i+1, a bivariate normal centred on the straight line at
// α = (t_i - t_{i-1}) / (t_{i+1} - t_{i-1}) with variance
//   v_i = T α(1-α) σ²m + (1-α)² δ²_{i-1} + α² δ²_{i+1}      (T = t_{i+1} - t_{i-1})
// as in BBMM's brownian.motion.variance, move's brownian.motion.variance.dyn and adehabitatHR's CVL.
// BBMM and move predict only every other fix (centres 1, 3, 5, … of a piece of track) so the bridges
// are independent; adehabitatHR's CVL, despite its "odd locations" comment, predicts every interior
// fix (its counter skips only the first), hence step = 1 reproduces liker().
import type { BridgeTrack } from "./track.ts";

/** Per centre fix i (1 … n-2): v_i = slope[i]·σ²m + offset[i]; dist2[i] = squared distance to the bridge mean. */
export interface LooTerms {
  slope: Float64Array;
  offset: Float64Array;
  dist2: Float64Array;
}

/** The leave-one-out terms of every interior fix; entries 0 and n-1 are unused. */
export function looTerms(track: BridgeTrack): LooTerms {
  const { x, y, t, error } = track;
  const n = x.length;
  const slope = new Float64Array(n);
  const offset = new Float64Array(n);
  const dist2 = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    const T = t[i + 1]! - t[i - 1]!;
    const a = (t[i]! - t[i - 1]!) / T;
    const mx = x[i - 1]! + a * (x[i + 1]! - x[i - 1]!);
    const my = y[i - 1]! + a * (y[i + 1]! - y[i - 1]!);
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    const e1 = error[i - 1]!;
    const e2 = error[i + 1]!;
    slope[i] = T * a * (1 - a);
    offset[i] = (1 - a) * (1 - a) * e1 * e1 + a * a * e2 * e2;
    dist2[i] = dx * dx + dy * dy;
  }
  return { slope, offset, dist2 };
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Log-likelihood of σ²m over the bridges centred on first, first+step, … ≤ last (step 2: every other fix). */
export function looLogLik(terms: LooTerms, first: number, last: number, variance: number, step = 2): number {
  const { slope, offset, dist2 } = terms;
  let ll = 0;
  for (let i = first; i <= last; i += step) {
    const v = slope[i]! * variance + offset[i]!;
    ll -= LOG_2PI + Math.log(v) + dist2[i]! / (2 * v);
  }
  return ll;
}

export interface VarianceFit {
  /** Maximum-likelihood Brownian motion variance, m²/min (0 when the fixes scatter less than their location error). */
  variance: number;
  /** Log-likelihood at the maximum (move's `cll`). */
  logLik: number;
  /** Number of leave-one-out bridges in the likelihood. */
  bridges: number;
}

const SCAN = 24;

/**
 * Maximises the leave-one-out likelihood over σ²m ≥ 0 for the bridges centred on first, first+step, … ≤ last.
 * Each term peaks where v_i = dist2_i / 2, so the maximum lies between the smallest and largest of those
 * per-bridge optima: a geometric scan of that bracket finds the best peak (the sum need not be
 * unimodal), Brent's method refines it to ~1e-10 relative — R's optimize() stops at ~1e-8.
 */
export function maxLooLikelihood(terms: LooTerms, first: number, last: number, step = 2): VarianceFit {
  const { slope, offset, dist2 } = terms;
  let lo = Infinity;
  let hi = -Infinity;
  let bridges = 0;
  for (let i = first; i <= last; i += step) {
    const best = (dist2[i]! / 2 - offset[i]!) / slope[i]!;
    if (best < lo) lo = best;
    if (best > hi) hi = best;
    bridges++;
  }
  if (bridges === 0) return { variance: NaN, logLik: NaN, bridges };
  const f = (v: number) => -looLogLik(terms, first, last, v, step);
  if (hi <= 0) return { variance: 0, logLik: -f(0), bridges }; // every bridge prefers σ²m → 0
  lo = Math.max(lo, 0);
  if (hi - lo <= hi * 1e-12) return { variance: hi, logLik: -f(hi), bridges };

  // Geometric scan from lo (or, when lo is 0, from a positive floor) to hi; the best scan point and
  // its neighbours bracket the refinement.
  const floor = lo > 0 ? lo : hi * 1e-9;
  const ratio = Math.pow(hi / floor, 1 / (SCAN - 1));
  const point = (k: number) => (k < 0 ? lo : k >= SCAN - 1 ? hi : floor * Math.pow(ratio, k));
  let bestK = -1;
  let bestF = f(lo);
  for (let k = 0; k < SCAN; k++) {
    const fv = f(point(k));
    if (fv < bestF) {
      bestF = fv;
      bestK = k;
    }
  }
  const bestV = point(bestK);
  const left = point(bestK - 1);
  const right = point(Math.min(Math.max(bestK, 0) + 1, SCAN - 1));
  const v = brentMin(f, left, right, 1e-10);
  const fv = f(v);
  return fv <= bestF ? { variance: v, logLik: -fv, bridges } : { variance: bestV, logLik: -bestF, bridges };
}

const GOLDEN = 0.3819660112501051;

/** Brent's (1973) minimiser on [a, b] (golden section with parabolic steps), relative tolerance rtol. */
export function brentMin(f: (x: number) => number, a: number, b: number, rtol: number): number {
  let x = a + GOLDEN * (b - a);
  let w = x;
  let v = x;
  let fx = f(x);
  let fw = fx;
  let fv = fx;
  let d = 0;
  let e = 0;
  for (let iter = 0; iter < 200; iter++) {
    const m = 0.5 * (a + b);
    const tol = rtol * Math.abs(x) + 1e-300;
    const tol2 = 2 * tol;
    if (Math.abs(x - m) <= tol2 - 0.5 * (b - a)) break;
    let useGolden = true;
    if (Math.abs(e) > tol) {
      // Parabola through x, w, v.
      let r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      else q = -q;
      r = e;
      e = d;
      if (Math.abs(p) < Math.abs(0.5 * q * r) && p > q * (a - x) && p < q * (b - x)) {
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = x < m ? tol : -tol;
        useGolden = false;
      }
    }
    if (useGolden) {
      e = (x < m ? b : a) - x;
      d = GOLDEN * e;
    }
    const u = Math.abs(d) >= tol ? x + d : x + (d > 0 ? tol : -tol);
    const fu = f(u);
    if (fu <= fx) {
      if (u < x) b = x;
      else a = x;
      v = w;
      fv = fw;
      w = x;
      fw = fx;
      x = u;
      fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w;
        fv = fw;
        w = u;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
  }
  return x;
}
