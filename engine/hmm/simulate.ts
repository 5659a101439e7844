// Tracks drawn from a movement HMM, seeded, for parameter-recovery tests and benchmarks. Rows follow
// the model's conventions: S₁ ~ δ, S_t ~ Γ_t[S_{t−1}, ·] (Γ_t from row t's covariates), then the
// step and angle of row t from state S_t. The first angle of each track is missing, as prepData
// makes it; planar positions built from the rows are returned too (prepData on them gives the rows back).
import { Rng } from "../../simulator/random.ts";
import type { HmmData } from "./data.ts";
import { cloneModel, validateModel, type HmmModel } from "./model.ts";
import { wrapToPi } from "./prep.ts";
import { fillTransitionMatrix } from "./transition.ts";

export interface SimulateOptions {
  /** Number of tracks, each of `n` rows (default 1). */
  tracks?: number;
  /** Covariate values, row-major (tracks·n) × covariates, in the model's order; required with covariates. */
  covariates?: ArrayLike<number>;
}

export interface SimulatedHmm {
  data: HmmData;
  /** True state of every row, 0-based. */
  states: Uint8Array;
  /** Planar positions, n + 1 per track (row t is the step from position t to t + 1), tracks concatenated. */
  x: Float64Array;
  y: Float64Array;
}

/** Simulates `n` rows per track from the model with a seeded generator. */
export function simulateHmm(model: HmmModel, n: number, seed: number | string, options: SimulateOptions = {}): SimulatedHmm {
  validateModel(model);
  const m = cloneModel(model);
  const tracks = options.tracks ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer (got ${n})`);
  if (!Number.isInteger(tracks) || tracks < 1) throw new RangeError(`tracks must be a positive integer (got ${tracks})`);
  const nCov = m.covariates.length;
  const rows = n * tracks;
  if (nCov > 0 && (!options.covariates || options.covariates.length !== rows * nCov)) {
    throw new RangeError(`covariates must hold ${rows} rows × ${nCov} values for this model`);
  }
  const cov = Float64Array.from(options.covariates ?? []);
  const rng = new Rng(seed);
  const N = m.nStates;
  const step = new Float64Array(rows);
  const angle = new Float64Array(rows);
  const states = new Uint8Array(rows);
  const x = new Float64Array(rows + tracks);
  const y = new Float64Array(rows + tracks);
  const trackStart = new Int32Array(tracks + 1);
  const gamma = new Float64Array(N * N);
  const weights = new Array<number>(N);
  if (nCov === 0) fillTransitionMatrix(N, m.beta, 0, null, 0, gamma);

  for (let k = 0; k < tracks; k++) {
    trackStart[k] = k * n;
    let heading = Math.PI * (2 * rng.uniform() - 1);
    let px = 0;
    let py = 0;
    const posBase = k * (n + 1);
    x[posBase] = 0;
    y[posBase] = 0;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const t = k * n + i;
      if (i === 0) {
        for (let j = 0; j < N; j++) weights[j] = m.delta[j]!;
      } else {
        if (nCov > 0) fillTransitionMatrix(N, m.beta, nCov, cov, t * nCov, gamma);
        for (let j = 0; j < N; j++) weights[j] = gamma[s * N + j]!;
      }
      s = rng.categorical(weights);
      states[t] = s;
      const zero = m.zeroInflation && rng.uniform() < m.zeroMass[s]!;
      const mean = m.stepMean[s]!;
      const sd = m.stepSd[s]!;
      step[t] = zero ? 0 : rng.gamma((mean * mean) / (sd * sd), (sd * sd) / mean);
      const turn = drawAngle(m, s, rng);
      angle[t] = i === 0 ? NaN : turn;
      heading = wrapToPi(heading + (i === 0 ? 0 : turn));
      px += step[t]! * Math.cos(heading);
      py += step[t]! * Math.sin(heading);
      x[posBase + i + 1] = px;
      y[posBase + i + 1] = py;
    }
  }
  trackStart[tracks] = rows;
  const data: HmmData = {
    step,
    angle,
    trackStart,
    covariates: cov,
    covariateNames: [...m.covariates],
    trackIds: Array.from({ length: tracks }, (_, k) => `sim${k + 1}`),
  };
  return { data, states, x, y };
}

function drawAngle(m: HmmModel, s: number, rng: Rng): number {
  if (m.angleDist === "none") return (2 * rng.uniform() - 1) * Math.PI;
  const mu = m.angleMean[s]!;
  const c = m.angleConc[s]!;
  if (m.angleDist === "vm") return rng.vonMises(mu, c);
  // Wrapped Cauchy by inversion: μ + 2 atan(((1 − ρ)/(1 + ρ)) tan(π(U − ½))).
  const u = rng.uniformPositive();
  return wrapToPi(mu + 2 * Math.atan(((1 - c) / (1 + c)) * Math.tan(Math.PI * (u - 0.5))));
}
