// `wt hmm fit`: fits an N-state movement HMM (moveHMM's model: gamma steps, von Mises or wrapped
// Cauchy angles, multinomial-logit transitions) to a track CSV and prints the estimates.
import { readFile, writeFile } from "node:fs/promises";
import {
  HmmDataError,
  HmmModelError,
  createModel,
  defaultStart,
  fitHmm,
  hasZeroSteps,
  modelToJson,
  prepTracks,
  stateCounts,
  transitionMatrixOf,
  viterbi,
  type AngleDist,
  type HmmData,
  type HmmModel,
  type TrackInput,
  wrapToPi,
} from "../engine/hmm/index.ts";
import { readTrackCsv, TrackCsvError, trackCsvOptions, type CsvTrack, TRACK_CSV_FLAGS } from "../formats/track-csv.ts";
import type { Io } from "./main.ts";
import { parseFlags, UsageError } from "./args.ts";

const HELP = `Usage: wt hmm fit --input FILE.csv --states N [options]

Fits an N-state hidden Markov model of animal movement to the step lengths and turning angles of
the tracks in a CSV, by maximum likelihood, the way the R package moveHMM does (same model, same
likelihood, same estimates): gamma step lengths (mean, sd), von Mises or wrapped Cauchy turning
angles (mean, concentration), transition probabilities as a multinomial logit of covariates, and
an estimated initial distribution. Rows of one track must be in time order (they are sorted when
a time column is present); each track restarts the chain.

Starting values (comma-separated, one per state; several seeded random starts are added and the
best optimum is kept):
  --step-mean a,b      step length means (default: quantiles of the observed steps)
  --step-sd a,b        step length sds (default: the means)
  --angle-mean a,b     turning angle means, radians (default: π for state 1, 0 for the others)
  --angle-conc a,b     concentrations: κ for vm, ρ in [0,1) for wrpcauchy (default 0.5, 3, …)
  --zero-mass a,b      probabilities of a zero step (with zero inflation; default 0.05 each)

Input (API.md track CSV):
  --input FILE         CSV with one row per fix
  --coords KIND        lonlat (default; steps in km), xy-km (km) or xy-m (metres)
  --x --y --id --time  column names (defaults: Movebank names for lonlat, else x, y, id, timestamp)

Model:
  --states N           number of states (required)
  --angle-dist D       vm (default), wrpcauchy, or none (steps only)
  --zero-inflation     a zero-step mass per state; switched on by itself when a step is 0 (as moveHMM)
  --covariates LIST    transition covariates: column names, or name^k for a power (e.g. temp,slope,slope^2)
  --standardize        report beta for centred and scaled covariate terms (the fit is the same either
                       way: covariates are always scaled internally while optimising)
  --stationary         delta is the stationary distribution instead of estimated (no covariates)

Fitting:
  --starts K           random starts besides the given one (default 10)
  --seed S             seed of the random starts (default 1): same seed, same result
  --save-model FILE    also write the fitted model as JSON (reload it with modelFromJson)

Output:
  --json               one JSON object on the last line of stdout:
                       {"nllk","aic","states":[{"step_mean","step_sd","angle_mean","angle_conc"}],
                        "transition":[[...]],"viterbi_counts":[...], …}
                       Step units: km for lonlat and xy-km, metres for xy-m; angles in radians.
                       With covariates "transition" is evaluated at the covariate means, and "beta"
                       (rows: intercept then each covariate) is included.
  --help               show this help

Errors go to stderr with exit code 1.

Example (moveHMM's haggis example):
  wt hmm fit --input haggis.csv --coords xy-km --states 2 --step-mean 1,5 --step-sd 1,5 \\
    --angle-mean 3.141593,0 --angle-conc 0.3,5 --json
`;


/** Runs `wt hmm <subcommand>`; returns the exit code. */
export async function runHmm(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === "--help" || sub === "-h" || sub === "help") {
    io.stdout(HELP);
    return sub ? 0 : 1;
  }
  try {
    if (sub !== "fit") throw new UsageError(`unknown subcommand "${sub}" (try wt hmm --help)`);
    return await runFit(rest, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof HmmDataError || err instanceof HmmModelError || err instanceof TrackCsvError) {
      io.stderr(`wt hmm: ${err.message}`);
      return 1;
    }
    io.stderr(`wt hmm: ${(err as Error)?.message ?? String(err)}`);
    return 1;
  }
}

