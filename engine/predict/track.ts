// From a track as read (CSV, store) to a PredictTrack: planar metres, sorted strictly increasing
// times, covariates from the track's own columns or from a landscape sampler, and the truth at a
// horizon (linear interpolation between the two fixes around it).
import { aeqdAround, aeqdForward } from "../bbmm/project.ts";
import { COVARIATE_NAMES, type CovariateName, type PredictTrack } from "./features.ts";

export type TrackCoords = "lonlat" | "xy-m" | "xy-km";

export interface RawTrack {
  id: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Epoch ms; fixes without a time are dropped. */
  t: ArrayLike<number>;
  /** Columns of the source, by name; ndvi, dist_water and dist_settlement are used when all three are there. */
  covariates?: Record<string, ArrayLike<number>>;
}

/** Covariates at a lon/lat, or null outside the sampler's extent (e.g. engine/landscape). */
export type CovariateSampler = (lon: number, lat: number) => Record<CovariateName, number> | null;

export interface PrepareOptions {
  coords: TrackCoords;
  /** Hours added to UTC for time of day; default longitude / 15 for lonlat (solar time), else 0. */
  utcOffsetH?: number;
  /** For lonlat tracks without covariate columns: covariates sampled at each fix. */
  sampler?: CovariateSampler;
}

export class PredictInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PredictInputError";
  }
}

/** Sorts by time, drops fixes without time or coordinates and repeated times, projects to metres. */
export function prepareTrack(raw: RawTrack, opts: PrepareOptions): PredictTrack {
  const idx: number[] = [];
  for (let i = 0; i < raw.x.length; i++) {
    if (Number.isFinite(raw.t[i]!) && Number.isFinite(raw.x[i]!) && Number.isFinite(raw.y[i]!)) idx.push(i);
  }
  idx.sort((a, b) => raw.t[a]! - raw.t[b]!);
  const keep = idx.filter((i, k) => k === 0 || raw.t[i]! > raw.t[idx[k - 1]!]!);
  const n = keep.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const t = Float64Array.from(keep, (i) => raw.t[i]!);
  const srcX = Float64Array.from(keep, (i) => raw.x[i]!);
  const srcY = Float64Array.from(keep, (i) => raw.y[i]!);
  let utcOffsetH = opts.utcOffsetH ?? 0;
  if (opts.coords === "lonlat") {
    if (n > 0) aeqdForward(aeqdAround(srcX, srcY), srcX, srcY, x, y);
    if (opts.utcOffsetH === undefined && n > 0) utcOffsetH = meanLongitude(srcX) / 15;
  } else {
    const f = opts.coords === "xy-km" ? 1000 : 1;
    for (let i = 0; i < n; i++) {
      x[i] = srcX[i]! * f;
      y[i] = srcY[i]! * f;
    }
  }
  let covariates: PredictTrack["covariates"];
  if (raw.covariates && COVARIATE_NAMES.every((c) => raw.covariates![c])) {
    covariates = Object.fromEntries(COVARIATE_NAMES.map((c) => [c, Float64Array.from(keep, (i) => Number(raw.covariates![c]![i]))]));
  } else if (opts.sampler && opts.coords === "lonlat") {
    const cols = Object.fromEntries(COVARIATE_NAMES.map((c) => [c, new Float64Array(n).fill(NaN)])) as Record<CovariateName, Float64Array>;
    for (let i = 0; i < n; i++) {
      const s = opts.sampler(srcX[i]!, srcY[i]!);
      if (s) for (const c of COVARIATE_NAMES) cols[c][i] = s[c];
    }
    covariates = cols;
  }
  return { id: raw.id, x, y, t, covariates, utcOffsetH };
}

function meanLongitude(lon: Float64Array): number {
  let s = 0;
  let c = 0;
  for (const l of lon) {
    s += Math.sin((l * Math.PI) / 180);
    c += Math.cos((l * Math.PI) / 180);
  }
  return (Math.atan2(s, c) * 180) / Math.PI;
}

/** Median interval between fixes, ms (NaN for fewer than two fixes). */
export function medianInterval(t: Float64Array): number {
  if (t.length < 2) return NaN;
  const d = Array.from({ length: t.length - 1 }, (_, i) => t[i + 1]! - t[i]!).sort((a, b) => a - b);
  const m = d.length >> 1;
  return d.length % 2 ? d[m]! : (d[m - 1]! + d[m]!) / 2;
}

/**
 * The position at time tq by linear interpolation between the fixes around it, or null when tq is
 * outside the track or those fixes are more than maxGapMs apart (the truth would be a guess).
 * `from` is a fix index at or before tq, to start the search.
 */
export function positionAt(track: PredictTrack, tq: number, maxGapMs: number, from = 0): [number, number] | null {
  const { t, x, y } = track;
  const n = t.length;
  if (n === 0 || tq < t[0]! || tq > t[n - 1]!) return null;
  let lo = Math.max(0, Math.min(from, n - 1));
  if (t[lo]! > tq) lo = 0;
  let hi = n - 1;
  // Largest i with t[i] <= tq.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (t[mid]! <= tq) lo = mid;
    else hi = mid - 1;
  }
  if (t[lo] === tq) return [x[lo]!, y[lo]!];
  const a = lo;
  const b = lo + 1;
  if (t[b]! - t[a]! > maxGapMs) return null;
  const w = (tq - t[a]!) / (t[b]! - t[a]!);
  return [x[a]! + w * (x[b]! - x[a]!), y[a]! + w * (y[b]! - y[a]!)];
}

/** A simulated track (lon/lat with its own covariates, if any) as a PredictTrack. */
export function fromSimulated(sim: { id: string; lon: Float64Array; lat: Float64Array; t: Float64Array; covariates?: Partial<Record<CovariateName, Float64Array>> }): PredictTrack {
  return prepareTrack({ id: sim.id, x: sim.lon, y: sim.lat, t: sim.t, covariates: sim.covariates as Record<string, Float64Array> | undefined }, { coords: "lonlat" });
}
