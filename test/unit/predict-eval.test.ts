// Evaluation: the model, persistence and constant velocity are scored on the same forecast origins,
// and `wt predict eval` prints API.md's JSON.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseHorizon, runPredict } from "../../cli/predict.ts";
import { evaluateTracks, HORIZONS_H, simulateTrack, fromSimulated, type BatchPredict } from "../../engine/predict/index.ts";

const BUFFALO = new URL("../../../shared/datasets/buffalo.csv", import.meta.url).pathname;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
}

describe("evaluateTracks", () => {
  const tracks = [fromSimulated(simulateTrack("eval-test:0", { days: 3 })), fromSimulated(simulateTrack("eval-test:1", { days: 3 }))];

  it("a model that predicts no movement scores exactly as persistence", async () => {
    const still: BatchPredict = async (_f, n) => ({ mean: new Float32Array(n * HORIZONS_H.length * 2), logVar: new Float32Array(n * HORIZONS_H.length * 2) });
    const r = await evaluateTracks(tracks, still, { batch: 37 });
    for (const h of ["1h", "6h", "24h"]) {
      const x = r.horizons[h]!;
      expect(x.n).toBeGreaterThan(50);
      expect(x.model!.median_m).toBeCloseTo(x.persistence.median_m, 6);
      expect(x.model!.mean_m).toBeCloseTo(x.persistence.mean_m, 6);
    }
  });

  it("refuses horizons the model does not predict, but baselines take any", async () => {
    const still: BatchPredict = async () => ({ mean: new Float32Array(0), logVar: new Float32Array(0) });
    await expect(evaluateTracks(tracks, still, { horizonsH: [2] })).rejects.toThrow(/predicts 1h, 6h, 24h only/);
    const r = await evaluateTracks(tracks, null, { horizonsH: [0.5, 2] });
    expect(Object.keys(r.horizons)).toEqual(["30m", "2h"]);
    expect(r.horizons["2h"]!.model).toBeNull();
  });
});

describe("wt predict eval", () => {
  it("parses horizons", () => {
    expect([parseHorizon("1h"), parseHorizon("90m"), parseHorizon("1d"), parseHorizon("1.5h")]).toEqual([1, 1.5, 24, 1.5]);
    expect(() => parseHorizon("soon")).toThrow(/not a duration/);
  });

  it.skipIf(!existsSync(BUFFALO))("reports model, persistence and constant velocity per horizon on the buffalo (API.md shape)", async () => {
    const c = capture();
    const code = await runPredict(["eval", "--input", BUFFALO, "--coords", "xy-m", "--horizons", "1h,6h,24h", "--json"], c.io);
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    const out = JSON.parse(c.out.at(-1)!);
    expect(Object.keys(out.horizons)).toEqual(["1h", "6h", "24h"]);
    for (const h of Object.values(out.horizons) as Array<Record<string, { median_m: number; mean_m: number }> & { n: number }>) {
      for (const k of ["model", "persistence", "constant_velocity"]) {
        expect(h[k]!.median_m).toBeGreaterThan(0);
        expect(h[k]!.mean_m).toBeGreaterThan(0);
      }
      expect(h.n).toBeGreaterThan(1000);
    }
    expect(out.covariates).toMatch(/missing/);
  });

  it("a missing model is a clear error, exit code 1", async () => {
    const c = capture();
    const code = await runPredict(["eval", "--simulated", "1", "--days", "2", "--model", "/nonexistent/next-position.onnx"], c.io);
    expect(code).toBe(1);
    expect(c.err.join("\n")).toMatch(/next-position model \/nonexistent\/next-position.onnx does not exist/);
  });

  it("usage errors name the fix", async () => {
    const c = capture();
    expect(await runPredict(["eval", "--simulated", "1", "--horizons", "2h"], c.io)).toBe(1);
    expect(c.err.join("\n")).toMatch(/the model predicts 1h, 6h, 24h; 2h is not one of them/);
    expect(await runPredict(["eval"], c.io)).toBe(1);
    expect(c.err.at(-1)).toMatch(/either --input FILE.csv or --simulated N/);
  });
});
