// Dynamic Brownian motion variance (Kranstauber et al. 2012), as move's brownian.motion.variance.dyn:
// a window of `windowSize` fixes slides one fix at a time along the track. In each window σ²m is fitted
// to the whole window and, for every odd break b in [margin, windowSize - margin + 1] (1-based in the
// window), separately to fixes 1…b and b…windowSize; the break is kept when its BIC
// (-2·ll + 2·log(windowSize)) beats the whole window's (-2·ll + log(windowSize)). The window then gives
// a σ²m to its middle segments (those starting at window fixes margin … windowSize-margin), and each
// segment's σ²m is the mean over the windows that cover it. As in move, only the segments covered by
// the most windows are "of interest" and carry the UD; the first and last ~windowSize-margin segments
// are left out.
import { looTerms, maxLooLikelihood, type LooTerms } from "./likelihood.ts";
import { BbmmInputError, type BridgeTrack } from "./track.ts";

export interface DynamicOptions {
  /** Fixes per window, odd (move's default 31). */
  windowSize?: number;
  /** Fixes kept on each side of a break, odd (move's default 11). */
  margin?: number;
}

export interface DynamicVariance {
  /** σ²m (m²/min) of segment i (fix i → i+1); NaN where no window reaches. Length n-1. */
  variance: Float64Array;
  /** Number of windows that estimated each segment. */
  windows: Int32Array;
  /** 1 for the segments covered by the most windows: those move uses for the UD. */
  interest: Uint8Array;
  /** 0-based fix index of the break each window that preferred a break found (move's break.list). */
  breaks: number[];
  windowSize: number;
  margin: number;
}

export function dynamicMotionVariance(track: BridgeTrack, opts: DynamicOptions = {}): DynamicVariance {
  const ws = opts.windowSize ?? 31;
  const margin = opts.margin ?? 11;
  const n = track.x.length;
  if (!Number.isInteger(ws) || !Number.isInteger(margin) || ws % 2 !== 1 || margin % 2 !== 1)
    throw new BbmmInputError(`window size and margin must be odd integers (got ${ws}, ${margin})`);
  if (margin < 3 || ws - margin + 1 - margin < 1)
    throw new BbmmInputError(`the margin (${margin}) must be at least 3 and leave room for a break in the window (${ws}): window ≥ 2·margin`);
  if (n < ws) throw new BbmmInputError(`the dynamic model needs at least window-size fixes (${ws}), got ${n}`);

  const terms = looTerms(track);
  const sum = new Float64Array(n - 1);
  const windows = new Int32Array(n - 1);
  const breaks: number[] = [];
  const logWs = Math.log(ws);
  const perWindow = ws - 2 * margin + 1; // segments a window gives a σ²m to

  for (let w = 0; w + ws <= n; w++) {
    const last = w + ws - 1;
    const whole = fit(terms, w, last);
    const wholeBic = -2 * whole.logLik + logWs;
    let bestBic = Infinity;
    let bestB = 0;
    let before = 0;
    let after = 0;
    for (let b = margin; b <= ws - margin + 1; b += 2) {
      const split = w + b - 1; // the break fix ends the first part and starts the second
      const p1 = fit(terms, w, split);
      const p2 = fit(terms, split, last);
      const bic = -2 * (p1.logLik + p2.logLik) + 2 * logWs;
      if (bic < bestBic) {
        bestBic = bic;
        bestB = b;
        before = p1.variance;
        after = p2.variance;
      }
    }
    const broke = bestBic < wholeBic;
    if (broke) breaks.push(w + bestB - 1);
    for (let j = 0; j < perWindow; j++) {
      const seg = w + margin - 1 + j;
      // A segment starting at window fix (1-based) margin + j lies before the break when that fix < b.
      sum[seg]! += broke ? (margin + j < bestB ? before : after) : whole.variance;
      windows[seg]!++;
    }
  }

  const variance = new Float64Array(n - 1);
  let most = 0;
  for (let s = 0; s < n - 1; s++) {
    variance[s] = windows[s]! > 0 ? sum[s]! / windows[s]! : NaN;
    if (windows[s]! > most) most = windows[s]!;
  }
  const interest = new Uint8Array(n - 1);
  for (let s = 0; s < n - 1; s++) interest[s] = most > 0 && windows[s] === most ? 1 : 0;
  return { variance, windows, interest, breaks, windowSize: ws, margin };
}

/** σ²m of fixes first…last (a piece of odd length), bridges centred on first+1, first+3, …. */
function fit(terms: LooTerms, first: number, last: number) {
  return maxLooLikelihood(terms, first + 1, last - 1, 2);
}
