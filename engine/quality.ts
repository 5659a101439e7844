// Quality flags for one fix, in the spirit of Traccar's position filters. Pure: everything the
// decision needs is passed in. Flagged fixes are still stored; SUSPECT_FLAGS decides which ones
// the actor refuses to build on.

import { QUALITY_FLAGS, type MovementMetrics, type QualityFlag } from "./types.ts";
import type { TrackPoint } from "./movement-metrics.ts";

export interface QualityThresholds {
  /** |lat| and |lon| both below this (degrees) → zero_island (Traccar "filter.zero"). */
  zeroEpsilonDeg: number;
  /** ts this far ahead of the receive time → future (Traccar "filter.future"; collar clocks drift). */
  futureSkewMs: number;
  /** received this long after ts → outdated (a buffered or replayed fix; Traccar "filter.outdated"). */
  maxAgeMs: number;
  /**
   * Steps up to this length never count as impossible_speed: GPS error of a few tens of metres
   * between fixes seconds apart would otherwise read as a sprint (Traccar "filter.distance" spirit).
   */
  minImplausibleStepM: number;
}

export const DEFAULT_QUALITY_THRESHOLDS: Readonly<QualityThresholds> = Object.freeze({
  zeroEpsilonDeg: 1e-6,
  futureSkewMs: 5 * 60_000,
  maxAgeMs: 30 * 86_400_000,
  minImplausibleStepM: 100,
});

/**
 * Flags that make a fix untrustworthy as a position: it is stored but does not become the
 * reference for the next fix and does not move the live position.
 */
export const SUSPECT_FLAGS: readonly QualityFlag[] = ["zero_island", "future", "impossible_speed", "out_of_order"];

export interface QualityInput {
  fix: TrackPoint;
  receivedAt: number; // epoch ms, server clock
  /** The fix `metrics` were measured from (null for an animal's first fix). */
  previous: TrackPoint | null;
  metrics: MovementMetrics;
  /** ts of the animal's latest accepted fix, null if none. */
  latestTs: number | null;
  maxSpeedKmh: number;
}

/** True when moving `stepM` metres in `intervalS` seconds is beyond the species' ability. */
export function isImpossibleMove(
  stepM: number,
  intervalS: number,
  maxSpeedKmh: number,
  thresholds: Readonly<QualityThresholds>,
): boolean {
  if (stepM <= thresholds.minImplausibleStepM) return false;
  // A non-positive interval with a real step is a teleport.
  return intervalS <= 0 || (stepM / intervalS) * 3.6 > maxSpeedKmh;
}

export function qualityFlags(
  input: QualityInput,
  thresholds: Readonly<QualityThresholds> = DEFAULT_QUALITY_THRESHOLDS,
): QualityFlag[] {
  const { fix, receivedAt, previous, metrics } = input;
  const flags: QualityFlag[] = [];
  if (Math.abs(fix.lat) < thresholds.zeroEpsilonDeg && Math.abs(fix.lon) < thresholds.zeroEpsilonDeg) {
    flags.push("zero_island");
  }
  if (fix.ts > receivedAt + thresholds.futureSkewMs) flags.push("future");
  if (receivedAt - fix.ts > thresholds.maxAgeMs) flags.push("outdated");
  // Exact equality on purpose: a live receiver always jitters in the last digits, so identical
  // coordinates under a new time mean the collar re-sent its last known position.
  if (previous !== null && previous.ts !== fix.ts && previous.lat === fix.lat && previous.lon === fix.lon) {
    flags.push("duplicate");
  }
  if (
    metrics.step_m !== null &&
    metrics.interval_s !== null &&
    isImpossibleMove(metrics.step_m, metrics.interval_s, input.maxSpeedKmh, thresholds)
  ) {
    flags.push("impossible_speed");
  }
  if (input.latestTs !== null && fix.ts < input.latestTs) flags.push("out_of_order");
  return flags;
}

const SUSPECT_MASK = flagsToMask(SUSPECT_FLAGS);
const IMPOSSIBLE_SPEED_MASK = flagsToMask(["impossible_speed"]);

export function isSuspect(flagMask: number): boolean {
  return (flagMask & SUSPECT_MASK) !== 0;
}

/**
 * True when impossible_speed is the only reason to distrust the fix: such fixes may be right
 * and the reference wrong, so they count towards replacing the reference.
 */
export function isOnlySpeedSuspect(flagMask: number): boolean {
  return (flagMask & SUSPECT_MASK) === IMPOSSIBLE_SPEED_MASK;
}

/** Bit i set ⇔ QUALITY_FLAGS[i] present (fits a byte: six flags). */
export function flagsToMask(flags: readonly QualityFlag[]): number {
  let mask = 0;
  for (const flag of flags) {
    const bit = QUALITY_FLAGS.indexOf(flag);
    if (bit >= 0) mask |= 1 << bit; // flags read back from storage may predate a renamed flag
  }
  return mask;
}

export function maskToFlags(mask: number): QualityFlag[] {
  const flags: QualityFlag[] = [];
  for (let i = 0; i < QUALITY_FLAGS.length; i++) {
    if (mask & (1 << i)) flags.push(QUALITY_FLAGS[i]!);
  }
  return flags;
}
