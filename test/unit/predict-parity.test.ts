// The LSTM ONNX equals its training framework's output on fixed inputs: models/lstm/train.py stores
// fixed inputs (validation samples, padded and masked rows, seeded noise) and torch's outputs in
// parity-fixture.json; onnxruntime-node must reproduce them to 1e-5.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadNextPositionModel, N_FEATURES, WINDOW, type NextPositionModel } from "../../engine/predict/index.ts";

const fixture = JSON.parse(readFileSync(new URL("../../models/lstm/parity-fixture.json", import.meta.url), "utf8")) as {
  n: number;
  shape: number[];
  tolerance: number;
  features: number[];
  mean: number[];
  log_var: number[];
};

describe("next-position LSTM: onnxruntime vs torch", () => {
  let model: NextPositionModel;
  beforeAll(async () => {
    model = await loadNextPositionModel();
  });
  afterAll(async () => {
    await model?.close();
  });

  it("fixture inputs have the engine's shape", () => {
    expect(fixture.shape).toEqual([fixture.n, WINDOW, N_FEATURES]);
    expect(fixture.tolerance).toBeLessThanOrEqual(1e-5);
  });

  it("gives torch's means and log-variances within 1e-5", async () => {
    const { mean, logVar } = await model.predict(Float32Array.from(fixture.features), fixture.n);
    expect(mean.length).toBe(fixture.mean.length);
    expect(logVar.length).toBe(fixture.log_var.length);
    let worst = 0;
    for (let i = 0; i < mean.length; i++) {
      worst = Math.max(worst, Math.abs(mean[i]! - fixture.mean[i]!), Math.abs(logVar[i]! - fixture.log_var[i]!));
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it("answers each sample the same alone as in a batch", async () => {
    const all = await model.predict(Float32Array.from(fixture.features), fixture.n);
    const size = WINDOW * N_FEATURES;
    for (const i of [0, 5, fixture.n - 1]) {
      const one = await model.predict(Float32Array.from(fixture.features.slice(i * size, (i + 1) * size)), 1);
      for (let k = 0; k < one.mean.length; k++) expect(Math.abs(one.mean[k]! - all.mean[i * one.mean.length + k]!)).toBeLessThan(1e-5);
    }
  });
});
