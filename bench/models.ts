// Model benchmark (`npm run bench:models`), seeded and self-contained (no database):
//   1. HMM forward filter: updates per second on one core, 2- and 3-state elephant-like models, over
//      1 million simulated rows, against a naive filter (allocating, densities from scratch) in the
//      same run. Target: over 1 million updates/s/core.
//   2. HMM fit of 10,000 simulated steps (3 states, default start + 4 random starts): wall time,
//      −log L, iterations and whether the true step means come back.
//   3. BBMM: one month of hourly fixes (720), 20 m location error, UD on a 200 × 200 grid
//      (target under 200 ms), and the whole homeRange() call.
//   4. Worker pool (one thread per core): home ranges per second at 2/8/32 concurrent requests
//      against the main thread alone, and small tasks per second one per call vs batched.
//   5. LSTM next-position model (ONNX) through the pool: sequences/s at batch 1, 64, 256 (target
//      ≥ 200,000/s on 2 cores at batch 256) and p50/p99 latency of micro-batched single requests.
// Flags: --quick (fewer rows and rounds, for a smoke run).
import { availableParallelism, loadavg } from "node:os";
import {
  bridgeTrack,
  bridgeUD,
  constantSegmentVariance,
  defaultTimeStep,
  homeRange,
  maxBridgeSigma,
  motionVariance,
  type Grid,
  type HomeRangeOptions,
  type HomeRangeTrack,
} from "../engine/bbmm/index.ts";
import { createModel, defaultStart, fitHmm, HmmForwardFilter, simulateHmm, type HmmModel } from "../engine/hmm/index.ts";
import { buildSample, fromSimulated, loadNextPositionModel, MicroBatcher, N_FEATURES, SAMPLE_SIZE, simulateTrack, stateFeatures, WINDOW } from "../engine/predict/index.ts";
import { homeRangeTask } from "../workers/bbmm-tasks.ts";
import { ModelPool } from "../workers/pool.ts";
import { correlatedWalk, NaiveForwardFilter } from "./lib/models-naive.ts";
import { machineCpuMs } from "./lib/proc-cpu.ts";
import { fmtInt, round, Samples } from "./lib/stats.ts";

const QUICK = process.argv.includes("--quick");
const CORES = availableParallelism();
const FILTER_ROWS = QUICK ? 200_000 : 1_000_000;
const FILTER_PASSES = QUICK ? 2 : 3;
const FIT_STEPS = 10_000;
const FIT_RUNS = QUICK ? 1 : 3;
const FIXES = 720; // one month, hourly
const GRID_N = 200;
const LOCATION_ERROR = 20; // m
const UD_RUNS = 10;
const HR_REQUESTS = QUICK ? 32 : 96;
const PING_CONCURRENCY = 1_000;
const PING_ROUNDS = QUICK ? 3 : 7;
const START_MS = Date.UTC(2025, 0, 1);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (v: number, d = 1) => round(v, d).toFixed(d);
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const ok = (pass: boolean) => (pass ? "OK" : "MISSED");
/** CPU cores this process (all its threads) and everything else on the machine kept busy since it was made. */
function cpuWindow(): () => { ours: number; other: number } {
  const m0 = machineCpuMs();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const wall = performance.now() - t0;
    const m1 = machineCpuMs();
    const ours = cpuMs(process.cpuUsage(c0)) / wall;
    const machine = m1.total > m0.total ? ((m1.busy - m0.busy) / (m1.total - m0.total)) * CORES : NaN;
    return { ours, other: Math.max(0, machine - ours) };
  };
}
const header = (title: string) => console.log(`\n== ${title} ${"=".repeat(Math.max(0, 96 - title.length))}`);
const row = (cells: Array<string | number>, widths: number[]) =>
  console.log(cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join(" "));

