// State inference for a fitted model (moveHMM's viterbi, logAlpha/logBeta, stateProbs, pseudoRes),
// track by track, on the scaled (normalised) forward and backward recursions so long tracks never
// underflow. Matrices are row-major rows × N Float64Arrays; states are 0-based.
import type { HmmData } from "./data.ts";
import { gammaCdf, vonMisesCdf, wrappedCauchyCdf } from "./densities.ts";
import { createEmissionConstants, logEmissionRow, prepareEmissions } from "./emissions.ts";
import { prepareData, type PreparedData } from "./likelihood.ts";
import type { HmmModel } from "./model.ts";
import { normalQuantile } from "./special.ts";
import { fillTransitionMatrix } from "./transition.ts";

/** Γ_t for row t (row t's covariates, or the constant matrix) into `out`. */
function transitionAt(model: HmmModel, pd: PreparedData, t: number, out: Float64Array): void {
  fillTransitionMatrix(model.nStates, model.beta, pd.nCov, pd.cov, t * pd.nCov, out);
}

/**
 * Forward pass: alpha[t·N + j] = P(S_t = j | y_1..t) within the track (filtered, normalised), and
 * logScale[t] with Σ_{s≤t} logScale[s] = log P(y_1..t) of the track so far.
 */
function forward(model: HmmModel, pd: PreparedData, alpha: Float64Array, logScale: Float64Array): void {
  const n = model.nStates;
  const ec = prepareEmissions(model, createEmissionConstants(n));
  const le = new Float64Array(n);
  const gamma = new Float64Array(n * n);
  const ts = pd.trackStart;
  for (let k = 0; k + 1 < ts.length; k++) {
    for (let t = ts[k]!; t < ts[k + 1]!; t++) {
      const max = logEmissionRow(ec, pd.step[t]!, pd.angle[t]!, le, 0);
      const o = t * n;
      if (t === ts[k]) {
        for (let j = 0; j < n; j++) alpha[o + j] = model.delta[j]! * Math.exp(le[j]! - max);
      } else {
        transitionAt(model, pd, t, gamma);
        for (let j = 0; j < n; j++) {
          let v = 0;
          for (let i = 0; i < n; i++) v += alpha[o - n + i]! * gamma[i * n + j]!;
          alpha[o + j] = v * Math.exp(le[j]! - max);
        }
      }
      let sum = 0;
      for (let j = 0; j < n; j++) sum += alpha[o + j]!;
      logScale[t] = max + Math.log(sum);
      for (let j = 0; j < n; j++) alpha[o + j]! /= sum;
    }
  }
}

/**
 * Backward pass: beta[t·N + j] ∝ P(y_{t+1}..end | S_t = j) normalised to sum 1, and logScale[t]
 * such that log β_t(j) = log beta[t·N + j] + Σ_{s≥t} logScale[s] (logScale at a track's last row is 0).
 */
function backward(model: HmmModel, pd: PreparedData, beta: Float64Array, logScale: Float64Array): void {
  const n = model.nStates;
  const ec = prepareEmissions(model, createEmissionConstants(n));
  const le = new Float64Array(n);
  const gamma = new Float64Array(n * n);
  const ts = pd.trackStart;
  for (let k = 0; k + 1 < ts.length; k++) {
    const last = ts[k + 1]! - 1;
    for (let j = 0; j < n; j++) beta[last * n + j] = 1 / n;
    logScale[last] = Math.log(n);
    for (let t = last - 1; t >= ts[k]!; t--) {
      const max = logEmissionRow(ec, pd.step[t + 1]!, pd.angle[t + 1]!, le, 0);
      transitionAt(model, pd, t + 1, gamma);
      const o = t * n;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += gamma[i * n + j]! * Math.exp(le[j]! - max) * beta[o + n + j]!;
        beta[o + i] = v;
        sum += v;
      }
      logScale[t] = max + Math.log(sum);
      for (let i = 0; i < n; i++) beta[o + i]! /= sum;
    }
  }
}

/** Filtered state probabilities P(S_t = j | y_1..t) of every row (what the live filter gives). */
export function forwardProbabilities(model: HmmModel, data: HmmData): Float64Array {
  const pd = prepareData(data, model);
  const rows = pd.step.length;
  const alpha = new Float64Array(rows * model.nStates);
  forward(model, pd, alpha, new Float64Array(rows));
  return alpha;
}

/** moveHMM's logAlpha and logBeta: log forward and backward probabilities, rows × N. */
export function logForwardBackward(model: HmmModel, data: HmmData): { logAlpha: Float64Array; logBeta: Float64Array } {
  const n = model.nStates;
  const pd = prepareData(data, model);
  const rows = pd.step.length;
  const alpha = new Float64Array(rows * n);
  const beta = new Float64Array(rows * n);
  const fs = new Float64Array(rows);
  const bs = new Float64Array(rows);
  forward(model, pd, alpha, fs);
  backward(model, pd, beta, bs);
  const logAlpha = new Float64Array(rows * n);
  const logBeta = new Float64Array(rows * n);
  const ts = pd.trackStart;
  for (let k = 0; k + 1 < ts.length; k++) {
    let acc = 0;
    for (let t = ts[k]!; t < ts[k + 1]!; t++) {
      acc += fs[t]!;
      for (let j = 0; j < n; j++) logAlpha[t * n + j] = Math.log(alpha[t * n + j]!) + acc;
    }
    acc = 0;
    for (let t = ts[k + 1]! - 1; t >= ts[k]!; t--) {
      // the last row's β is 1: its stored 1/N times its scale N
      acc += bs[t]!;
      for (let j = 0; j < n; j++) logBeta[t * n + j] = Math.log(beta[t * n + j]!) + acc;
    }
  }
  return { logAlpha, logBeta };
}

