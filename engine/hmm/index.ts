// Movement HMMs (moveHMM-compatible): prepare steps and angles, fit, decode, filter live, simulate,
// serialise. Everything here is synchronous and pure over typed arrays, so it runs in a worker.
export type { AngleDist, HmmModel, ModelShape, StartValues, StepDist } from "./model.ts";
export { HmmModelError, cloneModel, createModel, parameterCount, permuteStates, validateModel } from "./model.ts";
export type { HmmData, HmmDataInput } from "./data.ts";
export { HmmDataError, createHmmData, hasZeroSteps, validateData } from "./data.ts";
export type { Coords, PrepOptions, TrackInput } from "./prep.ts";
export { parseCovariateTerm, prepTracks, stepLength, stepsAndAngles, turnAngle, turnAngleLonLat, wrapToPi } from "./prep.ts";
export { greatCircleKm, geodesicBearing } from "./geodesy.ts";
export * from "./densities.ts";
export { fromWorking, toWorking, workingLength } from "./params.ts";
export { stationaryDistribution, transitionMatrixOf } from "./transition.ts";
export type { FitOptions, HmmFit, StartOutcome } from "./fit.ts";
export { defaultStart, fitHmm, hmmNegLogLikelihood, randomStart } from "./fit.ts";
export type { MinimizeOptions, MinimizeResult } from "./optimize.ts";
export { minimize } from "./optimize.ts";
export { forwardProbabilities, logForwardBackward, pseudoResiduals, stateCounts, stateProbabilities, viterbi } from "./decode.ts";
export { HmmForwardFilter } from "./filter.ts";
export type { SimulatedHmm, SimulateOptions } from "./simulate.ts";
export { simulateHmm } from "./simulate.ts";
export type { HmmModelJson, HmmStateJson } from "./serialize.ts";
export { HMM_MODEL_VERSION, modelFromJson, modelToJson } from "./serialize.ts";
