// Fence transitions: a pure function of (previous fix, current fix, fence, previous state) →
// inside / outside / enter / exit / cross, the way Tile38's fence.go detects them:
//
//   - no previous state (first fix against this fence): "inside" or "outside", never enter/exit;
//   - was outside, now covered  → "enter";   was inside, now not covered → "exit";
//   - was inside, still covered → "inside";
//   - was outside, still outside, and the straight lon/lat segment from the previous fix to this
//     one passes through the fence's closed area → "cross" (sparse fixes either side of a thin
//     corridor); otherwise "outside".
//
// "Covered" is the FenceIndex semantics (planar lon/lat, ST_Covers: on the border counts, holes are
// outside). Hysteresis: when the geometric answer differs from the previous state but the fix lies
// within `hysteresis_m` metres of the fence's border, the state does not flip ("inside" stays
// "inside", "outside" stays "outside"), so GPS jitter across a border produces no flapping. To flip,
// a fix must be more than `hysteresis_m` beyond the border. Hysteresis is not applied to `cross`
// (a segment that clips the fence is a crossing) nor to the very first fix (no state to keep).
import { EARTH_RADIUS_M } from "../geo.ts";
import { OUTSIDE, type FenceIndex } from "./index.ts";
import type { FenceArea } from "./types.ts";

export type Transition = "inside" | "outside" | "enter" | "exit" | "cross";

export interface LonLat {
  lon: number;
  lat: number;
}

const RAD = Math.PI / 180;

/** True when the transition leaves the animal inside the fence ("inside" or "enter"). */
export function isInsideAfter(t: Transition): boolean {
  return t === "inside" || t === "enter";
}

/**
 * The transition of one fix against fence index `fence` of `index`.
 * @param prev the previous accepted fix of the animal, or null (no segment, so never "cross")
 * @param wasInside the state after the previous fix (true inside, false outside), or null when
 *   there is no state yet (first fix, or the fence has just appeared): then "inside"/"outside".
 * @param hysteresis_m border margin in metres (0 or absent = none)
 */
export function fenceTransition(
  prev: LonLat | null,
  cur: LonLat,
  fence: number,
  index: FenceIndex,
  wasInside: boolean | null,
  hysteresis_m = 0,
): Transition {
  const covered = index.locate(fence, cur.lon, cur.lat) !== OUTSIDE;
  if (wasInside === null) return covered ? "inside" : "outside";
  if (covered !== wasInside && hysteresis_m > 0) {
    const area = index.fences[fence]?.area;
    if (area && distanceToBorderM(area, cur.lon, cur.lat) <= hysteresis_m) return wasInside ? "inside" : "outside";
  }
  if (covered) return wasInside ? "inside" : "enter";
  if (wasInside) return "exit";
  if (prev && index.segmentCrossesArea(prev.lon, prev.lat, cur.lon, cur.lat, fence)) return "cross";
  return "outside";
}

/**
 * Distance in metres from (lon, lat) to the nearest edge of any ring (outer or hole) of `area`.
 *
 * Equirectangular projection centred on the point: x = Δlon·cos(lat)·R, y = Δlat·R (Δlon wrapped
 * into [-180, 180)), then exact point-to-segment distance in that plane. Over the metres-to-
 * kilometres margins hysteresis uses, the error is well under 1% away from the poles (the
 * projection's scale error grows with the distance from the point, ~Δlat·tan(lat)); edges far
 * away come out too long or too short by more, but they never decide a margin of tens of metres.
 * Edges are straight in lon/lat (like the FenceIndex), so they are straight in this projection too.
 */
export function distanceToBorderM(area: FenceArea, lon: number, lat: number): number {
  const kx = Math.cos(lat * RAD) * RAD * EARTH_RADIUS_M;
  const ky = RAD * EARTH_RADIUS_M;
  const px = (dlon: number) => wrapLon(dlon) * kx;
  let best2 = Infinity;
  const polys = area.type === "Polygon" ? [area.coordinates] : area.coordinates;
  for (const poly of polys) {
    for (const ring of poly) {
      let prev = ring[0];
      if (!prev) continue;
      let ax = px(prev[0] - lon);
      let ay = (prev[1] - lat) * ky;
      for (let i = 1; i < ring.length; i++) {
        const p = ring[i]!;
        const bx = px(p[0] - lon);
        const by = (p[1] - lat) * ky;
        const d2 = segmentDist2(ax, ay, bx, by);
        if (d2 < best2) best2 = d2;
        ax = bx;
        ay = by;
      }
    }
  }
  return Math.sqrt(best2);
}

function wrapLon(d: number): number {
  if (d >= -180 && d < 180) return d;
  return ((((d + 180) % 360) + 360) % 360) - 180;
}

/** Squared distance from the origin to segment (ax, ay)–(bx, by). */
function segmentDist2(ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const x = ax + t * dx;
  const y = ay + t * dy;
  return x * x + y * y;
}
