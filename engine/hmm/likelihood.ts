// The negative log-likelihood by the scaled forward algorithm, as moveHMM's nLogLike: each track
// restarts from delta (α₁ = δ ∘ P(y₁)), then α_t = (α_{t−1} Γ_t) ∘ P(y_t) with Γ_t built from the
// covariates of row t; the log of each normalising sum is accumulated.
import { covariateMatrix, type HmmData } from "./data.ts";
import { createEmissionConstants, logEmissionRow, prepareEmissions, type EmissionConstants } from "./emissions.ts";
import type { HmmModel } from "./model.ts";
import { fillTransitionMatrix } from "./transition.ts";

/** Data columns laid out for a given model's covariates (built once per fit). */
export interface PreparedData {
  step: Float64Array;
  angle: Float64Array;
  trackStart: Int32Array;
  /** Row-major rows × nCov, in the model's covariate order. */
  cov: Float64Array;
  nCov: number;
}

export function prepareData(data: HmmData, model: HmmModel): PreparedData {
  return {
    step: data.step,
    angle: data.angle,
    trackStart: data.trackStart,
    cov: covariateMatrix(data, model.covariates),
    nCov: model.covariates.length,
  };
}

/** Scratch buffers for one model size, reused across likelihood evaluations. */
export class ForwardWorkspace {
  readonly ec: EmissionConstants;
  readonly logRow: Float64Array;
  readonly gamma: Float64Array;
  readonly alpha: Float64Array;
  readonly next: Float64Array;

  constructor(readonly n: number) {
    this.ec = createEmissionConstants(n);
    this.logRow = new Float64Array(n);
    this.gamma = new Float64Array(n * n);
    this.alpha = new Float64Array(n);
    this.next = new Float64Array(n);
  }
}

/**
 * −log L of the data under the model. Infinity when some row has zero probability under every
 * state (the optimiser then backs off) — never NaN.
 */
export function negLogLikelihood(model: HmmModel, pd: PreparedData, ws = new ForwardWorkspace(model.nStates)): number {
  const n = model.nStates;
  const { ec, logRow, gamma, alpha, next } = ws;
  prepareEmissions(model, ec);
  const { step, angle, trackStart, cov, nCov } = pd;
  const delta = model.delta;
  if (nCov === 0) fillTransitionMatrix(n, model.beta, 0, null, 0, gamma);
  let llk = 0;
  for (let k = 0; k + 1 < trackStart.length; k++) {
    const end = trackStart[k + 1]!;
    for (let t = trackStart[k]!; t < end; t++) {
      const max = logEmissionRow(ec, step[t]!, angle[t]!, logRow, 0);
      if (!(max > -Infinity && max < Infinity)) return Infinity;
      let sum = 0;
      if (t === trackStart[k]) {
        for (let j = 0; j < n; j++) {
          const v = delta[j]! * Math.exp(logRow[j]! - max);
          alpha[j] = v;
          sum += v;
        }
      } else {
        if (nCov > 0) fillTransitionMatrix(n, model.beta, nCov, cov, t * nCov, gamma);
        for (let j = 0; j < n; j++) next[j] = 0;
        for (let i = 0; i < n; i++) {
          const a = alpha[i]!;
          if (a === 0) continue;
          const row = i * n;
          for (let j = 0; j < n; j++) next[j]! += a * gamma[row + j]!;
        }
        for (let j = 0; j < n; j++) {
          const v = next[j]! * Math.exp(logRow[j]! - max);
          alpha[j] = v;
          sum += v;
        }
      }
      if (!(sum > 0) || sum === Infinity) return Infinity;
      llk += max + Math.log(sum);
      const inv = 1 / sum;
      for (let j = 0; j < n; j++) alpha[j]! *= inv;
    }
  }
  return -llk;
}