// Elephant-like movement HMMs in metres (hourly steps): resting, foraging, migrating.
// beta (no covariates) holds the logits of the off-diagonal transitions row by row: 1→2, 1→3, 2→1, …
const MODEL3 = createModel(
  { nStates: 3, angleDist: "vm" },
  {
    stepMean: [50, 300, 1500],
    stepSd: [40, 200, 800],
    angleMean: [Math.PI, 0, 0],
    angleConc: [0.4, 1.5, 6],
    beta: [-2.0, -4.0, -2.0, -2.5, -3.5, -2.0],
    delta: [0.5, 0.4, 0.1],
  },
);
const MODEL2 = createModel(
  { nStates: 2, angleDist: "vm" },
  { stepMean: [120, 1200], stepSd: [100, 700], angleMean: [Math.PI, 0], angleConc: [0.5, 4], beta: [-2.2, -1.8], delta: [0.7, 0.3] },
);

const LOAD_AT_START = loadavg()[0]!;
console.log(`Model benchmark: ${CORES} cores, node ${process.version}, 1-min load average at start ${LOAD_AT_START.toFixed(2)}${QUICK ? " (--quick)" : ""}`);

// ── 1. Forward filter ─────────────────────────────────────────────────────────────────────────────
interface FilterResult {
  states: number;
  rows: number;
  updatesPerSec: number;
  updatesPerCpuSec: number;
  bestPerSec: number;
  nsPerUpdate: number;
  naivePerSec: number;
  ratio: number;
  maxProbDiff: number;
  logLikDiff: number;
}

function benchFilter(model: HmmModel, seed: number): FilterResult {
  const sim = simulateHmm(model, FILTER_ROWS, seed);
  const { step, angle } = sim.data;
  const rows = step.length;
  const filter = new HmmForwardFilter(model);
  const naive = new NaiveForwardFilter(model);

  // Agreement over the first 100,000 rows (also warms both up).
  let maxProbDiff = 0;
  const check = Math.min(rows, 100_000);
  for (let t = 0; t < check; t++) {
    const p = filter.update(step[t]!, angle[t]!);
    const q = naive.update(step[t]!, angle[t]!);
    for (let j = 0; j < model.nStates; j++) maxProbDiff = Math.max(maxProbDiff, Math.abs(p[j]! - q[j]!));
  }
  const logLikDiff = Math.abs(filter.logLik - naive.logLik) / Math.abs(filter.logLik);

  let sink = 0;
  const engineWall: number[] = [];
  const engineCpu: number[] = [];
  for (let pass = -1; pass < FILTER_PASSES; pass++) {
    filter.reset();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let t = 0; t < rows; t++) sink += filter.update(step[t]!, angle[t]!)[0]!;
    const wall = performance.now() - t0;
    const cpu = cpuMs(process.cpuUsage(c0));
    if (pass >= 0) {
      engineWall.push(wall);
      engineCpu.push(cpu);
    }
  }
  const naiveWall: number[] = [];
  for (let pass = 0; pass < FILTER_PASSES; pass++) {
    naive.reset();
    const t0 = performance.now();
    for (let t = 0; t < rows; t++) sink += naive.update(step[t]!, angle[t]!)[0]!;
    naiveWall.push(performance.now() - t0);
  }
  if (!Number.isFinite(sink)) throw new Error("forward filter produced a non-finite probability");
  const wall = median(engineWall);
  const updatesPerSec = rows / (wall / 1000);
  const naivePerSec = rows / (median(naiveWall) / 1000);
  return {
    states: model.nStates,
    rows,
    updatesPerSec,
    updatesPerCpuSec: rows / (median(engineCpu) / 1000),
    bestPerSec: rows / (Math.min(...engineWall) / 1000),
    nsPerUpdate: (wall * 1e6) / rows,
    naivePerSec,
    ratio: updatesPerSec / naivePerSec,
    maxProbDiff,
    logLikDiff,
  };
}

