// The input of every Brownian bridge function: a planar track in metres with times in minutes since
// the first fix — the units in which BBMM and move estimate the motion variance (m²/min).

export interface BridgeTrack {
  /** Planar coordinates in metres, in time order. */
  x: Float64Array;
  y: Float64Array;
  /** Minutes since the first fix, strictly increasing. */
  t: Float64Array;
  /** Location error (standard deviation of a normal error, metres) of each fix. */
  error: Float64Array;
}

/** A track the models cannot use (too short, duplicate times, bad location error); the message says why. */
export class BbmmInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BbmmInputError";
  }
}

const MS_PER_MIN = 60_000;

/**
 * A bridge track from planar metres and epoch-ms times. Fixes out of time order are sorted (stable);
 * two fixes at the same time are refused, because a bridge needs a positive duration.
 */
export function bridgeTrack(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  timeMs: ArrayLike<number>,
  locationError: number | ArrayLike<number>,
): BridgeTrack {
  const n = x.length;
  if (y.length !== n || timeMs.length !== n) throw new BbmmInputError("x, y and time must have the same length");
  if (typeof locationError !== "number" && locationError.length !== n)
    throw new BbmmInputError(`the location error needs one value per fix (${n}), got ${locationError.length}`);
  if (n < 3) throw new BbmmInputError(`a Brownian bridge needs at least 3 fixes (got ${n})`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) throw new BbmmInputError(`fix ${i} has no coordinates`);
    if (!Number.isFinite(timeMs[i]!)) throw new BbmmInputError(`fix ${i} has no timestamp (set --time to the time column)`);
    const e = typeof locationError === "number" ? locationError : locationError[i]!;
    if (!(e > 0) || !Number.isFinite(e)) throw new BbmmInputError(`the location error must be a positive number of metres (fix ${i}: ${e})`);
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => timeMs[a]! - timeMs[b]! || a - b);
  const out: BridgeTrack = { x: new Float64Array(n), y: new Float64Array(n), t: new Float64Array(n), error: new Float64Array(n) };
  const t0 = timeMs[order[0]!]!;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    out.x[k] = x[i]!;
    out.y[k] = y[i]!;
    out.t[k] = (timeMs[i]! - t0) / MS_PER_MIN;
    out.error[k] = typeof locationError === "number" ? locationError : locationError[i]!;
    if (k > 0 && !(out.t[k]! > out.t[k - 1]!))
      throw new BbmmInputError(`two fixes share the timestamp ${new Date(timeMs[i]!).toISOString()}; remove the duplicate`);
  }
  return out;
}
