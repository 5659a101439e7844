// State probabilities, forward/backward log-probabilities and pseudo-residuals of a fitted model.
import { describe, expect, it } from "vitest";
import {
  createModel,
  hmmNegLogLikelihood,
  logForwardBackward,
  pseudoResiduals,
  simulateHmm,
  stateCounts,
  stateProbabilities,
  viterbi,
  type HmmModel,
} from "../../engine/hmm/index.ts";

function meanSd(values: Float64Array): { mean: number; sd: number; n: number } {
  const v = Array.from(values).filter((x) => Number.isFinite(x));
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return { mean, sd, n: v.length };
}

function expectStandardNormal(values: Float64Array, minCount: number): void {
  const { mean, sd, n } = meanSd(values);
  expect(n).toBeGreaterThanOrEqual(minCount);
  expect(Math.abs(mean)).toBeLessThan(0.08);
  expect(Math.abs(sd - 1)).toBeLessThan(0.06);
}

const BASE = { stepMean: [0.5, 3], stepSd: [0.3, 1.5], angleMean: [Math.PI, 0], angleConc: [1, 10], beta: [-2.5, -2.2] };

describe("pseudo-residuals of a correctly specified model are N(0, 1)", () => {
  const models: Array<[string, HmmModel]> = [
    ["von Mises", createModel({ nStates: 2 }, BASE)],
    ["wrapped Cauchy", createModel({ nStates: 2, angleDist: "wrpcauchy" }, { ...BASE, angleConc: [0.3, 0.9] })],
    ["3 states", createModel({ nStates: 3 }, { stepMean: [0.2, 1.5, 6], stepSd: [0.1, 0.6, 2], angleMean: [Math.PI, 0.5, 0], angleConc: [1.5, 3, 15] })],
  ];
  for (const [name, model] of models) {
    it(name, () => {
      const sim = simulateHmm(model, 1500, 21, { tracks: 2 });
      const res = pseudoResiduals(model, sim.data);
      expectStandardNormal(res.step, 2990);
      expectStandardNormal(res.angle, 2990);
      expect(res.angle[0]).toBeNaN(); // first angle of the track
    });
  }

  it("skips missing steps", () => {
    const model = createModel({ nStates: 2 }, BASE);
    const sim = simulateHmm(model, 50, 1);
    sim.data.step[10] = NaN;
    const res = pseudoResiduals(model, sim.data);
    expect(res.step[10]).toBeNaN();
    expect(res.angle[10]).toBeNaN();
    expect(Number.isFinite(res.step[11]!)).toBe(true);
  });
});

describe("forward-backward", () => {
  const model = createModel({ nStates: 2, covariates: ["c"] }, { ...BASE, beta: [-2, 1, -2, -1] });
  const covariates = Float64Array.from({ length: 600 }, (_, t) => Math.sin(t / 25));
  const sim = simulateHmm(model, 200, 8, { tracks: 3, covariates });

  it("log α + log β gives each track's likelihood at every row; the tracks sum to −nllk", () => {
    const { logAlpha, logBeta } = logForwardBackward(model, sim.data);
    let total = 0;
    for (let k = 0; k < 3; k++) {
      const rows: number[] = [];
      for (let t = sim.data.trackStart[k]!; t < sim.data.trackStart[k + 1]!; t++) {
        const a = logAlpha[2 * t]! + logBeta[2 * t]!;
        const b = logAlpha[2 * t + 1]! + logBeta[2 * t + 1]!;
        const m = Math.max(a, b);
        rows.push(m + Math.log(Math.exp(a - m) + Math.exp(b - m)));
      }
      for (const r of rows) expect(r).toBeCloseTo(rows[0]!, 8);
      total += rows[0]!;
    }
    expect(-total).toBeCloseTo(hmmNegLogLikelihood(model, sim.data), 7);
  });

  it("smoothed probabilities sum to 1 and agree with Viterbi almost everywhere", () => {
    const sp = stateProbabilities(model, sim.data);
    const states = viterbi(model, sim.data);
    let agree = 0;
    for (let t = 0; t < states.length; t++) {
      expect(sp[2 * t]! + sp[2 * t + 1]!).toBeCloseTo(1, 12);
      if ((sp[2 * t + 1]! > 0.5 ? 1 : 0) === states[t]) agree++;
    }
    expect(agree / states.length).toBeGreaterThan(0.97);
    expect(stateCounts(states, 2).reduce((a, b) => a + b, 0)).toBe(600);
  });
});
