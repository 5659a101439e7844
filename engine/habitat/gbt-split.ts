// XGBoost's split arithmetic for second-order boosting: leaf weights, the structure score and the
// exact greedy split search over presorted feature values with a learned default direction for
// missing values (the sparsity-aware split of Chen & Guestrin 2016, Alg. 3).
import type { GbtParams } from "./gbt-model.ts";

/** XGBoost's kRtEps: a split must improve the loss by more than this to be made at all. */
export const RT_EPS = 1e-6;

type Reg = Pick<GbtParams, "lambda" | "alpha" | "minChildWeight">;

/** Soft threshold of the gradient sum by the L1 penalty. */
export function thresholdL1(g: number, alpha: number): number {
  return g > alpha ? g - alpha : g < -alpha ? g + alpha : 0;
}

/** Optimal leaf weight −G/(H+λ) (with L1: the soft-thresholded G); 0 when H < min_child_weight. */
export function leafWeight(G: number, H: number, p: Reg): number {
  if (H < p.minChildWeight || H <= 0) return 0;
  return -thresholdL1(G, p.alpha) / (H + p.lambda);
}

/** Structure score of one node, G²/(H+λ): twice the loss reduction its optimal weight brings. */
export function nodeScore(G: number, H: number, p: Reg): number {
  if (H < p.minChildWeight) return 0;
  const t = thresholdL1(G, p.alpha);
  return (t * t) / (H + p.lambda);
}

/**
 * The split gain of the XGBoost paper: ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] − γ.
 * XGBoost's code keeps the un-halved bracket (lossChange) and prunes a split when it is below γ;
 * the trainer does the same so that γ means what it means to XGBoost users.
 */
export function splitGain(GL: number, HL: number, GR: number, HR: number, p: Reg & Pick<GbtParams, "gamma">): number {
  return 0.5 * lossChange(GL, HL, GR, HR, p) - p.gamma;
}

/** XGBoost's loss_chg: G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ). */
export function lossChange(GL: number, HL: number, GR: number, HR: number, p: Reg): number {
  return nodeScore(GL, HL, p) + nodeScore(GR, HR, p) - nodeScore(GL + GR, HL + HR, p);
}

/**
 * A float32 threshold t with lo < t ≤ hi (lo < hi both float32): the midpoint, as XGBoost takes it,
 * but never rounded onto lo — so "x < t" splits the two values apart in float32 and in float64.
 */
export function splitThreshold(lo: number, hi: number): number {
  const t = Math.fround((lo + hi) / 2);
  return t > lo ? t : hi;
}

/** A float32 threshold past every present value (XGBoost: last ± (|last| + kRtEps)). */
export function beyond(value: number, direction: 1 | -1): number {
  const gap = Math.fround(Math.abs(value) + Math.fround(RT_EPS));
  return Math.fround(value + direction * gap);
}

/** The best split found so far for each node being expanded, indexed by node id. */
export class SplitCandidates {
  readonly lossChg: Float64Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly defaultLeft: Uint8Array;
  /** Gradient and hessian sums of the left child. */
  readonly leftG: Float64Array;
  readonly leftH: Float64Array;

  constructor(capacity: number) {
    this.lossChg = new Float64Array(capacity);
    this.feature = new Int32Array(capacity).fill(-1);
    this.threshold = new Float64Array(capacity);
    this.defaultLeft = new Uint8Array(capacity);
    this.leftG = new Float64Array(capacity);
    this.leftH = new Float64Array(capacity);
  }

  reset(nodes: readonly number[]): void {
    for (const n of nodes) {
      this.lossChg[n] = 0;
      this.feature[n] = -1;
    }
  }

  /** Strictly better only: on ties the first candidate (lower feature, forward before backward) stays, as in XGBoost. */
  offer(n: number, lossChg: number, feature: number, threshold: number, defaultLeft: boolean, GL: number, HL: number): void {
    if (!(lossChg > this.lossChg[n]!)) return;
    this.lossChg[n] = lossChg;
    this.feature[n] = feature;
    this.threshold[n] = threshold;
    this.defaultLeft[n] = defaultLeft ? 1 : 0;
    this.leftG[n] = GL;
    this.leftH[n] = HL;
  }
}

