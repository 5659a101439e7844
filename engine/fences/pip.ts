// Exact point-in-polygon and segment-vs-area tests over flat typed arrays (no objects in the loops).
// Planar lon/lat, like PostGIS `geometry` in SRID 4326: edges are straight lines in lon/lat.
//
// Layout (see FenceBuffers): vertex v of the whole index is (coords[2v], coords[2v+1]); ring r spans
// vertices [ringStart[r], ringStart[r+1]) and is closed (its last vertex repeats its first); part p
// (one Polygon: outer ring then holes) spans rings [partRingStart[p], partRingStart[p+1]).
import { orient2d, segmentsIntersect } from "./predicates.ts";

export const OUTSIDE = 0;
export const INSIDE = 1;
/** Exactly on an edge or vertex of any ring (outer or hole). Counts as covered (ST_Covers). */
export const BOUNDARY = 2;
export type Location = typeof OUTSIDE | typeof INSIDE | typeof BOUNDARY;

/**
 * Locates (x, y) against one polygon part: even-odd over all its rings, so holes work.
 * Ray cast towards +x with the half-open rule (an edge counts when exactly one endpoint is above
 * y); the crossing side is an exact orientation sign, and orientation 0 on a straddling edge, a
 * hit vertex, or a point on a horizontal edge is BOUNDARY.
 */
export function locateInPart(
  coords: Float64Array,
  ringStart: Uint32Array,
  partRingStart: Uint32Array,
  part: number,
  x: number,
  y: number,
): Location {
  let inside = false;
  const r1 = partRingStart[part + 1]!;
  for (let r = partRingStart[part]!; r < r1; r++) {
    const v1 = ringStart[r + 1]! - 1; // last edge ends at the closing vertex
    let i = ringStart[r]! * 2;
    let ax = coords[i]!;
    let ay = coords[i + 1]!;
    for (let v = ringStart[r]!; v < v1; v++) {
      i += 2;
      const bx = coords[i]!;
      const by = coords[i + 1]!;
      if (ay > y !== by > y) {
        const o = orient2d(ax, ay, bx, by, x, y);
        if (o === 0) return BOUNDARY;
        if (by > ay === o > 0) inside = !inside;
      } else if (ay === y) {
        if (ax === x) return BOUNDARY;
        if (by === y && (ax < x ? x <= bx : bx <= x)) return BOUNDARY;
      }
      ax = bx;
      ay = by;
    }
  }
  return inside ? INSIDE : OUTSIDE;
}

/**
 * True when the closed segment (x1,y1)–(x2,y2) touches any edge of the part. Combined with
 * "neither endpoint is covered", that is exactly "the segment passes through the area".
 */
export function segmentTouchesPartBorder(
  coords: Float64Array,
  ringStart: Uint32Array,
  partRingStart: Uint32Array,
  part: number,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): boolean {
  const minX = x1 < x2 ? x1 : x2;
  const maxX = x1 < x2 ? x2 : x1;
  const minY = y1 < y2 ? y1 : y2;
  const maxY = y1 < y2 ? y2 : y1;
  const r1 = partRingStart[part + 1]!;
  for (let r = partRingStart[part]!; r < r1; r++) {
    const v1 = ringStart[r + 1]! - 1;
    for (let v = ringStart[r]!; v < v1; v++) {
      const ax = coords[2 * v]!;
      const ay = coords[2 * v + 1]!;
      const bx = coords[2 * v + 2]!;
      const by = coords[2 * v + 3]!;
      // Bounding-box reject before the exact test.
      if ((ax < minX && bx < minX) || (ax > maxX && bx > maxX) || (ay < minY && by < minY) || (ay > maxY && by > maxY)) continue;
      if (segmentsIntersect(x1, y1, x2, y2, ax, ay, bx, by)) return true;
    }
  }
  return false;
}

/**
 * locateInPart over a y-band acceleration structure: the part's y range is cut into `bands` equal
 * bands and each band lists the edges (by first vertex index) whose closed y range meets it. Every
 * edge that can straddle or touch the line through y is in y's band (band lookup is monotonic in
 * y), so the answer is identical to locateInPart while only a handful of edges are visited.
 */
export function locateBanded(
  coords: Float64Array,
  bandOffsets: Uint32Array,
  bandEdges: Uint32Array,
  bandBase: number,
  bands: number,
  minY: number,
  invH: number,
  x: number,
  y: number,
): Location {
  let b = Math.floor((y - minY) * invH);
  if (b < 0) b = 0;
  else if (b >= bands) b = bands - 1;
  let inside = false;
  const e1 = bandOffsets[bandBase + b + 1]!;
  for (let e = bandOffsets[bandBase + b]!; e < e1; e++) {
    const i = bandEdges[e]! * 2;
    const ax = coords[i]!;
    const ay = coords[i + 1]!;
    const bx = coords[i + 2]!;
    const by = coords[i + 3]!;
    if (ay > y !== by > y) {
      const o = orient2d(ax, ay, bx, by, x, y);
      if (o === 0) return BOUNDARY;
      if (by > ay === o > 0) inside = !inside;
    } else if (ay === y) {
      if (ax === x) return BOUNDARY;
      if (by === y && (ax < x ? x <= bx : bx <= x)) return BOUNDARY;
    } else if (by === y && bx === x) {
      return BOUNDARY; // the edge's end vertex (its own start edge may sit in the band too; harmless)
    }
  }
  return inside ? INSIDE : OUTSIDE;
}
