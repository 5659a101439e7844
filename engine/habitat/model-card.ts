// The model card written next to an exported .onnx: what the file takes and gives (the contract the
// loader checks before serving it), how to build its input from a CSV, and where it came from.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { ColumnEncoding } from "./encoding.ts";
import type { GbtModel } from "./gbt-model.ts";
import { INPUT_NAME, IR_VERSION, MARGIN_OUTPUT, OPSET, PROBABILITY_OUTPUT, exportOnnx } from "./onnx-export.ts";

export const CARD_VERSION = 1;
export const MODEL_FILE = "habitat.onnx";
export const CARD_FILE = "habitat.card.json";

export interface TensorSpec {
  name: string;
  /** Dimensions; a string is a symbolic (any-size) dimension. */
  shape: Array<number | string>;
  dtype: "float32";
  description?: string;
}

export interface ModelCard {
  card_version: number;
  name: string;
  model_file: string;
  sha256: string;
  format: "onnx";
  ir_version: number;
  opset: Record<string, number>;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  feature_names: string[];
  /** How the features are built from a table's columns (absent for a model trained on a bare matrix). */
  encoding?: ColumnEncoding[];
  target?: string;
  model: { kind: "gbt-logistic"; trees: number; base_margin: number; params: GbtModel["params"] };
  metrics?: Record<string, number | null>;
  created: string;
}

export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

export interface CardExtras {
  name?: string;
  encoding?: readonly ColumnEncoding[];
  target?: string;
  metrics?: Record<string, number | null>;
}

export function buildModelCard(model: GbtModel, onnxBytes: Uint8Array, modelFile: string, extras: CardExtras = {}): ModelCard {
  const f = model.featureNames.length;
  return {
    card_version: CARD_VERSION,
    name: extras.name ?? "habitat",
    model_file: modelFile,
    sha256: sha256(onnxBytes),
    format: "onnx",
    ir_version: IR_VERSION,
    opset: { "": OPSET.default, "ai.onnx.ml": OPSET.ml },
    inputs: [{ name: INPUT_NAME, shape: ["N", f], dtype: "float32", description: "one row per site, columns in feature_names order; NaN = missing" }],
    outputs: [
      { name: PROBABILITY_OUTPUT, shape: ["N", 1], dtype: "float32", description: "probability of presence" },
      { name: MARGIN_OUTPUT, shape: ["N", 1], dtype: "float32", description: "log-odds of presence" },
    ],
    feature_names: [...model.featureNames],
    ...(extras.encoding ? { encoding: [...extras.encoding] } : {}),
    ...(extras.target !== undefined ? { target: extras.target } : {}),
    model: { kind: "gbt-logistic", trees: model.trees.length, base_margin: model.baseMargin, params: model.params },
    ...(extras.metrics ? { metrics: extras.metrics } : {}),
    created: new Date().toISOString(),
  };
}

/** The card that belongs to a model file: habitat.onnx → habitat.card.json beside it. */
export function cardPathFor(onnxPath: string): string {
  return onnxPath.replace(/\.onnx$/i, "") + ".card.json";
}

/** Writes DIR/habitat.onnx and DIR/habitat.card.json. */
export async function saveHabitatModel(dir: string, model: GbtModel, extras: CardExtras = {}): Promise<{ onnxPath: string; cardPath: string; card: ModelCard }> {
  await mkdir(dir, { recursive: true });
  const onnxPath = join(dir, MODEL_FILE);
  const cardPath = cardPathFor(onnxPath);
  const bytes = exportOnnx(model);
  const card = buildModelCard(model, bytes, basename(onnxPath), extras);
  await writeFile(onnxPath, bytes);
  await writeFile(cardPath, JSON.stringify(card, null, 2) + "\n");
  return { onnxPath, cardPath, card };
}
