// The boosted-tree trainer: XGBoost's split arithmetic on a hand-computed example, the learned
// default direction for missing values, γ pruning, min_child_weight, float32 thresholds, seeding.
import { describe, expect, it } from "vitest";
import {
  GbtBooster,
  createMatrix,
  leafWeight,
  lossChange,
  nodeScore,
  predictMargin,
  predictProba,
  resolveParams,
  splitGain,
  splitThreshold,
  toFloat32Values,
  trainGbt,
  type GbtParams,
} from "../../engine/habitat/index.ts";

// Four sites, one feature; base score 0.5 so every margin starts at 0: p = 0.5, g = p − y = ±0.5, h = 0.25.
const X4 = createMatrix(4, ["x"], Float64Array.of(1, 2, 3, 4));
const Y4 = Float64Array.of(0, 0, 1, 1);
const ONE_TREE: Partial<GbtParams> = { nTrees: 1, maxDepth: 1, eta: 0.3, lambda: 1, minChildWeight: 0, subsample: 1, baseScore: 0.5 };
const reg = { lambda: 1, alpha: 0, minChildWeight: 0, gamma: 0 };

describe("split arithmetic (hand-computed)", () => {
  it("scores nodes, splits and leaves as XGBoost does", () => {
    // Root: G = 0, H = 1 → 0. Split x < 2.5: left G = 1, H = 0.5; right G = −1, H = 0.5.
    expect(nodeScore(0, 1, reg)).toBe(0);
    expect(nodeScore(1, 0.5, reg)).toBeCloseTo(1 / 1.5, 15);
    expect(lossChange(1, 0.5, -1, 0.5, reg)).toBeCloseTo(4 / 3, 15); // 2/3 + 2/3 − 0
    expect(splitGain(1, 0.5, -1, 0.5, reg)).toBeCloseTo(2 / 3, 15); // ½ · 4/3 − γ
    expect(splitGain(1, 0.5, -1, 0.5, { ...reg, gamma: 0.5 })).toBeCloseTo(2 / 3 - 0.5, 15);
    // x < 1.5: left G = 0.5, H = 0.25 → 0.25/1.25; right G = −0.5, H = 0.75 → 0.25/1.75.
    expect(lossChange(0.5, 0.25, -0.5, 0.75, reg)).toBeCloseTo(0.2 + 0.25 / 1.75, 15);
    expect(leafWeight(1, 0.5, reg)).toBeCloseTo(-1 / 1.5, 15);
    expect(leafWeight(1, 0.5, { ...reg, alpha: 0.4 })).toBeCloseTo(-0.6 / 1.5, 15); // soft-thresholded G
    expect(leafWeight(1, 0.5, { ...reg, minChildWeight: 0.6 })).toBe(0); // too little hessian: no weight
    expect(nodeScore(-3, 2, { ...reg, alpha: 1 })).toBeCloseTo(4 / 3, 15); // (|G| − α)² / (H + λ)
  });

  it("grows the tree the formulas predict: split at 2.5, leaves ∓ eta · 2/3", () => {
    const m = trainGbt(X4, Y4, ONE_TREE);
    const t = m.trees[0]!;
    expect(m.baseMargin).toBe(0);
    expect(Array.from(t.feature)).toEqual([0, -1, -1]);
    expect(t.threshold[0]).toBe(2.5);
    expect(t.gain[0]).toBeCloseTo(4 / 3, 12);
    expect(t.cover[0]).toBeCloseTo(1, 12);
    expect(t.value[t.left[0]!]).toBe(Math.fround(-0.3 * (2 / 3)));
    expect(t.value[t.right[0]!]).toBe(Math.fround(0.3 * (2 / 3)));
    expect(Array.from(predictMargin(m, X4))).toEqual([-0.2, -0.2, 0.2, 0.2].map(Math.fround));
  });

  it("prunes a split whose loss change is below γ, keeps it above", () => {
    expect(trainGbt(X4, Y4, { ...ONE_TREE, gamma: 1.4 }).trees[0]!.feature.length).toBe(1);
    expect(trainGbt(X4, Y4, { ...ONE_TREE, gamma: 1.3 }).trees[0]!.feature.length).toBe(3);
  });

  it("does not make a child lighter than min_child_weight", () => {
    // Every split leaves a child with H ≤ 0.5.
    const t = trainGbt(X4, Y4, { ...ONE_TREE, minChildWeight: 0.6 }).trees[0]!;
    expect(t.feature.length).toBe(1);
    expect(Math.abs(t.value[0]!)).toBe(0); // G = 0 at the root
  });
});

