// The engine refuses to start a model that does not match its card: another file than the card's
// hash, an ONNX graph whose inputs differ from the card's signature, a card made for other features;
// a missing model file or card is a clear start error.
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_MODEL_PATH, loadNextPositionModel, ModelLoadError, ModelSignatureError } from "../../engine/predict/index.ts";
import { lstmCheckTask, lstmPredictTask } from "../../workers/lstm-tasks.ts";

const LSTM_DIR = fileURLToPath(new URL("../../models/lstm/", import.meta.url));
const CARD = JSON.parse(readFileSync(join(LSTM_DIR, "model-card.json"), "utf8"));
const WRONG = join(LSTM_DIR, "fixtures", "wrong-signature.onnx");
const dirs: string[] = [];

/** A model directory in tmp: `onnx` copied as next-position.onnx, and the card (edited) beside it. */
function modelDir(onnx: string | null, card: object | null): string {
  const dir = mkdtempSync(join(tmpdir(), "wt-lstm-"));
  dirs.push(dir);
  if (onnx) copyFileSync(onnx, join(dir, "next-position.onnx"));
  if (card) writeFileSync(join(dir, "model-card.json"), JSON.stringify(card));
  return join(dir, "next-position.onnx");
}
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("next-position model start checks", () => {
  it("starts the committed model, which matches its card", async () => {
    const m = await loadNextPositionModel();
    expect(m.card.sha256).toBe(sha(DEFAULT_MODEL_PATH));
    await m.close();
  });

  it("refuses an ONNX graph whose input signature is not its card's (one feature too many)", async () => {
    const path = modelDir(WRONG, { ...CARD, sha256: sha(WRONG) });
    const err = await loadNextPositionModel(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelSignatureError);
    expect((err as Error).message).toMatch(/input "features" has shape \[batch, 16, 15\], the card says \[batch, 16, 14\]/);
  });

  it("refuses a file that is not the one its card hashes", async () => {
    const path = modelDir(WRONG, CARD);
    const err = await loadNextPositionModel(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelSignatureError);
    expect((err as Error).message).toMatch(/SHA-256 .* its card .* says/);
  });

  it("refuses a card made for other features than the engine builds", async () => {
    const features = [...CARD.features];
    [features[0], features[1]] = [features[1], features[0]];
    const err = await loadNextPositionModel(modelDir(DEFAULT_MODEL_PATH, { ...CARD, features })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelSignatureError);
    expect((err as Error).message).toMatch(/does not match this engine: features \[dy_km, dx_km/);
  });

  it("a missing model file is a clear start error", async () => {
    const path = modelDir(null, CARD);
    const err = await loadNextPositionModel(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toBe(`next-position model ${path} does not exist: restore it from git or retrain it (models/lstm/README.md)`);
  });

  it("a missing card is a clear start error", async () => {
    const err = await loadNextPositionModel(modelDir(DEFAULT_MODEL_PATH, null)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toMatch(/model-card\.json does not exist: a model is not started without its card/);
  });

  it("the worker task reports the start error, then starts once the file is there", async () => {
    const path = modelDir(null, { ...CARD, sha256: sha(DEFAULT_MODEL_PATH) });
    await expect(lstmCheckTask({ model: path })).rejects.toThrow(/does not exist/);
    copyFileSync(DEFAULT_MODEL_PATH, path);
    await expect(lstmCheckTask({ model: path })).resolves.toEqual({ name: CARD.name, version: CARD.version, sha256: CARD.sha256 });
    await expect(lstmPredictTask({ model: path, features: new Float32Array(3), n: 1 })).rejects.toThrow(/3 floats are not 1 samples of 224/);
  });
});
