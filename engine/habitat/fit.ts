// Fitting a habitat model the way Elith et al. (2008) fit boosted regression trees: cross-validation
// picks the number of trees and estimates performance, then one model is trained on every row with
// that many trees.
import { crossValidate, type CvOptions, type CvResult } from "./cv.ts";
import { resolveParams, trainGbt } from "./gbt.ts";
import type { GbtModel, GbtParams } from "./gbt-model.ts";
import type { FeatureMatrix } from "./matrix.ts";

export interface HabitatFit {
  model: GbtModel;
  cv: CvResult;
}

/** folds: one fold index per row (see folds.ts); params.nTrees is the most trees cross-validation may pick. */
export function fitHabitat(x: FeatureMatrix, y: ArrayLike<number>, folds: Int32Array, params: Partial<GbtParams> = {}, cvOptions: CvOptions = {}): HabitatFit {
  const p = resolveParams(params);
  const cv = crossValidate(x, y, folds, p, cvOptions);
  const model = trainGbt(x, y, { ...p, nTrees: cv.bestTrees });
  return { model, cv };
}
