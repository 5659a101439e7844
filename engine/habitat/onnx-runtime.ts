// Serving an exported habitat model with onnxruntime-node: load the .onnx and its card, refuse a file
// that is not the one the card describes, then score batches of sites.
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import { cardPathFor, sha256, type ModelCard, type TensorSpec } from "./model-card.ts";
import { PROBABILITY_OUTPUT } from "./onnx-export.ts";

/** A model that cannot be served; the message names the file and what is wrong, for a start-up log. */
export class HabitatModelError extends Error {
  override name = "HabitatModelError";
}

export interface HabitatScorer {
  readonly path: string;
  readonly card: ModelCard;
  readonly nFeatures: number;
  /** Probabilities of presence for a row-major float32 batch [nRows × nFeatures] (NaN = missing). */
  score(rows: Float32Array): Promise<Float32Array>;
  close(): Promise<void>;
}

async function readOrExplain(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new HabitatModelError(`${what} not found: ${path}`);
    if (code === "EISDIR") throw new HabitatModelError(`${what} is a directory, not a file: ${path}`);
    throw new HabitatModelError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

const specText = (s: { name: string; dtype: string; shape: ReadonlyArray<number | string> }) => `${s.name}: ${s.dtype} [${s.shape.join(", ")}]`;

/** Symbolic dimensions (batch size) match anything symbolic or unknown; fixed ones must be equal. */
function sameSpec(card: TensorSpec, found: ort.InferenceSession.ValueMetadata): boolean {
  if (!found.isTensor || found.name !== card.name || found.type !== card.dtype || found.shape.length !== card.shape.length) return false;
  return card.shape.every((d, i) => {
    const f = found.shape[i];
    return typeof d === "number" ? f === d : typeof f !== "number" || f < 0;
  });
}

export function checkSignature(path: string, card: ModelCard, inputs: readonly ort.InferenceSession.ValueMetadata[]): void {
  const ok = inputs.length === card.inputs.length && card.inputs.every((c, i) => sameSpec(c, inputs[i]!));
  if (ok) return;
  const found = inputs.map((m) => (m.isTensor ? specText({ name: m.name, dtype: m.type, shape: m.shape }) : `${m.name}: (not a tensor)`));
  throw new HabitatModelError(
    `habitat model ${path}: input signature does not match its card — expected ${card.inputs.map(specText).join("; ")}, found ${found.join("; ") || "no inputs"}`,
  );
}

/** Loads model file and card (default: the .card.json beside it) and checks one against the other. */
export async function loadHabitatModel(onnxPath: string, opts: { cardPath?: string } = {}): Promise<HabitatScorer> {
  const bytes = await readOrExplain(onnxPath, "habitat model file");
  const cardPath = opts.cardPath ?? cardPathFor(onnxPath);
  let card: ModelCard;
  try {
    card = JSON.parse((await readOrExplain(cardPath, `model card for ${onnxPath}`)).toString("utf8")) as ModelCard;
  } catch (err) {
    if (err instanceof HabitatModelError) throw err;
    throw new HabitatModelError(`model card ${cardPath} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(card.inputs) || !Array.isArray(card.feature_names)) throw new HabitatModelError(`model card ${cardPath} has no inputs or feature_names`);
  const digest = sha256(bytes);
  if (card.sha256 && card.sha256 !== digest) {
    throw new HabitatModelError(`habitat model ${onnxPath} is not the file its card describes (card sha256 ${card.sha256}, file ${digest})`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (err) {
    throw new HabitatModelError(`habitat model ${onnxPath} could not be loaded by onnxruntime: ${(err as Error).message}`);
  }
  try {
    checkSignature(onnxPath, card, session.inputMetadata);
    if (!session.outputNames.includes(PROBABILITY_OUTPUT)) {
      throw new HabitatModelError(`habitat model ${onnxPath} has no "${PROBABILITY_OUTPUT}" output (outputs: ${session.outputNames.join(", ")})`);
    }
  } catch (err) {
    await session.release();
    throw err;
  }
  const input = card.inputs[0]!;
  const width = input.shape[1];
  const nFeatures = typeof width === "number" ? width : card.feature_names.length;
  return {
    path: onnxPath,
    card,
    nFeatures,
    async score(rows: Float32Array): Promise<Float32Array> {
      if (rows.length % nFeatures !== 0) throw new RangeError(`a batch of ${rows.length} values is not whole rows of ${nFeatures} features`);
      const n = rows.length / nFeatures;
      if (n === 0) return new Float32Array(0);
      const out = await session.run({ [input.name]: new ort.Tensor("float32", rows, [n, nFeatures]) }, [PROBABILITY_OUTPUT]);
      return Float32Array.from(out[PROBABILITY_OUTPUT]!.data as Float32Array);
    },
    close: () => session.release(),
  };
}
