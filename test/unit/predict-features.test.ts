// Features of the next-position model: one pure builder for training, evaluation and live use. The
// heading frame makes them rotation-invariant, young tracks are padded, covariates can be missing
// (flagged), behaviour probabilities are causal, and decoding inverts the frame.
import { describe, expect, it } from "vitest";
import {
  buildSample,
  decodePrediction,
  FEATURE_NAMES,
  HORIZONS_H,
  N_FEATURES,
  positionAt,
  prepareTrack,
  SAMPLE_SIZE,
  simulateTrack,
  fromSimulated,
  splitSeeds,
  stateFeatures,
  toFrameKm,
  WINDOW,
  type PredictTrack,
} from "../../engine/predict/index.ts";

const col = (name: (typeof FEATURE_NAMES)[number]) => FEATURE_NAMES.indexOf(name);
const T0 = Date.UTC(2024, 5, 1);

/** A zig-zag walk, 30-minute fixes. */
function walk(n: number, rotate = 0, cov = false): PredictTrack {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const t = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const a = 0.3 * Math.sin(i) + rotate;
    const len = 100 + 50 * (i % 3);
    x[i] = x[i - 1]! + len * Math.cos(a);
    y[i] = y[i - 1]! + len * Math.sin(a);
    t[i] = T0 + i * 1_800_000;
  }
  t[0] = T0;
  const covariates = cov ? { ndvi: new Float64Array(n).fill(0.4), dist_water: new Float64Array(n).fill(900), dist_settlement: new Float64Array(n).fill(12_000) } : undefined;
  return { id: "w", x, y, t, covariates, utcOffsetH: 0 };
}

function sample(track: PredictTrack, anchor: number, opts = {}) {
  const out = new Float32Array(SAMPLE_SIZE);
  const frame = buildSample(track, stateFeatures(track), anchor, out, 0, opts);
  return { out, frame };
}

describe("buildSample", () => {
  it("is the same for a rotated track (heading frame), with the frame along the last step", () => {
    const a = sample(walk(40), 30);
    const b = sample(walk(40, 1.2), 30);
    for (let i = 0; i < SAMPLE_SIZE; i++) expect(b.out[i]!).toBeCloseTo(a.out[i]!, 5);
    const last = (WINDOW - 1) * N_FEATURES;
    expect(a.out[last + col("dx_km")]!).toBeGreaterThan(0);
    expect(a.out[last + col("dy_km")]!).toBeCloseTo(0, 6);
  });

  it("pads rows before the first step and flags them", () => {
    const { out } = sample(walk(40), 5);
    for (let r = 0; r < WINDOW; r++) {
      const pad = out[r * N_FEATURES + col("padding")]!;
      expect(pad).toBe(r < WINDOW - 5 ? 1 : 0);
      if (pad) for (let c = 0; c < N_FEATURES - 1; c++) expect(out[r * N_FEATURES + c]).toBe(0);
    }
    const truncated = sample(walk(40), 30, { maxHistory: 3 }).out;
    expect(truncated[(WINDOW - 4) * N_FEATURES + col("padding")]).toBe(1);
    expect(truncated[(WINDOW - 3) * N_FEATURES + col("padding")]).toBe(0);
  });

  it("sets covariates when known, the missing flag otherwise (and when masked)", () => {
    const last = (WINDOW - 1) * N_FEATURES;
    const withCov = sample(walk(40, 0, true), 30).out;
    expect(withCov[last + col("cov_missing")]).toBe(0);
    expect(withCov[last + col("ndvi")]).toBeCloseTo(0.4, 6);
    expect(withCov[last + col("dist_water")]).toBeCloseTo(Math.log1p(9) / 5, 6);
    expect(withCov[last + col("dist_settlement")]).toBeCloseTo(Math.log1p(12) / 3, 6);
    for (const s of [sample(walk(40), 30).out, sample(walk(40, 0, true), 30, { maskCovariates: true }).out]) {
      expect(s[last + col("cov_missing")]).toBe(1);
      expect(s[last + col("ndvi")]).toBe(0);
    }
  });

  it("time of day and step duration come from the step's end fix", () => {
    const tr = walk(40);
    tr.t[30] = tr.t[29]! + 3_600_000 * 2; // a 2-hour step ending at 2024-06-01 …
    const { out } = sample(tr, 30);
    const last = (WINDOW - 1) * N_FEATURES;
    expect(out[last + col("dt_h")]).toBeCloseTo(2, 6);
    const hour = ((tr.t[30]! / 3.6e6) % 24);
    expect(out[last + col("tod_sin")]).toBeCloseTo(Math.sin((2 * Math.PI * hour) / 24), 5);
  });

  it("does not look ahead: a later fix changes nothing at an earlier anchor", () => {
    const a = walk(40);
    const b = walk(40);
    b.x[35] = b.x[35]! + 5000;
    expect(Array.from(sample(b, 30).out)).toEqual(Array.from(sample(a, 30).out));
  });
});

