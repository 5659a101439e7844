// Forecast evaluation: for every fix with a full window of history, the truth at each horizon
// (interpolated between the fixes around it, when they are close enough), and the error of the
// model, persistence and constant velocity there. Same anchors for all three.
import { constantVelocity, errorSummary, persistence } from "./baselines.ts";
import { buildSample, decodePrediction, HORIZONS_H, inside95, SAMPLE_SIZE, stateFeatures, WINDOW, type PredictTrack, type SampleFrame } from "./features.ts";
import { medianInterval, positionAt } from "./track.ts";

/** Runs the model on n samples (n × SAMPLE_SIZE floats) → mean and log-variance (n × horizons × 2). */
export type BatchPredict = (features: Float32Array, n: number) => Promise<{ mean: Float32Array; logVar: Float32Array }>;

export interface EvalOptions {
  /** Horizons to report, hours; each must be one the model predicts. */
  horizonsH?: readonly number[];
  /** The truth is interpolated only between fixes at most this many median intervals apart (default 2). */
  maxGapIntervals?: number;
  /** Use every stride-th anchor (default 1). */
  stride?: number;
  /** Samples per model call (default 1024). */
  batch?: number;
}

export interface HorizonReport {
  model: { median_m: number; mean_m: number; coverage_95: number; median_sd_m: number } | null;
  persistence: { median_m: number; mean_m: number };
  constant_velocity: { median_m: number; mean_m: number };
  n: number;
}

export interface EvalReport {
  horizons: Record<string, HorizonReport>;
  tracks: number;
  anchors: number;
}

export function horizonLabel(h: number): string {
  return Number.isInteger(h) ? `${h}h` : `${Math.round(h * 60)}m`;
}

export async function evaluateTracks(tracks: readonly PredictTrack[], predict: BatchPredict | null, opts: EvalOptions = {}): Promise<EvalReport> {
  const horizons = [...(opts.horizonsH ?? HORIZONS_H)];
  const modelIndex = horizons.map((h) => HORIZONS_H.indexOf(h as (typeof HORIZONS_H)[number]));
  if (predict && modelIndex.some((k) => k < 0)) {
    throw new RangeError(`the model predicts ${HORIZONS_H.map(horizonLabel).join(", ")} only (asked for ${horizons.map(horizonLabel).join(", ")})`);
  }
  const stride = Math.max(1, Math.floor(opts.stride ?? 1));
  const batch = Math.max(1, Math.floor(opts.batch ?? 1024));
  const errs = horizons.map(() => ({ model: [] as number[], pers: [] as number[], cv: [] as number[], inside: 0, sd: [] as number[] }));
  let anchors = 0;

  // Pending model work: samples, their frames and truths.
  let feats = new Float32Array(batch * SAMPLE_SIZE);
  let frames: SampleFrame[] = [];
  let truths: Array<Array<[number, number] | null>> = [];
  const flush = async () => {
    if (!predict || frames.length === 0) return;
    const { mean, logVar } = await predict(feats.subarray(0, frames.length * SAMPLE_SIZE), frames.length);
    frames.forEach((frame, i) => {
      const fc = decodePrediction(frame, mean, logVar, i);
      horizons.forEach((_, k) => {
        const truth = truths[i]![k];
        if (!truth) return;
        const f = fc[modelIndex[k]!]!;
        const ex = truth[0] - f.x;
        const ey = truth[1] - f.y;
        errs[k]!.model.push(Math.hypot(ex, ey));
        if (inside95(f, ex, ey)) errs[k]!.inside++;
        errs[k]!.sd.push(Math.sqrt(f.sdAlong * f.sdAcross));
      });
    });
    feats = new Float32Array(batch * SAMPLE_SIZE);
    frames = [];
    truths = [];
  };

  for (const track of tracks) {
    const n = track.t.length;
    if (n <= WINDOW) continue;
    const maxGap = (opts.maxGapIntervals ?? 2) * medianInterval(track.t);
    const states = stateFeatures(track);
    for (let i = WINDOW; i < n; i += stride) {
      const tr = horizons.map((h) => positionAt(track, track.t[i]! + h * 3.6e6, maxGap, i));
      if (tr.every((p) => p === null)) continue;
      anchors++;
      horizons.forEach((h, k) => {
        const p = tr[k];
        if (!p) return;
        const [px, py] = persistence(track, i);
        const [cx, cy] = constantVelocity(track, i, h * 3.6e6);
        errs[k]!.pers.push(Math.hypot(p[0] - px, p[1] - py));
        errs[k]!.cv.push(Math.hypot(p[0] - cx, p[1] - cy));
      });
      if (predict) {
        frames.push(buildSample(track, states, i, feats, frames.length * SAMPLE_SIZE));
        truths.push(tr);
        if (frames.length === batch) await flush();
      }
    }
  }
  await flush();

  const report: EvalReport = { horizons: {}, tracks: tracks.length, anchors };
  horizons.forEach((h, k) => {
    const e = errs[k]!;
    report.horizons[horizonLabel(h)] = {
      model: predict ? { ...errorSummary(e.model), coverage_95: e.model.length ? e.inside / e.model.length : NaN, median_sd_m: errorSummary(e.sd).median_m } : null,
      persistence: errorSummary(e.pers),
      constant_velocity: errorSummary(e.cv),
      n: e.pers.length,
    };
  });
  return report;
}
