// A trained gradient-boosted tree ensemble. Trees are parallel typed arrays (node ids are array
// indices, root 0, children numbered in the order they were created, as XGBoost numbers them).

export interface GbtTree {
  /** Split feature of each node; -1 for a leaf. */
  readonly feature: Int32Array;
  /** Split threshold (a float32 value): x < threshold goes left, x ≥ threshold right. */
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** 1 when a missing value (NaN) goes left: the direction the split learned for missing values. */
  readonly defaultLeft: Uint8Array;
  /** Leaf output (eta × weight, float32 like XGBoost's); for an internal node its would-be leaf value. */
  readonly value: Float32Array;
  /** Loss change of the split (XGBoost's loss_chg), 0 for a leaf. */
  readonly gain: Float64Array;
  /** Sum of hessians of the training rows that reached the node (XGBoost's "cover"). */
  readonly cover: Float64Array;
}

export interface GbtParams {
  /** Learning rate: every leaf weight is multiplied by it. */
  eta: number;
  maxDepth: number;
  /** Smallest sum of hessians a child may have. */
  minChildWeight: number;
  /** L2 penalty on leaf weights. */
  lambda: number;
  /** L1 penalty on leaf weights. */
  alpha: number;
  /** Minimum loss reduction to keep a split (XGBoost's min_split_loss). */
  gamma: number;
  /** Fraction of rows drawn (without replacement, each row independently) for each tree. */
  subsample: number;
  /** Fraction of features drawn for each tree. */
  colsampleByTree: number;
  /** Number of trees (an upper bound when cross-validation picks the number). */
  nTrees: number;
  /**
   * Initial prediction as a probability, or "mean": the training prevalence (what XGBoost ≥ 2
   * estimates for binary:logistic; XGBoost 1.x used 0.5).
   */
  baseScore: number | "mean";
  seed: number;
}

export interface GbtModel {
  readonly trees: readonly GbtTree[];
  /** Logit of the base score: every prediction starts here. */
  readonly baseMargin: number;
  readonly featureNames: readonly string[];
  readonly params: GbtParams;
}
