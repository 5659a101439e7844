// The study area the server scores habitat on (WT_STUDY_AREA): `synthetic` or `synthetic:SEED` for
// the generated Mara-like landscape, or a directory holding one GeoTIFF per layer
// (elevation.tif, ndvi.tif, dist_water.tif, landcover.tif, dist_settlement.tif).
import { join } from "node:path";
import { existsSync } from "node:fs";
import { readStackFromGeoTiffs, writeStackToGeoTiffs } from "../../formats/geotiff-stack.ts";
import { LAYERS, type CovariateStack, type LayerName } from "./stack.ts";
import { syntheticLandscape } from "./synthetic.ts";

/**
 * Loads the study area. A synthetic one is also written as GeoTIFFs under `exportDir/<seed>/` (once),
 * so the landscape the demo animals live on can be opened in QGIS or handed back as WT_STUDY_AREA.
 */
export async function loadStudyArea(spec: string, exportDir?: string): Promise<CovariateStack> {
  const synthetic = /^synthetic(?::(.+))?$/.exec(spec);
  if (synthetic) {
    const seed = synthetic[1] ?? "mara";
    const { grid, layers } = syntheticLandscape(seed);
    const stack = { grid, layers };
    if (exportDir) {
      const dir = join(exportDir, seed.replace(/[^A-Za-z0-9_-]/g, "_"));
      if (!existsSync(join(dir, "elevation.tif"))) await writeStackToGeoTiffs(stack, dir);
    }
    return stack;
  }
  const paths = Object.fromEntries(LAYERS.map((name) => [name, join(spec, `${name}.tif`)])) as Record<LayerName, string>;
  return readStackFromGeoTiffs(paths);
}
