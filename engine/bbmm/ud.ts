// Utilisation distribution of a Brownian bridge track, integrated over time as move's dbbmm2 does:
// time steps of `timeStep` minutes spread evenly over the whole track (the first half a remainder after
// the first fix), and at each step the bridge's bivariate normal — mean on the straight line between
// the segment's fixes, variance Tα(1-α)σ²m + (1-α)²δ₁² + α²δ₂² — is added to every cell whose centre
// lies within ±truncation·σ (a square window, move uses 4) of the mean. The sum is normalised to 1.
//
// The isotropic normal factorises, exp(-(dx²+dy²)/2s) = exp(-dx²/2s)·exp(-dy²/2s), so each step costs
// one exp per window column and row and a multiply-add per cell: the same numbers as evaluating every
// cell, several times faster. The inner loop allocates nothing.
import type { Grid } from "./grid.ts";
import { BbmmInputError, type BridgeTrack } from "./track.ts";

export interface UdOptions {
  /** Integration step in minutes; move's default is the shortest time lag / 15. */
  timeStep?: number;
  /** Segments (fix i → i+1) to integrate, move's `interest`; every segment by default. */
  interest?: Uint8Array;
  /** Half-width of the evaluated window in bridge standard deviations (move: 4). */
  truncation?: number;
}

/** move's default integration step: the shortest time lag divided by 15 (minutes). */
export function defaultTimeStep(track: BridgeTrack): number {
  const { t } = track;
  let min = Infinity;
  for (let i = 1; i < t.length; i++) min = Math.min(min, t[i]! - t[i - 1]!);
  return min / 15;
}

/** Steps above this are refused: the run would take minutes (raise --time-step). */
export const MAX_TIME_STEPS = 50_000_000;

/**
 * The UD of the track on the grid, summing to 1 (all zeros if no step falls on the grid). `out`, when
 * given, must hold nx·ny values and is overwritten (lets a worker reuse its buffer).
 */
export function bridgeUD(
  track: BridgeTrack,
  segmentVariance: Float64Array,
  grid: Grid,
  opts: UdOptions = {},
  out?: Float64Array,
): Float64Array {
  const { x, y, t, error } = track;
  const { x0, y0, cell, nx, ny } = grid;
  const n = x.length;
  if (segmentVariance.length !== n - 1) throw new BbmmInputError(`one variance per segment is needed (${n - 1}), got ${segmentVariance.length}`);
  const dt = opts.timeStep ?? defaultTimeStep(track);
  if (!(dt > 0) || !Number.isFinite(dt)) throw new BbmmInputError(`the time step must be a positive number of minutes (got ${dt})`);
  const span = t[n - 1]! - t[0]!;
  if (span / dt > MAX_TIME_STEPS) throw new BbmmInputError(`a ${dt} min time step gives ${Math.ceil(span / dt)} integration steps; use a larger time step`);
  const interest = opts.interest;
  const trunc = opts.truncation ?? 4;
  const ud = out ?? new Float64Array(nx * ny);
  if (ud.length !== nx * ny) throw new BbmmInputError(`the output buffer needs ${nx * ny} values, got ${ud.length}`);
  ud.fill(0);
  const gx = new Float64Array(nx);
  const gy = new Float64Array(ny);

  const start = t[0]! + (span % dt) / 2;
  const steps = Math.floor((t[n - 1]! - start) / dt + 1e-9) + 1;
  let k = 0;
  for (let m = 0; m < steps; m++) {
    const ti = start + m * dt;
    while (k < n - 2 && t[k + 1]! < ti) k++;
    if (interest && !interest[k]) continue;
    const v = segmentVariance[k]!;
    if (!Number.isFinite(v)) continue;
    const T = t[k + 1]! - t[k]!;
    const a = (ti - t[k]!) / T;
    const mx = x[k]! + a * (x[k + 1]! - x[k]!);
    const my = y[k]! + a * (y[k + 1]! - y[k]!);
    const e1 = error[k]!;
    const e2 = error[k + 1]!;
    const s2 = T * a * (1 - a) * v + (1 - a) * (1 - a) * e1 * e1 + a * a * e2 * e2;
    const reach = (trunc * Math.sqrt(s2)) / cell;
    const fx = (mx - x0) / cell;
    const fy = (my - y0) / cell;
    const i0 = Math.max(0, Math.floor(fx - reach));
    const i1 = Math.min(nx - 1, Math.ceil(fx + reach));
    const j0 = Math.max(0, Math.floor(fy - reach));
    const j1 = Math.min(ny - 1, Math.ceil(fy + reach));
    if (i0 > i1 || j0 > j1) continue;
    const c = -1 / (2 * s2);
    const norm = 1 / (2 * Math.PI * s2); // density at the mean; the cell area is a constant factor
    for (let i = i0; i <= i1; i++) {
      const d = x0 + i * cell - mx;
      gx[i] = Math.exp(d * d * c);
    }
    for (let j = j0; j <= j1; j++) {
      const d = y0 + j * cell - my;
      gy[j] = norm * Math.exp(d * d * c);
    }
    for (let j = j0; j <= j1; j++) {
      const w = gy[j]!;
      const row = j * nx;
      for (let i = i0; i <= i1; i++) ud[row + i]! += w * gx[i]!;
    }
  }

  let total = 0;
  for (let c = 0; c < ud.length; c++) total += ud[c]!;
  if (total > 0) for (let c = 0; c < ud.length; c++) ud[c]! /= total;
  return ud;
}
