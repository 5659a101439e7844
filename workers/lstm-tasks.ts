// Next-position LSTM in the pool. Each worker loads the ONNX model once (checked against its model
// card) and keeps the session; a task is one micro-batch of sequences, so many actors' requests are
// one inference call (engine/predict/batcher.ts builds the batches on the main thread).
import { loadNextPositionModel, type NextPositionModel } from "../engine/predict/model.ts";
import { SAMPLE_SIZE } from "../engine/predict/features.ts";
import { TaskInputError } from "./task-types.ts";

export interface LstmPredictTask {
  /** n × WINDOW × N_FEATURES floats (buildSample's layout). */
  features: Float32Array;
  n: number;
  /** Another .onnx than the committed one (tests, staged models); its card must sit beside it. */
  model?: string;
}

export interface LstmPredictResult {
  /** n × horizons × 2: displacement means (km) and log-variances in each sample's heading frame. */
  mean: Float32Array;
  logVar: Float32Array;
}

const models = new Map<string, Promise<NextPositionModel>>();

function model(path?: string): Promise<NextPositionModel> {
  const key = path ?? "";
  let m = models.get(key);
  if (!m) {
    m = loadNextPositionModel(path);
    // A model that failed to start is tried again on the next task (after the file is fixed).
    m.catch(() => models.delete(key));
    models.set(key, m);
  }
  return m;
}

export async function lstmPredictTask(payload: unknown): Promise<LstmPredictResult> {
  const { features, n, model: path } = (payload ?? {}) as LstmPredictTask;
  if (!(features instanceof Float32Array)) throw new TaskInputError("lstm.predict: features must be a Float32Array");
  if (!Number.isInteger(n) || n < 1 || features.length !== n * SAMPLE_SIZE) {
    throw new TaskInputError(`lstm.predict: ${features.length} floats are not ${n} samples of ${SAMPLE_SIZE}`);
  }
  return (await model(path)).predict(features, n);
}

/** Loads (or reuses) the model and answers its identity: a start check for /health/ready. */
export async function lstmCheckTask(payload: unknown): Promise<{ name: string; version: string; sha256: string }> {
  const { model: path } = (payload ?? {}) as { model?: string };
  const m = await model(path);
  return { name: m.card.name, version: m.card.version, sha256: m.card.sha256 };
}

export const LSTM_TASKS = {
  "lstm.predict": lstmPredictTask,
  "lstm.check": lstmCheckTask,
};
