// Reading covariates at points: the one place that turns lon/lat into habitat values, used by the
// simulator, the models and the API alike. Continuous layers are interpolated bilinearly between cell
// centres (clamped to the edge cell in the outer half-cell band); land cover, being categorical, takes
// the value of the cell the point falls in. Points outside the grid's extent get NaN everywhere.
// A no-data (NaN) neighbour drops out of the bilinear weights, so a value is NaN only when every
// neighbour that carries weight is NaN. Pure functions; sampleInto and the per-point loop of
// sampleTrack allocate nothing.
import { LANDCOVER_CODES, LAYERS, type CovariateStack, type Grid, type LayerName } from "./stack.ts";

export type Covariates = Record<LayerName, number>;
export type CovariateColumns = Record<LayerName, Float64Array>;

// Positions of the layers in sampleInto's output (LAYERS order).
const ELEVATION = 0;
const NDVI = 1;
const DIST_WATER = 2;
const LANDCOVER = 3;
const DIST_SETTLEMENT = 4;

function bilinear(v: Float32Array, a: number, b: number, c: number, d: number, tx: number, ty: number): number {
  // a, b: the two cells of the upper row (west, east); c, d: the lower row.
  const wa = (1 - tx) * (1 - ty);
  const wb = tx * (1 - ty);
  const wc = (1 - tx) * ty;
  const wd = tx * ty;
  // x === x is false only for NaN: no-data neighbours are skipped.
  let sum = 0;
  let wsum = 0;
  const va = v[a]!;
  const vb = v[b]!;
  const vc = v[c]!;
  const vd = v[d]!;
  if (wa > 0 && va === va) {
    sum += wa * va;
    wsum += wa;
  }
  if (wb > 0 && vb === vb) {
    sum += wb * vb;
    wsum += wb;
  }
  if (wc > 0 && vc === vc) {
    sum += wc * vc;
    wsum += wc;
  }
  if (wd > 0 && vd === vd) {
    sum += wd * vd;
    wsum += wd;
  }
  return wsum > 0 ? sum / wsum : NaN;
}

function inside(grid: Grid, lon: number, lat: number): boolean {
  return lon >= grid.west && lon <= grid.east && lat >= grid.south && lat <= grid.north;
}

/**
 * Writes the five covariates at (lon, lat) to out[offset … offset+4] in LAYERS order
 * (elevation, ndvi, dist_water, landcover, dist_settlement). Allocation-free.
 */
export function sampleInto(stack: CovariateStack, lon: number, lat: number, out: Float64Array, offset = 0): void {
  const g = stack.grid;
  const L = stack.layers;
  if (!inside(g, lon, lat)) {
    for (let k = 0; k < LAYERS.length; k++) out[offset + k] = NaN;
    return;
  }
  const { nx, ny } = g;
  // Fractional position in cell-centre coordinates: centre of (col, row) is at (col, row).
  const cx = (lon - g.west) / g.cellLon;
  const cy = (g.north - lat) / g.cellLat;
  const fx = Math.min(nx - 1, Math.max(0, cx - 0.5));
  const fy = Math.min(ny - 1, Math.max(0, cy - 0.5));
  const i0 = Math.min(Math.floor(fx), Math.max(0, nx - 2));
  const j0 = Math.min(Math.floor(fy), Math.max(0, ny - 2));
  const i1 = Math.min(i0 + 1, nx - 1);
  const j1 = Math.min(j0 + 1, ny - 1);
  const tx = fx - i0;
  const ty = fy - j0;
  const a = j0 * nx + i0;
  const b = j0 * nx + i1;
  const c = j1 * nx + i0;
  const d = j1 * nx + i1;
  out[offset + ELEVATION] = bilinear(L.elevation, a, b, c, d, tx, ty);
  out[offset + NDVI] = bilinear(L.ndvi, a, b, c, d, tx, ty);
  out[offset + DIST_WATER] = bilinear(L.dist_water, a, b, c, d, tx, ty);
  out[offset + DIST_SETTLEMENT] = bilinear(L.dist_settlement, a, b, c, d, tx, ty);
  // Nearest: the cell containing the point; the east/south edges belong to the last column/row.
  const col = Math.min(nx - 1, Math.floor(cx));
  const row = Math.min(ny - 1, Math.floor(cy));
  out[offset + LANDCOVER] = L.landcover[row * nx + col]!;
}

