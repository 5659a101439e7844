// Fold assignment for cross-validation. Sites close together share their environment and their
// detection conditions, so random folds overstate how well a habitat model transfers to new places;
// with coordinates, whole spatial blocks are held out together (Roberts et al. 2017). Without
// coordinates (e.g. the anguilla data) folds are random but stratified by presence, as gbm.step does.
import { Rng, hashSeed } from "../../simulator/random.ts";
import { HabitatDataError } from "./matrix.ts";

/** Random folds of equal size with the same prevalence: presences and absences are dealt out separately. */
export function stratifiedFolds(y: ArrayLike<number>, k: number, seed: number): Int32Array {
  checkK(k, y.length);
  const rng = new Rng(hashSeed("stratified-folds", seed));
  const folds = new Int32Array(y.length);
  let dealt = 0;
  for (const cls of [1, 0]) {
    const rows: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) rows.push(i);
    shuffle(rows, rng);
    for (const r of rows) folds[r] = dealt++ % k;
  }
  return folds;
}

export interface BlockOptions {
  /** Side of a square block in coordinate units (default: the larger extent / blocksPerSide). */
  blockSize?: number;
  /** Blocks along the larger side when blockSize is not given (default: ceil(√(5k)), e.g. 8 for 10 folds). */
  blocksPerSide?: number;
}

/**
 * Spatially blocked folds: a grid of square blocks over the sites' bounding box; the non-empty blocks
 * are shuffled (seeded) and each goes to the fold with the fewest sites so far, so folds stay balanced
 * while every block is held out whole.
 */
export function spatialBlockFolds(xs: ArrayLike<number>, ys: ArrayLike<number>, k: number, seed: number, opts: BlockOptions = {}): Int32Array {
  const n = xs.length;
  checkK(k, n);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new HabitatDataError(`row ${i + 1} has no coordinates: spatial blocks need x and y on every row`);
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  const extent = Math.max(x1 - x0, y1 - y0);
  const side = opts.blockSize ?? (extent > 0 ? extent / (opts.blocksPerSide ?? Math.ceil(Math.sqrt(5 * k))) : 1);
  if (!(side > 0)) throw new HabitatDataError(`block size must be positive (got ${side})`);
  const nx = Math.floor((x1 - x0) / side) + 1;
  const blockOf = new Int32Array(n);
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const b = Math.floor((ys[i]! - y0) / side) * nx + Math.floor((xs[i]! - x0) / side);
    blockOf[i] = b;
    const list = members.get(b);
    if (list) list.push(i);
    else members.set(b, [i]);
  }
  const blocks = [...members.keys()].sort((a, b) => a - b);
  if (blocks.length < k) throw new HabitatDataError(`only ${blocks.length} non-empty spatial blocks for ${k} folds: use a smaller block size or fewer folds`);
  shuffle(blocks, new Rng(hashSeed("spatial-folds", seed)));
  const size = new Array<number>(k).fill(0);
  const folds = new Int32Array(n);
  for (const b of blocks) {
    let f = 0;
    for (let j = 1; j < k; j++) if (size[j]! < size[f]!) f = j;
    for (const i of members.get(b)!) folds[i] = f;
    size[f] = size[f]! + members.get(b)!.length;
  }
  return folds;
}

function checkK(k: number, n: number): void {
  if (!(Number.isInteger(k) && k >= 2)) throw new HabitatDataError(`folds must be an integer ≥ 2 (got ${k})`);
  if (k > n) throw new HabitatDataError(`${k} folds for ${n} rows`);
}

function shuffle<T>(a: T[], rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}
