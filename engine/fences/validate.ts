// Edit-time validation and normalisation of a submitted fence geometry into the (Multi)Polygon the
// engine indexes. Every problem is reported with a JSON path relative to the geometry
// (`coordinates.0.3` = ring 0, position 3 of a Polygon; `coordinates.1.0.3` for a MultiPolygon).
//
// Antimeridian: a ring whose consecutive longitudes jump by more than 180° is taken to cross ±180°.
// Its longitudes are unwrapped to a continuous range, checked there, then the polygon is SPLIT at
// 180° into parts that each lie in [-180, 180] (a MultiPolygon), so the index and PostGIS `geometry`
// never see a longitude outside [-180, 180]. Rings spanning 360° (around a pole) are refused.
//
// LineString + width_m: width_m is the full corridor width (the line is buffered by width_m / 2 on
// each side) with @turf/turf `buffer` (geodesic-ish, edit time only), then validated like a polygon.
import { buffer, featureCollection, intersect, lineString, polygon as turfPolygon } from "@turf/turf";
import Flatbush from "flatbush";
import { BOUNDARY, INSIDE, locateInPart, OUTSIDE } from "./pip.ts";
import { orient2d, segmentsIntersect } from "./predicates.ts";
import type { FenceArea, FieldError, MultiPolygonCoords, PolygonCoords, Position } from "./types.ts";

/** Largest accepted LineString buffer width, metres. */
export const MAX_WIDTH_M = 50_000;
/** Largest accepted number of positions in one geometry (edit-time checks are O(n log n)). */
export const MAX_POSITIONS = 100_000;

export type FenceValidation = { ok: true; area: FenceArea } | { ok: false; errors: FieldError[] };

