// Natural ↔ working scale (moveHMM's n2w / w2n): the optimiser searches over unconstrained reals.
// Layout of the working vector, in moveHMM's order:
//   log(step mean) ×N, log(step sd) ×N, [logit(zero mass) ×N],
//   [angle x ×N, angle y ×N]  where (x, y) = c·(cos μ, sin μ), c = κ (von Mises) or atanh ρ (wrapped Cauchy),
//   beta (column-major, as stored), [log(δ_j / δ_1), j = 2..N  unless stationary].
// The polar (x, y) form is moveHMM's: it keeps the angle mean free of the ±π seam.
import type { HmmModel } from "./model.ts";
import { fillTransitionMatrix, stationaryDistribution } from "./transition.ts";

// moveHMM nudges starting zero masses off the boundary the same way.
const ZERO_MASS_EDGE = 1e-8;

/** Length of the working vector of a model. */
export function workingLength(m: HmmModel): number {
  const n = m.nStates;
  return n * (m.zeroInflation ? 3 : 2) + (m.angleDist === "none" ? 0 : 2 * n) + m.beta.length + (m.stationary ? 0 : n - 1);
}

/** Natural → working scale. */
export function toWorking(m: HmmModel, out: Float64Array = new Float64Array(workingLength(m))): Float64Array {
  const n = m.nStates;
  let p = 0;
  for (let i = 0; i < n; i++) out[p++] = Math.log(m.stepMean[i]!);
  for (let i = 0; i < n; i++) out[p++] = Math.log(m.stepSd[i]!);
  if (m.zeroInflation) {
    for (let i = 0; i < n; i++) {
      const z = Math.min(1 - ZERO_MASS_EDGE, Math.max(ZERO_MASS_EDGE, m.zeroMass[i]!));
      out[p++] = Math.log(z / (1 - z));
    }
  }
  if (m.angleDist !== "none") {
    for (let i = 0; i < n; i++) out[p + i] = concToRadius(m, m.angleConc[i]!) * Math.cos(m.angleMean[i]!);
    for (let i = 0; i < n; i++) out[p + n + i] = concToRadius(m, m.angleConc[i]!) * Math.sin(m.angleMean[i]!);
    p += 2 * n;
  }
  for (let k = 0; k < m.beta.length; k++) out[p++] = m.beta[k]!;
  if (!m.stationary) {
    const d0 = Math.max(m.delta[0]!, 1e-300);
    for (let i = 1; i < n; i++) out[p++] = Math.log(Math.max(m.delta[i]!, 1e-300) / d0);
  }
  return out;
}

/**
 * Working → natural scale, written into `out` (a model with the same shape, e.g. a clone of the
 * start) so the optimiser's likelihood calls allocate nothing. `gammaScratch` (N×N) is only used
 * for the stationary distribution.
 */
export function fromWorking(w: Float64Array, out: HmmModel, gammaScratch?: Float64Array): HmmModel {
  const n = out.nStates;
  let p = 0;
  for (let i = 0; i < n; i++) out.stepMean[i] = Math.exp(w[p++]!);
  for (let i = 0; i < n; i++) out.stepSd[i] = Math.exp(w[p++]!);
  if (out.zeroInflation) for (let i = 0; i < n; i++) out.zeroMass[i] = 1 / (1 + Math.exp(-w[p++]!));
  if (out.angleDist !== "none") {
    for (let i = 0; i < n; i++) {
      const x = w[p + i]!;
      const y = w[p + n + i]!;
      out.angleMean[i] = Math.atan2(y, x);
      const r = Math.hypot(x, y);
      out.angleConc[i] = out.angleDist === "wrpcauchy" ? Math.tanh(r) : r;
    }
    p += 2 * n;
  }
  for (let k = 0; k < out.beta.length; k++) out.beta[k] = w[p++]!;
  if (out.stationary) {
    const g = gammaScratch ?? new Float64Array(n * n);
    fillTransitionMatrix(n, out.beta, 0, null, 0, g);
    stationaryDistribution(n, g, out.delta);
  } else {
    // Softmax with the first state as reference, shifted by the max so exp cannot overflow.
    let max = 0;
    for (let i = 1; i < n; i++) max = Math.max(max, w[p + i - 1]!);
    let sum = Math.exp(-max);
    out.delta[0] = sum;
    for (let i = 1; i < n; i++) {
      const e = Math.exp(w[p + i - 1]! - max);
      out.delta[i] = e;
      sum += e;
    }
    for (let i = 0; i < n; i++) out.delta[i]! /= sum;
  }
  return out;
}

function concToRadius(m: HmmModel, c: number): number {
  if (m.angleDist !== "wrpcauchy") return c;
  return Math.atanh(Math.min(c, 1 - 1e-12));
}