/** Smoothed state probabilities P(S_t = j | all of the track's data) (moveHMM's stateProbs). */
export function stateProbabilities(model: HmmModel, data: HmmData): Float64Array {
  const n = model.nStates;
  const pd = prepareData(data, model);
  const rows = pd.step.length;
  const alpha = new Float64Array(rows * n);
  const beta = new Float64Array(rows * n);
  forward(model, pd, alpha, new Float64Array(rows));
  backward(model, pd, beta, new Float64Array(rows));
  for (let t = 0; t < rows; t++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += (alpha[t * n + j]! *= beta[t * n + j]!);
    for (let j = 0; j < n; j++) alpha[t * n + j]! /= sum;
  }
  return alpha;
}

/** Most probable state sequence of each track (Viterbi, in log space); 0-based states. */
export function viterbi(model: HmmModel, data: HmmData): Uint8Array {
  const n = model.nStates;
  const pd = prepareData(data, model);
  const rows = pd.step.length;
  const ec = prepareEmissions(model, createEmissionConstants(n));
  const le = new Float64Array(n);
  const gamma = new Float64Array(n * n);
  const score = new Float64Array(rows * n);
  const from = new Uint8Array(rows * n);
  const states = new Uint8Array(rows);
  const ts = pd.trackStart;
  for (let k = 0; k + 1 < ts.length; k++) {
    const first = ts[k]!;
    const last = ts[k + 1]! - 1;
    for (let t = first; t <= last; t++) {
      logEmissionRow(ec, pd.step[t]!, pd.angle[t]!, le, 0);
      const o = t * n;
      if (t === first) {
        for (let j = 0; j < n; j++) score[o + j] = Math.log(model.delta[j]!) + le[j]!;
        continue;
      }
      transitionAt(model, pd, t, gamma);
      for (let j = 0; j < n; j++) {
        let best = -Infinity;
        let arg = 0;
        for (let i = 0; i < n; i++) {
          const v = score[o - n + i]! + Math.log(gamma[i * n + j]!);
          if (v > best) {
            best = v;
            arg = i;
          }
        }
        score[o + j] = best + le[j]!;
        from[o + j] = arg;
      }
    }
    let arg = 0;
    for (let j = 1; j < n; j++) if (score[last * n + j]! > score[last * n + arg]!) arg = j;
    states[last] = arg;
    for (let t = last; t > first; t--) states[t - 1] = from[t * n + states[t]!]!;
  }
  return states;
}

/** Number of rows decoded in each state. */
export function stateCounts(states: Uint8Array, nStates: number): number[] {
  const counts = new Array<number>(nStates).fill(0);
  for (const s of states) counts[s]!++;
  return counts;
}

/**
 * Pseudo-residuals (moveHMM's pseudoRes, Zucchini & MacDonald §6.2): Φ⁻¹ of the one-step-ahead
 * predictive CDF of each step and angle; N(0, 1) under a correct model. NaN where the step is
 * missing, and for angles also where the angle is missing or exactly π (its residual is +∞).
 */
export function pseudoResiduals(model: HmmModel, data: HmmData): { step: Float64Array; angle: Float64Array } {
  const n = model.nStates;
  const pd = prepareData(data, model);
  const rows = pd.step.length;
  const alpha = new Float64Array(rows * n);
  forward(model, pd, alpha, new Float64Array(rows));
  const gamma = new Float64Array(n * n);
  const w = new Float64Array(n);
  const step = new Float64Array(rows).fill(NaN);
  const angle = new Float64Array(rows).fill(NaN);
  const ts = pd.trackStart;
  let k = 0;
  for (let t = 0; t < rows; t++) {
    while (t >= ts[k + 1]!) k++;
    const s = pd.step[t]!;
    if (Number.isNaN(s)) continue;
    // Predictive state distribution of row t given the track's rows before it.
    if (t === ts[k]) w.set(model.delta);
    else {
      transitionAt(model, pd, t, gamma);
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let i = 0; i < n; i++) v += alpha[(t - 1) * n + i]! * gamma[i * n + j]!;
        w[j] = v;
      }
    }
    let ps = 0;
    for (let j = 0; j < n; j++) {
      const zm = model.zeroInflation ? model.zeroMass[j]! : 0;
      ps += w[j]! * (zm + (1 - zm) * gammaCdf(s, model.stepMean[j]!, model.stepSd[j]!));
    }
    step[t] = normalQuantile(Math.min(1, ps));
    const a = pd.angle[t]!;
    if (model.angleDist === "none" || Number.isNaN(a) || a === Math.PI) continue;
    let pa = 0;
    for (let j = 0; j < n; j++) {
      const cdf = model.angleDist === "vm" ? vonMisesCdf(a, model.angleMean[j]!, model.angleConc[j]!) : wrappedCauchyCdf(a, model.angleMean[j]!, model.angleConc[j]!);
      pa += w[j]! * cdf;
    }
    angle[t] = normalQuantile(Math.min(1, pa));
  }
  return { step, angle };
}
