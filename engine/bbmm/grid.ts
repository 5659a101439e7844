// The raster a UD lives on: square cells, row-major from the south-west corner (row j holds y = y0 + j·cell,
// column i holds x = x0 + i·cell, both at cell centres), one Float64Array of nx·ny values.
import { BbmmInputError, type BridgeTrack } from "./track.ts";

export interface Grid {
  /** Centre of the south-west cell, metres. */
  x0: number;
  y0: number;
  /** Cell side, metres. */
  cell: number;
  nx: number;
  ny: number;
}

/** Grids above this many cells are refused: the UD would take gigabytes and minutes. */
export const MAX_GRID_CELLS = 25_000_000;

/** A grid covering [xmin - margin, xmax + margin] × [ymin - margin, ymax + margin], centred on that box. */
export function gridAround(xmin: number, xmax: number, ymin: number, ymax: number, cell: number, margin: number): Grid {
  if (!(cell > 0) || !Number.isFinite(cell)) throw new BbmmInputError(`the cell size must be a positive number of metres (got ${cell})`);
  const w = xmax - xmin + 2 * margin;
  const h = ymax - ymin + 2 * margin;
  const nx = Math.max(1, Math.ceil(w / cell - 1e-9));
  const ny = Math.max(1, Math.ceil(h / cell - 1e-9));
  if (nx * ny > MAX_GRID_CELLS)
    throw new BbmmInputError(`a ${cell} m cell gives a ${nx} × ${ny} grid (over ${MAX_GRID_CELLS} cells); use a larger cell size`);
  return {
    x0: (xmin + xmax) / 2 - ((nx - 1) / 2) * cell,
    y0: (ymin + ymax) / 2 - ((ny - 1) / 2) * cell,
    cell,
    nx,
    ny,
  };
}

/**
 * The largest standard deviation any bridge reaches (at α = ½ for a constant error): a grid margin of
 * `truncation` times this keeps every evaluated ±4σ window on the grid, so no probability is clipped.
 */
export function maxBridgeSigma(track: BridgeTrack, segmentVariance: Float64Array, interest?: Uint8Array): number {
  const { t, error } = track;
  let max = 0;
  for (let k = 0; k < segmentVariance.length; k++) {
    if (interest && !interest[k]) continue;
    const v = segmentVariance[k]!;
    if (!Number.isFinite(v)) continue;
    const T = t[k + 1]! - t[k]!;
    const e1 = error[k]! * error[k]!;
    const e2 = error[k + 1]! * error[k + 1]!;
    // σ²(α) = Tα(1-α)v + (1-α)²e1 + α²e2 is a concave-up-or-down quadratic; its maximum on [0,1] is at
    // an end or at the stationary point.
    const a2 = e1 + e2 - T * v; // coefficient of α²
    const a1 = T * v - 2 * e1; // coefficient of α
    let s2 = Math.max(e1, e2);
    if (a2 < 0) {
      const a = -a1 / (2 * a2);
      if (a > 0 && a < 1) s2 = Math.max(s2, a2 * a * a + a1 * a + e1);
    }
    if (s2 > max) max = s2;
  }
  return Math.sqrt(max);
}

/** The default grid of a track: its bounding box plus the larger of `ext` × its larger side (move's ext = 0.3) and the truncation reach. */
export function trackGrid(
  track: BridgeTrack,
  cell: number,
  segmentVariance: Float64Array,
  opts: { ext?: number; margin?: number; truncation?: number; interest?: Uint8Array } = {},
): Grid {
  const { x, y } = track;
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i]! < xmin) xmin = x[i]!;
    if (x[i]! > xmax) xmax = x[i]!;
    if (y[i]! < ymin) ymin = y[i]!;
    if (y[i]! > ymax) ymax = y[i]!;
  }
  const reach = (opts.truncation ?? 4) * maxBridgeSigma(track, segmentVariance, opts.interest) + cell;
  const margin = opts.margin ?? Math.max((opts.ext ?? 0.3) * Math.max(xmax - xmin, ymax - ymin), reach);
  return gridAround(xmin, xmax, ymin, ymax, cell, margin);
}
