// Public surface of the collar simulator.
export { Rng, hashSeed, wrapAngle } from "./random.ts";
export { besselRatioA1, inverseA1 } from "./circular.ts";
export { rescaleTransition, stationary } from "./markov.ts";
export {
  BEHAVIOURS,
  SPECIES,
  SPECIES_PARAMS,
  STUDY_AREA,
  initialState,
  inStudyArea,
  scaledParams,
  stationaryBehaviour,
  step,
  type AnimalState,
  type Behaviour,
  type BehaviourParams,
  type Species,
  type SpeciesParams,
} from "./movement.ts";
export { CollarTrack, generateFixes, type CollarSpec, type SimFix, type TrackTiming } from "./collar-track.ts";
export { CollarFleet, type CollarFleetOptions, type ResolvedFleetOptions } from "./collar-fleet.ts";
export type { AckInfo, FleetHooks } from "./fleet-connection.ts";
export { apiBaseFromIngestUrl, registerCollars, type RegisterOptions, type RegisterResult } from "./register.ts";
export type { FleetStats } from "./fleet-stats.ts";
export type { LatencySummary } from "./latency.ts";
