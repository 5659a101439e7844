// An N-state movement HMM as moveHMM defines it: gamma step lengths (mean, sd, optional zero mass
// per state), von Mises or wrapped Cauchy turning angles (mean, concentration) or none, transition
// probabilities from a multinomial logit on covariates (beta), and an initial distribution delta.
// Plain data (typed arrays), so a model crosses worker threads by structured clone.

export type StepDist = "gamma";
export type AngleDist = "vm" | "wrpcauchy" | "none";

export interface HmmModel {
  nStates: number;
  stepDist: StepDist;
  angleDist: AngleDist;
  /** Steps of length exactly 0 get a point mass per state (required when the data has any). */
  zeroInflation: boolean;
  /** delta is the stationary distribution of the transition matrix instead of being estimated (no covariates). */
  stationary: boolean;
  /** Names of the covariate terms of the transition model, in beta's row order after the intercept. */
  covariates: readonly string[];
  /** Per state, in the step units of the data (km for lonlat / xy-km, metres for xy-m). */
  stepMean: Float64Array;
  stepSd: Float64Array;
  /** Per state probability of a zero step; all 0 without zero inflation. */
  zeroMass: Float64Array;
  /** Per state, radians in (−π, π]; unused with angleDist "none". */
  angleMean: Float64Array;
  /** Per state κ ≥ 0 (von Mises) or ρ in [0, 1) (wrapped Cauchy). */
  angleConc: Float64Array;
  /**
   * (nCovariates + 1) × N(N−1), column-major like moveHMM's matrix: beta[c + (nCov+1)·k] is the
   * coefficient of covariate c (0 = intercept) for the k-th off-diagonal transition, counted row
   * by row (1→2, 1→3, …, 2→1, 2→3, …). The diagonal is the logit reference.
   */
  beta: Float64Array;
  /** Initial distribution of each track's first row. */
  delta: Float64Array;
}

export class HmmModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HmmModelError";
  }
}

export interface StartValues {
  stepMean: ArrayLike<number>;
  stepSd: ArrayLike<number>;
  zeroMass?: ArrayLike<number>;
  angleMean?: ArrayLike<number>;
  angleConc?: ArrayLike<number>;
  beta?: ArrayLike<number>;
  delta?: ArrayLike<number>;
}

export interface ModelShape {
  nStates: number;
  angleDist?: AngleDist;
  zeroInflation?: boolean;
  stationary?: boolean;
  covariates?: readonly string[];
}

/**
 * A model from starting values, with moveHMM's defaults: beta intercepts −1.5 (dominant
 * diagonal) and covariate effects 0, delta uniform, angle means 0 and concentrations 1.
 */
export function createModel(shape: ModelShape, start: StartValues): HmmModel {
  const n = shape.nStates;
  const covariates = shape.covariates ?? [];
  const nBeta = (covariates.length + 1) * n * (n - 1);
  const angleDist = shape.angleDist ?? "vm";
  const beta = new Float64Array(nBeta);
  if (start.beta) beta.set(Array.from(start.beta));
  else for (let k = 0; k < n * (n - 1); k++) beta[k * (covariates.length + 1)] = -1.5;
  const model: HmmModel = {
    nStates: n,
    stepDist: "gamma",
    angleDist,
    zeroInflation: shape.zeroInflation ?? false,
    stationary: shape.stationary ?? false,
    covariates: [...covariates],
    stepMean: Float64Array.from(start.stepMean),
    stepSd: Float64Array.from(start.stepSd),
    zeroMass: start.zeroMass ? Float64Array.from(start.zeroMass) : new Float64Array(n),
    angleMean: start.angleMean ? Float64Array.from(start.angleMean) : new Float64Array(n),
    angleConc: start.angleConc ? Float64Array.from(start.angleConc) : new Float64Array(n).fill(angleDist === "wrpcauchy" ? 0.5 : 1),
    beta,
    delta: start.delta ? Float64Array.from(start.delta) : new Float64Array(n).fill(1 / n),
  };
  validateModel(model);
  return model;
}

