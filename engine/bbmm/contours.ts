// Home-range contours of a UD: for each level, the area of the densest cells holding that share of the
// UD (cell count × cell², as move and BBMM report it) and the GeoJSON geometry of that region traced
// on the volume raster (holes kept). The polygon area can differ from the cell area by about one cell
// width along the boundary, because the outline is interpolated between cell centres.
import type { Grid } from "./grid.ts";
import { isoPolygons, type MultiPolygonCoords, type Ring } from "./marching-squares.ts";
import { BbmmInputError } from "./track.ts";
import { volumeArea, volumeRaster } from "./volume.ts";

export type ContourGeometry = { type: "Polygon"; coordinates: Ring[] } | { type: "MultiPolygon"; coordinates: MultiPolygonCoords };

export interface Contour {
  /** Percent of the UD volume, e.g. 95. */
  level: number;
  areaKm2: number;
  /** null when no cell falls inside (a level smaller than the densest cell). */
  geometry: ContourGeometry | null;
}

/** Maps a planar [x, y] (metres, the grid's coordinates) to the output coordinates, e.g. back to [lon, lat]. */
export type Unproject = (x: number, y: number) => number[];

/** Checks percent levels: each in (0, 100). */
export function checkLevels(levels: readonly number[]): void {
  if (levels.length === 0) throw new BbmmInputError("at least one contour level is needed");
  for (const l of levels)
    if (!(l > 0 && l < 100)) throw new BbmmInputError(`contour levels are percentages between 0 and 100, exclusive (got ${l})`);
}

/** Contours of the UD at the given percent levels; `unproject` maps vertices to output coordinates. */
export function udContours(ud: Float64Array, grid: Grid, levels: readonly number[], unproject?: Unproject): Contour[] {
  checkLevels(levels);
  const volume = volumeRaster(ud);
  return levels.map((level) => {
    const p = level / 100;
    const areaKm2 = volumeArea(volume, grid, p);
    // Beyond the grid the UD is 0, so its volume is 1: the padding that closes the rings.
    const polys = isoPolygons(volume, grid, p, 1);
    const coords = unproject ? polys.map((poly) => poly.map((ring) => ring.map(([x, y]) => unproject(x!, y!)))) : polys;
    const geometry: ContourGeometry | null =
      coords.length === 0 ? null : coords.length === 1 ? { type: "Polygon", coordinates: coords[0]! } : { type: "MultiPolygon", coordinates: coords };
    return { level, areaKm2, geometry };
  });
}
