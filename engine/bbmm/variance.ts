// Static Brownian motion variance of a whole track (Horne et al. 2007), as BBMM's brownian.bridge:
// one σ²m for every segment, estimated from the bridges centred on fixes 1, 3, 5, … (0-based), so a
// track of n fixes has floor((n-1)/2) leave-one-out bridges (25 fixes → 12).
import { looTerms, maxLooLikelihood, type VarianceFit } from "./likelihood.ts";
import type { BridgeTrack } from "./track.ts";

/**
 * Which fixes are left out: "alternate" (fixes 1, 3, 5, …: BBMM and move, independent bridges) or
 * "every" interior fix (what adehabitatHR's liker() computes).
 */
export type LeaveOut = "alternate" | "every";

/** Maximum-likelihood Brownian motion variance (m²/min) of the whole track. */
export function motionVariance(track: BridgeTrack, leaveOut: LeaveOut = "alternate"): VarianceFit {
  const n = track.x.length;
  return maxLooLikelihood(looTerms(track), 1, n - 2, leaveOut === "every" ? 1 : 2);
}

/** The same σ²m for every segment (fix i → i+1), the per-segment form the UD takes. */
export function constantSegmentVariance(track: BridgeTrack, variance: number): Float64Array {
  return new Float64Array(track.x.length - 1).fill(variance);
}
