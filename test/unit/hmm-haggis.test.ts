// `wt hmm fit` on moveHMM's reference data: the haggis fit must give moveHMM's numbers; covariate
// models must fit and improve on it; elk (zero steps) needs zero inflation.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runHmm } from "../../cli/hmm.ts";
import { createModel, fitHmm, hmmNegLogLikelihood, modelFromJson, prepTracks, simulateHmm, transitionMatrixOf } from "../../engine/hmm/index.ts";
import { readTrackCsv } from "../../formats/track-csv.ts";

const DATASETS = fileURLToPath(new URL("../../../shared/datasets/", import.meta.url));
const HAGGIS = join(DATASETS, "haggis.csv");
const ELK = join(DATASETS, "elk.csv");
const README_START = ["--step-mean", "1,5", "--step-sd", "1,5", "--angle-mean", "3.141593,0", "--angle-conc", "0.3,5"];
const tmp = mkdtempSync(join(tmpdir(), "wt-hmm-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[]; json: any }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runHmm(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  const last = out.at(-1);
  let json: any = null;
  try {
    json = last ? JSON.parse(last) : null;
  } catch {
    json = null;
  }
  return { code, out, err, json };
}

describe("wt hmm fit on haggis.csv (moveHMM reference)", () => {
  it("reaches moveHMM's maximum: nllk 3462.487, step means 0.998 and 5.010 km", async () => {
    const r = await run(["fit", "--input", HAGGIS, "--coords", "xy-km", "--states", "2", ...README_START, "--json"]);
    expect(r.code).toBe(0);
    expect(r.json.nllk).toBeCloseTo(3462.487, 2);
    expect(Math.abs(r.json.nllk - 3462.487)).toBeLessThan(0.01);
    expect(r.json.states[0].step_mean).toBeCloseTo(0.998, 3);
    expect(r.json.states[1].step_mean).toBeCloseTo(5.01, 3);
    expect(r.json.aic).toBeCloseTo(2 * r.json.nllk + 2 * 11, 8);
    expect(Object.keys(r.json.states[0])).toEqual(["step_mean", "step_sd", "angle_mean", "angle_conc"]);
    expect(r.json.transition).toHaveLength(2);
    for (const row of r.json.transition) expect(row[0] + row[1]).toBeCloseTo(1, 12);
    expect(r.json.viterbi_counts.reduce((a: number, b: number) => a + b, 0)).toBe(1200);
  });

  it("gets there from the given start alone, as fitHMM does (no random starts)", () => {
    const csv = readTrackCsv(readFileSync(HAGGIS, "utf8"), { coords: "xy-km" });
    const data = prepTracks(csv.tracks, { coords: "xy" });
    const start = createModel({ nStates: 2 }, { stepMean: [1, 5], stepSd: [1, 5], angleMean: [Math.PI, 0], angleConc: [0.3, 5] });
    const fit = fitHmm(data, start);
    expect(fit.starts).toHaveLength(1);
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.nllk - 3462.487)).toBeLessThan(0.01);
    expect(hmmNegLogLikelihood(fit.model, data)).toBeCloseTo(fit.nllk, 9);
  });

  it("is reproducible: the same seed gives the same output", async () => {
    const args = ["fit", "--input", HAGGIS, "--coords", "xy-km", "--states", "2", "--starts", "3", "--seed", "7", "--json"];
    const a = await run(args);
    const b = await run(args);
    expect(a.out.at(-1)).toBe(b.out.at(-1));
    expect(Math.abs(a.json.nllk - 3462.487)).toBeLessThan(0.01); // default starting values find it too
  });

  it("prints a readable report without --json and can save the model", async () => {
    const file = join(tmp, "haggis-model.json");
    const r = await run(["fit", "--input", HAGGIS, "--coords", "xy-km", "--states", "2", ...README_START, "--starts", "0", "--save-model", file]);
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toMatch(/negative log-likelihood 3462\.487/);
    const model = modelFromJson(readFileSync(file, "utf8"));
    expect(model.stepMean[1]).toBeCloseTo(5.01, 3);
  });
});

describe("wt hmm fit with covariates (moveHMM's haggis example: ~ temp + slope + I(slope^2))", () => {
  it("improves the likelihood and makes the transitions depend on the covariates", async () => {
    const base = await run(["fit", "--input", HAGGIS, "--coords", "xy-km", "--states", "2", ...README_START, "--starts", "2", "--json"]);
    const r = await run(["fit", "--input", HAGGIS, "--coords", "xy-km", "--states", "2", ...README_START, "--covariates", "temp,slope,slope^2", "--starts", "2", "--json"]);
    expect(r.code).toBe(0);
    expect(r.json.nllk).toBeLessThan(base.json.nllk - 10);
    expect(r.json.aic).toBeLessThan(base.json.aic);
    expect(r.json.covariates).toEqual(["temp", "slope", "slope^2"]);
    expect(r.json.beta).toHaveLength(4); // intercept + 3 terms, each with 2 transition columns
    const model = createModel(
      { nStates: 2, covariates: ["temp", "slope", "slope^2"] },
      { stepMean: [1, 5], stepSd: [1, 5], beta: [r.json.beta[0][0], r.json.beta[1][0], r.json.beta[2][0], r.json.beta[3][0], r.json.beta[0][1], r.json.beta[1][1], r.json.beta[2][1], r.json.beta[3][1]] },
    );
    const flat = transitionMatrixOf(model, [10, 2, 4]);
    const steep = transitionMatrixOf(model, [10, 20, 400]);
    expect(Math.abs(flat[1]![1]! - steep[1]![1]!)).toBeGreaterThan(0.05);
  });

  it("--standardize changes only the scale of beta, not the fit", async () => {
    const args = ["fit", "--input", HAGGIS, "--coords", "xy-km", "--states", "2", ...README_START, "--covariates", "slope", "--starts", "0", "--json"];
    const raw = await run(args);
    const std = await run([...args, "--standardize"]);
    expect(std.json.nllk).toBeCloseTo(raw.json.nllk, 5);
    expect(std.json.transition_at).toEqual({ slope: 0 });
  });
});