const one = new Float64Array(LAYERS.length);

/** The covariates at one point (NaN outside the extent or where the data has none). */
export function sampleAt(stack: CovariateStack, lon: number, lat: number): Covariates {
  sampleInto(stack, lon, lat, one);
  return {
    elevation: one[ELEVATION]!,
    ndvi: one[NDVI]!,
    dist_water: one[DIST_WATER]!,
    landcover: one[LANDCOVER]!,
    dist_settlement: one[DIST_SETTLEMENT]!,
  };
}

/** Covariates along a track: one Float64Array column per layer, element i for point (lon[i], lat[i]). */
export function sampleTrack(stack: CovariateStack, lon: Float64Array, lat: Float64Array): CovariateColumns {
  if (lon.length !== lat.length) throw new RangeError(`sampleTrack: ${lon.length} longitudes but ${lat.length} latitudes`);
  const n = lon.length;
  const cols: CovariateColumns = {
    elevation: new Float64Array(n),
    ndvi: new Float64Array(n),
    dist_water: new Float64Array(n),
    landcover: new Float64Array(n),
    dist_settlement: new Float64Array(n),
  };
  const row = new Float64Array(LAYERS.length);
  for (let i = 0; i < n; i++) {
    sampleInto(stack, lon[i]!, lat[i]!, row);
    cols.elevation[i] = row[ELEVATION]!;
    cols.ndvi[i] = row[NDVI]!;
    cols.dist_water[i] = row[DIST_WATER]!;
    cols.landcover[i] = row[LANDCOVER]!;
    cols.dist_settlement[i] = row[DIST_SETTLEMENT]!;
  }
  return cols;
}

/**
 * Model feature order: the four continuous covariates in their layer units, then land cover one-hot in
 * legend order (LANDCOVER_CODES 1..5). Units are left raw; models standardise as they need.
 */
export const FEATURE_NAMES = [
  "elevation",
  "ndvi",
  "dist_water",
  "dist_settlement",
  "lc_grassland",
  "lc_woodland",
  "lc_water",
  "lc_farmland",
  "lc_settlement",
] as const;
export const FEATURE_COUNT = FEATURE_NAMES.length;

function writeFeatures(
  elevation: number,
  ndvi: number,
  distWater: number,
  landcover: number,
  distSettlement: number,
  out: Float64Array,
  offset: number,
): void {
  out[offset] = elevation;
  out[offset + 1] = ndvi;
  out[offset + 2] = distWater;
  out[offset + 3] = distSettlement;
  // Unknown land cover (NaN) makes the whole one-hot NaN; a code outside the legend makes it all zero.
  const known = landcover === landcover;
  for (let k = 0; k < LANDCOVER_CODES.length; k++) out[offset + 4 + k] = known ? (landcover === LANDCOVER_CODES[k] ? 1 : 0) : NaN;
}

/** The feature vector (FEATURE_NAMES order) of one point's covariates, written into out at offset. */
export function featureVector(c: Covariates, out = new Float64Array(FEATURE_COUNT), offset = 0): Float64Array {
  writeFeatures(c.elevation, c.ndvi, c.dist_water, c.landcover, c.dist_settlement, out, offset);
  return out;
}

/** Row-major n × FEATURE_COUNT design matrix of sampled track columns. */
export function featureMatrix(cols: CovariateColumns): Float64Array {
  const n = cols.elevation.length;
  const out = new Float64Array(n * FEATURE_COUNT);
  for (let i = 0; i < n; i++)
    writeFeatures(cols.elevation[i]!, cols.ndvi[i]!, cols.dist_water[i]!, cols.landcover[i]!, cols.dist_settlement[i]!, out, i * FEATURE_COUNT);
  return out;
}
