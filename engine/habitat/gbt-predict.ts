// Scoring with a trained ensemble: the margin is base + Σ tree outputs, the probability its logistic.
// Inputs are rounded to float32 and compared with float32 thresholds, exactly the comparison the
// trainer made and the one the ONNX runtime makes.
import type { GbtModel, GbtTree } from "./gbt-model.ts";
import type { FeatureMatrix } from "./matrix.ts";

export const sigmoid = (m: number): number => 1 / (1 + Math.exp(-m));
export const logit = (p: number): number => Math.log(p / (1 - p));

/** The leaf a row of the matrix reaches; values are taken as float32, as in training and in ONNX. */
export function leafOf(tree: GbtTree, values: Float64Array, nRows: number, row: number): number {
  let n = 0;
  for (;;) {
    const f = tree.feature[n]!;
    if (f < 0) return n;
    const v = Math.fround(values[f * nRows + row]!);
    n = (Number.isNaN(v) ? tree.defaultLeft[n] === 1 : v < tree.threshold[n]!) ? tree.left[n]! : tree.right[n]!;
  }
}

/** Adds one tree's output to the margins of the listed rows (all rows when omitted). */
export function addTree(tree: GbtTree, x: FeatureMatrix, margin: Float64Array, rows?: Int32Array): void {
  const n = rows ? rows.length : x.nRows;
  for (let k = 0; k < n; k++) {
    const r = rows ? rows[k]! : k;
    margin[r] = margin[r]! + tree.value[leafOf(tree, x.values, x.nRows, r)]!;
  }
}

/** Margins (log-odds) of every row, from the first `nTrees` trees (all by default). */
export function predictMargin(model: GbtModel, x: FeatureMatrix, nTrees = model.trees.length): Float64Array {
  checkFeatures(model, x);
  const margin = new Float64Array(x.nRows).fill(model.baseMargin);
  for (let t = 0; t < nTrees; t++) addTree(model.trees[t]!, x, margin);
  return margin;
}

/** Probabilities of presence of every row. */
export function predictProba(model: GbtModel, x: FeatureMatrix, nTrees?: number): Float64Array {
  return predictMargin(model, x, nTrees).map(sigmoid);
}

function checkFeatures(model: GbtModel, x: FeatureMatrix): void {
  if (x.nCols !== model.featureNames.length) {
    throw new RangeError(`the model takes ${model.featureNames.length} features (${model.featureNames.join(", ")}), the matrix has ${x.nCols}`);
  }
}
