// A covariate stack: several raster layers on one geographic (WGS 84 lon/lat) grid, the habitat a
// study area offers. Layout follows GeoTIFF so files map 1:1: row 0 is the NORTHERN row, columns run
// west → east, and the value of cell (col, row) is at index row·nx + col and stands for the cell's
// centre, lon = west + (col + ½)·cellLon, lat = north − (row + ½)·cellLat. NaN means no data.

export const LAYERS = ["elevation", "ndvi", "dist_water", "landcover", "dist_settlement"] as const;
export type LayerName = (typeof LAYERS)[number];

/** Units / meaning of each layer, for reports and file metadata. */
export const LAYER_UNITS: Record<LayerName, string> = {
  elevation: "m above sea level",
  ndvi: "NDVI, -1..1",
  dist_water: "m to the nearest river or water point",
  landcover: "class code (LANDCOVER)",
  dist_settlement: "m to the nearest village or road",
};

/** Land-cover legend: the integer codes stored in the `landcover` layer. */
export const LANDCOVER = {
  grassland: 1,
  woodland: 2,
  water: 3,
  farmland: 4,
  settlement: 5,
} as const;
export type LandcoverName = keyof typeof LANDCOVER;
/** Codes in ascending order (1..5); position k is one-hot column k of the feature vector. */
export const LANDCOVER_CODES = [1, 2, 3, 4, 5] as const;
export const LANDCOVER_NAMES: readonly LandcoverName[] = ["grassland", "woodland", "water", "farmland", "settlement"];

/** Layers interpolated bilinearly; the others are categorical and sampled at the nearest cell. */
export const CONTINUOUS_LAYERS = ["elevation", "ndvi", "dist_water", "dist_settlement"] as const;

export interface Grid {
  /** Outer edges of the raster, degrees (cell edges, not centres). east = west + nx·cellLon, south = north − ny·cellLat. */
  west: number;
  south: number;
  east: number;
  north: number;
  /** Cell size in degrees of longitude / latitude (both > 0). */
  cellLon: number;
  cellLat: number;
  /** Columns (west → east) and rows (north → south). */
  nx: number;
  ny: number;
}

export interface CovariateStack {
  grid: Grid;
  /** One Float32Array of nx·ny values per layer, row 0 north. */
  layers: Record<LayerName, Float32Array>;
}

/** A grid from its north-west corner, cell size and shape; the other edges follow, so they can't disagree. */
export function makeGrid(west: number, north: number, cellLon: number, cellLat: number, nx: number, ny: number): Grid {
  if (![west, north, cellLon, cellLat].every(Number.isFinite)) throw new RangeError("grid: corner and cell size must be finite");
  if (!(cellLon > 0 && cellLat > 0)) throw new RangeError("grid: cell sizes must be positive");
  if (!(Number.isInteger(nx) && nx > 0 && Number.isInteger(ny) && ny > 0)) throw new RangeError("grid: nx and ny must be positive integers");
  return { west, south: north - ny * cellLat, east: west + nx * cellLon, north, cellLon, cellLat, nx, ny };
}

/** The grid covering bounds with square cells of cellDeg; east/south are extended to a whole number of cells. */
export function gridForBounds(bounds: { west: number; south: number; east: number; north: number }, cellDeg: number): Grid {
  const { west, south, east, north } = bounds;
  if (!(east > west && north > south)) throw new RangeError("grid: bounds must have east > west and north > south");
  // The 1e-9 slack keeps 1.0 / 0.005 = 200.00000000000003 from becoming 201 columns.
  const nx = Math.ceil((east - west) / cellDeg - 1e-9);
  const ny = Math.ceil((north - south) / cellDeg - 1e-9);
  return makeGrid(west, north, cellDeg, cellDeg, nx, ny);
}

/** A stack whose layers are all NaN (no data), ready to be filled. */
export function emptyStack(grid: Grid): CovariateStack {
  const n = grid.nx * grid.ny;
  const layers = {} as Record<LayerName, Float32Array>;
  for (const name of LAYERS) layers[name] = new Float32Array(n).fill(NaN);
  return { grid, layers };
}

/** Longitude of the centre of column col. */
export function cellCentreLon(grid: Grid, col: number): number {
  return grid.west + (col + 0.5) * grid.cellLon;
}

/** Latitude of the centre of row row (row 0 is the northern row). */
export function cellCentreLat(grid: Grid, row: number): number {
  return grid.north - (row + 0.5) * grid.cellLat;
}

/**
 * Why two grids differ, or null when they match: same nx, ny, and corner and cell sizes equal to within
 * 1e-6 of a cell (files written by different tools round the same degrees differently).
 */
export function gridMismatch(a: Grid, b: Grid): string | null {
  if (a.nx !== b.nx || a.ny !== b.ny) return `size ${b.nx}×${b.ny} cells vs ${a.nx}×${a.ny}`;
  const tol = 1e-6 * Math.min(a.cellLon, a.cellLat);
  if (Math.abs(a.cellLon - b.cellLon) > tol || Math.abs(a.cellLat - b.cellLat) > tol)
    return `cell size ${b.cellLon}°×${b.cellLat}° vs ${a.cellLon}°×${a.cellLat}°`;
  if (Math.abs(a.west - b.west) > tol || Math.abs(a.north - b.north) > tol)
    return `north-west corner (${b.west}, ${b.north}) vs (${a.west}, ${a.north})`;
  return null;
}

/** Checks a stack's internal consistency: every layer present with nx·ny values. */
export function assertStack(stack: CovariateStack): void {
  const n = stack.grid.nx * stack.grid.ny;
  for (const name of LAYERS) {
    const layer = stack.layers[name];
    if (!(layer instanceof Float32Array)) throw new TypeError(`covariate stack: layer "${name}" is missing or not a Float32Array`);
    if (layer.length !== n) throw new RangeError(`covariate stack: layer "${name}" has ${layer.length} values, the grid needs ${n}`);
  }
}