header(`1. HMM forward filter: ${fmtInt(FILTER_ROWS)} simulated rows, one thread, median of ${FILTER_PASSES} passes after a warm-up`);
const filterResults = [benchFilter(MODEL2, 2002), benchFilter(MODEL3, 3003)];
const fw = [10, 14, 14, 14, 10, 16, 9, 12, 8];
row(["states", "updates/s", "per CPU-s", "best pass/s", "ns/upd", "naive upd/s", "ratio", "max |Δp|", "target"], fw);
for (const r of filterResults) {
  row(
    [`N = ${r.states}`, fmtInt(r.updatesPerSec), fmtInt(r.updatesPerCpuSec), fmtInt(r.bestPerSec), ms(r.nsPerUpdate), fmtInt(r.naivePerSec), `${r.ratio.toFixed(1)}×`, r.maxProbDiff.toExponential(1), ok(r.updatesPerSec > 1e6)],
    fw,
  );
}
console.log("target: > 1,000,000 updates/s/core. Naive baseline: allocates per update, Math.pow densities, Γ and I₀ recomputed, Γ-matrix rebuilt.");
console.log(`engine and naive agree on the first 100,000 rows: relative log L difference ${filterResults.map((r) => r.logLikDiff.toExponential(1)).join(" / ")}`);

// ── 2. HMM fit ────────────────────────────────────────────────────────────────────────────────────
header(`2. HMM fit: ${fmtInt(FIT_STEPS)} simulated steps, 3 states, default start + 4 random starts (seed 11), median of ${FIT_RUNS}`);
const fitSim = simulateHmm(MODEL3, FIT_STEPS, 7);
const fitStart = defaultStart(fitSim.data, { nStates: 3, angleDist: "vm" });
const fitTimes: number[] = [];
let fit = fitHmm(fitSim.data, fitStart, { randomStarts: 4, seed: 11, maxIterations: 1 }); // warm-up (JIT), 1 iteration per start
for (let r = 0; r < FIT_RUNS; r++) {
  const t0 = performance.now();
  fit = fitHmm(fitSim.data, fitStart, { randomStarts: 4, seed: 11 });
  fitTimes.push(performance.now() - t0);
}
const fitMs = median(fitTimes);
const stepErr = Array.from(fit.model.stepMean, (m, j) => Math.abs(m - MODEL3.stepMean[j]!) / MODEL3.stepMean[j]!);
const recovered = stepErr.every((e) => e < 0.1);
const totalIterations = fit.starts.reduce((s, o) => s + o.iterations, 0);
const fw2 = [34, 40];
row(["wall time (median)", `${fmtInt(fitMs)} ms  (runs: ${fitTimes.map((t) => fmtInt(t)).join(", ")} ms)`], fw2);
row(["−log L", fit.nllk.toFixed(2)], fw2);
row(["iterations (best start / all starts)", `${fit.iterations} / ${totalIterations}`], fw2);
row(["likelihood evaluations", fmtInt(fit.evaluations)], fw2);
row(["starts converged", `${fit.starts.filter((s) => s.converged).length} of ${fit.starts.length}`], fw2);
row(["per start (ms, mean)", ms(fitMs / fit.starts.length, 0)], fw2);
console.log(`${"state".padEnd(12)} ${"true mean".padStart(10)} ${"fit mean".padStart(10)} ${"true sd".padStart(10)} ${"fit sd".padStart(10)} ${"err".padStart(7)}`);
const STATE_NAMES = ["resting", "foraging", "migrating"];
for (let j = 0; j < 3; j++) {
  console.log(
    `${STATE_NAMES[j]!.padEnd(12)} ${MODEL3.stepMean[j]!.toFixed(0).padStart(10)} ${fit.model.stepMean[j]!.toFixed(1).padStart(10)} ${MODEL3.stepSd[j]!.toFixed(0).padStart(10)} ${fit.model.stepSd[j]!.toFixed(1).padStart(10)} ${`${(stepErr[j]! * 100).toFixed(1)}%`.padStart(7)}`,
  );
}
console.log(`true step means recovered within 10%: ${recovered ? "yes" : "NO"}`);

