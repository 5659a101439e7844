// k-fold cross-validation that also picks the number of trees (gbm.step's procedure, Elith et al.
// 2008): one booster per fold, all grown in step; after every round the held-out deviance is averaged
// over folds, and the round where it is lowest is the model size. The CV AUC is the mean of the
// folds' held-out AUCs at that round.
import { hashSeed } from "../../simulator/random.ts";
import { auc, meanDeviance } from "./auc.ts";
import { GbtBooster, resolveParams } from "./gbt.ts";
import type { GbtParams } from "./gbt-model.ts";
import { addTree } from "./gbt-predict.ts";
import { presortColumns } from "./gbt-tree.ts";
import { HabitatDataError, toFloat32Values, type FeatureMatrix } from "./matrix.ts";

export interface CvOptions {
  /** Stop when the mean held-out deviance has not improved for this many rounds (default max(50, 3/eta)). */
  earlyStoppingRounds?: number;
}

export interface CvResult {
  /** Number of trees with the lowest mean held-out deviance (0 = the base rate alone). */
  bestTrees: number;
  /** Mean held-out deviance at bestTrees. */
  deviance: number;
  /** Held-out AUC of each fold at bestTrees (NaN for a fold without both classes). */
  foldAuc: number[];
  /** Mean and standard error of the fold AUCs (folds with NaN left out). */
  aucMean: number;
  aucSe: number;
  /** AUC of all held-out predictions pooled. */
  aucPooled: number;
  /** Mean held-out deviance after each round (index 0: before any tree). */
  curve: number[];
  /** Held-out margin of every row at bestTrees. */
  heldOutMargin: Float64Array;
}

export function crossValidate(x: FeatureMatrix, y: ArrayLike<number>, folds: Int32Array, params: Partial<GbtParams> = {}, opts: CvOptions = {}): CvResult {
  const p = resolveParams(params);
  if (folds.length !== x.nRows) throw new HabitatDataError(`${x.nRows} rows but ${folds.length} fold labels`);
  const k = folds.reduce((m, f) => Math.max(m, f), 0) + 1;
  const patience = opts.earlyStoppingRounds ?? Math.max(50, Math.round(3 / p.eta));
  const x32 = toFloat32Values(x);
  const sorted = presortColumns(x32);
  const fold = Array.from({ length: k }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < x.nRows; i++) (folds[i] === f ? test : train).push(i);
    if (test.length === 0 || train.length === 0) throw new HabitatDataError(`fold ${f + 1} of ${k} is empty or holds every row`);
    const booster = new GbtBooster(x32, y, { ...p, seed: hashSeed(p.seed, "fold", f) }, { rows: Int32Array.from(train), sorted });
    return { booster, test: Int32Array.from(test), margin: new Float64Array(x.nRows).fill(booster.baseMargin) };
  });

  const meanDev = () => fold.reduce((s, f) => s + meanDeviance(f.margin, y, f.test), 0) / k;
  const heldOutMargin = new Float64Array(x.nRows);
  let foldAuc: number[] = [];
  const snapshot = () => {
    foldAuc = fold.map((f) => auc(f.margin, y, f.test));
    for (const f of fold) for (const r of f.test) heldOutMargin[r] = f.margin[r]!;
  };
  const curve = [meanDev()];
  let bestTrees = 0;
  snapshot();
  for (let t = 1; t <= p.nTrees && t - bestTrees <= patience; t++) {
    for (const f of fold) addTree(f.booster.addTree(), x32, f.margin, f.test);
    curve.push(meanDev());
    if (curve[t]! < curve[bestTrees]!) {
      bestTrees = t;
      snapshot();
    }
  }
  const ok = foldAuc.filter((a) => !Number.isNaN(a));
  const aucMean = ok.reduce((s, a) => s + a, 0) / ok.length;
  const aucSe = ok.length > 1 ? Math.sqrt(ok.reduce((s, a) => s + (a - aucMean) ** 2, 0) / (ok.length - 1) / ok.length) : Number.NaN;
  return { bestTrees, deviance: curve[bestTrees]!, foldAuc, aucMean, aucSe, aucPooled: auc(heldOutMargin, y), curve, heldOutMargin };
}