/** Per-node scan state, reused across features. */
export class ScanScratch {
  readonly G: Float64Array;
  readonly H: Float64Array;
  readonly last: Float64Array;
  readonly seen: Uint8Array;
  constructor(capacity: number) {
    this.G = new Float64Array(capacity);
    this.H = new Float64Array(capacity);
    this.last = new Float64Array(capacity);
    this.seen = new Uint8Array(capacity);
  }
}

export interface NodeStats {
  readonly G: Float64Array;
  readonly H: Float64Array;
  /** nodeScore of each node: the parent term of the split gain. */
  readonly score: Float64Array;
}

/**
 * One feature, one direction, every node of the current depth at once (XGBoost ColMaker's
 * EnumerateSplit): walks the feature's present values in sorted order (rows[0..len) sorted by
 * vals, missing rows left out), accumulating each node's statistics on the side the walk has passed.
 * Forward (+1): the passed side is left and missing values go right. Backward (−1): the passed side is
 * right and missing values go left. A row whose position is −1 is in no open node and is skipped.
 */
export function enumerateSplits(
  feature: number,
  dir: 1 | -1,
  rows: Int32Array,
  vals: Float64Array,
  len: number,
  position: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  nodes: readonly number[],
  stats: NodeStats,
  p: Reg,
  scratch: ScanScratch,
  best: SplitCandidates,
): void {
  const { G: eG, H: eH, last, seen } = scratch;
  const { G: sG, H: sH, score } = stats;
  for (const n of nodes) {
    eG[n] = 0;
    eH[n] = 0;
    seen[n] = 0;
  }
  const mcw = p.minChildWeight;
  const lambda = p.lambda;
  const l1 = p.alpha > 0;
  const forward = dir === 1;
  for (let i = 0; i < len; i++) {
    const k = forward ? i : len - 1 - i;
    const r = rows[k]!;
    const n = position[r]!;
    if (n < 0) continue;
    const v = vals[k]!;
    const hPassed = eH[n]!;
    if (seen[n] === 1 && v !== last[n] && hPassed >= mcw) {
      const cH = sH[n]! - hPassed;
      if (cH >= mcw) {
        const gPassed = eG[n]!;
        const cG = sG[n]! - gPassed;
        // Both sides have H ≥ min_child_weight here, so nodeScore reduces to G²/(H+λ) without L1.
        const loss = l1 ? nodeScore(gPassed, hPassed, p) + nodeScore(cG, cH, p) - score[n]! : (gPassed * gPassed) / (hPassed + lambda) + (cG * cG) / (cH + lambda) - score[n]!;
        if (loss > best.lossChg[n]!) {
          if (forward) best.offer(n, loss, feature, splitThreshold(last[n]!, v), false, gPassed, hPassed);
          else best.offer(n, loss, feature, splitThreshold(v, last[n]!), true, cG, cH);
        }
      }
    }
    seen[n] = 1;
    eG[n] = eG[n]! + grad[r]!;
    eH[n] = hPassed + hess[r]!;
    last[n] = v;
  }
  // Every present value on the passed side, the missing ones alone on the other.
  for (const n of nodes) {
    if (seen[n] === 0) continue;
    const cH = sH[n]! - eH[n]!;
    if (eH[n]! < mcw || cH < mcw) continue;
    const cG = sG[n]! - eG[n]!;
    const loss = nodeScore(eG[n]!, eH[n]!, p) + nodeScore(cG, cH, p) - score[n]!;
    if (forward) best.offer(n, loss, feature, beyond(last[n]!, 1), false, eG[n]!, eH[n]!);
    else best.offer(n, loss, feature, beyond(last[n]!, -1), true, cG, cH);
  }
}
