// Training data for the next-position LSTM, deterministic from its seeds:
//   node bin/run-ts.mjs models/lstm/make-data.ts [--out models/lstm/data] [--train 1200] [--val 120] [--test 120] [--days 21]
// Simulates tracks (engine/predict/simulate.ts; habitat-selective on the synthetic landscape when
// engine/landscape is available, see landscape.ts here) and writes, per split, the samples exactly as
// the engine builds them (engine/predict/features.ts buildSample) with their targets:
//   <split>.features.f32  n × WINDOW × N_FEATURES float32 (little-endian)
//   <split>.targets.f32   n × horizons × 2 float32: true displacement, km, in the sample's heading frame
//   <split>.valid.u8      n × horizons: 1 where the truth is known (fixes around it close enough)
//   test.csv              the held-out tracks as a Movebank-style CSV (lon/lat, covariates) for `wt predict eval`
//   meta.json             counts, seeds and options.
// Training samples get random covariate masking (p = 0.3) and random history truncation (p = 0.1),
// so the model learns to do without covariates and with short histories.
import { mkdirSync, writeFileSync, createWriteStream } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  buildSample,
  COVARIATE_NAMES,
  FEATURE_NAMES,
  fromSimulated,
  HORIZONS_H,
  medianInterval,
  positionAt,
  SAMPLE_SIZE,
  simulateTrack,
  splitSeeds,
  stateFeatures,
  toFrameKm,
  WINDOW,
  type HabitatSelection,
  type SimulatedTrack,
} from "../../engine/predict/index.ts";
import { hashSeed, Rng } from "../../simulator/random.ts";
import { loadHabitat } from "./landscape.ts";

const { values: v } = parseArgs({
  options: {
    out: { type: "string", default: "models/lstm/data" },
    train: { type: "string", default: "1200" },
    val: { type: "string", default: "120" },
    test: { type: "string", default: "120" },
    days: { type: "string", default: "21" },
    namespace: { type: "string", default: "v1" },
    "mask-rate": { type: "string", default: "0.3" },
    "truncate-rate": { type: "string", default: "0.1" },
    "no-landscape": { type: "boolean", default: false },
  },
});
const OUT = v.out!;
const DAYS = Number(v.days);
const MASK_RATE = Number(v["mask-rate"]);
const TRUNCATE_RATE = Number(v["truncate-rate"]);
const H = HORIZONS_H.length;
mkdirSync(OUT, { recursive: true });

const habitat: HabitatSelection | null = v["no-landscape"] ? null : await loadHabitat();
console.log(habitat ? "habitat-selective simulation on the synthetic landscape" : "no landscape: simulation without habitat, covariates missing");

/** One sample per ~90 minutes of track. */
const strideOf = (intervalMin: number) => Math.max(1, Math.round(90 / intervalMin));

function simulate(seed: string): SimulatedTrack {
  return simulateTrack(seed, { days: DAYS, ...(habitat ? { habitat } : {}) });
}

function writeSplit(split: "train" | "val", seeds: string[]): Record<string, number> {
  const feats: Float32Array[] = [];
  const targets: Float32Array[] = [];
  const valid: Uint8Array[] = [];
  let n = 0;
  let masked = 0;
  let truncated = 0;
  let withCov = 0;
  for (const seed of seeds) {
    const sim = simulate(seed);
    const track = fromSimulated(sim);
    const states = stateFeatures(track);
    const maxGap = 2 * medianInterval(track.t);
    const rng = new Rng(hashSeed("make-data", split, seed));
    const stride = strideOf(sim.meta.intervalMin);
    const anchors: number[] = [];
    for (let i = 1 + rng.int(stride); i < track.t.length; i += stride) anchors.push(i);
    const f = new Float32Array(anchors.length * SAMPLE_SIZE);
    const tg = new Float32Array(anchors.length * H * 2);
    const ok = new Uint8Array(anchors.length * H);
    let m = 0;
    for (const i of anchors) {
      const truths = HORIZONS_H.map((h) => positionAt(track, track.t[i]! + h * 3.6e6, maxGap, i));
      if (truths.every((p) => p === null)) continue;
      const mask = split === "train" && rng.uniform() < MASK_RATE;
      const maxHistory = split === "train" && rng.uniform() < TRUNCATE_RATE ? 1 + rng.int(WINDOW - 1) : WINDOW;
      if (mask) masked++;
      if (maxHistory < WINDOW && i > maxHistory) truncated++;
      const frame = buildSample(track, states, i, f, m * SAMPLE_SIZE, { maskCovariates: mask, maxHistory });
      if (track.covariates && !mask) withCov++;
      truths.forEach((p, k) => {
        if (!p) return;
        const [a, b] = toFrameKm(frame, p[0] - track.x[i]!, p[1] - track.y[i]!);
        tg[(m * H + k) * 2] = a;
        tg[(m * H + k) * 2 + 1] = b;
        ok[m * H + k] = 1;
      });
      m++;
    }
    feats.push(f.subarray(0, m * SAMPLE_SIZE));
    targets.push(tg.subarray(0, m * H * 2));
    valid.push(ok.subarray(0, m * H));
    n += m;
  }
  const write = (name: string, parts: ArrayBufferView[]) => {
    writeFileSync(join(OUT, name), Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
  };
  write(`${split}.features.f32`, feats);
  write(`${split}.targets.f32`, targets);
  write(`${split}.valid.u8`, valid);
  console.log(`${split}: ${seeds.length} tracks, ${n} samples (${masked} covariate-masked, ${truncated} truncated)`);
  return { tracks: seeds.length, samples: n, covariates_masked: masked, truncated, with_covariates: withCov };
}

async function writeTestCsv(seeds: string[]): Promise<Record<string, number>> {
  const out = createWriteStream(join(OUT, "test.csv"));
  out.write(`location-long,location-lat,timestamp,individual-local-identifier,${COVARIATE_NAMES.join(",")}\n`);
  let rows = 0;
  for (const seed of seeds) {
    const sim = simulate(seed);
    for (let i = 0; i < sim.t.length; i++) {
      const cov = COVARIATE_NAMES.map((c) => {
        const x = sim.covariates?.[c][i];
        return x === undefined || Number.isNaN(x) ? "NA" : x.toPrecision(7);
      });
      out.write(`${sim.lon[i]!.toFixed(7)},${sim.lat[i]!.toFixed(7)},${new Date(sim.t[i]!).toISOString()},${sim.id},${cov.join(",")}\n`);
      rows++;
    }
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  console.log(`test: ${seeds.length} tracks, ${rows} fixes → ${join(OUT, "test.csv")}`);
  return { tracks: seeds.length, fixes: rows };
}

const t0 = performance.now();
const ns = v.namespace!;
const meta = {
  namespace: ns,
  days: DAYS,
  window: WINDOW,
  features: FEATURE_NAMES,
  horizons_h: HORIZONS_H,
  landscape: habitat !== null,
  mask_rate: MASK_RATE,
  truncate_rate: TRUNCATE_RATE,
  seeds: { train: `${ns}:train:0…`, val: `${ns}:val:0…`, test: `${ns}:test:0…` },
  train: writeSplit("train", splitSeeds("train", Number(v.train), ns)),
  val: writeSplit("val", splitSeeds("val", Number(v.val), ns)),
  test: await writeTestCsv(splitSeeds("test", Number(v.test), ns)),
  seconds: 0,
};
meta.seconds = Math.round((performance.now() - t0) / 100) / 10;
writeFileSync(join(OUT, "meta.json"), JSON.stringify(meta, null, 2) + "\n");
console.log(`done in ${meta.seconds} s`);