// ── 3. BBMM ───────────────────────────────────────────────────────────────────────────────────────
header(`3. BBMM: ${FIXES} hourly fixes (one month), ${LOCATION_ERROR} m location error, ${GRID_N} × ${GRID_N} grid`);
const walk = correlatedWalk(FIXES, 720, START_MS);
const track = bridgeTrack(walk.x, walk.y, walk.t, LOCATION_ERROR);
const varTimes: number[] = [];
let mv = motionVariance(track);
for (let r = 0; r < UD_RUNS; r++) {
  const t0 = performance.now();
  mv = motionVariance(track);
  varTimes.push(performance.now() - t0);
}
const segVar = constantSegmentVariance(track, mv.variance);
let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
for (let i = 0; i < FIXES; i++) {
  xmin = Math.min(xmin, track.x[i]!);
  xmax = Math.max(xmax, track.x[i]!);
  ymin = Math.min(ymin, track.y[i]!);
  ymax = Math.max(ymax, track.y[i]!);
}
// The track's larger side plus a margin (move's 0.3 × side, at least the 4σ bridge reach) in 200 cells.
const side = Math.max(xmax - xmin, ymax - ymin);
const margin = Math.max(0.3 * side, 4 * maxBridgeSigma(track, segVar));
const cell = Math.ceil((side + 2 * margin) / GRID_N);
const grid: Grid = { x0: (xmin + xmax) / 2 - ((GRID_N - 1) / 2) * cell, y0: (ymin + ymax) / 2 - ((GRID_N - 1) / 2) * cell, cell, nx: GRID_N, ny: GRID_N };
const timeStep = defaultTimeStep(track);
const udOut = new Float64Array(GRID_N * GRID_N);
const udSamples = new Samples();
for (let r = -2; r < UD_RUNS; r++) {
  const t0 = performance.now();
  bridgeUD(track, segVar, grid, { timeStep }, udOut);
  if (r >= 0) udSamples.add(performance.now() - t0);
}
let udMass = 0;
for (const v of udOut) udMass += v;
const [udP50, udP95] = udSamples.percentiles(50, 95) as [number, number];
const hrTrack: HomeRangeTrack = { x: walk.x, y: walk.y, t: walk.t, coords: "xy-m" };
const hrOptions: HomeRangeOptions = { locationError: LOCATION_ERROR, cell, levels: [50, 95] };
const hrSamples = new Samples();
let hr = homeRange(hrTrack, hrOptions);
for (let r = 0; r < UD_RUNS; r++) {
  const t0 = performance.now();
  hr = homeRange(hrTrack, hrOptions);
  hrSamples.add(performance.now() - t0);
}
const [hrP50, hrP95] = hrSamples.percentiles(50, 95) as [number, number];
const area = (level: number) => hr.contours.find((c) => c.level === level)?.areaKm2 ?? NaN;
console.log(
  `track: ${round((xmax - xmin) / 1000, 1)} × ${round((ymax - ymin) / 1000, 1)} km, σ²m ${round(mv.variance, 1)} m²/min (${mv.bridges} bridges), cell ${cell} m, ` +
    `time step ${round(timeStep, 2)} min (${fmtInt((track.t[FIXES - 1]! - track.t[0]!) / timeStep)} integration steps)`,
);
const fw3 = [40, 10, 10, 22];
row(["", "p50 ms", "p95 ms", "target"], fw3);
row([`motion variance (ML, ${mv.bridges} bridges)`, ms(median(varTimes), 2), ms(Math.max(...varTimes), 2), ""], fw3);
row([`bridgeUD on ${GRID_N} × ${GRID_N}`, ms(udP50, 2), ms(udP95, 2), `< 200 ms ${ok(udP95 < 200)}`], fw3);
row([`homeRange() (grid ${hr.grid.nx} × ${hr.grid.ny}, contours)`, ms(hrP50, 2), ms(hrP95, 2), ""], fw3);
console.log(`UD sums to ${udMass.toFixed(6)}; home range 50% ${round(area(50), 2)} km², 95% ${round(area(95), 2)} km²`);

// ── 4. Worker pool ────────────────────────────────────────────────────────────────────────────────
header(`4. Worker pool: ${CORES} threads (one per core)`);
const pool = new ModelPool({ threads: CORES, maxQueue: 4 * PING_CONCURRENCY });
// Eight different months of fixes, so requests are not all the same track.
const payloads = Array.from({ length: 8 }, (_, k) => {
  const w = correlatedWalk(FIXES, 1000 + k, START_MS);
  return { track: { x: w.x, y: w.y, t: w.t, coords: "xy-m" as const }, options: hrOptions };
});

