// Habitat model work in the pool: fitting a resource-selection function from fixes on the study
// area's covariates (exported to ONNX with its card), and scoring every cell of the study area with
// the ONNX model through onnxruntime-node (the suitability raster live positions are looked up in).
import { exportOnnx, fitHabitat, spatialBlockFolds, buildModelCard, MODEL_FILE, predictProba, selectRows, toRowMajorFloat32, type ModelCard } from "../engine/habitat/index.ts";
import { rsfDataset } from "../engine/habitat/rsf.ts";
import { FEATURE_COUNT, featureVector, sampleAt } from "../engine/landscape/sample.ts";
import type { CovariateStack } from "../engine/landscape/stack.ts";
import { TaskInputError } from "./task-types.ts";

export interface HabitatFitTask {
  stack: CovariateStack;
  fixes: { lon: Float64Array; lat: Float64Array; animal: Int32Array };
  seed?: number;
}

export interface HabitatFitResult {
  onnx: Uint8Array;
  /** Up to 512 training rows (row-major float32) and the trainer's probabilities for them: the ONNX file must agree. */
  checkRows: Float32Array;
  checkExpected: Float64Array;
  card: ModelCard;
  aucCv: number;
  used: number;
  available: number;
  trees: number;
}

const MIN_USED = 50;

export function habitatFitTask(payload: unknown): HabitatFitResult {
  const { stack, fixes, seed = 1 } = payload as HabitatFitTask;
  const data = rsfDataset(stack, fixes, { availablePerUsed: 5, seed });
  if (data.used < MIN_USED) throw new TaskInputError(`${data.used} fixes lie on the study area's covariates: at least ${MIN_USED} are needed`);
  // Blocked in space: neighbouring fixes are nearly copies, so random folds would flatter the AUC.
  const folds = spatialBlockFolds(data.lon, data.lat, 5, seed);
  const { model, cv } = fitHabitat(data.x, data.y, folds, { eta: 0.05, nTrees: 500 }, { earlyStoppingRounds: 50 });
  const onnx = exportOnnx(model);
  const m = Math.min(512, data.x.nRows);
  const sample = selectRows(data.x, Int32Array.from({ length: m }, (_, i) => Math.floor((i * data.x.nRows) / m)));
  const checkRows = toRowMajorFloat32(sample);
  const checkExpected = predictProba(model, sample);
  const card = buildModelCard(model, onnx, MODEL_FILE, { name: "habitat-rsf", target: "used", metrics: { auc_cv: cv.aucMean, auc_cv_se: cv.aucSe, used: data.used, available: data.available } });
  return { onnx, checkRows, checkExpected, card, aucCv: cv.aucMean, used: data.used, available: data.available, trees: model.trees.length };
}

// One onnxruntime session per model file per worker thread, kept: creating a session costs far more
// than scoring a batch.
const scorers = new Map<string, Promise<import("../engine/habitat/onnx-runtime.ts").HabitatScorer>>();
function scorerFor(onnxPath: string) {
  let s = scorers.get(onnxPath);
  if (!s) {
    s = import("../engine/habitat/onnx-runtime.ts").then((m) => m.loadHabitatModel(onnxPath));
    scorers.set(onnxPath, s);
    s.catch(() => scorers.delete(onnxPath));
  }
  return s.catch((err: Error) => {
    throw new TaskInputError(err.message);
  });
}

export interface HabitatRasterTask {
  onnxPath: string;
  stack: CovariateStack;
}

/** Suitability (probability of use) of every cell, scored by the ONNX model; NaN off the covariates. */
export async function habitatRasterTask(payload: unknown): Promise<Float32Array> {
  const { onnxPath, stack } = payload as HabitatRasterTask;
  const scorer = await scorerFor(onnxPath);
  {
    const { nx, ny, west, north, cellLon, cellLat } = stack.grid;
    const rows = new Float32Array(nx * ny * FEATURE_COUNT);
    const feat = new Float64Array(FEATURE_COUNT);
    for (let r = 0; r < ny; r++) {
      for (let c = 0; c < nx; c++) {
        featureVector(sampleAt(stack, west + (c + 0.5) * cellLon, north - (r + 0.5) * cellLat), feat);
        rows.set(feat, (r * nx + c) * FEATURE_COUNT);
      }
    }
    const scores = await scorer.score(rows);
    // A cell without covariates has no suitability (the model would score its NaNs by default branches).
    const elevation = stack.layers.elevation;
    for (let i = 0; i < scores.length; i++) if (Number.isNaN(elevation[i]!)) scores[i] = NaN;
    return scores;
  }
}

/** Exact score at points (GET /habitat/score): the covariates sampled there, scored by the ONNX model. */
export async function habitatScoreTask(payload: unknown): Promise<Array<{ score: number | null; covariates: Record<string, number> }>> {
  const { onnxPath, stack, points } = payload as HabitatRasterTask & { points: Array<[number, number]> };
  const scorer = await scorerFor(onnxPath);
  {
    const rows = new Float32Array(points.length * FEATURE_COUNT);
    const feat = new Float64Array(FEATURE_COUNT);
    const cov = points.map(([lon, lat], i) => {
      const c = sampleAt(stack, lon, lat);
      rows.set(featureVector(c, feat), i * FEATURE_COUNT);
      return c;
    });
    const scores = await scorer.score(rows);
    return cov.map((c, i) => ({ score: Number.isNaN(c.elevation) ? null : scores[i]!, covariates: { ...c } }));
  }
}

/** Largest difference between the ONNX model (onnxruntime) and the trainer on the given rows. */
export async function habitatParityTask(payload: unknown): Promise<number> {
  const { onnxPath, rows, expected } = payload as { onnxPath: string; rows: Float32Array; expected: Float64Array };
  const scores = await (await scorerFor(onnxPath)).score(rows);
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(scores[i]! - expected[i]!));
  return max;
}
