// Step lengths, turning angles and covariate terms from tracks of fixes, as moveHMM's prepData:
// row t of a track is the step from fix t to fix t+1 and the turning angle at fix t; the first
// angle and the last row's step and angle are NA, a missing coordinate makes the steps and angles
// that need it NA, and an angle next to a zero-length step is NA. Missing covariate values are
// filled from the closest earlier row (the first ones from the first available value).
import { HmmDataError, type HmmData } from "./data.ts";
import { geodesicBearing, greatCircleKm } from "./geodesy.ts";

/** "xy": planar coordinates, steps in their units; "lonlat": degrees, steps in km (moveHMM's type "LL"). */
export type Coords = "xy" | "lonlat";

export interface TrackInput {
  id: string;
  /** x or longitude, y or latitude; NaN for a missing fix. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  covariates?: Record<string, ArrayLike<number>>;
}

export interface PrepOptions {
  coords: Coords;
  /** Covariate terms for the transition model: a column name, or name^k for a power (e.g. "slope^2"). */
  covariates?: readonly string[];
}

const TWO_PI = 2 * Math.PI;

/** Wraps to (−π, π] the way moveHMM's turnAngle does. */
export function wrapToPi(a: number): number {
  if (a > -Math.PI && a <= Math.PI) return a;
  let r = a - TWO_PI * Math.floor((a + Math.PI) / TWO_PI);
  if (r <= -Math.PI) r += TWO_PI;
  return r;
}

/**
 * Turning angle at (x2, y2) between the vectors 1→2 and 2→3, radians in (−π, π],
 * counter-clockwise positive; NaN when either step has length zero (moveHMM's turnAngle).
 */
export function turnAngle(x1: number, y1: number, x2: number, y2: number, x3: number, y3: number): number {
  if ((x1 === x2 && y1 === y2) || (x2 === x3 && y2 === y3)) return NaN;
  return wrapToPi(Math.atan2(y3 - y2, x3 - x2) - Math.atan2(y2 - y1, x2 - x1));
}

/** Turning angle from lon/lat fixes by initial geodesic bearings (moveHMM's LLangle = TRUE). */
export function turnAngleLonLat(lon1: number, lat1: number, lon2: number, lat2: number, lon3: number, lat3: number): number {
  if ((lon1 === lon2 && lat1 === lat2) || (lon2 === lon3 && lat2 === lat3)) return NaN;
  return wrapToPi(((geodesicBearing(lon1, lat1, lon2, lat2) - geodesicBearing(lon2, lat2, lon3, lat3)) * Math.PI) / 180);
}

/** Distance between two fixes: Euclidean for xy, great-circle km for lonlat. */
export function stepLength(coords: Coords, x1: number, y1: number, x2: number, y2: number): number {
  return coords === "lonlat" ? greatCircleKm(x1, y1, x2, y2) : Math.hypot(x2 - x1, y2 - y1);
}

/** Fills step[offset + t] and angle[offset + t] for one track of n fixes. */
export function stepsAndAngles(
  coords: Coords,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  step: Float64Array,
  angle: Float64Array,
  offset = 0,
): void {
  const n = x.length;
  const ok = (i: number): boolean => !Number.isNaN(x[i]!) && !Number.isNaN(y[i]!);
  for (let t = 0; t < n; t++) {
    step[offset + t] = t + 1 < n && ok(t) && ok(t + 1) ? stepLength(coords, x[t]!, y[t]!, x[t + 1]!, y[t + 1]!) : NaN;
    let a = NaN;
    if (t > 0 && t + 1 < n && ok(t - 1) && ok(t) && ok(t + 1)) {
      a = coords === "lonlat"
        ? turnAngleLonLat(x[t - 1]!, y[t - 1]!, x[t]!, y[t]!, x[t + 1]!, y[t + 1]!)
        : turnAngle(x[t - 1]!, y[t - 1]!, x[t]!, y[t]!, x[t + 1]!, y[t + 1]!);
    }
    angle[offset + t] = a;
  }
}

export interface CovariateTerm {
  name: string;
  power: number;
}

/** Parses "name" or "name^k" (k a positive integer). */
export function parseCovariateTerm(term: string): CovariateTerm {
  const m = /^\s*(.+?)\s*(?:\^\s*(\d+)\s*)?$/.exec(term);
  if (!m || !m[1]) throw new HmmDataError(`covariate term "${term}" must be a column name or name^k`);
  const power = m[2] === undefined ? 1 : Number(m[2]);
  if (!(power >= 1)) throw new HmmDataError(`covariate term "${term}": the power must be a positive integer`);
  return { name: m[1], power };
}

/**
 * HmmData from tracks (kept in the given order; tracks with fewer than two fixes are left out,
 * as they hold no step). Covariate terms are evaluated after the NA filling.
 */
export function prepTracks(tracks: readonly TrackInput[], options: PrepOptions): HmmData {
  const kept = tracks.filter((t) => t.x.length >= 2);
  const rows = kept.reduce((s, t) => s + t.x.length, 0);
  const step = new Float64Array(rows);
  const angle = new Float64Array(rows);
  const trackStart = new Int32Array(kept.length + 1);
  let offset = 0;
  kept.forEach((t, k) => {
    if (t.y.length !== t.x.length) throw new HmmDataError(`track "${t.id}": x has ${t.x.length} values, y has ${t.y.length}`);
    trackStart[k] = offset;
    stepsAndAngles(options.coords, t.x, t.y, step, angle, offset);
    offset += t.x.length;
  });
  trackStart[kept.length] = rows;

  const terms = (options.covariates ?? []).map(parseCovariateTerm);
  const columns = new Map<string, Float64Array>();
  for (const { name } of terms) {
    if (columns.has(name)) continue;
    const col = new Float64Array(rows);
    let o = 0;
    for (const t of kept) {
      const src = t.covariates?.[name];
      if (!src) throw new HmmDataError(`track "${t.id}" has no covariate "${name}"`);
      for (let i = 0; i < t.x.length; i++) col[o + i] = src[i] ?? NaN;
      o += t.x.length;
    }
    fillMissing(col, name);
    columns.set(name, col);
  }
  const width = terms.length;
  const covariates = new Float64Array(rows * width);
  terms.forEach(({ name, power }, c) => {
    const col = columns.get(name)!;
    for (let t = 0; t < rows; t++) covariates[t * width + c] = col[t]! ** power;
  });
  return {
    step,
    angle,
    trackStart,
    covariates,
    covariateNames: terms.map(({ name, power }) => (power === 1 ? name : `${name}^${power}`)),
    trackIds: kept.map((t) => t.id),
  };
}

// moveHMM's rule, over all rows in order (across tracks too): a leading NA run takes the first
// value, every later NA the value before it.
function fillMissing(col: Float64Array, name: string): void {
  const first = col.findIndex((v) => !Number.isNaN(v));
  if (first < 0) throw new HmmDataError(`covariate "${name}" has no values`);
  for (let i = 0; i < first; i++) col[i] = col[first]!;
  for (let i = first + 1; i < col.length; i++) if (Number.isNaN(col[i]!)) col[i] = col[i - 1]!;
}
