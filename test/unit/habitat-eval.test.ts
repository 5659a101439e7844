// Evaluation: AUC (Mann–Whitney with ties), deviance, fold assignment (stratified and spatial blocks)
// and cross-validation choosing the number of trees.
import { describe, expect, it } from "vitest";
import { auc, createMatrix, crossValidate, meanDeviance, spatialBlockFolds, stratifiedFolds } from "../../engine/habitat/index.ts";

describe("auc", () => {
  it("is the share of presence/absence pairs ranked right", () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(auc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(auc([4, 3, 2, 1], [0, 0, 1, 1])).toBe(0);
  });

  it("counts a tie as half a pair", () => {
    // Pairs (pos, neg): (2,1) 1, (2,2) ½, (3,1) 1, (3,2) 1 → 3.5 / 4.
    expect(auc([1, 2, 2, 3], [0, 0, 1, 1])).toBe(0.875);
    expect(auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    // Presences 1, 2, 3 against absences 1, 1, 2: (½ + ½ + 0) + (1 + 1 + ½) + (1 + 1 + 1) = 6.5 of 9.
    expect(auc([1, 1, 1, 2, 2, 3], [1, 0, 0, 1, 0, 1])).toBeCloseTo(6.5 / 9, 15);
  });

  it("uses only the listed rows, and is NaN without both classes", () => {
    expect(auc([9, 0.1, 0.4, 0.35, 0.8], [1, 0, 0, 1, 1], [1, 2, 3, 4])).toBe(0.75);
    expect(auc([0.2, 0.3], [1, 1])).toBeNaN();
  });

  it("gives the binomial deviance from margins, stably", () => {
    expect(meanDeviance([0, 0], [0, 1], [0, 1])).toBeCloseTo(2 * Math.log(2), 15);
    expect(meanDeviance([800], [1], [0])).toBe(0);
    expect(meanDeviance([-800], [1], [0])).toBeCloseTo(1600, 10);
  });
});

describe("folds", () => {
  it("deals presences and absences evenly over random folds, reproducibly", () => {
    const y = Float64Array.from({ length: 103 }, (_, i) => (i % 5 === 0 ? 1 : 0)); // 21 presences
    const folds = stratifiedFolds(y, 10, 3);
    const pos = new Array(10).fill(0);
    const all = new Array(10).fill(0);
    folds.forEach((f, i) => { all[f]++; pos[f] += y[i]!; });
    expect(Math.max(...all) - Math.min(...all)).toBeLessThanOrEqual(1);
    expect(Math.max(...pos) - Math.min(...pos)).toBeLessThanOrEqual(1);
    expect(Array.from(stratifiedFolds(y, 10, 3))).toEqual(Array.from(folds));
    expect(Array.from(stratifiedFolds(y, 10, 4))).not.toEqual(Array.from(folds));
  });

  it("holds out whole spatial blocks, balanced over the folds", () => {
    const n = 900;
    const xs = Float64Array.from({ length: n }, (_, i) => (i % 30) * 10 + 1);
    const ys = Float64Array.from({ length: n }, (_, i) => Math.floor(i / 30) * 10 + 1);
    const folds = spatialBlockFolds(xs, ys, 5, 1, { blockSize: 50 });
    const blockFold = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const key = `${Math.floor((xs[i]! - 1) / 50)},${Math.floor((ys[i]! - 1) / 50)}`;
      if (!blockFold.has(key)) blockFold.set(key, folds[i]!);
      expect(folds[i]).toBe(blockFold.get(key));
    }
    expect(blockFold.size).toBe(36);
    const sizes = new Array(5).fill(0);
    for (const f of folds) sizes[f]++;
    expect(Math.min(...sizes)).toBeGreaterThan(150);
    expect(() => spatialBlockFolds(xs, ys, 5, 1, { blockSize: 1000 })).toThrow(/only 1 non-empty spatial block/);
    expect(() => spatialBlockFolds(Float64Array.of(1, Number.NaN), Float64Array.of(1, 2), 2, 1)).toThrow(/row 2 has no coordinates/);
  });
});

describe("crossValidate", () => {
  it("picks a number of trees at the held-out deviance minimum and reports fold AUCs", () => {
    const n = 300;
    const v = new Float64Array(2 * n);
    const y = new Float64Array(n);
    let s = 99;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < n; i++) {
      v[i] = rand();
      v[n + i] = rand();
      y[i] = rand() < (v[i]! > 0.5 ? 0.85 : 0.15) ? 1 : 0;
    }
    const x = createMatrix(n, ["signal", "noise"], v);
    const cv = crossValidate(x, y, stratifiedFolds(y, 5, 1), { eta: 0.1, maxDepth: 2, nTrees: 300 }, { earlyStoppingRounds: 30 });
    expect(cv.bestTrees).toBeGreaterThan(0);
    expect(cv.bestTrees).toBeLessThan(300);
    expect(cv.curve[cv.bestTrees]).toBe(Math.min(...cv.curve));
    expect(cv.curve.length - 1 - cv.bestTrees).toBeLessThanOrEqual(30); // stopped early
    expect(cv.foldAuc).toHaveLength(5);
    expect(cv.aucMean).toBeGreaterThan(0.75);
    expect(cv.aucMean).toBeLessThan(0.9);
    expect(cv.aucPooled).toBeCloseTo(auc(cv.heldOutMargin, y), 15);
  });
});