// Warm-up: start every thread (tsx in each) and JIT the home range path there.
await Promise.all(Array.from({ length: 4 * CORES }, (_, i) => pool.run("bbmm.homeRange", payloads[i % payloads.length]!)));
await Promise.all(Array.from({ length: 200 }, () => pool.run("ping", null)));
await Promise.all(Array.from({ length: 200 }, () => pool.submit("ping", null)));

// (c) first: the same home ranges on the main thread, one after another.
for (let i = 0; i < 8; i++) homeRangeTask(payloads[i % payloads.length]!);
const mainSamples = new Samples();
const mainN = Math.min(HR_REQUESTS, 48);
const mainCpu = cpuWindow();
const mainT0 = performance.now();
for (let i = 0; i < mainN; i++) {
  const t0 = performance.now();
  homeRangeTask(payloads[i % payloads.length]!);
  mainSamples.add(performance.now() - t0);
}
const mainRate = mainN / ((performance.now() - mainT0) / 1000);
const mainLoad = mainCpu();
const [mainP50, mainP95] = mainSamples.percentiles(50, 95) as [number, number];

interface HrLevel {
  concurrency: number;
  perSec: number;
  p50: number;
  p95: number;
  coresBusy: number;
  otherCores: number;
  speedup: number;
}
async function homeRangesAt(concurrency: number): Promise<HrLevel> {
  const lat = new Samples();
  let next = 0;
  const cpu = cpuWindow();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < HR_REQUESTS) {
        const i = next++;
        const s = performance.now();
        await pool.run("bbmm.homeRange", payloads[i % payloads.length]!);
        lat.add(performance.now() - s);
      }
    }),
  );
  const wall = performance.now() - t0;
  const [p50, p95] = lat.percentiles(50, 95) as [number, number];
  const perSec = HR_REQUESTS / (wall / 1000);
  const load = cpu();
  return { concurrency, perSec, p50, p95, coresBusy: load.ours, otherCores: load.other, speedup: perSec / mainRate };
}
const hrLevels: HrLevel[] = [];
for (const c of [2, 8, 32]) hrLevels.push(await homeRangesAt(c));

console.log(`(a) home ranges (${FIXES} fixes, cell ${cell} m, 50/95% contours) through pool.run, ${HR_REQUESTS} requests per level; (c) main thread alone`);
const fw4 = [30, 10, 9, 9, 11, 13, 9];
row(["", "ranges/s", "p50 ms", "p95 ms", "our cores", "other procs", "vs main"], fw4);
row(["main thread, sequential", round(mainRate, 1).toFixed(1), ms(mainP50), ms(mainP95), mainLoad.ours.toFixed(2), mainLoad.other.toFixed(2), "1.00×"], fw4);
for (const l of hrLevels) row([`pool.run, ${l.concurrency} concurrent`, round(l.perSec, 1).toFixed(1), ms(l.p50), ms(l.p95), l.coresBusy.toFixed(2), l.otherCores.toFixed(2), `${l.speedup.toFixed(2)}×`], fw4);
console.log(`"our cores": CPU of this process (all threads) per wall second; "other procs": the rest of the machine in the same window (${CORES} cores in all).`);
const otherMax = Math.max(mainLoad.other, ...hrLevels.map((l) => l.otherCores));
if (otherMax > 0.3) console.log(`NOTE: other processes kept up to ${otherMax.toFixed(2)} of the ${CORES} cores busy meanwhile: the pool's speed-up is capped by what is left.`);
const bestHr = hrLevels.reduce((a, b) => (b.perSec > a.perSec ? b : a));