describe("missing values", () => {
  const x = createMatrix(6, ["x"], Float64Array.of(1, 2, 3, 4, Number.NaN, Number.NaN));

  it("learns to send missing values right when they behave like high values", () => {
    // Forward (missing right) at 2.5: 1/1.5 + 4/2 − 1/2.5 = 2.267 beats backward (missing left): 0.267.
    const m = trainGbt(x, Float64Array.of(0, 0, 1, 1, 1, 1), ONE_TREE);
    const t = m.trees[0]!;
    expect(t.threshold[0]).toBe(2.5);
    expect(t.defaultLeft[0]).toBe(0);
    expect(t.gain[0]).toBeCloseTo(1 / 1.5 + 2 - 1 / 2.5, 12);
    const p = predictProba(m, x);
    expect(p[4]).toBe(p[3]);
  });

  it("learns to send them left when they behave like low values", () => {
    const m = trainGbt(x, Float64Array.of(0, 0, 1, 1, 0, 0), ONE_TREE);
    expect(m.trees[0]!.defaultLeft[0]).toBe(1);
    const p = predictProba(m, x);
    expect(p[4]).toBe(p[0]);
  });

  it("sends them left, as XGBoost does, when training had none", () => {
    const m = trainGbt(X4, Y4, ONE_TREE);
    expect(m.trees[0]!.defaultLeft[0]).toBe(1);
    const probe = createMatrix(1, ["x"], Float64Array.of(Number.NaN));
    expect(predictMargin(m, probe)[0]).toBe(Math.fround(-0.2));
  });
});

describe("float32 thresholds", () => {
  it("puts a threshold strictly above the lower value and at most the upper, in float32", () => {
    const lo = 1;
    const hi = 1 + 2 ** -23; // adjacent float32 values: their midpoint rounds onto one of them
    const t = splitThreshold(lo, hi);
    expect(t).toBeGreaterThan(lo);
    expect(t).toBeLessThanOrEqual(hi);
    expect(Math.fround(t)).toBe(t);
    expect(splitThreshold(0.5, 1.5)).toBe(1);
  });

  it("separates values that only differ beyond float32 precision the same way in training and prediction", () => {
    // 0.1 and 0.1000000001 are one float32: the trainer sees one value, so no split can separate them.
    const x = createMatrix(4, ["x"], Float64Array.of(0.1, 0.1000000001, 0.3, 0.7));
    const m = trainGbt(x, Float64Array.of(0, 1, 1, 1), { ...ONE_TREE, maxDepth: 2 });
    const p = predictProba(m, x);
    expect(p[0]).toBe(p[1]);
    for (const t of m.trees) for (let i = 0; i < t.threshold.length; i++) expect(Math.fround(t.threshold[i]!)).toBe(t.threshold[i]);
  });
});

describe("boosting", () => {
  // A noisy step in x0 and a weaker effect of x1, x2 is noise.
  function synthetic(n: number) {
    const v = new Float64Array(3 * n);
    const y = new Float64Array(n);
    let s = 12345;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < n; i++) {
      const a = rand(), b = rand(), c = rand();
      v[i] = a; v[n + i] = b; v[2 * n + i] = c;
      y[i] = rand() < (a > 0.5 ? 0.8 : 0.15) + 0.1 * (b - 0.5) ? 1 : 0;
    }
    return { x: createMatrix(n, ["a", "b", "c"], v), y };
  }

  it("lowers the training loss tree by tree and ranks the step first", () => {
    const { x, y } = synthetic(400);
    const m = trainGbt(x, y, { nTrees: 60, eta: 0.1, maxDepth: 2 });
    const p = predictProba(m, x);
    let hi = 0, lo = 0, nHi = 0;
    for (let i = 0; i < x.nRows; i++) if (x.values[i]! > 0.5) { hi += p[i]!; nHi++; } else lo += p[i]!;
    expect(hi / nHi).toBeGreaterThan(0.65);
    expect(lo / (x.nRows - nHi)).toBeLessThan(0.3);
    expect(m.trees[0]!.feature[0]).toBe(0);
  });

  it("is reproducible from its seed, and the seed matters with subsampling", () => {
    const { x, y } = synthetic(300);
    const params = { nTrees: 20, eta: 0.1, subsample: 0.5, colsampleByTree: 0.67, seed: 7 };
    const a = predictMargin(trainGbt(x, y, params), x);
    const b = predictMargin(trainGbt(x, y, params), x);
    const c = predictMargin(trainGbt(x, y, { ...params, seed: 8 }), x);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it("keeps the booster's running margins equal to predicting with its trees", () => {
    const { x, y } = synthetic(200);
    const x32 = toFloat32Values(x);
    const booster = new GbtBooster(x32, y, resolveParams({ eta: 0.2, subsample: 0.7 }));
    for (let t = 0; t < 15; t++) booster.addTree();
    const again = predictMargin(booster.model(), x);
    for (let i = 0; i < x.nRows; i++) expect(booster.margin[i]).toBeCloseTo(again[i]!, 12);
  });

  it("starts from the logit of the prevalence by default, or from base_score", () => {
    expect(trainGbt(X4, Float64Array.of(0, 0, 0, 1), { nTrees: 0 }).baseMargin).toBeCloseTo(Math.log(0.25 / 0.75), 15);
    expect(trainGbt(X4, Y4, { nTrees: 0, baseScore: 0.5 }).baseMargin).toBe(0);
  });

  it("rejects parameters XGBoost would reject", () => {
    expect(() => resolveParams({ eta: 0 })).toThrow(/eta/);
    expect(() => resolveParams({ subsample: 1.5 })).toThrow(/subsample/);
    expect(() => resolveParams({ maxDepth: 0 })).toThrow(/maxDepth/);
    expect(() => trainGbt(X4, Float64Array.of(0, 2, 1, 1), { nTrees: 1 })).toThrow(/not 0 or 1/);
  });
});
