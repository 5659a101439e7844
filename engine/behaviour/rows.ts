// HMM rows from stored fixes. A stored fix k carries the step from fix k−1 and the turning angle at
// fix k−1 as the actor derived them: exactly moveHMM's row (step t, angle t) for t = k−1. So the
// rows are the fixes' own (step_m, turn_deg), in metres and radians (the engine's angle sign; fit
// and filter use the same one). A new track starts at each animal, and wherever the interval is
// more than GAP_FACTOR × the animal's median interval: an HMM assumes regular sampling, and a
// step across a collar outage is not a step.
import { createHmmData, type HmmData } from "../hmm/index.ts";

export const GAP_FACTOR = 3;
const DEG = Math.PI / 180;

export interface FixColumns {
  /** Which animal each fix belongs to (fixes grouped by animal, each oldest first). */
  animal: readonly string[];
  step: Float64Array; // metres; NaN unknown
  turn: Float64Array; // degrees; NaN unknown
  interval: Float64Array; // seconds; NaN unknown
}

/** The rows, with the fix each row belongs to (`rowFix`) and the median interval of the data. */
export function hmmRowsFromFixes(f: FixColumns): HmmData & { medianIntervalS: number; rowFix: Int32Array } {
  const n = f.step.length;
  const starts: number[] = [];
  const ids: string[] = [];
  const step: number[] = [];
  const angle: number[] = [];
  const rowFix: number[] = [];
  let i = 0;
  const allIntervals: number[] = [];
  while (i < n) {
    let end = i;
    while (end < n && f.animal[end] === f.animal[i]) end++;
    const median = medianOf(f.interval, i + 1, end);
    // The animal's first fix has no row (its step points before the data): start at i + 1.
    let open = false;
    for (let k = i + 1; k < end; k++) {
      const gap = !(f.interval[k]! > 0) || (Number.isFinite(median) && f.interval[k]! > GAP_FACTOR * median);
      if (gap) {
        open = false;
        continue;
      }
      if (!open) {
        starts.push(step.length);
        ids.push(f.animal[i]!);
        open = true;
      }
      step.push(f.step[k]!);
      rowFix.push(k);
      // The first row of a track has no angle (moveHMM's convention).
      angle.push(step.length - 1 === starts[starts.length - 1] ? NaN : f.turn[k]! * DEG);
      allIntervals.push(f.interval[k]!);
    }
    i = end;
  }
  // No rows at all is one empty track (the caller decides whether that is enough to fit).
  if (starts.length === 0) starts.push(0), ids.push("");
  const data = createHmmData({ step, angle, trackStart: [...starts, step.length], trackIds: ids });
  return Object.assign(data, { medianIntervalS: medianOf(Float64Array.from(allIntervals), 0, allIntervals.length), rowFix: Int32Array.from(rowFix) });
}

function medianOf(a: ArrayLike<number>, from: number, to: number): number {
  const v: number[] = [];
  for (let k = from; k < to; k++) if (a[k]! > 0) v.push(a[k]!);
  if (v.length === 0) return NaN;
  v.sort((x, y) => x - y);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}
