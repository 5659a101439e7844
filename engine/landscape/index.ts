// Study-area covariates: the stack type, point/track sampling, the synthetic demo landscape and
// habitat selection for the simulator. GeoTIFF input/output lives in formats/geotiff-stack.ts.
export * from "./stack.ts";
export * from "./sample.ts";
export * from "./selection.ts";
export { distanceToMask, distanceTransform, gridSpacingMetres, METRES_PER_DEGREE } from "./distance-transform.ts";
export { DEFAULT_BOUNDS, DEFAULT_CELL_DEG, ELEVATION_RANGE_M, landcoverShares, syntheticLandscape } from "./synthetic.ts";
export type { LandscapeFeatures, LonLat, SyntheticLandscape, SyntheticOptions } from "./synthetic.ts";
