// Grows one regression tree on gradient/hessian pairs, depth by depth, the way XGBoost's exact
// greedy updater (ColMaker) does: every node of a depth is split in one sorted scan per feature,
// a split is made when it lowers the loss by more than kRtEps, then splits whose loss change is below
// γ are pruned bottom-up (XGBoost's "prune" updater), and leaves get eta × (−G/(H+λ)).
import type { GbtParams, GbtTree } from "./gbt-model.ts";
import { RT_EPS, ScanScratch, SplitCandidates, enumerateSplits, leafWeight, nodeScore } from "./gbt-split.ts";
import type { FeatureMatrix } from "./matrix.ts";

/** Each feature's rows with a present value, sorted by value (ties by row), and those values: computed once per data set. */
export interface SortedColumns {
  readonly order: readonly Int32Array[];
  readonly values: readonly Float64Array[];
}

export function presortColumns(x: FeatureMatrix): SortedColumns {
  const order: Int32Array[] = [];
  const values: Float64Array[] = [];
  for (let j = 0; j < x.nCols; j++) {
    const off = j * x.nRows;
    const rows: number[] = [];
    for (let i = 0; i < x.nRows; i++) if (!Number.isNaN(x.values[off + i]!)) rows.push(i);
    rows.sort((a, b) => x.values[off + a]! - x.values[off + b]! || a - b);
    order.push(Int32Array.from(rows));
    values.push(Float64Array.from(rows, (r) => x.values[off + r]!));
  }
  return { order, values };
}

/**
 * The sorted columns narrowed to the rows still in an open node, rebuilt in place after every depth so
 * the scans of deeper levels skip rows that already sit in leaves. Reusable from tree to tree.
 */
export class ActiveColumns {
  readonly rows: Int32Array[];
  readonly vals: Float64Array[];
  readonly len: Int32Array;
  constructor(sorted: SortedColumns) {
    this.rows = sorted.order.map((o) => new Int32Array(o.length));
    this.vals = sorted.order.map((o) => new Float64Array(o.length));
    this.len = new Int32Array(sorted.order.length);
  }

  /** Starts a tree: the rows whose position is ≥ 0, from the full sorted columns. */
  fill(sorted: SortedColumns, features: readonly number[], position: Int32Array): void {
    for (const f of features) {
      const order = sorted.order[f]!;
      const values = sorted.values[f]!;
      const rows = this.rows[f]!;
      const vals = this.vals[f]!;
      let m = 0;
      for (let k = 0; k < order.length; k++) {
        const r = order[k]!;
        if (position[r]! < 0) continue;
        rows[m] = r;
        vals[m++] = values[k]!;
      }
      this.len[f] = m;
    }
  }

  /** Drops rows whose position became −1, keeping the order. */
  narrow(features: readonly number[], position: Int32Array): void {
    for (const f of features) {
      const rows = this.rows[f]!;
      const vals = this.vals[f]!;
      const len = this.len[f]!;
      let m = 0;
      for (let k = 0; k < len; k++) {
        const r = rows[k]!;
        if (position[r]! < 0) continue;
        rows[m] = r;
        vals[m++] = vals[k]!;
      }
      this.len[f] = m;
    }
  }
}

export interface GrowInput {
  readonly x: FeatureMatrix;
  readonly sorted: SortedColumns;
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  /** The rows this tree learns from (after subsampling). */
  readonly rows: Int32Array;
  /** The features it may split on (after column sampling), ascending. */
  readonly features: readonly number[];
  /** Features searched in both directions (they have missing values and are not constant); others backward only. */
  readonly forward: Uint8Array;
  /** Scratch space for the scans; pass one to reuse it across trees. */
  readonly active?: ActiveColumns;
}

