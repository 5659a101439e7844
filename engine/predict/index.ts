// Next-position forecasting: features from a track (one pure builder for training, evaluation and
// live use), the ONNX LSTM with its model-card check, micro-batching, baselines and evaluation.
export {
  buildSample,
  COVARIATE_NAMES,
  COVARIATE_SCALING,
  decodePrediction,
  FEATURE_HMM,
  FEATURE_HMM_SPEC,
  FEATURE_NAMES,
  HORIZONS_H,
  inside95,
  N_FEATURES,
  PREDICTIVE_DISTRIBUTION,
  SAMPLE_SIZE,
  stateFeatures,
  toFrameKm,
  WINDOW,
  type CovariateName,
  type FeatureOptions,
  type PositionForecast,
  type PredictTrack,
  type SampleFrame,
} from "./features.ts";
export { fromSimulated, medianInterval, positionAt, prepareTrack, PredictInputError, type CovariateSampler, type PrepareOptions, type RawTrack, type TrackCoords } from "./track.ts";
export { constantVelocity, errorSummary, persistence } from "./baselines.ts";
export { evaluateTracks, horizonLabel, type BatchPredict, type EvalOptions, type EvalReport, type HorizonReport } from "./evaluate.ts";
export { simulateTrack, SIM_BEHAVIOURS, splitSeeds, type HabitatSelection, type SimTrackOptions, type SimulatedTrack } from "./simulate.ts";
export {
  DEFAULT_MODEL_PATH,
  loadNextPositionModel,
  ModelLoadError,
  ModelSignatureError,
  NextPositionModel,
  type ModelCard,
} from "./model.ts";
export { forecastFromLastFix, MicroBatcher, type MicroBatcherOptions, type SequenceForecast } from "./batcher.ts";
export { LANDSCAPE_SEED, SELECTION_BY_BEHAVIOUR, stackHabitat, stackSampler, trainingLandscape } from "./habitat.ts";
