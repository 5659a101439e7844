// Habitat models (resource selection from presence/absence): XGBoost-style gradient-boosted trees
// trained here, cross-validated (spatially blocked when there are coordinates), exported to ONNX and
// served by onnxruntime-node. Everything but the file and runtime helpers is pure over typed arrays.
export type { FeatureMatrix } from "./matrix.ts";
export { HabitatDataError, createMatrix, fromRowMajor, selectRows, toFloat32Values, toRowMajorFloat32 } from "./matrix.ts";
export type { TextTable } from "./table-csv.ts";
export { columnIndex, parseTable } from "./table-csv.ts";
export type { ColumnEncoding, Encoding } from "./encoding.ts";
export { binaryTarget, encodeTable, featureNamesOf, fitEncoding, numericCell } from "./encoding.ts";
export type { GbtModel, GbtParams, GbtTree } from "./gbt-model.ts";
export { leafWeight, lossChange, nodeScore, splitGain, splitThreshold } from "./gbt-split.ts";
export { DEFAULT_PARAMS, GbtBooster, resolveParams, trainGbt } from "./gbt.ts";
export { leafOf, logit, predictMargin, predictProba, sigmoid } from "./gbt-predict.ts";
export { auc, meanDeviance } from "./auc.ts";
export type { BlockOptions } from "./folds.ts";
export { spatialBlockFolds, stratifiedFolds } from "./folds.ts";
export type { CvOptions, CvResult } from "./cv.ts";
export { crossValidate } from "./cv.ts";
export type { HabitatFit } from "./fit.ts";
export { fitHabitat } from "./fit.ts";
export { INPUT_NAME, MARGIN_OUTPUT, PROBABILITY_OUTPUT, exportOnnx } from "./onnx-export.ts";
export type { ModelCard, TensorSpec } from "./model-card.ts";
export { CARD_FILE, MODEL_FILE, buildModelCard, cardPathFor, saveHabitatModel } from "./model-card.ts";
