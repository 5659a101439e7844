// Gradient-boosted trees for presence/absence (XGBoost's binary:logistic with the exact greedy tree
// method): each tree is fitted to the gradient p − y and hessian p(1 − p) of the log loss at the
// current margins. See gbt-tree.ts for how a tree grows and gbt-split.ts for the split arithmetic.
import { Rng } from "../../simulator/random.ts";
import type { GbtModel, GbtParams, GbtTree } from "./gbt-model.ts";
import { addTree, logit, sigmoid } from "./gbt-predict.ts";
import { ActiveColumns, growTree, presortColumns, type SortedColumns } from "./gbt-tree.ts";
import { HabitatDataError, toFloat32Values, type FeatureMatrix } from "./matrix.ts";

/**
 * Defaults for small ecological presence/absence data (hundreds to a few thousand sites), in the
 * spirit of Elith et al. (2008)'s boosted regression trees — a slow learning rate, many shallow
 * trees, half the rows per tree — translated to XGBoost's parameters. nTrees is the cap; the number
 * used is chosen by cross-validation (cv.ts).
 */
export const DEFAULT_PARAMS: GbtParams = {
  eta: 0.01,
  maxDepth: 4,
  minChildWeight: 1,
  lambda: 1,
  alpha: 0,
  gamma: 0,
  subsample: 0.5,
  colsampleByTree: 1,
  nTrees: 3000,
  baseScore: "mean",
  seed: 1,
};

/** XGBoost floors the logistic hessian so a saturated row never divides by zero. */
const MIN_HESS = 1e-16;

export function resolveParams(partial: Partial<GbtParams> = {}): GbtParams {
  const p = { ...DEFAULT_PARAMS, ...partial };
  const bad = (what: string) => {
    throw new RangeError(`gbt: ${what}`);
  };
  if (!(p.eta > 0 && p.eta <= 1)) bad(`eta must be in (0, 1] (got ${p.eta})`);
  if (!(Number.isInteger(p.maxDepth) && p.maxDepth >= 1 && p.maxDepth <= 16)) bad(`maxDepth must be an integer in 1..16 (got ${p.maxDepth})`);
  if (!(p.minChildWeight >= 0)) bad(`minChildWeight must be ≥ 0 (got ${p.minChildWeight})`);
  if (!(p.lambda >= 0) || !(p.alpha >= 0) || !(p.gamma >= 0)) bad("lambda, alpha and gamma must be ≥ 0");
  if (!(p.subsample > 0 && p.subsample <= 1)) bad(`subsample must be in (0, 1] (got ${p.subsample})`);
  if (!(p.colsampleByTree > 0 && p.colsampleByTree <= 1)) bad(`colsampleByTree must be in (0, 1] (got ${p.colsampleByTree})`);
  if (!(Number.isInteger(p.nTrees) && p.nTrees >= 0)) bad(`nTrees must be a non-negative integer (got ${p.nTrees})`);
  if (p.baseScore !== "mean" && !(p.baseScore > 0 && p.baseScore < 1)) bad(`baseScore must be "mean" or in (0, 1) (got ${p.baseScore})`);
  return p;
}

/**
 * A model being boosted one tree at a time. Several boosters can share one matrix and its sorted
 * columns, each learning from its own rows: that is how cross-validation trains its folds in step.
 */
export class GbtBooster {
  readonly params: GbtParams;
  readonly trees: GbtTree[] = [];
  readonly baseMargin: number;
  /** Current margin of every training row (other rows hold the base margin). */
  readonly margin: Float64Array;
  private readonly x: FeatureMatrix;
  private readonly y: ArrayLike<number>;
  private readonly rows: Int32Array;
  private readonly sorted: SortedColumns;
  private readonly active: ActiveColumns;
  private readonly forward: Uint8Array;
  private readonly grad: Float64Array;
  private readonly hess: Float64Array;
  private readonly rng: Rng;

