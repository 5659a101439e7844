// The next-position LSTM in onnxruntime, started only when it matches its model card: the file's
// SHA-256, the features, window and horizons this engine builds, and the input/output names, types
// and shapes the ONNX graph declares. Anything else refuses to start with a message that says which.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { FEATURE_NAMES, HORIZONS_H, N_FEATURES, PREDICTIVE_DISTRIBUTION, SAMPLE_SIZE, WINDOW } from "./features.ts";

/** The committed model (models/lstm/next-position.onnx); its card sits beside it. */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL("../../models/lstm/next-position.onnx", import.meta.url));

export interface TensorSignature {
  name: string;
  type: string;
  /** Numbers are fixed sizes; strings are symbolic (the batch). */
  shape: Array<number | string>;
}

/** models/lstm/model-card.json: what the model was trained on and the contract it is served under. */
export interface ModelCard {
  name: string;
  version: string;
  file: string;
  sha256: string;
  window: number;
  horizons_h: number[];
  features: string[];
  signature: { inputs: TensorSignature[]; outputs: TensorSignature[] };
  predictive_distribution: { name: string; radius_95: number };
  [more: string]: unknown;
}

/** The model file or its card is missing or unreadable. */
export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelLoadError";
  }
}

/** The model does not match its card, or the card does not match this engine's features. */
export class ModelSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelSignatureError";
  }
}

export interface LoadOptions {
  /** Default: model-card.json beside the model. */
  cardPath?: string;
  /** onnxruntime intra-op threads (default 1: the pool runs one model per core). */
  threads?: number;
}

const same = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const show = (shape: ReadonlyArray<number | string>) => `[${shape.join(", ")}]`;

export class NextPositionModel {
  private constructor(
    readonly card: ModelCard,
    readonly path: string,
    private readonly session: ort.InferenceSession,
  ) {}

