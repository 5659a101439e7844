// Movement metrics of a fix relative to the fix before it. Pure: the actor decides which fix
// counts as "before" (the newest accepted one, or for an out-of-order fix the newest earlier one).

import { haversineDistance, initialBearing, turningAngle } from "./geo.ts";
import type { MovementMetrics } from "./types.ts";

export const MS_PER_DAY = 86_400_000;

export interface TrackPoint {
  ts: number; // epoch ms
  lat: number;
  lon: number;
}

/** The fix a new fix is measured from, with what is known about how the animal arrived there. */
export interface PreviousFix extends TrackPoint {
  /**
   * Bearing of the step that ended at this fix; null when there was none (first fix), it had no
   * direction (zero length), or no turning angle should be computed (out-of-order fixes).
   */
  arrivalHeadingDeg: number | null;
  /** distance_today_m as of this fix. */
  distanceTodayM: number;
}

/** UTC day number of an epoch-ms timestamp (days since 1970-01-01). */
export function utcDay(ts: number): number {
  return Math.floor(ts / MS_PER_DAY);
}

/**
 * Metrics of `fix` given the fix before it (null for an animal's first fix).
 * - heading_deg is null for a zero-length step: a bearing between identical points means nothing.
 * - turn_deg needs the heading into `previous` and a heading out of it (so two previous fixes).
 * - distance_today_m restarts at 00:00 UTC of the fix's day; a step is credited to the day it
 *   ends in, so per-day sums of step_m over accepted fixes equal the day's last distance_today_m.
 */
export function deriveMetrics(previous: PreviousFix | null, fix: TrackPoint): MovementMetrics {
  if (previous === null) {
    return { step_m: null, turn_deg: null, speed_kmh: null, heading_deg: null, interval_s: null, distance_today_m: 0 };
  }
  const step = haversineDistance(previous.lat, previous.lon, fix.lat, fix.lon);
  const interval = (fix.ts - previous.ts) / 1000;
  const heading = step > 0 ? initialBearing(previous.lat, previous.lon, fix.lat, fix.lon) : null;
  const turn =
    heading !== null && previous.arrivalHeadingDeg !== null ? turningAngle(previous.arrivalHeadingDeg, heading) : null;
  const sameDay = utcDay(previous.ts) === utcDay(fix.ts);
  return {
    step_m: step,
    turn_deg: turn,
    speed_kmh: interval > 0 ? (step / interval) * 3.6 : null,
    heading_deg: heading,
    interval_s: interval,
    distance_today_m: (sameDay ? previous.distanceTodayM : 0) + step,
  };
}