  /**
   * x must hold float32 values (see toFloat32Values; trainGbt does it for you); y is 0/1 per row;
   * rows are the training rows (all by default).
   */
  constructor(x: FeatureMatrix, y: ArrayLike<number>, params: GbtParams, opts: { rows?: Int32Array; sorted?: SortedColumns } = {}) {
    if (y.length !== x.nRows) throw new HabitatDataError(`${x.nRows} rows but ${y.length} labels`);
    this.params = params;
    this.x = x;
    this.y = y;
    this.rows = opts.rows ?? Int32Array.from({ length: x.nRows }, (_, i) => i);
    if (this.rows.length === 0) throw new HabitatDataError("no training rows");
    this.sorted = opts.sorted ?? presortColumns(x);
    this.active = new ActiveColumns(this.sorted);
    let positives = 0;
    for (const r of this.rows) {
      const v = y[r]!;
      if (v !== 0 && v !== 1) throw new HabitatDataError(`label of row ${r} is ${v}, not 0 or 1`);
      positives += v;
    }
    const prevalence = positives / this.rows.length;
    const base = params.baseScore === "mean" ? prevalence : params.baseScore;
    // An all-absent or all-present sample has an infinite logit; clamp as a probability of 1e-6.
    this.baseMargin = logit(Math.min(1 - 1e-6, Math.max(1e-6, base)));
    this.margin = new Float64Array(x.nRows).fill(this.baseMargin);
    this.forward = forwardFeatures(x, this.rows);
    this.grad = new Float64Array(x.nRows);
    this.hess = new Float64Array(x.nRows);
    this.rng = new Rng(params.seed);
  }

  addTree(): GbtTree {
    const { rows, grad, hess, margin, y, params: p, rng, x } = this;
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      const prob = sigmoid(margin[r]!);
      grad[r] = prob - y[r]!;
      hess[r] = Math.max(prob * (1 - prob), MIN_HESS);
    }
    const sample = p.subsample < 1 ? rows.filter(() => rng.uniform() < p.subsample) : rows;
    const tree = growTree({ x, sorted: this.sorted, grad, hess, rows: sample, features: sampleFeatures(x.nCols, p.colsampleByTree, rng), forward: this.forward, active: this.active }, p);
    addTree(tree, x, margin, rows);
    this.trees.push(tree);
    return tree;
  }

  model(nTrees = this.trees.length): GbtModel {
    return { trees: this.trees.slice(0, nTrees), baseMargin: this.baseMargin, featureNames: this.x.names, params: this.params };
  }
}

/** Trains params.nTrees trees on every row of x (values are rounded to float32 first, as XGBoost does). */
export function trainGbt(x: FeatureMatrix, y: ArrayLike<number>, params: Partial<GbtParams> = {}): GbtModel {
  const p = resolveParams(params);
  const booster = new GbtBooster(toFloat32Values(x), y, p);
  for (let t = 0; t < p.nTrees; t++) booster.addTree();
  return booster.model();
}

/**
 * XGBoost searches the forward direction (missing values go right) only for a feature with missing
 * values that is not constant; the backward direction (missing values go left) always.
 */
function forwardFeatures(x: FeatureMatrix, rows: Int32Array): Uint8Array {
  const out = new Uint8Array(x.nCols);
  for (let j = 0; j < x.nCols; j++) {
    const off = j * x.nRows;
    let missing = false;
    let min = Infinity;
    let max = -Infinity;
    for (const r of rows) {
      const v = x.values[off + r]!;
      if (Number.isNaN(v)) missing = true;
      else {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    out[j] = missing && min < max ? 1 : 0;
  }
  return out;
}

/** XGBoost's colsample_bytree: max(1, round(fraction × n)) features, drawn without replacement, ascending. */
function sampleFeatures(n: number, fraction: number, rng: Rng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (fraction >= 1) return all;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, Math.max(1, Math.round(fraction * n))).sort((a, b) => a - b);
}