// (b) ping one per call vs batched, PING_CONCURRENCY in flight at once.
async function pingRound(mode: "run" | "submit"): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: PING_CONCURRENCY }, () => (mode === "run" ? pool.run<string>("ping", null) : pool.submit<string>("ping", null))));
  return performance.now() - t0;
}
const runRounds: number[] = [];
const submitRounds: number[] = [];
for (let r = 0; r < PING_ROUNDS; r++) {
  runRounds.push(await pingRound("run"));
  submitRounds.push(await pingRound("submit"));
}
const runRate = PING_CONCURRENCY / (median(runRounds) / 1000);
const submitRate = PING_CONCURRENCY / (median(submitRounds) / 1000);
const batchRatio = submitRate / runRate;
console.log(`\n(b) small tasks ("ping"), ${fmtInt(PING_CONCURRENCY)} concurrent requests, median of ${PING_ROUNDS} rounds`);
const fw5 = [30, 12, 16];
row(["", "tasks/s", "round ms (p50)"], fw5);
row(["pool.run (one task per call)", fmtInt(runRate), ms(median(runRounds))], fw5);
row(["pool.submit (batched)", fmtInt(submitRate), ms(median(submitRounds))], fw5);
console.log(`batching ratio: ${batchRatio.toFixed(1)}×`);

const health = pool.health();
console.log(
  `\npool health: ok ${health.ok}, threads ${health.threads}/${health.maxThreads}, completed ${fmtInt(health.completed)}, failed ${health.failed}, refused ${health.refused}, utilization ${round(health.utilization, 3)}`,
);
await pool.close();

// ── 5. LSTM next-position ─────────────────────────────────────────────────────────────────────────
// The ONNX LSTM (models/lstm) through the pool: sequences per second at batch 1, 64 and 256 (enough
// calls in flight to keep every thread busy), onnxruntime alone on this thread for reference, and the
// latency of one actor's request when many actors' requests are micro-batched (MicroBatcher, 2 ms window).
header(`5. LSTM next-position model: ${CORES} pool threads, one onnxruntime session (1 thread) per worker`);
const LSTM_SECONDS = QUICK ? 1 : 3;
const LSTM_TARGET = 200_000;
const lstmModel = await loadNextPositionModel();
// Real samples: windows from seeded simulated tracks, the features the engine builds.
const lstmSamples = new Float32Array(4096 * SAMPLE_SIZE);
{
  let k = 0;
  for (let s = 0; k < 4096; s++) {
    const tr = fromSimulated(simulateTrack(`bench:${s}`, { days: 7 }));
    const st = stateFeatures(tr);
    for (let i = WINDOW; i < tr.t.length && k < 4096; i += 3) buildSample(tr, st, i, lstmSamples, SAMPLE_SIZE * k++);
  }
}
const lstmBatch = (b: number, r: number) => {
  const off = ((r * b) % (4096 - b + 1)) * SAMPLE_SIZE;
  return lstmSamples.slice(off, off + b * SAMPLE_SIZE);
};
const lstmPool = new ModelPool({ threads: CORES, maxQueue: 4096 });
await lstmPool.run("lstm.check", {});
await Promise.all(Array.from({ length: 4 * CORES }, (_, r) => lstmPool.run("lstm.predict", { features: lstmBatch(256, r), n: 256 })));

// (ref) onnxruntime on this thread, batch 256.
let lstmRef = 0;
let lstmRefCpu = 0;
{
  const f = lstmBatch(256, 0);
  for (let i = 0; i < 10; i++) await lstmModel.predict(f, 256);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < LSTM_SECONDS * 1000) {
    await lstmModel.predict(f, 256);
    n += 256;
  }
  lstmRef = n / ((performance.now() - t0) / 1000);
  lstmRefCpu = n / (cpuMs(process.cpuUsage(c0)) / 1000);
}

