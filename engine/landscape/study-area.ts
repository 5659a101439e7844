// The study area the server scores habitat on (WT_STUDY_AREA): `synthetic` or `synthetic:SEED` for
// the generated Mara-like landscape, or a directory holding one GeoTIFF per layer
// (elevation.tif, ndvi.tif, dist_water.tif, landcover.tif, dist_settlement.tif).
import { join } from "node:path";
import { readStackFromGeoTiffs } from "../../formats/geotiff-stack.ts";
import { LAYERS, type CovariateStack, type LayerName } from "./stack.ts";
import { syntheticLandscape } from "./synthetic.ts";

export async function loadStudyArea(spec: string): Promise<CovariateStack> {
  const synthetic = /^synthetic(?::(.+))?$/.exec(spec);
  if (synthetic) {
    const { grid, layers } = syntheticLandscape(synthetic[1] ?? "mara");
    return { grid, layers };
  }
  const paths = Object.fromEntries(LAYERS.map((name) => [name, join(spec, `${name}.tif`)])) as Record<LayerName, string>;
  return readStackFromGeoTiffs(paths);
}
