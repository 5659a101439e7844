// Live model work, measured in process with the real worker pool:
//   1. habitat scores per second: the ONNX habitat model (onnxruntime in the pool) over a study area
//      grid, against the trainer's own JavaScript predictor on the main thread;
//   2. fix → forecast latency at 5,000 fixes/s: positions of 2,000 animals fed to the live forecaster
//      (a forecast per fix, micro-batched to the LSTM in the pool), latency percentiles.
//   node bin/run-ts.mjs bench/models-live.ts
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildModelCard, CARD_FILE, exportOnnx, fitHabitat, MODEL_FILE, predictProba, spatialBlockFolds } from "../engine/habitat/index.ts";
import { rsfDataset } from "../engine/habitat/rsf.ts";
import { syntheticLandscape } from "../engine/landscape/synthetic.ts";
import { MicroBatcher } from "../engine/predict/batcher.ts";
import { LivePredictions } from "../engine/predict/live.ts";
import type { LivePosition } from "../engine/types.ts";
import { CollarTrack } from "../simulator/collar-track.ts";
import { ModelPool } from "../workers/pool.ts";

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

const pool = new ModelPool({ maxQueue: 4096 });
const results: Record<string, unknown> = {};

// 1. Habitat scores.
{
  const stack = syntheticLandscape("mara");
  const lon: number[] = [], lat: number[] = [], animal: number[] = [];
  for (let k = 0; k < 4; k++) {
    const track = new CollarTrack({ id: `B${k}`, species: "elephant" }, { fleetSeed: 3, start: Date.UTC(2026, 0, 1), intervalMs: 3_600_000, habitat: { stack } });
    for (let i = 0; i < 600; i++) {
      const f = track.next();
      lon.push(f.lon), lat.push(f.lat), animal.push(k);
    }
  }
  const data = rsfDataset(stack, { lon, lat, animal }, { seed: 1 });
  const { model } = fitHabitat(data.x, data.y, spatialBlockFolds(data.lon, data.lat, 5, 1), { eta: 0.05, nTrees: 300 }, { earlyStoppingRounds: 30 });
  const dir = mkdtempSync(join(tmpdir(), "wt-bench-habitat-"));
  const bytes = exportOnnx(model);
  writeFileSync(join(dir, MODEL_FILE), bytes);
  writeFileSync(join(dir, CARD_FILE), JSON.stringify(buildModelCard(model, bytes, MODEL_FILE)));
  const onnxPath = join(dir, MODEL_FILE);
  await pool.run("habitat.raster", { onnxPath, stack }); // warm: sessions load once per worker
  const cells = stack.grid.nx * stack.grid.ny;
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    await Promise.all([pool.run("habitat.raster", { onnxPath, stack }), pool.run("habitat.raster", { onnxPath, stack })]);
    runs.push(performance.now() - t0);
  }
  const poolPerS = (2 * cells) / (pct(runs, 50) / 1000);
  // The same scoring with the trainer's JavaScript predictor on this thread (the baseline).
  const t0 = performance.now();
  predictProba(model, data.x);
  const jsPerS = data.x.nRows / ((performance.now() - t0) / 1000);
  rmSync(dir, { recursive: true, force: true });
  console.log(`== Habitat scores (${model.trees.length} trees, ${cells.toLocaleString("en-US")}-cell study area)`);
  console.log(`onnxruntime in the pool (2 rasters at once, sampling included): ${fmt(poolPerS)} scores/s (raster p50 ${pct(runs, 50).toFixed(0)} ms)`);
  console.log(`trainer's JS predictor, main thread:                           ${fmt(jsPerS)} scores/s  (pool / JS ${(poolPerS / jsPerS).toFixed(1)}×)`);
  results.habitat = { trees: model.trees.length, cells, pool_scores_per_s: Math.round(poolPerS), js_scores_per_s: Math.round(jsPerS) };
}

// 2. Fix → forecast latency at 5,000 fixes/s.
{
  const RATE = 5000, ANIMALS = 2000, SECONDS = 8;
  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  const batcher = new MicroBatcher((features, n) => pool.run("lstm.predict", { features, n }));
  const live = new LivePredictions({
    batcher,
    minIntervalMs: 0,
    onPrediction: (p) => {
      const t = sentAt.get(p.animal);
      if (t !== undefined) latencies.push(performance.now() - t);
    },
  });
  const pos = (i: number, k: number): LivePosition => ({
    animal: `a${i}`, collar: `c${i}`, herd: null, family: null, species: "elephant", name: "", ts: new Date(Date.UTC(2026, 0, 1) + k * 3_600_000).toISOString(),
    lat: -1.5 + (i % 50) * 0.01 + k * 0.002, lon: 35 + Math.floor(i / 50) * 0.01 + ((k * 7) % 3) * 0.001, speed: null, heading: null, state: null, state_probs: null, habitat: null,
    step_m: null, turn_deg: null, interval_s: null, distance_today_m: 0, battery: null, quality: [],
  });
  // Two fixes each first (a forecast needs two), then paced.
  for (let i = 0; i < ANIMALS; i++) live.observe(pos(i, 0));
  await new Promise((r) => setTimeout(r, 500));
  let k = 1, sent = 0;
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE);
    for (; sent < due; sent++) {
      const i = sent % ANIMALS;
      if (i === 0) k++;
      sentAt.set(`a${i}`, performance.now());
      live.observe(pos(i, k));
    }
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 500));
  console.log(`== Fix → forecast at ${RATE.toLocaleString("en-US")} fixes/s (${ANIMALS} animals, a forecast per fix, micro-batched in the pool)`);
  console.log(`forecasts ${fmt(latencies.length)} of ${fmt(sent)} fixes (one in flight per animal); p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms; ${fmt(batcher.calls)} inference calls, mean batch ${(batcher.sequences / Math.max(1, batcher.calls)).toFixed(0)}`);
  results.fix_to_forecast = { rate: RATE, animals: ANIMALS, forecasts: latencies.length, p50_ms: +pct(latencies, 50).toFixed(1), p99_ms: +pct(latencies, 99).toFixed(1), calls: batcher.calls, mean_batch: Math.round(batcher.sequences / Math.max(1, batcher.calls)) };
}

await pool.close();
console.log(JSON.stringify({ bench: "models-live", ...results }));