/** A ring after structural checks: positions without consecutive duplicates, with original indices. */
interface Ring {
  xs: number[];
  ys: number[];
  /** Original position index of each kept position (for error paths). */
  orig: number[];
  path: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Checks one position; pushes errors; returns it as [lon, lat] or null. */
function checkPosition(v: unknown, path: string, errors: FieldError[]): Position | null {
  if (!Array.isArray(v) || v.length < 2 || v.length > 3) {
    errors.push({ path, message: "must be a position [lon, lat]" });
    return null;
  }
  const [lon, lat] = v as unknown[];
  let ok = true;
  if (typeof lon !== "number" || !Number.isFinite(lon)) {
    errors.push({ path: `${path}.0`, message: "longitude must be a finite number" });
    ok = false;
  } else if (lon < -180 || lon > 180) {
    errors.push({ path: `${path}.0`, message: `longitude ${lon} is outside [-180, 180]` });
    ok = false;
  }
  if (typeof lat !== "number" || !Number.isFinite(lat)) {
    errors.push({ path: `${path}.1`, message: "latitude must be a finite number" });
    ok = false;
  } else if (lat < -90 || lat > 90) {
    errors.push({ path: `${path}.1`, message: `latitude ${lat} is outside [-90, 90]` });
    ok = false;
  }
  return ok ? [lon as number, lat as number] : null;
}

/** Structural checks of one ring; returns the ring with consecutive duplicates dropped, or null. */
function checkRing(v: unknown, path: string, errors: FieldError[]): Ring | null {
  if (!Array.isArray(v)) {
    errors.push({ path, message: "must be an array of positions (a linear ring)" });
    return null;
  }
  const before = errors.length;
  const positions = v.map((p, i) => checkPosition(p, `${path}.${i}`, errors));
  if (errors.length > before) return null;
  if (v.length < 4) {
    errors.push({ path, message: `a ring needs at least 4 positions (first = last), got ${v.length}` });
    return null;
  }
  const first = positions[0]!;
  const last = positions[positions.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) {
    errors.push({ path: `${path}.${positions.length - 1}`, message: "ring is not closed: the last position must equal the first" });
    return null;
  }
  const ring: Ring = { xs: [], ys: [], orig: [], path };
  for (const [i, p] of positions.entries()) {
    const n = ring.xs.length;
    if (n > 0 && ring.xs[n - 1] === p![0] && ring.ys[n - 1] === p![1]) continue; // repeated point: harmless, drop it
    ring.xs.push(p![0]);
    ring.ys.push(p![1]);
    ring.orig.push(i);
  }
  if (ring.xs.length < 4) {
    errors.push({ path, message: "a ring needs at least 3 distinct corners" });
    return null;
  }
  return ring;
}

/** Makes a ring's longitudes continuous (no jump > 180°); true if it crossed the antimeridian. */
function unwrap(ring: Ring): boolean {
  let shift = 0;
  let crossed = false;
  for (let i = 1; i < ring.xs.length; i++) {
    const d = ring.xs[i]! + shift - ring.xs[i - 1]!;
    if (d > 180) {
      shift -= 360;
      crossed = true;
    } else if (d < -180) {
      shift += 360;
      crossed = true;
    }
    ring.xs[i] = ring.xs[i]! + shift;
  }
  return crossed;
}

function shiftRing(ring: Ring, dx: number): void {
  for (let i = 0; i < ring.xs.length; i++) ring.xs[i] = ring.xs[i]! + dx;
}

/** Flat buffers for one polygon's rings, in the index layout (see pip.ts). */
function flatten(rings: Ring[]): { coords: Float64Array; ringStart: Uint32Array } {
  const total = rings.reduce((n, r) => n + r.xs.length, 0);
  const coords = new Float64Array(total * 2);
  const ringStart = new Uint32Array(rings.length + 1);
  let v = 0;
  for (const [k, r] of rings.entries()) {
    ringStart[k] = v;
    for (let i = 0; i < r.xs.length; i++, v++) {
      coords[2 * v] = r.xs[i]!;
      coords[2 * v + 1] = r.ys[i]!;
    }
  }
  ringStart[rings.length] = v;
  return { coords, ringStart };
}

function signedArea2(r: Ring): number {
  let a = 0;
  const x0 = r.xs[0]!;
  const y0 = r.ys[0]!;
  for (let i = 1; i < r.xs.length - 1; i++) a += (r.xs[i]! - x0) * (r.ys[i + 1]! - y0) - (r.xs[i + 1]! - x0) * (r.ys[i]! - y0);
  return a;
}

/** Geometric checks of one polygon (already unwrapped): zero area, self-intersection, holes inside. */
function checkPolygon(rings: Ring[], errors: FieldError[]): void {
  const before = errors.length;
  for (const r of rings) if (signedArea2(r) === 0) errors.push({ path: r.path, message: "ring has zero area" });
  if (errors.length > before) return;

  // Edges of every ring in one Flatbush; each pair of edges with touching bboxes is tested exactly.
  const edgeRing: number[] = [];
  const edgeStart: number[] = [];
  for (const [k, r] of rings.entries()) for (let i = 0; i < r.xs.length - 1; i++) { edgeRing.push(k); edgeStart.push(i); }
  const tree = new Flatbush(edgeRing.length);
  for (let e = 0; e < edgeRing.length; e++) {
    const r = rings[edgeRing[e]!]!;
    const i = edgeStart[e]!;
    tree.add(Math.min(r.xs[i]!, r.xs[i + 1]!), Math.min(r.ys[i]!, r.ys[i + 1]!), Math.max(r.xs[i]!, r.xs[i + 1]!), Math.max(r.ys[i]!, r.ys[i + 1]!));
  }
  tree.finish();
  const reported = new Set<string>();
  for (let e = 0; e < edgeRing.length; e++) {
    const ra = rings[edgeRing[e]!]!;
    const i = edgeStart[e]!;
    const ax = ra.xs[i]!, ay = ra.ys[i]!, bx = ra.xs[i + 1]!, by = ra.ys[i + 1]!;
    for (const f of tree.search(Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by))) {
      if (f <= e) continue;
      const rb = rings[edgeRing[f]!]!;
      const j = edgeStart[f]!;
      const cx = rb.xs[j]!, cy = rb.ys[j]!, dx = rb.xs[j + 1]!, dy = rb.ys[j + 1]!;
      const where = `${ra.path}.${ra.orig[i]}`;
      if (edgeRing[e] === edgeRing[f]) {
        const last = ra.xs.length - 2;
        const adjacent = j === i + 1 || (i === 0 && j === last);
        if (adjacent) {
          // Adjacent edges share one vertex; they are bad only if they fold back over each other.
          const [px, py, qx, qy, sx, sy] = j === i + 1 ? [ax, ay, bx, by, dx, dy] : [cx, cy, ax, ay, bx, by];
          if (orient2d(px, py, qx, qy, sx, sy) === 0 && (sx - qx) * (qx - px) + (sy - qy) * (qy - py) < 0) {
            if (!reported.has(where)) errors.push({ path: where, message: "ring folds back on itself (a spike) at this position" });
            reported.add(where);
          }
        } else if (segmentsIntersect(ax, ay, bx, by, cx, cy, dx, dy)) {
          if (!reported.has(where)) errors.push({ path: where, message: `ring self-intersects: the edge from this position meets the edge from position ${ra.orig[j]}` });
          reported.add(where);
        }
      } else {
        // Different rings may touch at a point but must not cross or overlap along an edge.
        const o1 = Math.sign(orient2d(cx, cy, dx, dy, ax, ay));
        const o2 = Math.sign(orient2d(cx, cy, dx, dy, bx, by));
        const o3 = Math.sign(orient2d(ax, ay, bx, by, cx, cy));
        const o4 = Math.sign(orient2d(ax, ay, bx, by, dx, dy));
        const crosses = o1 * o2 < 0 && o3 * o4 < 0;
        let overlaps = false;
        if (o1 === 0 && o2 === 0) {
          // Collinear: overlapping along a stretch of positive length is an error, touching at a point is not.
          const useX = ax !== bx;
          const a0 = useX ? Math.min(ax, bx) : Math.min(ay, by), a1 = useX ? Math.max(ax, bx) : Math.max(ay, by);
          const c0 = useX ? Math.min(cx, dx) : Math.min(cy, dy), c1 = useX ? Math.max(cx, dx) : Math.max(cy, dy);
          overlaps = Math.min(a1, c1) > Math.max(a0, c0);
        }
        if (crosses || overlaps) {
          if (!reported.has(where)) errors.push({ path: where, message: `rings cross: this edge meets ring ${rb.path}, position ${rb.orig[j]}` });
          reported.add(where);
        }
      }
    }
  }
  if (errors.length > before) return;