async function runFit(args: string[], io: Io): Promise<number> {
  const parsed = parseFlags(args, {
    input: { type: "string" },
    states: { type: "string" },
    "step-mean": { type: "string" },
    "step-sd": { type: "string" },
    "angle-mean": { type: "string" },
    "angle-conc": { type: "string" },
    "zero-mass": { type: "string" },
    ...TRACK_CSV_FLAGS,
    "angle-dist": { type: "string" },
    "zero-inflation": { type: "boolean" },
    covariates: { type: "string" },
    standardize: { type: "boolean" },
    stationary: { type: "boolean" },
    starts: { type: "string" },
    seed: { type: "string" },
    "save-model": { type: "string" },
  });
  const v = parsed.values;
  if (v.help) {
    io.stdout(HELP);
    return 0;
  }
  if (!v.input) throw new UsageError("--input FILE.csv is required");
  if (!v.states) throw new UsageError("--states N is required");
  const nStates = Number(v.states);
  if (!Number.isInteger(nStates) || nStates < 1 || nStates > 10) throw new UsageError(`--states must be an integer from 1 to 10 (got "${v.states}")`);
  const angleDist = (v["angle-dist"] ?? "vm") as AngleDist;
  if (!["vm", "wrpcauchy", "none"].includes(angleDist)) throw new UsageError(`--angle-dist must be vm, wrpcauchy or none (got "${angleDist}")`);
  const starts = v.starts === undefined ? 10 : Number(v.starts);
  if (!Number.isInteger(starts) || starts < 0) throw new UsageError(`--starts must be a non-negative integer (got "${v.starts}")`);
  const seed = v.seed === undefined ? 1 : /^-?\d+$/.test(v.seed) ? Number(v.seed) : v.seed;
  const covariates = v.covariates ? v.covariates.split(",").map((s) => s.trim()).filter(Boolean) : [];
  if (v.stationary && covariates.length > 0) throw new UsageError("--stationary can't be combined with --covariates");

  const csvOptions = trackCsvOptions({ coords: v.coords, x: v.x, y: v.y, id: v.id, time: v.time }, "lonlat");
  const csv = readTrackCsv(await readFile(v.input, "utf8"), csvOptions);
  const short = csv.tracks.filter((t) => t.x.length < 2);
  if (short.length) io.stderr(`wt hmm: left out ${short.length} track(s) with fewer than 2 fixes: ${short.map((t) => t.id).join(", ")}`);
  const tracks: TrackInput[] = csv.tracks.map(sortByTime);
  const data = prepTracks(tracks, { coords: csvOptions.coords === "lonlat" ? "lonlat" : "xy", covariates });
  if (data.step.length === 0) throw new UsageError("no track has two fixes: nothing to fit");
  const { at: covMeans, scaling } = prepareCovariates(data, Boolean(v.standardize));

  let zeroInflation = Boolean(v["zero-inflation"]);
  if (!zeroInflation && hasZeroSteps(data)) {
    zeroInflation = true;
    io.stderr("wt hmm: some steps have length 0, so zero inflation is on (as in moveHMM)");
  }
  const shape = { nStates, angleDist, zeroInflation, stationary: Boolean(v.stationary), covariates: data.covariateNames };
  const start = startModel(data, shape, v);

  const fit = fitHmm(data, start, { randomStarts: starts, seed });
  const model = fit.model;
  const counts = stateCounts(viterbi(model, data), nStates);
  const units = csvOptions.coords === "xy-m" ? "m" : "km";
  const out: Record<string, unknown> = {
    nllk: fit.nllk,
    aic: fit.aic,
    states: Array.from({ length: nStates }, (_, j) => ({
      step_mean: model.stepMean[j],
      step_sd: model.stepSd[j],
      angle_mean: angleDist === "none" ? null : model.angleMean[j],
      angle_conc: angleDist === "none" ? null : model.angleConc[j],
      ...(zeroInflation ? { zero_mass: model.zeroMass[j] } : {}),
    })),
    transition: transitionMatrixOf(model, covMeans),
    viterbi_counts: counts,
    delta: Array.from(model.delta),
    ...(covariates.length ? { covariates: data.covariateNames, transition_at: Object.fromEntries(data.covariateNames.map((c, i) => [c, covMeans[i]])), beta: modelToJson(model).beta } : {}),
    n_params: fit.nParams,
    n_rows: data.step.length,
    n_tracks: data.trackIds.length,
    step_units: units,
    angle_dist: angleDist,
    zero_inflation: zeroInflation,
    converged: fit.converged,
    starts: { tried: fit.starts.length, converged: fit.starts.filter((s) => s.converged).length },
  };
  if (v["save-model"]) {
    const json = modelToJson(model, { step_units: units, coords: csvOptions.coords, input: v.input, nllk: fit.nllk, aic: fit.aic, covariate_scaling: scaling });
    await writeFile(v["save-model"], JSON.stringify(json, null, 2) + "\n");
  }
  if (v.json) io.stdout(JSON.stringify(out));
  else io.stdout(report(model, fit.nllk, fit.aic, counts, units, out));
  return 0;
}