/** Throws HmmModelError naming the first field that is the wrong size or out of its range. */
export function validateModel(m: HmmModel): void {
  const n = m.nStates;
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new HmmModelError(`nStates must be an integer from 1 to 32 (got ${n})`);
  if (m.stepDist !== "gamma") throw new HmmModelError(`stepDist must be "gamma" (got "${String(m.stepDist)}")`);
  if (m.angleDist !== "vm" && m.angleDist !== "wrpcauchy" && m.angleDist !== "none") {
    throw new HmmModelError(`angleDist must be vm, wrpcauchy or none (got "${String(m.angleDist)}")`);
  }
  if (m.stationary && m.covariates.length > 0) throw new HmmModelError("stationary can't be used with covariates (the chain is not homogeneous)");
  const perState: Array<[string, Float64Array, (v: number) => boolean, string]> = [
    ["stepMean", m.stepMean, (v) => v > 0 && Number.isFinite(v), "positive"],
    ["stepSd", m.stepSd, (v) => v > 0 && Number.isFinite(v), "positive"],
    ["zeroMass", m.zeroMass, (v) => v >= 0 && v < 1, "in [0, 1)"],
    ["angleMean", m.angleMean, (v) => v >= -Math.PI - 1e-12 && v <= Math.PI + 1e-12, "in [−π, π]"],
    ["angleConc", m.angleConc, m.angleDist === "wrpcauchy" ? (v) => v >= 0 && v < 1 : (v) => v >= 0 && Number.isFinite(v), m.angleDist === "wrpcauchy" ? "in [0, 1)" : "non-negative"],
    ["delta", m.delta, (v) => v >= 0 && v <= 1, "in [0, 1]"],
  ];
  for (const [name, arr, ok, range] of perState) {
    if (arr.length !== n) throw new HmmModelError(`${name} must have ${n} values, one per state (got ${arr.length})`);
    for (let i = 0; i < n; i++) if (!ok(arr[i]!)) throw new HmmModelError(`${name}[${i}] must be ${range} (got ${arr[i]})`);
  }
  if (!m.zeroInflation && m.zeroMass.some((v) => v !== 0)) throw new HmmModelError("zeroMass must be 0 without zeroInflation");
  const nBeta = (m.covariates.length + 1) * n * (n - 1);
  if (m.beta.length !== nBeta) throw new HmmModelError(`beta must have (covariates + 1) × N(N−1) = ${nBeta} values (got ${m.beta.length})`);
  if (m.beta.some((v) => !Number.isFinite(v))) throw new HmmModelError("beta must be finite numbers");
  const sum = m.delta.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new HmmModelError(`delta must sum to 1 (got ${sum})`);
}

/** Number of estimated parameters (moveHMM's AIC count: delta only when not stationary). */
export function parameterCount(m: HmmModel): number {
  const n = m.nStates;
  const step = n * (m.zeroInflation ? 3 : 2);
  const angle = m.angleDist === "none" ? 0 : 2 * n;
  const delta = m.stationary ? 0 : n - 1;
  return step + angle + m.beta.length + delta;
}

/** A deep copy (typed arrays copied). */
export function cloneModel(m: HmmModel): HmmModel {
  return {
    ...m,
    covariates: [...m.covariates],
    stepMean: m.stepMean.slice(),
    stepSd: m.stepSd.slice(),
    zeroMass: m.zeroMass.slice(),
    angleMean: m.angleMean.slice(),
    angleConc: m.angleConc.slice(),
    beta: m.beta.slice(),
    delta: m.delta.slice(),
  };
}

/**
 * The same model with states relabelled: new state a is old state perm[a]. Transition columns
 * move with their (from, to) pair, which keeps the diagonal as the logit reference.
 */
export function permuteStates(m: HmmModel, perm: ArrayLike<number>): HmmModel {
  const n = m.nStates;
  const out = cloneModel(m);
  const pick = (src: Float64Array, dst: Float64Array): void => {
    for (let a = 0; a < n; a++) dst[a] = src[perm[a]!]!;
  };
  pick(m.stepMean, out.stepMean);
  pick(m.stepSd, out.stepSd);
  pick(m.zeroMass, out.zeroMass);
  pick(m.angleMean, out.angleMean);
  pick(m.angleConc, out.angleConc);
  pick(m.delta, out.delta);
  const rows = m.covariates.length + 1;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      if (a === b) continue;
      const to = offDiagonalIndex(n, a, b);
      const from = offDiagonalIndex(n, perm[a]!, perm[b]!);
      for (let c = 0; c < rows; c++) out.beta[c + rows * to] = m.beta[c + rows * from]!;
    }
  }
  return out;
}

/** Index k of the off-diagonal transition i → j (i ≠ j) in beta's columns. */
export function offDiagonalIndex(n: number, i: number, j: number): number {
  return i * (n - 1) + (j > i ? j - 1 : j);
}
