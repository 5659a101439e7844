// ONNX export and serving: onnxruntime-node scores like the trainer (1e-5 on the anguilla test set,
// missing values included), and a missing file or a model that is not what its card says is refused
// with a message naming the file and the difference.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  binaryTarget,
  createMatrix,
  encodeTable,
  fitEncoding,
  parseTable,
  predictProba,
  saveHabitatModel,
  toRowMajorFloat32,
  trainGbt,
  type FeatureMatrix,
  type GbtModel,
} from "../../engine/habitat/index.ts";
import { HabitatModelError, loadHabitatModel } from "../../engine/habitat/onnx-runtime.ts";

const DATA = fileURLToPath(new URL("../../../shared/datasets/", import.meta.url));
const read = (f: string) => parseTable(readFileSync(join(DATA, f), "utf8"), f);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe("ONNX habitat model", () => {
  let model: GbtModel;
  let test: FeatureMatrix;
  let dir: string;

  beforeAll(async () => {
    const train = read("anguilla_train.csv");
    const enc = fitEncoding(train, train.header.filter((h) => h !== "Site" && h !== "Angaus"));
    model = trainGbt(encodeTable(enc, train), binaryTarget(train, "Angaus"), { nTrees: 400, eta: 0.02, maxDepth: 5, subsample: 0.5 });
    test = encodeTable(enc, read("anguilla_test.csv")); // Method is NA on every row, LocSed on 98
    dir = mkdtempSync(join(tmpdir(), "wt-habitat-onnx-"));
    await saveHabitatModel(dir, model, { encoding: enc.columns, target: "Angaus" });
  });

  it("equals the trainer's predictions to 1e-5 on the anguilla test set", async () => {
    const scorer = await loadHabitatModel(join(dir, "habitat.onnx"));
    try {
      const onnxP = await scorer.score(toRowMajorFloat32(test));
      expect(onnxP).toHaveLength(500);
      expect(maxAbsDiff(onnxP, predictProba(model, test))).toBeLessThan(1e-5);
    } finally {
      await scorer.close();
    }
  });

  it("writes a card with the input signature, features and the file's sha256", async () => {
    const card = JSON.parse(readFileSync(join(dir, "habitat.card.json"), "utf8"));
    expect(card.inputs).toEqual([expect.objectContaining({ name: "features", shape: ["N", 16], dtype: "float32" })]);
    expect(card.outputs.map((o: { name: string }) => o.name)).toEqual(["probability", "margin"]);
    expect(card.feature_names).toContain("Method=electric");
    expect(card.model.trees).toBe(400);
    const { createHash } = await import("node:crypto");
    expect(card.sha256).toBe(createHash("sha256").update(readFileSync(join(dir, "habitat.onnx"))).digest("hex"));
  });

  it("refuses a missing model file with a clear error naming the path", async () => {
    const missing = join(dir, "nope", "habitat.onnx");
    const err = await loadHabitatModel(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HabitatModelError);
    expect((err as Error).message).toBe(`habitat model file not found: ${missing}`);
  });

  it("refuses a model without its card", async () => {
    const lone = mkdtempSync(join(tmpdir(), "wt-habitat-lone-"));
    copyFileSync(join(dir, "habitat.onnx"), join(lone, "habitat.onnx"));
    await expect(loadHabitatModel(join(lone, "habitat.onnx"))).rejects.toThrow(`model card for ${join(lone, "habitat.onnx")} not found: ${join(lone, "habitat.card.json")}`);
  });

  it("refuses a model whose input signature is not its card's, naming expected and found", async () => {
    const other = mkdtempSync(join(tmpdir(), "wt-habitat-sig-"));
    const x3 = createMatrix(4, ["a", "b", "c"], Float64Array.of(1, 2, 3, 4, 0, 0, 1, 1, 5, 5, 5, 5));
    const small = await saveHabitatModel(other, trainGbt(x3, Float64Array.of(0, 0, 1, 1), { nTrees: 3, eta: 0.3, minChildWeight: 0 }));
    // The card of the 16-feature model, pointing at the 3-feature file (sha256 fixed so only the signature differs).
    const card = JSON.parse(readFileSync(join(dir, "habitat.card.json"), "utf8"));
    writeFileSync(small.cardPath, JSON.stringify({ ...card, sha256: small.card.sha256 }));
    const err = await loadHabitatModel(small.onnxPath).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HabitatModelError);
    expect((err as Error).message).toBe(
      `habitat model ${small.onnxPath}: input signature does not match its card — expected features: float32 [N, 16], found features: float32 [N, 3]`,
    );
  });

  it("refuses a file that is not the one its card describes", async () => {
    const swapped = mkdtempSync(join(tmpdir(), "wt-habitat-swap-"));
    copyFileSync(join(dir, "habitat.onnx"), join(swapped, "habitat.onnx"));
    const card = JSON.parse(readFileSync(join(dir, "habitat.card.json"), "utf8"));
    writeFileSync(join(swapped, "habitat.card.json"), JSON.stringify({ ...card, sha256: "0".repeat(64) }));
    await expect(loadHabitatModel(join(swapped, "habitat.onnx"))).rejects.toThrow(/is not the file its card describes/);
  });

  it("exports trees that are a single leaf and a model without trees", async () => {
    const x = createMatrix(3, ["only"], Float64Array.of(5, 5, 5)); // constant: no split possible
    const y = Float64Array.of(0, 1, 1);
    for (const nTrees of [0, 2]) {
      const m = trainGbt(x, y, { nTrees });
      const saved = await saveHabitatModel(mkdtempSync(join(tmpdir(), "wt-habitat-leaf-")), m);
      const scorer = await loadHabitatModel(saved.onnxPath);
      const p = await scorer.score(Float32Array.of(5, Number.NaN));
      expect(maxAbsDiff(p, predictProba(m, createMatrix(2, ["only"], Float64Array.of(5, Number.NaN))))).toBeLessThan(1e-6);
      await expect(scorer.score(Float32Array.of(1, 2, 3).subarray(0, 0))).resolves.toHaveLength(0);
      await scorer.close();
    }
  });
});
