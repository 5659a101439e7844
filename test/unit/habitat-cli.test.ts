// `wt habitat fit`: Elith et al. (2008)'s eel data lands on the published boosted-regression-tree
// AUCs, the model it saves is checked through onnxruntime, spatial blocks are used with coordinates,
// and usage errors are clear.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runHabitat } from "../../cli/habitat.ts";

const DATA = fileURLToPath(new URL("../../../shared/datasets/", import.meta.url));
const TRAIN = join(DATA, "anguilla_train.csv");
const TEST = join(DATA, "anguilla_test.csv");

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runHabitat(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out, err, json: () => JSON.parse(out.at(-1)!) };
}

describe("wt habitat fit", () => {
  it("reproduces the published anguilla BRT AUCs (cv ≈ 0.87, independent test ≈ 0.86) and saves a checked ONNX model", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wt-habitat-cli-"));
    const r = await run(["fit", "--input", TRAIN, "--target", "Angaus", "--eval", TEST, "--eval-target", "Angaus_obs", "--save-model", dir, "--json"]);
    expect(r.err.filter((l) => !l.includes('left out column "Site"'))).toEqual([]);
    expect(r.code).toBe(0);
    const j = r.json();
    expect(Math.abs(j.auc_cv - 0.87)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(j.auc_eval - 0.86)).toBeLessThanOrEqual(0.03);
    expect(j.trees).toBeGreaterThan(100);
    expect(j.trees).toBeLessThan(3000);
    expect(j.fold_kind).toBe("stratified-random");
    expect(j.folds).toBe(10);
    expect(j.n).toBe(1000);
    expect(j.n_presence).toBe(202);
    expect(j.ignored_columns).toEqual(["Site"]);
    expect(j.features).toHaveLength(16);
    expect(j.model.onnx_max_abs_diff).toBeLessThan(1e-5);
  });

  it("cross-validates in spatial blocks when given coordinates", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wt-habitat-xy-"));
    const file = join(dir, "sites.csv");
    const lines = ["east,north,elev,cover,present"];
    let s = 5;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 400; i++) {
      const e = rand() * 10_000;
      const n = rand() * 10_000;
      const elev = 200 + n / 20 + rand() * 100;
      const cover = rand() < 0.5 ? "forest" : "grass";
      const p = 1 / (1 + Math.exp(-((elev - 450) / 60 + (cover === "forest" ? 1 : -1))));
      lines.push(`${e.toFixed(1)},${n.toFixed(1)},${elev.toFixed(1)},${cover},${rand() < p ? 1 : 0}`);
    }
    writeFileSync(file, lines.join("\n") + "\n");
    const r = await run(["fit", "--input", file, "--target", "present", "--x", "east", "--y", "north", "--folds", "5", "--eta", "0.05", "--json"]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const j = r.json();
    expect(j.fold_kind).toBe("spatial-blocks");
    expect(j.features).toEqual(["elev", "cover=forest", "cover=grass"]); // coordinates are not covariates
    expect(j.auc_cv).toBeGreaterThan(0.7);
    expect(j.auc_eval).toBeNull();
  });

  it("explains usage errors", async () => {
    expect((await run(["fit", "--input", TRAIN])).err.at(-1)).toMatch(/--target COL is required/);
    expect((await run(["fit", "--input", join(DATA, "nope.csv"), "--target", "y"])).err.at(-1)).toBe(`wt habitat: --input file not found: ${join(DATA, "nope.csv")}`);
    expect((await run(["fit", "--input", TRAIN, "--target", "Angus"])).err.at(-1)).toMatch(/no target column "Angus" in .*anguilla_train.csv \(columns: Site, Angaus/);
    expect((await run(["fit", "--input", TRAIN, "--target", "Angaus", "--eval", TEST])).err.at(-1)).toMatch(/no target column "Angaus" in .*anguilla_test.csv \(set it with --eval-target\)/);
    expect((await run(["fit", "--input", TRAIN, "--target", "Angaus", "--eta", "2"])).err.at(-1)).toBe('wt habitat: --eta must be in (0, 1] (got "2")');
    expect((await run(["fit", "--input", TRAIN, "--target", "Angaus", "--x", "SegSumT"])).err.at(-1)).toBe("wt habitat: --x and --y go together");
    expect((await run(["score"])).err.at(-1)).toMatch(/unknown subcommand "score"/);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out[0]).toMatch(/^Usage: wt habitat fit --input FILE.csv --target COL/);
  });
});
