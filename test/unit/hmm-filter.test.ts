// The live one-step forward filter must give the batch forward (filtered) probabilities at every
// row, for plain, covariate, zero-inflated and wrapped Cauchy models, from rows or from raw fixes.
import { describe, expect, it } from "vitest";
import {
  HmmForwardFilter,
  createModel,
  forwardProbabilities,
  hmmNegLogLikelihood,
  prepTracks,
  simulateHmm,
  type HmmData,
  type HmmModel,
} from "../../engine/hmm/index.ts";

function expectFilterMatchesBatch(model: HmmModel, data: HmmData): void {
  const n = model.nStates;
  const batch = forwardProbabilities(model, data);
  const filter = new HmmForwardFilter(model);
  const nCov = data.covariateNames.length;
  let logLik = 0;
  for (let k = 0; k + 1 < data.trackStart.length; k++) {
    filter.reset();
    for (let t = data.trackStart[k]!; t < data.trackStart[k + 1]!; t++) {
      const p = filter.update(data.step[t]!, data.angle[t]!, data.covariates.subarray(t * nCov, t * nCov + nCov));
      for (let j = 0; j < n; j++) expect(p[j]!).toBeCloseTo(batch[t * n + j]!, 12);
    }
    logLik += filter.logLik;
  }
  expect(-logLik).toBeCloseTo(hmmNegLogLikelihood(model, data), 8);
}

const BASE = { stepMean: [0.5, 3], stepSd: [0.3, 1.5], angleMean: [Math.PI, 0], angleConc: [1, 10], beta: [-2.5, -2.2] };

describe("HmmForwardFilter", () => {
  it("equals the batch forward probabilities at every step, track by track", () => {
    const model = createModel({ nStates: 2 }, BASE);
    expectFilterMatchesBatch(model, simulateHmm(model, 700, 1, { tracks: 3 }).data);
  });

  it("with covariates, 3 states, zero inflation and wrapped Cauchy angles", () => {
    const cov = createModel({ nStates: 2, covariates: ["c"] }, { ...BASE, beta: [-2, 1, -2, -1] });
    const covariates = Float64Array.from({ length: 900 }, (_, t) => Math.cos(t / 30));
    expectFilterMatchesBatch(cov, simulateHmm(cov, 300, 2, { tracks: 3, covariates }).data);

    const three = createModel({ nStates: 3 }, { stepMean: [0.2, 1.5, 6], stepSd: [0.1, 0.6, 2], angleMean: [Math.PI, 0.5, 0], angleConc: [1.5, 3, 15] });
    expectFilterMatchesBatch(three, simulateHmm(three, 500, 3).data);

    const zi = createModel({ nStates: 2, zeroInflation: true }, { ...BASE, zeroMass: [0.2, 0.01] });
    expectFilterMatchesBatch(zi, simulateHmm(zi, 500, 4).data);

    const wc = createModel({ nStates: 2, angleDist: "wrpcauchy" }, { ...BASE, angleConc: [0.3, 0.9] });
    expectFilterMatchesBatch(wc, simulateHmm(wc, 500, 5).data);
  });

  it("pushFix turns raw fixes into rows one fix late and matches prepData + batch", () => {
    const model = createModel({ nStates: 2 }, BASE);
    const sim = simulateHmm(model, 400, 9);
    const data = prepTracks([{ id: "a", x: sim.x, y: sim.y }], { coords: "xy" });
    const batch = forwardProbabilities(model, data);
    const filter = new HmmForwardFilter(model, "xy");
    expect(filter.pushFix(sim.x[0]!, sim.y[0]!)).toBeNull(); // nothing is known about fix 0 yet
    for (let i = 1; i < sim.x.length; i++) {
      const p = filter.pushFix(sim.x[i]!, sim.y[i]!)!;
      // fix i completes row i − 1
      expect(p[0]!).toBeCloseTo(batch[(i - 1) * 2]!, 10);
    }
    expect(filter.rows).toBe(sim.x.length - 1);
  });

  it("reuses its buffer (no allocation per update) and keeps its belief on an impossible row", () => {
    const model = createModel({ nStates: 2 }, BASE);
    const filter = new HmmForwardFilter(model);
    const a = filter.update(1, 0.2);
    const b = filter.update(0.4, 3);
    expect(a).toBe(b);
    const before = Array.from(b);
    filter.update(0, NaN); // a zero step without zero inflation: density 0 in both states
    expect(Array.from(filter.probabilities)).toEqual(before);
    filter.update(NaN, NaN); // a missing row: a pure prediction step
    expect(filter.probabilities[0]! + filter.probabilities[1]!).toBeCloseTo(1, 14);
  });

  it("asks for covariates when the model has them", () => {
    const model = createModel({ nStates: 2, covariates: ["c"] }, BASE);
    const filter = new HmmForwardFilter(model);
    filter.update(1, NaN, [0]);
    expect(() => filter.update(1, 0.1)).toThrow(/covariate/);
  });
});