function startModel(data: HmmData, shape: Parameters<typeof defaultStart>[1] & { nStates: number }, v: Record<string, unknown>): HmmModel {
  const n = shape.nStates;
  const list = (name: string): number[] | undefined => {
    const raw = v[name];
    if (raw === undefined) return undefined;
    const values = String(raw).split(",").map((s) => Number(s.trim()));
    if (values.length !== n || values.some((x) => !Number.isFinite(x))) throw new UsageError(`--${name} needs ${n} comma-separated numbers, one per state (got "${String(raw)}")`);
    return values;
  };
  const base = defaultStart(data, shape);
  const stepMean = list("step-mean") ?? Array.from(base.stepMean);
  return createModel(shape, {
    stepMean,
    stepSd: list("step-sd") ?? stepMean,
    zeroMass: shape.zeroInflation ? (list("zero-mass") ?? Array.from(base.zeroMass)) : undefined,
    // A typed-in 3.141593 is just past π: wrap instead of rejecting it.
    angleMean: (list("angle-mean") ?? Array.from(base.angleMean)).map(wrapToPi),
    angleConc: list("angle-conc") ?? Array.from(base.angleConc),
  });
}

// Rows in time order when the file has times (moveHMM assumes it; Movebank exports usually are).
function sortByTime(track: CsvTrack): TrackInput {
  const n = track.t.length;
  let sorted = true;
  for (let i = 1; i < n; i++) if (!(track.t[i]! >= track.t[i - 1]!)) sorted = false;
  if (sorted || track.t.some((t) => Number.isNaN(t))) return track;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => track.t[a]! - track.t[b]!);
  const pick = (a: Float64Array): Float64Array => Float64Array.from(order, (i) => a[i]!);
  return {
    id: track.id,
    x: pick(track.x),
    y: pick(track.y),
    covariates: Object.fromEntries(Object.entries(track.covariates).map(([k, a]) => [k, pick(a)])),
  };
}

// Covariate term means, where "transition" is reported. With --standardize the terms are first
// centred and scaled in place (their means become 0); the scaling is returned for the saved model.
function prepareCovariates(data: HmmData, standardize: boolean): { at: number[]; scaling: { mean: number[]; sd: number[] } | null } {
  const w = data.covariateNames.length;
  const rows = data.step.length;
  const mean = data.covariateNames.map((_, c) => {
    let sum = 0;
    for (let t = 0; t < rows; t++) sum += data.covariates[t * w + c]!;
    return sum / rows;
  });
  if (!standardize || w === 0) return { at: mean, scaling: null };
  const sd = mean.map((m, c) => {
    let ss = 0;
    for (let t = 0; t < rows; t++) ss += (data.covariates[t * w + c]! - m) ** 2;
    const s = Math.sqrt(ss / Math.max(rows - 1, 1)) || 1;
    for (let t = 0; t < rows; t++) data.covariates[t * w + c] = (data.covariates[t * w + c]! - m) / s;
    return s;
  });
  return { at: mean.map(() => 0), scaling: { mean, sd } };
}

function report(model: HmmModel, nllk: number, aic: number, counts: number[], units: string, out: Record<string, unknown>): string {
  const f = (x: number): string => x.toPrecision(6);
  const lines = [
    `${model.nStates}-state HMM: gamma steps (${units}), ${model.angleDist === "none" ? "no angles" : model.angleDist === "vm" ? "von Mises angles" : "wrapped Cauchy angles"}${model.zeroInflation ? ", zero inflation" : ""}${model.covariates.length ? `, covariates ${model.covariates.join(", ")}` : ""}`,
    `negative log-likelihood ${nllk.toFixed(3)}   AIC ${aic.toFixed(3)}   (${String(out.converged ? "converged" : "NOT converged")})`,
    "",
    `state  step mean    step sd      ${model.angleDist === "none" ? "" : "angle mean   angle conc   "}${model.zeroInflation ? "zero mass    " : ""}viterbi rows`,
  ];
  for (let j = 0; j < model.nStates; j++) {
    const cells = [f(model.stepMean[j]!), f(model.stepSd[j]!)];
    if (model.angleDist !== "none") cells.push(f(model.angleMean[j]!), f(model.angleConc[j]!));
    if (model.zeroInflation) cells.push(f(model.zeroMass[j]!));
    lines.push(`${String(j + 1).padEnd(7)}${cells.map((c) => c.padEnd(13)).join("")}${counts[j]}`);
  }
  lines.push("", `transition probabilities${model.covariates.length ? " (at the covariate means)" : ""}:`);
  for (const row of out.transition as number[][]) lines.push("  " + row.map((p) => p.toFixed(4)).join("  "));
  lines.push(`initial distribution: ${Array.from(model.delta, (d) => d.toFixed(4)).join("  ")}`);
  return lines.join("\n");
}
