// Transition probability matrices from the multinomial logit (moveHMM's trMatrix_rcpp): for row
// i, Γ[i][j] ∝ exp(η_ij) with η_ii = 0 and η_ij = (1, covariates) · beta[:, k(i,j)].

/**
 * Writes Γ (row-major N×N) for one covariate row into `out` (offset `outOffset`).
 * `cov` holds the covariate values without the intercept, at `covOffset`; nCov may be 0.
 */
export function fillTransitionMatrix(
  n: number,
  beta: Float64Array,
  nCov: number,
  cov: ArrayLike<number> | null,
  covOffset: number,
  out: Float64Array,
  outOffset = 0,
): Float64Array {
  const rows = nCov + 1;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const base = outOffset + i * n;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      let v = 1;
      if (i !== j) {
        const col = rows * k++;
        let eta = beta[col]!;
        for (let c = 0; c < nCov; c++) eta += beta[col + 1 + c]! * cov![covOffset + c]!;
        v = Math.exp(eta);
      }
      out[base + j] = v;
      sum += v;
    }
    // exp overflow (Inf/Inf) would give NaN; such a row puts all mass on its largest entries.
    if (sum === Infinity) {
      let inf = 0;
      for (let j = 0; j < n; j++) if (out[base + j] === Infinity) inf++;
      for (let j = 0; j < n; j++) out[base + j] = out[base + j] === Infinity ? 1 / inf : 0;
    } else {
      for (let j = 0; j < n; j++) out[base + j]! /= sum;
    }
  }
  return out;
}

/**
 * Stationary distribution δ of Γ: solves δ(I − Γ + U) = 1 (U all ones), as moveHMM does, by
 * Gaussian elimination with partial pivoting.
 */
export function stationaryDistribution(n: number, gamma: Float64Array, out: Float64Array = new Float64Array(n)): Float64Array {
  // A = (I − Γ + U)ᵀ, solve A δ = 1.
  const a = new Float64Array(n * (n + 1));
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) a[r * (n + 1) + c] = (r === c ? 1 : 0) - gamma[c * n + r]! + 1;
    a[r * (n + 1) + n] = 1;
  }
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * (n + 1) + col]!) > Math.abs(a[pivot * (n + 1) + col]!)) pivot = r;
    if (pivot !== col) {
      for (let c = 0; c <= n; c++) {
        const t = a[col * (n + 1) + c]!;
        a[col * (n + 1) + c] = a[pivot * (n + 1) + c]!;
        a[pivot * (n + 1) + c] = t;
      }
    }
    const d = a[col * (n + 1) + col]!;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r * (n + 1) + col]! / d;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) a[r * (n + 1) + c]! -= f * a[col * (n + 1) + c]!;
    }
  }
  for (let r = 0; r < n; r++) out[r] = a[r * (n + 1) + n]! / a[r * (n + 1) + r]!;
  return out;
}

/** Γ of a model as nested arrays, at the given covariate values (model order; none for a model without covariates). */
export function transitionMatrixOf(model: { nStates: number; beta: Float64Array; covariates: readonly string[] }, covariates: ArrayLike<number> = []): number[][] {
  const n = model.nStates;
  const nCov = model.covariates.length;
  if (covariates.length < nCov) throw new RangeError(`transitionMatrixOf: the model needs ${nCov} covariate values`);
  const g = fillTransitionMatrix(n, model.beta, nCov, covariates, 0, new Float64Array(n * n));
  return Array.from({ length: n }, (_, i) => Array.from(g.subarray(i * n, i * n + n)));
}
