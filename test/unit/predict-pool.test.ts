// Serving in the pool with micro-batching: many actors' requests within the batch window become one
// lstm.predict call (one onnxruntime run), and each gets the forecast the model gives it alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSample, forecastFromLastFix, HORIZONS_H, loadNextPositionModel, MicroBatcher, SAMPLE_SIZE, simulateTrack, fromSimulated, stateFeatures, type NextPositionModel } from "../../engine/predict/index.ts";
import { ModelPool, PoolTaskError } from "../../workers/pool.ts";

describe("LSTM in the worker pool", () => {
  let pool: ModelPool;
  let model: NextPositionModel;
  const track = fromSimulated(simulateTrack("pool-test", { days: 4 }));
  const states = stateFeatures(track);
  const samples = Array.from({ length: 300 }, (_, k) => {
    const s = new Float32Array(SAMPLE_SIZE);
    buildSample(track, states, 16 + (k % (track.t.length - 16)), s);
    return s;
  });

  beforeAll(async () => {
    pool = new ModelPool({ threads: 2 }); // the production worker (workers/tasks.ts lists the LSTM tasks)
    model = await loadNextPositionModel();
  });
  afterAll(async () => {
    await pool?.close();
    await model?.close();
  });

  it("micro-batches concurrent requests into few inference calls with the same answers", async () => {
    const batcher = new MicroBatcher((features, n) => pool.run("lstm.predict", { features, n }), { maxBatch: 256, windowMs: 5 });
    const got = await Promise.all(samples.map((s) => batcher.predict(s)));
    expect(batcher.calls).toBeLessThanOrEqual(3);
    expect(batcher.sequences).toBe(300);
    for (const k of [0, 17, 299]) {
      const alone = await model.predict(samples[k]!, 1);
      for (let i = 0; i < alone.mean.length; i++) {
        expect(Math.abs(got[k]!.mean[i]! - alone.mean[i]!)).toBeLessThan(1e-5);
        expect(Math.abs(got[k]!.logVar[i]! - alone.logVar[i]!)).toBeLessThan(1e-5);
      }
    }
  });

  it("an actor's forecast from its last fix: positions near it with growing uncertainty", async () => {
    const batcher = new MicroBatcher((features, n) => pool.run("lstm.predict", { features, n }));
    const recent = { ...track, x: track.x.subarray(0, 60), y: track.y.subarray(0, 60), t: track.t.subarray(0, 60) };
    const fc = await forecastFromLastFix(recent, batcher);
    expect(fc.map((f) => f.horizonH)).toEqual([...HORIZONS_H]);
    for (const f of fc) expect(Math.hypot(f.x - recent.x[59]!, f.y - recent.y[59]!)).toBeLessThan(50_000);
    expect(fc[2]!.sdAlong * fc[2]!.sdAcross).toBeGreaterThan(fc[0]!.sdAlong * fc[0]!.sdAcross);
  });

  it("a bad request is the input's fault (422), and a missing model an internal start error", async () => {
    const bad = await pool.run("lstm.predict", { features: new Float32Array(5), n: 1 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(PoolTaskError);
    expect((bad as PoolTaskError).kind).toBe("input");
    const missing = await pool.run("lstm.check", { model: "/nonexistent/x.onnx" }).catch((e: unknown) => e);
    expect((missing as PoolTaskError).kind).toBe("internal");
    expect((missing as Error).message).toMatch(/does not exist/);
  });
});
