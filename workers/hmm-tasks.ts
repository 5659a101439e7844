// Behaviour HMM work in the pool: fitting a species' model from its stored tracks, and decoding an
// animal's window (Viterbi states and smoothed probabilities). Plain data in and out.
import {
  defaultStart,
  fitHmm,
  hasZeroSteps,
  HmmDataError,
  HmmModelError,
  modelFromJson,
  modelToJson,
  stateProbabilities,
  viterbi,
  type HmmData,
  type HmmModelJson,
} from "../engine/hmm/index.ts";
import { TaskInputError } from "./task-types.ts";

/** Fewer rows than this per parameter cannot identify a model. */
const MIN_ROWS_PER_STATE = 50;

export interface HmmFitTask {
  data: HmmData;
  nStates: number;
  randomStarts?: number;
  seed?: number;
}

export interface HmmFitResult {
  model: HmmModelJson;
  nllk: number;
  aic: number;
  converged: boolean;
  iterations: number;
}

export interface HmmDecodeTask {
  model: HmmModelJson;
  data: HmmData;
}

export interface HmmDecodeResult {
  states: Uint8Array;
  /** Smoothed P(state | all rows), rows × nStates. */
  probabilities: Float64Array;
}

function asInputError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof HmmDataError || err instanceof HmmModelError) throw new TaskInputError(err.message);
    throw err;
  }
}

export function hmmFitTask(payload: unknown): HmmFitResult {
  const { data, nStates, randomStarts = 4, seed = 1 } = payload as HmmFitTask;
  const rows = data.step.length;
  if (rows < MIN_ROWS_PER_STATE * nStates) {
    throw new TaskInputError(`${rows} usable steps: a ${nStates}-state model needs at least ${MIN_ROWS_PER_STATE * nStates}`);
  }
  return asInputError(() => {
    const shape = { nStates, angleDist: "vm" as const, zeroInflation: hasZeroSteps(data) };
    const fit = fitHmm(data, defaultStart(data, shape), { randomStarts, seed });
    return { model: modelToJson(fit.model), nllk: fit.nllk, aic: fit.aic, converged: fit.converged, iterations: fit.iterations };
  });
}

export function hmmDecodeTask(payload: unknown): HmmDecodeResult {
  const { model: json, data } = payload as HmmDecodeTask;
  return asInputError(() => {
    const model = modelFromJson(json);
    return { states: viterbi(model, data), probabilities: stateProbabilities(model, data) };
  });
}
