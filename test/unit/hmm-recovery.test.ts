// Parameter recovery: tracks simulated from known models are fitted back from data-driven starts;
// estimates must be close to the truth and Viterbi must recover the states.
import { describe, expect, it } from "vitest";
import { createModel, defaultStart, fitHmm, simulateHmm, viterbi, type HmmModel } from "../../engine/hmm/index.ts";

function accuracy(decoded: Uint8Array, truth: Uint8Array): number {
  let ok = 0;
  for (let t = 0; t < truth.length; t++) if (decoded[t] === truth[t]) ok++;
  return ok / truth.length;
}

function fitBack(truth: HmmModel, n: number, seed: number, tracks = 1): { fit: HmmModel; acc: number; converged: boolean } {
  const sim = simulateHmm(truth, n, seed, { tracks });
  const start = defaultStart(sim.data, { nStates: truth.nStates, angleDist: truth.angleDist, zeroInflation: truth.zeroInflation });
  const result = fitHmm(sim.data, start, { randomStarts: 4, seed: 11 });
  return { fit: result.model, acc: accuracy(viterbi(result.model, sim.data), sim.states), converged: result.converged };
}

function expectRelClose(actual: Float64Array, expected: Float64Array, tol: number): void {
  for (let j = 0; j < expected.length; j++) expect(Math.abs(actual[j]! / expected[j]! - 1), `index ${j}: ${actual[j]} vs ${expected[j]}`).toBeLessThan(tol);
}

function expectAngleClose(actual: Float64Array, expected: Float64Array, tol: number): void {
  for (let j = 0; j < expected.length; j++) {
    const d = Math.atan2(Math.sin(actual[j]! - expected[j]!), Math.cos(actual[j]! - expected[j]!));
    expect(Math.abs(d), `angle ${j}`).toBeLessThan(tol);
  }
}

describe("parameter recovery from 2,000 simulated steps", () => {
  it("2 states: gamma + von Mises", () => {
    const truth = createModel(
      { nStates: 2 },
      { stepMean: [0.5, 3], stepSd: [0.3, 1.5], angleMean: [Math.PI, 0], angleConc: [1, 10], beta: [-2.5, -2.2] },
    );
    const { fit, acc, converged } = fitBack(truth, 2000, 42);
    expect(converged).toBe(true);
    expectRelClose(fit.stepMean, truth.stepMean, 0.05);
    expectRelClose(fit.stepSd, truth.stepSd, 0.1);
    expectRelClose(fit.angleConc, truth.angleConc, 0.2);
    expectAngleClose(fit.angleMean, truth.angleMean, 0.1);
    for (let k = 0; k < 2; k++) expect(Math.abs(fit.beta[k]! - truth.beta[k]!)).toBeLessThan(0.3);
    expect(acc).toBeGreaterThan(0.95);
  });

  it("3 states", () => {
    const truth = createModel(
      { nStates: 3 },
      { stepMean: [0.2, 1.5, 6], stepSd: [0.1, 0.6, 2], angleMean: [Math.PI, 0.5, 0], angleConc: [1.5, 3, 15], beta: [-3, -4, -3, -3, -4, -3] },
    );
    const { fit, acc } = fitBack(truth, 2000, 42);
    expectRelClose(fit.stepMean, truth.stepMean, 0.05);
    expectRelClose(fit.stepSd, truth.stepSd, 0.1);
    expectRelClose(fit.angleConc, truth.angleConc, 0.2);
    expectAngleClose(fit.angleMean, truth.angleMean, 0.15);
    expect(acc).toBeGreaterThan(0.95);
  });

  it("zero inflation: the zero masses come back", () => {
    const truth = createModel(
      { nStates: 2, zeroInflation: true },
      { stepMean: [0.5, 3], stepSd: [0.3, 1.5], zeroMass: [0.2, 0.01], angleMean: [Math.PI, 0], angleConc: [1, 10], beta: [-2.5, -2.2] },
    );
    const { fit, acc } = fitBack(truth, 2000, 42);
    expect(Math.abs(fit.zeroMass[0]! - 0.2)).toBeLessThan(0.04);
    expect(fit.zeroMass[1]!).toBeLessThan(0.03);
    expectRelClose(fit.stepMean, truth.stepMean, 0.06);
    expect(acc).toBeGreaterThan(0.95);
  });

  it("wrapped Cauchy angles", () => {
    const truth = createModel(
      { nStates: 2, angleDist: "wrpcauchy" },
      { stepMean: [0.5, 3], stepSd: [0.3, 1.5], angleMean: [Math.PI, 0], angleConc: [0.3, 0.9], beta: [-2.5, -2.2] },
    );
    const { fit, acc } = fitBack(truth, 2000, 42);
    for (let j = 0; j < 2; j++) expect(Math.abs(fit.angleConc[j]! - truth.angleConc[j]!)).toBeLessThan(0.06);
    expectAngleClose(fit.angleMean, truth.angleMean, 0.15);
    expectRelClose(fit.stepMean, truth.stepMean, 0.06);
    expect(acc).toBeGreaterThan(0.95);
  });

  it("covariate effects on the transitions, over several tracks", () => {
    const truth = createModel(
      { nStates: 2, covariates: ["x"] },
      { stepMean: [0.5, 3], stepSd: [0.3, 1.5], angleMean: [Math.PI, 0], angleConc: [1, 10], beta: [-2, 1.5, -2, -1.5] },
    );
    const rows = 4 * 1000;
    const covariates = Float64Array.from({ length: rows }, (_, t) => Math.sin(t / 40) * 1.5);
    const sim = simulateHmm(truth, 1000, 5, { tracks: 4, covariates });
    const start = defaultStart(sim.data, { nStates: 2, covariates: ["x"] });
    const fit = fitHmm(sim.data, start, { randomStarts: 2, seed: 1 });
    for (let k = 0; k < 4; k++) expect(Math.abs(fit.model.beta[k]! - truth.beta[k]!), `beta ${k}`).toBeLessThan(0.5);
    expect(accuracy(viterbi(fit.model, sim.data), sim.states)).toBeGreaterThan(0.95);
  });

  it("the same seed gives the same fit", () => {
    const truth = createModel({ nStates: 2 }, { stepMean: [0.5, 3], stepSd: [0.3, 1.5], angleMean: [Math.PI, 0], angleConc: [1, 10] });
    const sim = simulateHmm(truth, 500, 3);
    const start = defaultStart(sim.data, { nStates: 2 });
    const a = fitHmm(sim.data, start, { randomStarts: 3, seed: "x" });
    const b = fitHmm(sim.data, start, { randomStarts: 3, seed: "x" });
    expect(a.nllk).toBe(b.nllk);
    expect(Array.from(a.model.stepMean)).toEqual(Array.from(b.model.stepMean));
  });
});
