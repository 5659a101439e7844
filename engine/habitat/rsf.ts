// A resource-selection dataset from fixes: "used" = the covariates where the animals were, "available"
// = the covariates at random points within each animal's range (its fixes' bounding box widened by
// 10%), `availablePerUsed` per fix, seeded. Points with no covariates (off the study area) are left
// out. The rows keep their coordinates so cross-validation can block them in space.
import { FEATURE_COUNT, FEATURE_NAMES, featureVector, sampleAt } from "../landscape/sample.ts";
import type { CovariateStack } from "../landscape/stack.ts";
import { Rng } from "../../simulator/random.ts";
import { createMatrix, type FeatureMatrix } from "./matrix.ts";

export interface RsfDataset {
  x: FeatureMatrix;
  y: Float64Array;
  lon: Float64Array;
  lat: Float64Array;
  used: number;
  available: number;
}

export function rsfDataset(
  stack: CovariateStack,
  fixes: { lon: ArrayLike<number>; lat: ArrayLike<number>; animal: ArrayLike<number> },
  opts: { availablePerUsed?: number; seed?: number | string } = {},
): RsfDataset {
  const per = opts.availablePerUsed ?? 5;
  const rng = new Rng(opts.seed ?? 1);
  const n = fixes.lon.length;
  // Each animal's range: the bounding box of its fixes, 10% wider on every side.
  const box = new Map<number, [number, number, number, number]>();
  for (let i = 0; i < n; i++) {
    const b = box.get(fixes.animal[i]!) ?? [Infinity, Infinity, -Infinity, -Infinity];
    b[0] = Math.min(b[0], fixes.lon[i]!);
    b[1] = Math.min(b[1], fixes.lat[i]!);
    b[2] = Math.max(b[2], fixes.lon[i]!);
    b[3] = Math.max(b[3], fixes.lat[i]!);
    box.set(fixes.animal[i]!, b);
  }
  for (const b of box.values()) {
    const dx = Math.max(1e-3, (b[2] - b[0]) * 0.1);
    const dy = Math.max(1e-3, (b[3] - b[1]) * 0.1);
    b[0] -= dx, b[1] -= dy, b[2] += dx, b[3] += dy;
  }
  const rows: number[] = [];
  const ys: number[] = [];
  const lons: number[] = [];
  const lats: number[] = [];
  const feat = new Float64Array(FEATURE_COUNT);
  const add = (lon: number, lat: number, y: number) => {
    const c = sampleAt(stack, lon, lat);
    if (Number.isNaN(c.elevation) && Number.isNaN(c.dist_water)) return; // off the study area
    featureVector(c, feat);
    for (let k = 0; k < FEATURE_COUNT; k++) rows.push(feat[k]!);
    ys.push(y);
    lons.push(lon);
    lats.push(lat);
  };
  let used = 0;
  for (let i = 0; i < n; i++) {
    const before = ys.length;
    add(fixes.lon[i]!, fixes.lat[i]!, 1);
    if (ys.length === before) continue;
    used++;
    const b = box.get(fixes.animal[i]!)!;
    for (let k = 0; k < per; k++) add(b[0] + rng.uniform() * (b[2] - b[0]), b[1] + rng.uniform() * (b[3] - b[1]), 0);
  }
  const m = ys.length;
  const values = new Float64Array(m * FEATURE_COUNT);
  for (let i = 0; i < m; i++) for (let j = 0; j < FEATURE_COUNT; j++) values[j * m + i] = rows[i * FEATURE_COUNT + j]!;
  return { x: createMatrix(m, FEATURE_NAMES, values), y: Float64Array.from(ys), lon: Float64Array.from(lons), lat: Float64Array.from(lats), used, available: m - used };
}