  // Holes: inside the outer ring and not inside each other (no crossings, so one vertex decides).
  const outer = flatten([rings[0]!]);
  const one = Uint32Array.of(0, 1);
  for (let h = 1; h < rings.length; h++) {
    const hole = rings[h]!;
    const where = (k: number) => locateInPart(outer.coords, outer.ringStart, one, 0, hole.xs[k]!, hole.ys[k]!);
    // A hole may touch the outer ring; the first vertex not on it tells inside from outside.
    let k = 0;
    while (k < hole.xs.length - 2 && where(k) === BOUNDARY) k++;
    if (where(k) === OUTSIDE) {
      errors.push({ path: hole.path, message: "hole is not inside the outer ring" });
      continue;
    }
    for (let g = 1; g < rings.length; g++) {
      if (g === h) continue;
      const other = flatten([rings[g]!]);
      if (locateInPart(other.coords, other.ringStart, one, 0, hole.xs[k]!, hole.ys[k]!) === INSIDE) {
        errors.push({ path: hole.path, message: `hole lies inside another hole (${rings[g]!.path})` });
        break;
      }
    }
  }
}

const toCoords = (r: Ring): Position[] => r.xs.map((x, i) => [x, r.ys[i]!] as Position);

/** Splits a polygon whose (unwrapped) longitudes leave [-180, 180] into parts inside it. */
function splitAtAntimeridian(rings: Ring[]): PolygonCoords[] {
  let minX = Infinity, maxX = -Infinity;
  for (const x of rings[0]!.xs) { if (x < minX) minX = x; if (x > maxX) maxX = x; }
  if (minX >= -180 && maxX <= 180) return [rings.map(toCoords)];
  // Shift so the west edge lies in [-180, 180); everything beyond 180 is cut off and moved by -360.
  const dx = minX < -180 ? 360 : 0;
  if (dx) for (const r of rings) shiftRing(r, dx);
  const poly = turfPolygon(rings.map(toCoords));
  const out: PolygonCoords[] = [];
  for (const [lo, hi, shift] of [[-180, 180, 0], [180, 540, -360]] as const) {
    const box = turfPolygon([[[lo, -90], [hi, -90], [hi, 90], [lo, 90], [lo, -90]]]);
    const part = intersect(featureCollection([poly, box]));
    if (!part) continue;
    const polys: PolygonCoords[] = part.geometry.type === "Polygon" ? [part.geometry.coordinates as PolygonCoords] : (part.geometry.coordinates as MultiPolygonCoords);
    for (const p of polys) out.push(p.map((ring) => ring.map(([x, y]) => [Math.max(-180, Math.min(180, x + shift)), y] as Position)));
  }
  return out;
}

