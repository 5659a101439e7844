// Unconstrained minimisation for the working-scale likelihood: BFGS with a strong-Wolfe line search
// (Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 3.5/3.6 and 6.1) on central-difference
// gradients. Like R's nlm it tolerates non-finite function values (treated as "too far": the step
// shrinks), and it stops on a relative gradient, a vanishing step or the iteration limit.

export type Objective = (x: Float64Array) => number;

export interface MinimizeOptions {
  /** Iteration limit (moveHMM calls nlm with iterlim = 1000). */
  maxIterations?: number;
  /** Stop when max_i |g_i|·max(|x_i|, 1) / max(|f|, 1) falls below this (nlm's gradtol idea). */
  gradTol?: number;
  /** Stop when the relative step max_i |Δx_i| / max(|x_i|, 1) falls below this. */
  stepTol?: number;
  /** Largest change of any coordinate in one step (keeps the search out of absurd regions). */
  maxStep?: number;
  /** Analytic gradient; central differences otherwise. */
  gradient?: (x: Float64Array, g: Float64Array) => void;
}

export interface MinimizeResult {
  x: Float64Array;
  f: number;
  gradient: Float64Array;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: "gradient" | "step" | "iterations" | "line-search" | "non-finite-start";
}

const C1 = 1e-4;
const C2 = 0.9;
const FD_STEP = Math.cbrt(Number.EPSILON); // optimal for central differences

export function minimize(fn: Objective, x0: ArrayLike<number>, options: MinimizeOptions = {}): MinimizeResult {
  const maxIterations = options.maxIterations ?? 1000;
  const gradTol = options.gradTol ?? 1e-8;
  const stepTol = options.stepTol ?? 1e-12;
  const maxStep = options.maxStep ?? 10;
  const n = x0.length;
  let evaluations = 0;
  const f = (x: Float64Array): number => {
    evaluations++;
    const v = fn(x);
    return Number.isNaN(v) ? Infinity : v;
  };
  const probe = new Float64Array(n);
  const grad = (x: Float64Array, fx: number, g: Float64Array): void => {
    if (options.gradient) return options.gradient(x, g);
    probe.set(x);
    for (let i = 0; i < n; i++) {
      const h = FD_STEP * Math.max(Math.abs(x[i]!), 1);
      probe[i] = x[i]! + h;
      const fp = f(probe);
      probe[i] = x[i]! - h;
      const fm = f(probe);
      probe[i] = x[i]!;
      if (Number.isFinite(fp) && Number.isFinite(fm)) g[i] = (fp - fm) / (2 * h);
      else if (Number.isFinite(fp)) g[i] = (fp - fx) / h;
      else if (Number.isFinite(fm)) g[i] = (fx - fm) / h;
      else g[i] = 0;
    }
  };

  let x = Float64Array.from(x0);
  let fx = f(x);
  let g = new Float64Array(n);
  if (!Number.isFinite(fx)) return { x, f: fx, gradient: g, iterations: 0, evaluations, converged: false, reason: "non-finite-start" };
  grad(x, fx, g);

  const H = identity(n); // inverse Hessian approximation, row-major
  const p = new Float64Array(n);
  const s = new Float64Array(n);
  const yv = new Float64Array(n);
  const Hy = new Float64Array(n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  let firstStep = true;
  let failures = 0;

  for (let iter = 1; iter <= maxIterations; iter++) {
    if (relativeGradient(x, g, fx) < gradTol) return done(iter - 1, true, "gradient");
    // p = −H g
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < n; j++) v -= H[i * n + j]! * g[j]!;
      p[i] = v;
    }
    let slope = dot(g, p);
    if (!(slope < 0)) {
      // Not a descent direction (H lost positive definiteness): restart from steepest descent.
      resetIdentity(H, n);
      for (let i = 0; i < n; i++) p[i] = -g[i]!;
      slope = dot(g, p);
    }
    let pMax = 0;
    for (let i = 0; i < n; i++) pMax = Math.max(pMax, Math.abs(p[i]!));
    let alpha0 = 1;
    if (firstStep) alpha0 = Math.min(1, 1 / Math.max(pMax, 1e-300));
    if (alpha0 * pMax > maxStep) alpha0 = maxStep / pMax;

    const ls = lineSearch(alpha0, slope);
    if (!ls) {
      failures++;
      if (failures >= 2) return done(iter - 1, relativeGradient(x, g, fx) < 1e-5, "line-search");
      resetIdentity(H, n);
      firstStep = true;
      continue;
    }
    failures = 0;
    // s = x_new − x, y = g_new − g
    let stepRel = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      yv[i] = gNew[i]! - g[i]!;
      stepRel = Math.max(stepRel, Math.abs(s[i]!) / Math.max(Math.abs(xNew[i]!), 1));
    }
    const sy = dot(s, yv);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(yv, yv))) {
      if (firstStep) {
        // Scale the initial H to the curvature just seen (Nocedal & Wright eq. 6.20).
        const scale = sy / dot(yv, yv);
        resetIdentity(H, n, scale);
        firstStep = false;
      }
      bfgsUpdate(H, n, s, yv, sy, Hy);
    }
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    fx = ls;
    if (stepRel < stepTol) return done(iter, relativeGradient(x, g, fx) < 1e-5, "step");
  }
  return done(maxIterations, false, "iterations");

  function done(iterations: number, converged: boolean, reason: MinimizeResult["reason"]): MinimizeResult {
    return { x, f: fx, gradient: g, iterations, evaluations, converged, reason };
  }

  // Strong-Wolfe line search along p from x; on success leaves the point in xNew/gNew and returns f.
  function lineSearch(alpha1: number, slope0: number): number | null {
    const f0 = fx;
    let aPrev = 0;
    let fPrev = f0;
    let dPrev = slope0;
    let a = alpha1;
    for (let i = 0; i < 30; i++) {
      const fa = evalAt(a);
      if (!Number.isFinite(fa)) {
        // Outside the region where the likelihood is defined: shrink towards the last good point.
        a = aPrev + 0.2 * (a - aPrev);
        continue;
      }
      if (fa > f0 + C1 * a * slope0 || (aPrev > 0 && fa >= fPrev)) return zoom(aPrev, fPrev, dPrev, a, fa, f0, slope0);
      grad(xNew, fa, gNew);
      const da = dot(gNew, p);
      if (Math.abs(da) <= -C2 * slope0) return fa;
      if (da >= 0) return zoom(a, fa, da, aPrev, fPrev, f0, slope0);
      aPrev = a;
      fPrev = fa;
      dPrev = da;
      a = Math.min(a * 2, maxStep / Math.max(maxAbs(p), 1e-300));
      if (a <= aPrev) return fa; // at the step cap: accept (gradient is current)
    }
    return null;
  }

  function zoom(aLo: number, fLo: number, dLo: number, aHi: number, fHi: number, f0: number, slope0: number): number | null {
    for (let i = 0; i < 40; i++) {
      const lo = Math.min(aLo, aHi);
      const hi = Math.max(aLo, aHi);
      let a = interpolatedMin(aLo, fLo, dLo, aHi, fHi);
      const margin = 0.1 * (hi - lo);
      if (!(a > lo + margin && a < hi - margin)) a = (aLo + aHi) / 2;
      const fa = evalAt(a);
      if (!Number.isFinite(fa) || fa > f0 + C1 * a * slope0 || fa >= fLo) {
        aHi = a;
        fHi = Number.isFinite(fa) ? fa : Infinity;
      } else {
        grad(xNew, fa, gNew);
        const da = dot(gNew, p);
        if (Math.abs(da) <= -C2 * slope0) return fa;
        if (da * (aHi - aLo) >= 0) {
          aHi = aLo;
          fHi = fLo;
        }
        aLo = a;
        fLo = fa;
        dLo = da;
      }
      if (Math.abs(aHi - aLo) * maxAbs(p) < 1e-16 * (1 + maxAbs(x))) break;
    }
    // No Wolfe point found; accept the best decrease if there is one (its gradient is computed).
    if (aLo > 0 && fLo < f0) {
      const fa = evalAt(aLo);
      grad(xNew, fa, gNew);
      return fa;
    }
    return null;
  }

  function evalAt(a: number): number {
    for (let i = 0; i < n; i++) xNew[i] = x[i]! + a * p[i]!;
    return f(xNew);
  }
}

