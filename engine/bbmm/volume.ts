// UD volume contours, as move's getVolumeUD and adehabitatHR's getvolumeUD: every cell gets the
// probability of all cells at least as dense as itself (cells ranked by density, cumulative sum), so the
// p-level home range is the set of cells whose volume is ≤ p — the densest cells that together hold p.
import type { Grid } from "./grid.ts";

/** The cumulative-volume raster of a UD (values in (0, 1], densest cell smallest). */
export function volumeRaster(ud: Float64Array): Float64Array {
  const order = new Uint32Array(ud.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => ud[b]! - ud[a]! || a - b);
  const volume = new Float64Array(ud.length);
  let sum = 0;
  for (let r = 0; r < order.length; r++) {
    const c = order[r]!;
    sum += ud[c]!;
    volume[c] = sum;
  }
  return volume;
}

/** Area (km²) of the cells whose volume is ≤ level (a fraction in (0, 1)). */
export function volumeArea(volume: Float64Array, grid: Grid, level: number): number {
  let cells = 0;
  for (let c = 0; c < volume.length; c++) if (volume[c]! <= level) cells++;
  return (cells * grid.cell * grid.cell) / 1e6;
}