describe("wt hmm fit options and errors", () => {
  it("zero steps switch zero inflation on (elk, metres)", async () => {
    const r = await run([
      "fit", "--input", ELK, "--coords", "xy-m", "--x", "Easting", "--y", "Northing", "--id", "ID", "--states", "2",
      "--step-mean", "100,1000", "--step-sd", "100,1000", "--zero-mass", "0.05,0.01", "--starts", "2", "--json",
    ]);
    expect(r.code).toBe(0);
    expect(r.err.join("\n")).toMatch(/zero inflation/);
    expect(r.json.zero_inflation).toBe(true);
    expect(r.json.step_units).toBe("m");
    expect(r.json.states[0].zero_mass).toBeGreaterThan(0);
    expect(r.json.states[0].step_mean).toBeLessThan(r.json.states[1].step_mean);
    expect(r.json.n_tracks).toBe(4);
  });

  it("reads Movebank lon/lat CSVs (steps in km), sorting each track's rows by time", async () => {
    const truth = createModel({ nStates: 2 }, { stepMean: [0.3, 2], stepSd: [0.2, 1], angleMean: [Math.PI, 0], angleConc: [1, 8], beta: [-2.5, -2.2] });
    const sim = simulateHmm(truth, 600, 12);
    const lines = ["individual-local-identifier,timestamp,location-long,location-lat"];
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    // planar km around (35 E, 1.4 S) to degrees; rows written shuffled (7 is coprime to 601)
    for (let r = 0; r < sim.x.length; r++) {
      const i = (r * 7) % sim.x.length;
      const lat = -1.4 + sim.y[i]! / 110.574;
      const lon = 35 + sim.x[i]! / (111.32 * Math.cos((-1.4 * Math.PI) / 180));
      lines.push(`E1,${new Date(t0 + i * 3_600_000).toISOString()},${lon.toFixed(7)},${lat.toFixed(7)}`);
    }
    const file = join(tmp, "lonlat.csv");
    writeFileSync(file, lines.join("\n") + "\n");
    const r = await run(["fit", "--input", file, "--states", "2", "--starts", "2", "--json"]);
    expect(r.code).toBe(0);
    expect(r.json.step_units).toBe("km");
    expect(r.json.states[0].step_mean).toBeCloseTo(0.3, 1);
    expect(r.json.states[1].step_mean / 2).toBeCloseTo(1, 1);
    expect(Math.abs(r.json.states[0].angle_mean)).toBeGreaterThan(2.8);
  });

  it("wrapped Cauchy, no angles and a stationary delta all run", async () => {
    for (const extra of [["--angle-dist", "wrpcauchy"], ["--angle-dist", "none"], ["--stationary"]]) {
      const r = await run(["fit", "--input", HAGGIS, "--coords", "xy-km", "--states", "2", "--starts", "1", ...extra, "--json"]);
      expect(r.code, extra.join(" ")).toBe(0);
      expect(Number.isFinite(r.json.nllk)).toBe(true);
      expect(r.json.states[1].step_mean).toBeCloseTo(5.0, 0);
    }
  });

  it("--help prints usage; bad input is one line on stderr with exit code 1", async () => {
    const help = await run(["fit", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out.join("\n")).toMatch(/Usage: wt hmm fit/);
    for (const [args, msg] of [
      [["fit", "--input", HAGGIS, "--coords", "xy-km"], /--states/],
      [["fit", "--input", HAGGIS, "--coords", "xy-km", "--states", "2", "--step-mean", "1"], /2 comma-separated numbers/],
      [["fit", "--input", HAGGIS, "--coords", "xy-km", "--states", "2", "--angle-dist", "normal"], /--angle-dist/],
      [["fit", "--input", HAGGIS, "--coords", "xy-km", "--states", "2", "--covariates", "altitude"], /altitude/],
      [["fit", "--input", join(tmp, "missing.csv"), "--states", "2"], /missing\.csv/],
      [["fit", "--input", HAGGIS, "--states", "2", "--bogus"], /bogus/],
      [["predict"], /unknown subcommand/],
    ] as const) {
      const r = await run([...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err.join("\n")).toMatch(msg);
      expect(r.out).toEqual([]);
    }
  });
});
