// Fitted models as plain JSON, to store and reload: natural-scale parameters per state, beta as
// rows (intercept, then each covariate) × off-diagonal transitions, delta, and the metadata needed
// to use the model again (number of states, distributions, covariate names, step units).
import { createModel, HmmModelError, offDiagonalIndex, type AngleDist, type HmmModel } from "./model.ts";

/** Version of the JSON layout; bump on an incompatible change. */
export const HMM_MODEL_VERSION = "wt-hmm/1";

export interface HmmStateJson {
  step_mean: number;
  step_sd: number;
  zero_mass?: number;
  angle_mean?: number;
  angle_conc?: number;
}

export interface HmmModelJson {
  version: string;
  n_states: number;
  dists: { step: "gamma"; angle: AngleDist };
  zero_inflation: boolean;
  stationary: boolean;
  covariates: string[];
  states: HmmStateJson[];
  /** (covariates + 1) rows × N(N−1) columns; `beta_columns` names each column "i->j" (1-based). */
  beta: number[][];
  beta_columns: string[];
  delta: number[];
  /** Free-form provenance: step units, data file, fit statistics. */
  meta?: Record<string, unknown>;
}

/** Plain-JSON form of a model (JSON.stringify-able). */
export function modelToJson(m: HmmModel, meta?: Record<string, unknown>): HmmModelJson {
  const n = m.nStates;
  const rows = m.covariates.length + 1;
  const cols = n * (n - 1);
  const beta: number[][] = Array.from({ length: rows }, (_, c) => Array.from({ length: cols }, (_, k) => m.beta[c + rows * k]!));
  const betaColumns: string[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) betaColumns[offDiagonalIndex(n, i, j)] = `${i + 1}->${j + 1}`;
  return {
    version: HMM_MODEL_VERSION,
    n_states: n,
    dists: { step: m.stepDist, angle: m.angleDist },
    zero_inflation: m.zeroInflation,
    stationary: m.stationary,
    covariates: [...m.covariates],
    states: Array.from({ length: n }, (_, j) => {
      const s: HmmStateJson = { step_mean: m.stepMean[j]!, step_sd: m.stepSd[j]! };
      if (m.zeroInflation) s.zero_mass = m.zeroMass[j]!;
      if (m.angleDist !== "none") {
        s.angle_mean = m.angleMean[j]!;
        s.angle_conc = m.angleConc[j]!;
      }
      return s;
    }),
    beta,
    beta_columns: betaColumns,
    delta: Array.from(m.delta),
    ...(meta ? { meta } : {}),
  };
}

/** A model from its JSON form (an object or the JSON text); throws HmmModelError naming what is wrong. */
export function modelFromJson(input: unknown): HmmModel {
  const j = (typeof input === "string" ? parseJson(input) : input) as Partial<HmmModelJson> | null;
  if (!j || typeof j !== "object") throw new HmmModelError("a model must be a JSON object");
  if (j.version !== HMM_MODEL_VERSION) throw new HmmModelError(`unsupported model version "${String(j.version)}" (this build reads ${HMM_MODEL_VERSION})`);
  const n = j.n_states;
  if (!Number.isInteger(n) || n! < 1) throw new HmmModelError("n_states must be a positive integer");
  if (!Array.isArray(j.states) || j.states.length !== n) throw new HmmModelError(`states must list ${n} states`);
  const angle = j.dists?.angle;
  if (angle !== "vm" && angle !== "wrpcauchy" && angle !== "none") throw new HmmModelError('dists.angle must be "vm", "wrpcauchy" or "none"');
  if (j.dists?.step !== "gamma") throw new HmmModelError('dists.step must be "gamma"');
  const covariates = j.covariates ?? [];
  if (!Array.isArray(covariates) || covariates.some((c) => typeof c !== "string")) throw new HmmModelError("covariates must be a list of names");
  const rows = covariates.length + 1;
  const cols = n! * (n! - 1);
  if (!Array.isArray(j.beta) || j.beta.length !== rows || j.beta.some((r) => !Array.isArray(r) || r.length !== cols)) {
    throw new HmmModelError(`beta must be ${rows} rows of ${cols} numbers`);
  }
  const beta = new Float64Array(rows * cols);
  for (let c = 0; c < rows; c++) for (let k = 0; k < cols; k++) beta[c + rows * k] = Number(j.beta[c]![k]);
  const states = j.states;
  const num = (v: unknown, what: string): number => {
    if (typeof v !== "number") throw new HmmModelError(`${what} must be a number`);
    return v;
  };
  return createModel(
    { nStates: n!, angleDist: angle, zeroInflation: Boolean(j.zero_inflation), stationary: Boolean(j.stationary), covariates },
    {
      stepMean: states.map((s, i) => num(s.step_mean, `states[${i}].step_mean`)),
      stepSd: states.map((s, i) => num(s.step_sd, `states[${i}].step_sd`)),
      zeroMass: j.zero_inflation ? states.map((s, i) => num(s.zero_mass, `states[${i}].zero_mass`)) : undefined,
      angleMean: angle === "none" ? undefined : states.map((s, i) => num(s.angle_mean, `states[${i}].angle_mean`)),
      angleConc: angle === "none" ? undefined : states.map((s, i) => num(s.angle_conc, `states[${i}].angle_conc`)),
      beta,
      delta: Array.isArray(j.delta) ? j.delta.map((v, i) => num(v, `delta[${i}]`)) : undefined,
    },
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HmmModelError(`the model is not valid JSON: ${(err as Error).message}`);
  }
}