describe("stateFeatures", () => {
  it("are probabilities and tell slow from fast movement", () => {
    const slow = walk(60);
    const fast = { ...walk(60), x: walk(60).x.map((v) => v * 30), y: walk(60).y.map((v) => v * 30) };
    const ps = stateFeatures(slow);
    const pf = stateFeatures(fast);
    for (let j = 0; j < 60; j++) expect(ps[3 * j]! + ps[3 * j + 1]! + ps[3 * j + 2]!).toBeCloseTo(1, 9);
    expect(pf[3 * 50 + 2]!).toBeGreaterThan(0.9);
    expect(ps[3 * 50 + 2]!).toBeLessThan(0.1);
  });
});

describe("decodePrediction", () => {
  it("inverts the heading frame", () => {
    const tr = walk(40, 0.7);
    const { frame } = sample(tr, 30);
    const H = HORIZONS_H.length;
    const mean = new Float32Array(H * 2);
    const truth = [[300, -200], [2000, 500], [-4000, 7000]];
    truth.forEach(([dx, dy], k) => {
      const [a, b] = toFrameKm(frame, dx!, dy!);
      mean[2 * k] = a;
      mean[2 * k + 1] = b;
    });
    const fc = decodePrediction(frame, mean, new Float32Array(H * 2), 0);
    fc.forEach((f, k) => {
      expect(f.x - tr.x[30]!).toBeCloseTo(truth[k]![0]!, 1);
      expect(f.y - tr.y[30]!).toBeCloseTo(truth[k]![1]!, 1);
      expect(f.sdAlong).toBeCloseTo(1000, 6);
    });
  });
});

describe("tracks", () => {
  it("positionAt interpolates between close fixes and refuses wide gaps", () => {
    const tr = walk(10);
    const mid = positionAt(tr, T0 + 2.5 * 1_800_000, 3_600_000)!;
    expect(mid[0]).toBeCloseTo((tr.x[2]! + tr.x[3]!) / 2, 9);
    expect(positionAt(tr, T0 + 3 * 1_800_000, 3_600_000)).toEqual([tr.x[3], tr.y[3]]);
    expect(positionAt(tr, T0 + 2.5 * 1_800_000, 1_000_000)).toBeNull();
    expect(positionAt(tr, T0 + 100 * 1_800_000, 3_600_000)).toBeNull();
  });

  it("prepareTrack sorts, drops repeated times and projects lon/lat to metres with solar time", () => {
    const tr = prepareTrack(
      { id: "a", x: [35, 35.01, 35, 35.02], y: [-1.5, -1.5, -1.5, -1.5], t: [T0 + 2000, T0 + 1000, T0 + 2000, NaN] },
      { coords: "lonlat" },
    );
    expect(Array.from(tr.t)).toEqual([T0 + 1000, T0 + 2000]);
    expect(Math.hypot(tr.x[1]! - tr.x[0]!, tr.y[1]! - tr.y[0]!)).toBeCloseTo(1112, -1);
    expect(tr.utcOffsetH).toBeCloseTo(35.005 / 15, 3);
  });

  it("simulated tracks are deterministic and the splits never share a seed", () => {
    const a = simulateTrack("v1:test:3", { days: 2 });
    const b = simulateTrack("v1:test:3", { days: 2 });
    expect(Array.from(a.lon)).toEqual(Array.from(b.lon));
    expect(Array.from(simulateTrack("v1:test:4", { days: 2 }).lon)).not.toEqual(Array.from(a.lon));
    const train = new Set(splitSeeds("train", 1200));
    for (const s of [...splitSeeds("val", 120), ...splitSeeds("test", 120)]) expect(train.has(s)).toBe(false);
    const tr = fromSimulated(a);
    for (let i = 1; i < tr.t.length; i++) expect(tr.t[i]!).toBeGreaterThan(tr.t[i - 1]!);
  });
});
