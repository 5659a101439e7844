// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled
// Functions", Theory of Computing 2012): for every cell, the distance to the nearest feature cell, in
// O(nx·ny). The squared distance separates into a pass down each column and then along each row; each
// pass is the lower envelope of parabolas s²(x − p)² + f(p). Cell spacings may differ between the axes,
// which is how degrees become metres: a degree of longitude is cos(lat) shorter than one of latitude.
import { EARTH_RADIUS_M } from "../geo.ts";
import type { Grid } from "./stack.ts";

/** Metres per degree of latitude (and of longitude at the equator) on the spherical Earth engine/geo.ts uses. */
export const METRES_PER_DEGREE = (EARTH_RADIUS_M * Math.PI) / 180;

/** Abscissa where parabola q (height fq) starts to lie below parabola p on the line. */
function intersect(buf: Float64Array, start: number, stride: number, s2: number, p: number, q: number, fq: number): number {
  return (fq + s2 * q * q - (buf[start + p * stride]! + s2 * p * p)) / (2 * s2 * (q - p));
}

/**
 * One 1-D pass: d[i] = min_p s²(i − p)² + f[p] over the n values f[start + p·stride], written back in
 * place. Infinity in f means "no feature here" and is skipped. v and z are scratch of length n and n + 1.
 */
function envelope1d(buf: Float64Array, start: number, stride: number, n: number, s2: number, v: Int32Array, z: Float64Array, d: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = buf[start + q * stride]!;
    if (fq === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    // Drop envelope parabolas that q undercuts everywhere they were lowest; z[0] = -∞ stops this at k = 0.
    let s = intersect(buf, start, stride, s2, v[k]!, q, fq);
    while (s <= z[k]!) {
      k--;
      s = intersect(buf, start, stride, s2, v[k]!, q, fq);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0) return; // no feature on this line: all stay Infinity
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1]! < q) j++;
    const p = v[j]!;
    d[q] = s2 * (q - p) * (q - p) + buf[start + p * stride]!;
  }
  for (let q = 0; q < n; q++) buf[start + q * stride] = d[q]!;
}

/**
 * Distance from every cell to the nearest cell with mask ≠ 0, row-major nx × ny; dx is the spacing
 * between columns, dy between rows (any unit; the result is in the same unit). Infinity everywhere
 * when the mask has no feature.
 */
export function distanceTransform(mask: Uint8Array, nx: number, ny: number, dx: number, dy: number): Float64Array {
  if (mask.length !== nx * ny) throw new RangeError(`distanceTransform: mask has ${mask.length} cells, expected ${nx}×${ny}`);
  const sq = new Float64Array(nx * ny);
  for (let i = 0; i < sq.length; i++) sq[i] = mask[i] ? 0 : Infinity;
  const m = Math.max(nx, ny);
  const v = new Int32Array(m);
  const z = new Float64Array(m + 1);
  const d = new Float64Array(m);
  for (let col = 0; col < nx; col++) envelope1d(sq, col, nx, ny, dy * dy, v, z, d);
  for (let row = 0; row < ny; row++) envelope1d(sq, row * nx, 1, nx, dx * dx, v, z, d);
  for (let i = 0; i < sq.length; i++) sq[i] = Math.sqrt(sq[i]!);
  return sq;
}

/** Column and row spacing of a geographic grid in metres, at its central latitude (cos(lat) varies < 0.1% across a study area). */
export function gridSpacingMetres(grid: Grid): { dx: number; dy: number } {
  const midLat = ((grid.north + grid.south) / 2) * (Math.PI / 180);
  return { dx: grid.cellLon * METRES_PER_DEGREE * Math.cos(midLat), dy: grid.cellLat * METRES_PER_DEGREE };
}

/** Metres from each cell centre of the grid to the nearest masked cell centre, as a Float32 layer. */
export function distanceToMask(grid: Grid, mask: Uint8Array): Float32Array {
  const { dx, dy } = gridSpacingMetres(grid);
  return Float32Array.from(distanceTransform(mask, grid.nx, grid.ny, dx, dy));
}
