// Brownian bridge movement models: static BBMM (Horne et al. 2007; R BBMM, adehabitatHR) and dynamic
// BBMM (Kranstauber et al. 2012; R move), UD on a grid, volume contours as GeoJSON.

export { homeRange, type CoordSystem, type HomeRange, type HomeRangeOptions, type HomeRangeTrack } from "./home-range.ts";
export { bridgeTrack, BbmmInputError, type BridgeTrack } from "./track.ts";
export { motionVariance, constantSegmentVariance, type LeaveOut } from "./variance.ts";
export { looTerms, looLogLik, maxLooLikelihood, type LooTerms, type VarianceFit } from "./likelihood.ts";
export { dynamicMotionVariance, type DynamicOptions, type DynamicVariance } from "./dynamic.ts";
export { gridAround, trackGrid, maxBridgeSigma, MAX_GRID_CELLS, type Grid } from "./grid.ts";
export { bridgeUD, defaultTimeStep, MAX_TIME_STEPS, type UdOptions } from "./ud.ts";
export { volumeRaster, volumeArea } from "./volume.ts";
export { udContours, checkLevels, type Contour, type ContourGeometry, type Unproject } from "./contours.ts";
export { isoPolygons, ringArea, type MultiPolygonCoords, type Ring } from "./marching-squares.ts";
export { aeqdAround, aeqdForward, aeqdInverse, type Aeqd } from "./project.ts";