/** Validates and normalises a Polygon / MultiPolygon, or a LineString buffered by `widthM` metres. */
export function validateFenceGeometry(input: unknown, widthM?: number): FenceValidation {
  const errors: FieldError[] = [];
  if (!isObject(input)) return { ok: false, errors: [{ path: "", message: "must be a GeoJSON geometry object" }] };
  const { type, coordinates } = input;
  if (type !== "Polygon" && type !== "MultiPolygon" && type !== "LineString") {
    return { ok: false, errors: [{ path: "type", message: "must be Polygon, MultiPolygon or LineString" }] };
  }
  if (!Array.isArray(coordinates)) return { ok: false, errors: [{ path: "coordinates", message: "must be an array" }] };

  let count = 0;
  const countPositions = (v: unknown): void => { if (Array.isArray(v)) { if (typeof v[0] === "number") count++; else v.forEach(countPositions); } };
  countPositions(coordinates);
  if (count > MAX_POSITIONS) return { ok: false, errors: [{ path: "coordinates", message: `too many positions (${count}); at most ${MAX_POSITIONS}` }] };

  if (type === "LineString") return validateLine(coordinates, widthM);

  // Structural pass: every position, every ring.
  const polygonsIn: unknown[] = type === "Polygon" ? [coordinates] : coordinates;
  const polygons: Ring[][] = [];
  for (const [pi, polyIn] of polygonsIn.entries()) {
    const base = type === "Polygon" ? "coordinates" : `coordinates.${pi}`;
    if (!Array.isArray(polyIn) || polyIn.length === 0) {
      errors.push({ path: base, message: "must be a non-empty array of rings (outer ring first, then holes)" });
      continue;
    }
    const rings = polyIn.map((r, ri) => checkRing(r, `${base}.${ri}`, errors));
    if (rings.every((r): r is Ring => r !== null)) polygons.push(rings);
  }
  if (polygonsIn.length === 0) errors.push({ path: "coordinates", message: "must contain at least one polygon" });
  if (errors.length) return { ok: false, errors };

  // Antimeridian: unwrap every ring; align holes with their outer ring; refuse 360° spans.
  let crossed = false;
  for (const rings of polygons) {
    for (const r of rings) {
      if (unwrap(r)) crossed = true;
      if (r.xs[r.xs.length - 1] !== r.xs[0]) errors.push({ path: r.path, message: "ring circles the globe (spans 360° of longitude, e.g. around a pole); split it into parts" });
    }
    const outer = rings[0]!;
    const mid = (Math.min(...outer.xs) + Math.max(...outer.xs)) / 2;
    for (const hole of rings.slice(1)) {
      const k = Math.round((mid - hole.xs[0]!) / 360);
      if (k) shiftRing(hole, k * 360);
    }
  }
  if (errors.length) return { ok: false, errors };

  for (const rings of polygons) checkPolygon(rings, errors);
  if (errors.length) return { ok: false, errors };

  if (!crossed) {
    const parts = polygons.map((rings) => rings.map(toCoords));
    return { ok: true, area: type === "Polygon" ? { type: "Polygon", coordinates: parts[0]! } : { type: "MultiPolygon", coordinates: parts } };
  }
  const parts = polygons.flatMap(splitAtAntimeridian);
  return { ok: true, area: parts.length === 1 ? { type: "Polygon", coordinates: parts[0]! } : { type: "MultiPolygon", coordinates: parts } };
}

function validateLine(coordinates: unknown[], widthM: number | undefined): FenceValidation {
  const errors: FieldError[] = [];
  if (widthM === undefined) errors.push({ path: "width_m", message: "is required with a LineString" });
  else if (typeof widthM !== "number" || !Number.isFinite(widthM) || widthM <= 0 || widthM > MAX_WIDTH_M) {
    errors.push({ path: "width_m", message: `must be a number > 0 and ≤ ${MAX_WIDTH_M} (metres)` });
  }
  const positions = coordinates.map((p, i) => checkPosition(p, `coordinates.${i}`, errors));
  if (coordinates.length < 2) errors.push({ path: "coordinates", message: "a LineString needs at least 2 positions" });
  if (errors.length) return { ok: false, errors };
  const ring: Ring = { xs: positions.map((p) => p![0]), ys: positions.map((p) => p![1]), orig: [], path: "coordinates" };
  unwrap(ring); // continuous longitudes, so a line across ±180° buffers as one piece
  const buffered = buffer(lineString(toCoords(ring)), widthM! / 2, { units: "meters" });
  if (!buffered) return { ok: false, errors: [{ path: "coordinates", message: "could not buffer this line" }] };
  // The buffer may leave [-180, 180]; the polygon path unwraps and splits it like any other area.
  const g = buffered.geometry;
  const wrap = (x: number) => (x > 180 ? x - 360 : x < -180 ? x + 360 : x);
  const wrapped = g.type === "Polygon"
    ? { type: "Polygon", coordinates: g.coordinates.map((r) => r.map(([x, y]) => [wrap(x!), y!])) }
    : { type: "MultiPolygon", coordinates: g.coordinates.map((p) => p.map((r) => r.map(([x, y]) => [wrap(x!), y!]))) };
  const r = validateFenceGeometry(wrapped);
  if (!r.ok) return { ok: false, errors: r.errors.map((e) => ({ path: "coordinates", message: `buffered line is not a valid area (${e.message}); use a narrower width_m or simplify the line` })) };
  return r;
}