export function growTree(input: GrowInput, p: GbtParams): GbtTree {
  const { x, sorted, grad, hess, rows, features, forward } = input;
  const cap = 2 ** (p.maxDepth + 1) - 1;
  const G = new Float64Array(cap);
  const H = new Float64Array(cap);
  const score = new Float64Array(cap);
  const feature = new Int32Array(cap).fill(-1);
  const threshold = new Float64Array(cap);
  const left = new Int32Array(cap).fill(-1);
  const right = new Int32Array(cap).fill(-1);
  const defaultLeft = new Uint8Array(cap);
  const gain = new Float64Array(cap);
  const best = new SplitCandidates(cap);
  const scratch = new ScanScratch(cap);
  const stats = { G, H, score };

  const position = new Int32Array(x.nRows).fill(-1);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    position[r] = 0;
    G[0] = G[0]! + grad[r]!;
    H[0] = H[0]! + hess[r]!;
  }

  const active = input.active ?? new ActiveColumns(sorted);
  active.fill(sorted, features, position);

  let expand = [0];
  let next = 1;
  for (let depth = 0; depth < p.maxDepth && expand.length > 0; depth++) {
    for (const n of expand) score[n] = nodeScore(G[n]!, H[n]!, p);
    best.reset(expand);
    for (const f of features) {
      const rowsF = active.rows[f]!;
      const valsF = active.vals[f]!;
      const len = active.len[f]!;
      if (forward[f]) enumerateSplits(f, 1, rowsF, valsF, len, position, grad, hess, expand, stats, p, scratch, best);
      enumerateSplits(f, -1, rowsF, valsF, len, position, grad, hess, expand, stats, p, scratch, best);
    }
    const children: number[] = [];
    for (const n of expand) {
      if (!(best.lossChg[n]! > RT_EPS) || best.feature[n]! < 0) continue;
      const l = next++;
      const r = next++;
      feature[n] = best.feature[n]!;
      threshold[n] = best.threshold[n]!;
      defaultLeft[n] = best.defaultLeft[n]!;
      gain[n] = best.lossChg[n]!;
      left[n] = l;
      right[n] = r;
      G[l] = best.leftG[n]!;
      H[l] = best.leftH[n]!;
      G[r] = G[n]! - G[l]!;
      H[r] = H[n]! - H[l]!;
      children.push(l, r);
    }
    // Send each row of a split node to its child; rows of nodes that stay leaves leave the scan.
    let open = 0;
    let closed = 0;
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      const n = position[r]!;
      if (n < 0) continue;
      const f = feature[n]!;
      if (f < 0) {
        position[r] = -1;
        closed++;
        continue;
      }
      open++;
      const v = x.values[f * x.nRows + r]!;
      const goLeft = Number.isNaN(v) ? defaultLeft[n] === 1 : v < threshold[n]!;
      position[r] = goLeft ? left[n]! : right[n]!;
    }
    expand = children;
    // Narrowing costs about one scan: worth it only when many rows have left.
    if (expand.length > 0 && depth + 1 < p.maxDepth && closed > open / 2) active.narrow(features, position);
  }

  // Bottom-up pruning: children are numbered after their parent, so one reverse pass cascades.
  for (let n = next - 1; n >= 0; n--) {
    const l = left[n]!;
    if (feature[n]! >= 0 && feature[l]! < 0 && feature[right[n]!]! < 0 && gain[n]! < p.gamma) feature[n] = -1;
  }
  return compact(next, { feature, threshold, left, right, defaultLeft, gain, G, H }, p);
}

/** Renumbers the nodes still reachable (after pruning) into dense arrays, keeping creation order. */
function compact(
  count: number,
  t: { feature: Int32Array; threshold: Float64Array; left: Int32Array; right: Int32Array; defaultLeft: Uint8Array; gain: Float64Array; G: Float64Array; H: Float64Array },
  p: GbtParams,
): GbtTree {
  const reach = new Uint8Array(count);
  reach[0] = 1;
  const newId = new Int32Array(count).fill(-1);
  let m = 0;
  for (let n = 0; n < count; n++) {
    if (!reach[n]) continue;
    newId[n] = m++;
    if (t.feature[n]! >= 0) {
      reach[t.left[n]!] = 1;
      reach[t.right[n]!] = 1;
    }
  }
  const out: GbtTree = {
    feature: new Int32Array(m),
    threshold: new Float32Array(m),
    left: new Int32Array(m).fill(-1),
    right: new Int32Array(m).fill(-1),
    defaultLeft: new Uint8Array(m),
    value: new Float32Array(m),
    gain: new Float64Array(m),
    cover: new Float64Array(m),
  };
  for (let n = 0; n < count; n++) {
    const i = newId[n]!;
    if (i < 0) continue;
    const split = t.feature[n]! >= 0;
    out.feature[i] = t.feature[n]!;
    out.value[i] = p.eta * leafWeight(t.G[n]!, t.H[n]!, p);
    out.cover[i] = t.H[n]!;
    if (!split) continue;
    out.threshold[i] = t.threshold[n]!;
    out.left[i] = newId[t.left[n]!]!;
    out.right[i] = newId[t.right[n]!]!;
    out.defaultLeft[i] = t.defaultLeft[n]!;
    out.gain[i] = t.gain[n]!;
  }
  return out;
}