interface LstmLevel { batch: number; inFlight: number; seqPerSec: number; callsPerSec: number; p50: number; p99: number; coresBusy: number; otherCores: number }
async function lstmThroughput(batch: number, inFlight: number): Promise<LstmLevel> {
  const payloads = Array.from({ length: 16 }, (_, r) => lstmBatch(batch, r));
  const lat = new Samples();
  let calls = 0;
  const cpu = cpuWindow();
  const t0 = performance.now();
  const end = t0 + LSTM_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async (_, w) => {
      for (let r = w; performance.now() < end; r += inFlight) {
        const s = performance.now();
        await lstmPool.run("lstm.predict", { features: payloads[r % payloads.length]!, n: batch });
        lat.add(performance.now() - s);
        calls++;
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const [p50, p99] = lat.percentiles(50, 99) as [number, number];
  const load = cpu();
  return { batch, inFlight, seqPerSec: (calls * batch) / wall, callsPerSec: calls / wall, p50, p99, coresBusy: load.ours, otherCores: load.other };
}
const lstmLevels: LstmLevel[] = [];
for (const [b, c] of [[1, 8 * CORES], [64, 4 * CORES], [256, 4 * CORES]] as const) lstmLevels.push(await lstmThroughput(b, c));

// (c) micro-batched: actors ask one forecast each, open loop at a steady rate; latency per request.
async function lstmMicroBatched(ratePerSec: number): Promise<{ rate: number; achieved: number; p50: number; p99: number; meanBatch: number }> {
  const batcher = new MicroBatcher((features, n) => lstmPool.run("lstm.predict", { features, n }), { maxBatch: 256, windowMs: 2 });
  const lat = new Samples();
  const perTick = Math.max(1, Math.round(ratePerSec / 1000));
  const ticks = LSTM_SECONDS * 1000;
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  let k = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const due = t0 + tick;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (let j = 0; j < perTick; j++, k++) {
      const s = performance.now();
      const off = (k % 4096) * SAMPLE_SIZE;
      pending.push(batcher.predict(lstmSamples.subarray(off, off + SAMPLE_SIZE)).then(() => lat.add(performance.now() - s)));
    }
  }
  await Promise.all(pending);
  const wall = (performance.now() - t0) / 1000;
  const [p50, p99] = lat.percentiles(50, 99) as [number, number];
  return { rate: ratePerSec, achieved: k / wall, p50, p99, meanBatch: batcher.sequences / batcher.calls };
}
const lstmMicro = [await lstmMicroBatched(10_000), await lstmMicroBatched(50_000)];
await lstmPool.close();
await lstmModel.close();

const lstm256 = lstmLevels.find((l) => l.batch === 256)!;
const lstmOk = lstm256.seqPerSec >= LSTM_TARGET;
console.log(`model ${lstmModel.card.name} ${lstmModel.card.version} (${lstmModel.card.sha256.slice(0, 12)}), window ${WINDOW} × ${N_FEATURES} features`);
const fw6 = [34, 14, 11, 10, 10, 11, 13];
row(["", "sequences/s", "calls/s", "p50 ms", "p99 ms", "our cores", "other procs"], fw6);
row(["onnxruntime, this thread, b=256", fmtInt(lstmRef), fmtInt(lstmRef / 256), "", "", "", ""], fw6);
for (const l of lstmLevels) row([`pool, batch ${l.batch}, ${l.inFlight} in flight`, fmtInt(l.seqPerSec), fmtInt(l.callsPerSec), ms(l.p50, 2), ms(l.p99, 2), l.coresBusy.toFixed(2), l.otherCores.toFixed(2)], fw6);
console.log(`onnxruntime alone: ${fmtInt(lstmRefCpu)} sequences per CPU-second at batch 256 (the ceiling per core)`);
console.log(`target: ≥ ${fmtInt(LSTM_TARGET)} sequences/s on ${CORES} cores at batch 256: ${ok(lstmOk)}`);
const fw7 = [34, 14, 14, 10, 10, 12];
row(["micro-batched (2 ms window)", "asked req/s", "served req/s", "p50 ms", "p99 ms", "mean batch"], fw7);
for (const m of lstmMicro) row([`${fmtInt(m.rate)} actors' requests/s`, fmtInt(m.rate), fmtInt(m.achieved), ms(m.p50, 2), ms(m.p99, 2), m.meanBatch.toFixed(1)], fw7);
if (!lstmOk) console.log("NOTE: compare 'other procs': other processes on the machine take cores from the pool.");

// ── Summary ───────────────────────────────────────────────────────────────────────────────────────
const missed: string[] = [];
for (const r of filterResults) if (!(r.updatesPerSec > 1e6)) missed.push(`forward filter N=${r.states} (${fmtInt(r.updatesPerSec)} updates/s)`);
if (!(udP95 < 200)) missed.push(`BBMM UD p95 ${ms(udP95)} ms`);
if (!recovered) missed.push("HMM fit did not recover the step means within 10%");
if (!lstmOk) missed.push(`LSTM ${fmtInt(lstm256.seqPerSec)} sequences/s at batch 256`);
console.log(`\ntargets: ${missed.length ? `MISSED: ${missed.join("; ")}` : "all met"} (forward filter > 1 M updates/s/core, UD < 200 ms, LSTM ≥ 200,000 sequences/s at batch 256)`);

console.log(
  JSON.stringify({
    bench: "models",
    cores: CORES,
    quick: QUICK,
    load_at_start: round(LOAD_AT_START, 2),
    filter: filterResults.map((r) => ({
      states: r.states,
      rows: r.rows,
      updates_per_s: Math.round(r.updatesPerSec),
      updates_per_cpu_s: Math.round(r.updatesPerCpuSec),
      ns_per_update: round(r.nsPerUpdate, 1),
      naive_updates_per_s: Math.round(r.naivePerSec),
      vs_naive: round(r.ratio, 1),
      target_met: r.updatesPerSec > 1e6,
    })),
    fit: {
      steps: FIT_STEPS,
      states: 3,
      starts: fit.starts.length,
      ms_median: Math.round(fitMs),
      ms_runs: fitTimes.map((t) => Math.round(t)),
      nllk: round(fit.nllk, 3),
      iterations: fit.iterations,
      iterations_all_starts: totalIterations,
      evaluations: fit.evaluations,
      step_means: Array.from(fit.model.stepMean, (v) => round(v, 1)),
      recovered,
    },
    bbmm: {
      fixes: FIXES,
      grid: [GRID_N, GRID_N],
      cell_m: cell,
      time_step_min: round(timeStep, 3),
      motion_variance: round(mv.variance, 2),
      variance_ms_p50: round(median(varTimes), 2),
      ud_ms_p50: round(udP50, 2),
      ud_ms_p95: round(udP95, 2),
      ud_target_met: udP95 < 200,
      home_range_ms_p50: round(hrP50, 2),
      home_range_ms_p95: round(hrP95, 2),
      home_range_grid: [hr.grid.nx, hr.grid.ny],
    },
    pool: {
      threads: CORES,
      main_thread_ranges_per_s: round(mainRate, 1),
      main_thread_other_cores: round(mainLoad.other, 2),
      home_ranges: hrLevels.map((l) => ({ concurrency: l.concurrency, per_s: round(l.perSec, 1), p50_ms: round(l.p50, 1), p95_ms: round(l.p95, 1), cores_busy: round(l.coresBusy, 2), other_cores: round(l.otherCores, 2), speedup: round(l.speedup, 2) })),
      best_speedup: round(bestHr.speedup, 2),
      ping_run_per_s: Math.round(runRate),
      ping_submit_per_s: Math.round(submitRate),
      batching_ratio: round(batchRatio, 1),
      completed: health.completed,
      failed: health.failed,
      refused: health.refused,
    },
    lstm: {
      reference_seq_per_s: Math.round(lstmRef),
      reference_seq_per_cpu_s: Math.round(lstmRefCpu),
      pool: lstmLevels.map((l) => ({ batch: l.batch, in_flight: l.inFlight, seq_per_s: Math.round(l.seqPerSec), calls_per_s: Math.round(l.callsPerSec), p50_ms: round(l.p50, 2), p99_ms: round(l.p99, 2), cores_busy: round(l.coresBusy, 2), other_cores: round(l.otherCores, 2) })),
      micro_batched: lstmMicro.map((m) => ({ rate: m.rate, served_per_s: Math.round(m.achieved), p50_ms: round(m.p50, 2), p99_ms: round(m.p99, 2), mean_batch: round(m.meanBatch, 1) })),
      target_met: lstmOk,
    },
    targets_missed: missed,
  }),
);
