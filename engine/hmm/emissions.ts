// Log state-dependent densities of one row (step, angle) under every state, from constants worked
// out once per parameter set: the hot path is one log, one cos/sin pair and N multiply-adds.
// A missing (NaN) step or angle contributes density 1, as in moveHMM's allProbs.
import type { HmmModel } from "./model.ts";
import { logBesselI0Scaled, logGamma } from "./special.ts";

const LOG_TWO_PI = Math.log(2 * Math.PI);

export interface EmissionConstants {
  n: number;
  angleKind: 0 | 1 | 2; // none, von Mises, wrapped Cauchy
  zeroInflation: boolean;
  shapeMinus1: Float64Array;
  rate: Float64Array;
  /** −log Γ(k) − k log θ, plus log(1 − zero mass) with zero inflation. */
  stepConst: Float64Array;
  logZeroMass: Float64Array;
  /** Log density at a zero step without zero inflation (R's dgamma at 0). */
  logAtZero: Float64Array;
  cosMu: Float64Array;
  sinMu: Float64Array;
  conc: Float64Array;
  angleConst: Float64Array;
  /** Wrapped Cauchy: 1 + ρ² and 2ρ. */
  wcA: Float64Array;
  wcB: Float64Array;
}

export function createEmissionConstants(n: number): EmissionConstants {
  const f = (): Float64Array => new Float64Array(n);
  return {
    n,
    angleKind: 1,
    zeroInflation: false,
    shapeMinus1: f(),
    rate: f(),
    stepConst: f(),
    logZeroMass: f(),
    logAtZero: f(),
    cosMu: f(),
    sinMu: f(),
    conc: f(),
    angleConst: f(),
    wcA: f(),
    wcB: f(),
  };
}

/** Fills the constants for a model's current parameters (no allocation when `out` is given). */
export function prepareEmissions(m: HmmModel, out = createEmissionConstants(m.nStates)): EmissionConstants {
  out.angleKind = m.angleDist === "none" ? 0 : m.angleDist === "vm" ? 1 : 2;
  out.zeroInflation = m.zeroInflation;
  for (let j = 0; j < m.nStates; j++) {
    const mean = m.stepMean[j]!;
    const sd = m.stepSd[j]!;
    const shape = (mean * mean) / (sd * sd);
    const scale = (sd * sd) / mean;
    out.shapeMinus1[j] = shape - 1;
    out.rate[j] = 1 / scale;
    const zm = m.zeroInflation ? m.zeroMass[j]! : 0;
    out.stepConst[j] = -logGamma(shape) - shape * Math.log(scale) + (zm > 0 ? Math.log1p(-zm) : 0);
    out.logZeroMass[j] = Math.log(zm);
    out.logAtZero[j] = shape > 1 ? -Infinity : shape === 1 ? -Math.log(scale) : Infinity;
    const mu = m.angleMean[j]!;
    const c = m.angleConc[j]!;
    out.cosMu[j] = Math.cos(mu);
    out.sinMu[j] = Math.sin(mu);
    out.conc[j] = c;
    if (out.angleKind === 1) out.angleConst[j] = -LOG_TWO_PI - logBesselI0Scaled(c) - c;
    else if (out.angleKind === 2) {
      out.angleConst[j] = Math.log(1 - c * c) - LOG_TWO_PI;
      out.wcA[j] = 1 + c * c;
      out.wcB[j] = 2 * c;
    }
  }
  return out;
}

/**
 * Writes log f_j(step, angle) for j = 0..N−1 into out[offset + j] and returns their maximum
 * (the caller rescales by it so that exp() cannot underflow for every state at once).
 */
export function logEmissionRow(ec: EmissionConstants, step: number, angle: number, out: Float64Array, offset: number): number {
  const n = ec.n;
  const hasStep = step === step; // not NaN
  const hasAngle = ec.angleKind !== 0 && angle === angle;
  const lx = hasStep && step > 0 ? Math.log(step) : 0;
  const ca = hasAngle ? Math.cos(angle) : 0;
  const sa = hasAngle ? Math.sin(angle) : 0;
  let max = -Infinity;
  for (let j = 0; j < n; j++) {
    let v = 0;
    if (hasStep) {
      if (step > 0) v = ec.shapeMinus1[j]! * lx - step * ec.rate[j]! + ec.stepConst[j]!;
      else v = ec.zeroInflation ? ec.logZeroMass[j]! : ec.logAtZero[j]!;
    }
    if (hasAngle) {
      const cosDiff = ca * ec.cosMu[j]! + sa * ec.sinMu[j]!;
      if (ec.angleKind === 1) v += ec.conc[j]! * cosDiff + ec.angleConst[j]!;
      else v += ec.angleConst[j]! - Math.log(ec.wcA[j]! - ec.wcB[j]! * cosDiff);
    }
    out[offset + j] = v;
    if (v > max) max = v;
  }
  return max;
}