// Minimiser of the quadratic through (a, fa) with slope da and (b, fb); the midpoint if it has none.
function interpolatedMin(a: number, fa: number, da: number, b: number, fb: number): number {
  if (!Number.isFinite(fb)) return a + 0.5 * (b - a);
  const d = b - a;
  // Quadratic interpolation: q(t) = fa + da t + c t², c = (fb − fa − da d)/d²
  const c = (fb - fa - da * d) / (d * d);
  if (c <= 0) return a + 0.5 * d;
  return a - da / (2 * c);
}

function relativeGradient(x: Float64Array, g: Float64Array, f: number): number {
  let m = 0;
  const denom = Math.max(Math.abs(f), 1);
  for (let i = 0; i < x.length; i++) m = Math.max(m, (Math.abs(g[i]!) * Math.max(Math.abs(x[i]!), 1)) / denom);
  return m;
}

function bfgsUpdate(H: Float64Array, n: number, s: Float64Array, y: Float64Array, sy: number, Hy: Float64Array): void {
  // H ← H + ((sᵀy + yᵀHy)/(sᵀy)²) ssᵀ − (Hy sᵀ + s yᵀH)/(sᵀy)   (H symmetric)
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let j = 0; j < n; j++) v += H[i * n + j]! * y[j]!;
    Hy[i] = v;
  }
  const yHy = dot(y, Hy);
  const a = (sy + yHy) / (sy * sy);
  const b = 1 / sy;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      H[i * n + j]! += a * s[i]! * s[j]! - b * (Hy[i]! * s[j]! + s[i]! * Hy[j]!);
    }
  }
}

function identity(n: number): Float64Array {
  const H = new Float64Array(n * n);
  resetIdentity(H, n);
  return H;
}

function resetIdentity(H: Float64Array, n: number, scale = 1): void {
  H.fill(0);
  for (let i = 0; i < n; i++) H[i * n + i] = scale;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
