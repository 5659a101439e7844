// Model plumbing: working-scale round trip, state relabelling, JSON storage, the optimiser, and
// the analytic gradient against central differences.
import { describe, expect, it } from "vitest";
import {
  HMM_MODEL_VERSION,
  HmmModelError,
  cloneModel,
  createModel,
  fromWorking,
  hmmNegLogLikelihood,
  minimize,
  modelFromJson,
  modelToJson,
  parameterCount,
  permuteStates,
  simulateHmm,
  toWorking,
  transitionMatrixOf,
} from "../../engine/hmm/index.ts";
import { GradientWorkspace, negLogLikelihoodGradient } from "../../engine/hmm/gradient.ts";
import { ForwardWorkspace, negLogLikelihood, prepareData } from "../../engine/hmm/likelihood.ts";

const THREE = {
  stepMean: [0.2, 1.5, 6],
  stepSd: [0.1, 0.6, 2],
  zeroMass: [0.1, 0.02, 0.01],
  angleMean: [3, 0.5, -0.2],
  angleConc: [0.3, 0.6, 0.9],
  beta: [-2, 0.3, -3, -0.2, -2.5, 0.1, -1.5, 0, -3, 0.2, -2, -0.4],
  delta: [0.2, 0.3, 0.5],
};

describe("working scale", () => {
  it("n2w then w2n returns the model (moveHMM layout and length)", () => {
    const m = createModel({ nStates: 3, angleDist: "wrpcauchy", zeroInflation: true, covariates: ["c"] }, THREE);
    const w = toWorking(m);
    expect(w.length).toBe(3 * 3 + 6 + 12 + 2);
    expect(w[0]).toBeCloseTo(Math.log(0.2), 14);
    const back = fromWorking(w, cloneModel(m));
    for (const key of ["stepMean", "stepSd", "zeroMass", "angleMean", "angleConc", "beta", "delta"] as const) {
      Array.from(m[key]).forEach((v, i) => expect(back[key][i]).toBeCloseTo(v, 10));
    }
    expect(parameterCount(m)).toBe(w.length);
  });

  it("a stationary model takes delta from Γ", () => {
    const m = createModel({ nStates: 2, stationary: true }, { stepMean: [1, 5], stepSd: [1, 5], beta: [-1, -2] });
    const back = fromWorking(toWorking(m), cloneModel(m));
    const g = transitionMatrixOf(back);
    // δΓ = δ
    expect(back.delta[0]! * g[0]![0]! + back.delta[1]! * g[1]![0]!).toBeCloseTo(back.delta[0]!, 12);
  });
});

describe("relabelling states", () => {
  it("leaves the likelihood unchanged and moves transitions with their states", () => {
    const m = createModel({ nStates: 3, covariates: ["c"] }, { ...THREE, zeroMass: undefined, angleConc: [0.3, 2, 9] });
    const sim = simulateHmm(m, 300, 4, { covariates: Float64Array.from({ length: 300 }, (_, t) => Math.sin(t)) });
    const p = permuteStates(m, [2, 0, 1]);
    expect(hmmNegLogLikelihood(p, sim.data)).toBeCloseTo(hmmNegLogLikelihood(m, sim.data), 9);
    const g = transitionMatrixOf(m, [0.7]);
    const gp = transitionMatrixOf(p, [0.7]);
    expect(gp[0]![1]).toBeCloseTo(g[2]![0]!, 14);
    expect(p.stepMean[0]).toBe(6);
  });
});

describe("JSON storage", () => {
  it("round-trips through JSON text", () => {
    const m = createModel({ nStates: 3, zeroInflation: true, covariates: ["c"] }, { ...THREE, angleConc: [0.3, 2, 9] });
    const json = modelToJson(m, { step_units: "km" });
    expect(json.version).toBe(HMM_MODEL_VERSION);
    expect(json.beta).toHaveLength(2);
    expect(json.beta_columns).toEqual(["1->2", "1->3", "2->1", "2->3", "3->1", "3->2"]);
    const back = modelFromJson(JSON.stringify(json));
    expect(back).toEqual(m);
  });

  it("rejects other versions and malformed models with a message naming the field", () => {
    const json = modelToJson(createModel({ nStates: 2 }, { stepMean: [1, 5], stepSd: [1, 5] }));
    expect(() => modelFromJson({ ...json, version: "wt-hmm/0" })).toThrow(/version/);
    expect(() => modelFromJson({ ...json, states: [json.states[0]] })).toThrow(/states/);
    expect(() => modelFromJson({ ...json, beta: [[1]] })).toThrow(/beta/);
    expect(() => modelFromJson({ ...json, states: [{ ...json.states[0], step_sd: -1 }, json.states[1]] })).toThrow(HmmModelError);
    expect(() => modelFromJson("{oops")).toThrow(/JSON/);
  });
});

describe("optimiser", () => {
  it("minimises the Rosenbrock function", () => {
    const r = minimize((x) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2, [-1.2, 1]);
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
  });

  it("backs off from regions where the objective is not finite", () => {
    // log barrier: undefined for x ≤ 0
    const r = minimize((x) => (x[0]! > 0 ? x[0]! - 2 * Math.log(x[0]!) : NaN), [10], { maxStep: 100 });
    expect(r.x[0]).toBeCloseTo(2, 5);
  });
});

describe("analytic gradient", () => {
  it("matches central differences for every parameter", () => {
    for (const shape of [
      { nStates: 3, angleDist: "vm" as const, zeroInflation: true, covariates: ["c"] },
      { nStates: 3, angleDist: "wrpcauchy" as const, zeroInflation: false, covariates: [] },
      { nStates: 2, angleDist: "none" as const, zeroInflation: false, covariates: ["c"] },
    ]) {
      const n = shape.nStates;
      const start = n === 3 ? { ...THREE, angleConc: shape.angleDist === "vm" ? [0.3, 2, 9] : THREE.angleConc } : { stepMean: [0.5, 3], stepSd: [0.3, 2], beta: [-2, 0.5, -1.5, -0.3] };
      const m = createModel(shape, { ...start, zeroMass: shape.zeroInflation ? THREE.zeroMass : undefined, beta: shape.covariates.length ? start.beta : start.beta.filter((_, i) => i % 2 === 0) });
      const sim = simulateHmm(m, 300, 6, { tracks: 2, covariates: shape.covariates.length ? Float64Array.from({ length: 600 }, (_, t) => Math.cos(t / 9)) : undefined });
      const pd = prepareData(sim.data, m);
      const work = cloneModel(m);
      const w = toWorking(m);
      const g = new Float64Array(w.length);
      const f = negLogLikelihoodGradient(fromWorking(w, work), pd, new GradientWorkspace(n, pd.step.length, shape.covariates.length > 0), g);
      const ws = new ForwardWorkspace(n);
      expect(f).toBeCloseTo(negLogLikelihood(fromWorking(w, work), pd, ws), 8);
      for (let i = 0; i < w.length; i++) {
        const h = 1e-5;
        const up = w.slice();
        const down = w.slice();
        up[i]! += h;
        down[i]! -= h;
        const numeric = (negLogLikelihood(fromWorking(up, work), pd, ws) - negLogLikelihood(fromWorking(down, work), pd, ws)) / (2 * h);
        expect(Math.abs(g[i]! - numeric), `${shape.angleDist} parameter ${i}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(numeric)));
      }
    }
  });
});
