// The two reference forecasts every model is measured against, and the error summaries.
import type { PredictTrack } from "./features.ts";

/** Persistence: the animal stays at its last known position. */
export function persistence(track: PredictTrack, anchor: number): [number, number] {
  return [track.x[anchor]!, track.y[anchor]!];
}

/** Constant velocity: the last step's velocity carried on for the horizon (persistence for a first fix). */
export function constantVelocity(track: PredictTrack, anchor: number, horizonMs: number): [number, number] {
  const { x, y, t } = track;
  if (anchor < 1) return [x[anchor]!, y[anchor]!];
  const dt = t[anchor]! - t[anchor - 1]!;
  const f = horizonMs / dt;
  return [x[anchor]! + f * (x[anchor]! - x[anchor - 1]!), y[anchor]! + f * (y[anchor]! - y[anchor - 1]!)];
}

/** Median and mean of distances (metres); NaN for none. */
export function errorSummary(errors: ArrayLike<number>): { median_m: number; mean_m: number } {
  const n = errors.length;
  if (n === 0) return { median_m: NaN, mean_m: NaN };
  const s = Float64Array.from(errors).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i]!;
  const m = n >> 1;
  return { median_m: n % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2, mean_m: sum / n };
}