  /** Loads and checks the model; throws ModelLoadError or ModelSignatureError. */
  static async load(path: string = DEFAULT_MODEL_PATH, opts: LoadOptions = {}): Promise<NextPositionModel> {
    const cardPath = opts.cardPath ?? join(dirname(path), "model-card.json");
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ModelLoadError(
        code === "ENOENT"
          ? `next-position model ${path} does not exist: restore it from git or retrain it (models/lstm/README.md)`
          : `cannot read next-position model ${path}: ${code ?? (err as Error).message}`,
      );
    }
    let card: ModelCard;
    try {
      card = JSON.parse(await readFile(cardPath, "utf8")) as ModelCard;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ModelLoadError(
        code === "ENOENT" ? `model card ${cardPath} does not exist: a model is not started without its card` : `model card ${cardPath} is unreadable: ${(err as Error).message}`,
      );
    }
    checkCardAgainstEngine(card, cardPath);
    const sha = createHash("sha256").update(bytes).digest("hex");
    if (sha !== card.sha256) throw new ModelSignatureError(`${path} has SHA-256 ${sha}, its card ${cardPath} says ${card.sha256}: the file is not the model the card describes`);
    let session: ort.InferenceSession;
    try {
      const threads = opts.threads ?? 1;
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: "sequential",
        graphOptimizationLevel: "all",
      });
    } catch (err) {
      throw new ModelLoadError(`${path} is not a model onnxruntime can load: ${(err as Error).message}`);
    }
    checkSessionAgainstCard(session, card, path);
    return new NextPositionModel(card, path, session);
  }

  /** Runs n samples (n × SAMPLE_SIZE floats, buildSample's layout) → mean and log-variance, n × horizons × 2 (km, heading frame). */
  async predict(features: Float32Array, n: number): Promise<{ mean: Float32Array; logVar: Float32Array }> {
    if (!Number.isInteger(n) || n < 1 || features.length < n * SAMPLE_SIZE) {
      throw new RangeError(`predict: ${features.length} floats cannot hold ${n} samples of ${WINDOW} × ${N_FEATURES}`);
    }
    const data = features.length === n * SAMPLE_SIZE && features.byteOffset === 0 ? features : features.slice(0, n * SAMPLE_SIZE);
    const [input] = this.card.signature.inputs;
    const [meanSig, logVarSig] = this.card.signature.outputs;
    const out = await this.session.run({ [input!.name]: new ort.Tensor("float32", data, [n, WINDOW, N_FEATURES]) });
    return { mean: out[meanSig!.name]!.data as Float32Array, logVar: out[logVarSig!.name]!.data as Float32Array };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Loads the next-position model, refusing one that does not match its card (see NextPositionModel.load). */
export function loadNextPositionModel(path?: string, opts?: LoadOptions): Promise<NextPositionModel> {
  return NextPositionModel.load(path, opts);
}

/** The card must describe the features, window, horizons and tensor shapes this engine builds. */
function checkCardAgainstEngine(card: ModelCard, cardPath: string): void {
  const problems: string[] = [];
  if (!Array.isArray(card.features) || !same(card.features, FEATURE_NAMES)) {
    problems.push(`features [${(card.features ?? []).join(", ")}], this engine builds [${FEATURE_NAMES.join(", ")}]`);
  }
  if (card.predictive_distribution?.name !== PREDICTIVE_DISTRIBUTION.name) {
    problems.push(`predictive distribution ${JSON.stringify(card.predictive_distribution?.name)}, this engine decodes "${PREDICTIVE_DISTRIBUTION.name}"`);
  }
  if (card.window !== WINDOW) problems.push(`window ${card.window}, this engine builds ${WINDOW} steps`);
  if (!Array.isArray(card.horizons_h) || !same(card.horizons_h, HORIZONS_H)) problems.push(`horizons ${JSON.stringify(card.horizons_h)} h, this engine uses ${JSON.stringify(HORIZONS_H)} h`);
  const inputs = card.signature?.inputs ?? [];
  const outputs = card.signature?.outputs ?? [];
  if (inputs.length !== 1 || !same(inputs[0]!.shape.slice(1), [WINDOW, N_FEATURES]) || inputs[0]!.type !== "float32") {
    problems.push(`input signature ${JSON.stringify(inputs)}, this engine feeds one float32 tensor [batch, ${WINDOW}, ${N_FEATURES}]`);
  }
  if (outputs.length !== 2 || outputs.some((o) => !same(o.shape.slice(1), [HORIZONS_H.length, 2]))) {
    problems.push(`output signature ${JSON.stringify(outputs)}, this engine reads mean and log-variance [batch, ${HORIZONS_H.length}, 2]`);
  }
  if (problems.length) throw new ModelSignatureError(`model card ${cardPath} does not match this engine: ${problems.join("; ")}`);
}

/** The ONNX graph must declare exactly the card's inputs and outputs. */
function checkSessionAgainstCard(session: ort.InferenceSession, card: ModelCard, path: string): void {
  const problems: string[] = [];
  const compare = (kind: string, declared: readonly ort.InferenceSession.ValueMetadata[], expected: TensorSignature[]) => {
    if (declared.length !== expected.length) problems.push(`${declared.length} ${kind}s (${declared.map((d) => d.name).join(", ")}), the card lists ${expected.length}`);
    expected.forEach((e, i) => {
      const d = declared[i];
      if (!d) return;
      if (d.name !== e.name) problems.push(`${kind} ${i} is "${d.name}", the card says "${e.name}"`);
      if (!d.isTensor) return void problems.push(`${kind} "${d.name}" is not a tensor`);
      if (d.type !== e.type) problems.push(`${kind} "${d.name}" is ${d.type}, the card says ${e.type}`);
      const ok = d.shape.length === e.shape.length && d.shape.every((s, k) => (typeof e.shape[k] === "number" ? s === e.shape[k] : typeof s === "string" || s === -1));
      if (!ok) problems.push(`${kind} "${d.name}" has shape ${show(d.shape)}, the card says ${show(e.shape)}`);
    });
  };
  compare("input", session.inputMetadata, card.signature.inputs);
  compare("output", session.outputMetadata, card.signature.outputs);
  if (problems.length) throw new ModelSignatureError(`${path} does not match its model card's signature: ${problems.join("; ")}`);
}
