// `wt predict eval`: the next-position LSTM against persistence (last known position) and constant
// velocity on a track CSV or on held-out simulated tracks — median and mean error at each horizon.
// Errors go to stderr with exit code 1; --json prints one JSON object on the last line of stdout.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  evaluateTracks,
  fromSimulated,
  HORIZONS_H,
  horizonLabel,
  loadNextPositionModel,
  ModelLoadError,
  ModelSignatureError,
  prepareTrack,
  simulateTrack,
  splitSeeds,
  stackHabitat,
  stackSampler,
  trainingLandscape,
  type EvalReport,
  type PredictTrack,
  WINDOW,
} from "../engine/predict/index.ts";
import { readTrackCsv, trackCsvOptions, TrackCsvError, type CoordKind, TRACK_CSV_FLAGS } from "../formats/track-csv.ts";
import type { Io } from "./main.ts";
import { UsageError } from "./args.ts";

const HELP = `Usage: wt predict eval (--input FILE.csv | --simulated N) [options]

Evaluates the next-position LSTM (models/lstm/next-position.onnx, checked against its model card)
against two baselines — persistence (the last known position) and constant velocity (the last step's
velocity carried on) — at each horizon. Every fix with ${WINDOW} steps of history is a forecast origin;
the truth at origin + horizon is interpolated between the fixes around it when they are at most two
median intervals apart (otherwise that forecast is not counted). Errors are distances in metres.

Options:
  --input FILE          track CSV; every animal in it is evaluated
  --simulated N         instead: N held-out simulated tracks (the test split of models/lstm/make-data.ts,
                        disjoint from training), habitat-selective on the synthetic landscape
  --days D              days per simulated track (default 21)
  --horizons LIST       comma-separated, e.g. 1h,6h,24h (default); the model predicts 1h, 6h and 24h
  --coords KIND         lonlat | xy-m | xy-km (default: lonlat when the file has Movebank's
                        location-long and location-lat columns, else xy-m)
  --x COL --y COL       coordinate columns (default x, y; location-long, location-lat for lonlat)
  --time COL            timestamp column, ISO 8601 or epoch ms (default timestamp)
  --id COL              animal column (default id; individual-local-identifier for lonlat)
  --utc-offset H        hours added to UTC for the time-of-day features (default: longitude / 15 for
                        lonlat, 0 for planar coordinates)
  --landscape synthetic for lonlat tracks without covariate columns: sample ndvi, dist_water and
                        dist_settlement from the synthetic training landscape (only for tracks simulated
                        on it; real tracks have no covariates and the model is told they are missing)
  --stride N            use every N-th forecast origin (default 1)
  --model FILE          another .onnx (its model-card.json must sit beside it)
  --baselines-only      skip the model (persistence and constant velocity only)
  --json                print the result as one JSON object on the last line
  --help                show this help

Covariates (ndvi, dist_water, dist_settlement) come from CSV columns of those names when present;
otherwise they are missing and the model's cov_missing input is set.

JSON: {"horizons":{"1h":{"model":{"median_m","mean_m","coverage_95","median_sd_m"},"persistence":{"median_m","mean_m"},
"constant_velocity":{"median_m","mean_m"},"n"},...},"tracks","anchors","model":{...}}

Example:
  wt predict eval --input ../shared/datasets/buffalo.csv --coords xy-m --horizons 1h,6h,24h --json
`;


/** "1h", "90m", "1d", "1.5h" → hours. */
export function parseHorizon(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)\s*$/i.exec(s);
  if (!m) throw new UsageError(`--horizons: "${s}" is not a duration like 30m, 1h or 1d`);
  const v = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const h = unit === "d" ? v * 24 : unit === "h" ? v : v / 60;
  if (!(h > 0)) throw new UsageError(`--horizons: "${s}" must be positive`);
  return h;
}

function defaultCoords(text: string, x: string | undefined, y: string | undefined): CoordKind {
  if (x !== undefined || y !== undefined) return "xy-m";
  const eol = text.indexOf("\n");
  const header = (eol < 0 ? text : text.slice(0, eol)).toLowerCase();
  return header.includes("location-long") && header.includes("location-lat") ? "lonlat" : "xy-m";
}

function positiveInt(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer (got "${v}")`);
  return n;
}

export async function runPredict(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === "--help" || sub === "-h" || sub === "help") {
    io.stdout(HELP);
    return sub ? 0 : 1;
  }
  if (sub !== "eval") {
    io.stderr(`wt predict: unknown subcommand "${sub}" (try wt predict --help)`);
    return 1;
  }
  try {
    const { values: v } = parseArgs({
      args: rest,
      strict: true,
      options: {
        input: { type: "string" },
        simulated: { type: "string" },
        days: { type: "string" },
        horizons: { type: "string" },
        ...TRACK_CSV_FLAGS,
        "utc-offset": { type: "string" },
        landscape: { type: "string" },
        stride: { type: "string" },
        model: { type: "string" },
        "baselines-only": { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean" },
      },
    });
    if (v.help) {
      io.stdout(HELP);
      return 0;
    }
    if ((v.input === undefined) === (v.simulated === undefined)) throw new UsageError("give either --input FILE.csv or --simulated N; see wt predict --help");
    const horizons = (v.horizons ?? HORIZONS_H.map(horizonLabel).join(",")).split(",").map(parseHorizon);
    const useModel = !v["baselines-only"];
    if (useModel) {
      const unknown = horizons.filter((h) => !HORIZONS_H.includes(h as (typeof HORIZONS_H)[number]));
      if (unknown.length) throw new UsageError(`the model predicts ${HORIZONS_H.map(horizonLabel).join(", ")}; ${unknown.map(horizonLabel).join(", ")} is not one of them (or use --baselines-only)`);
    }
    if (v.landscape !== undefined && v.landscape !== "synthetic") throw new UsageError(`--landscape must be "synthetic" (got "${v.landscape}")`);
    let utcOffsetH: number | undefined;
    if (v["utc-offset"] !== undefined) {
      utcOffsetH = Number(v["utc-offset"]);
      if (!Number.isFinite(utcOffsetH) || Math.abs(utcOffsetH) > 14) throw new UsageError(`--utc-offset must be hours between -14 and 14 (got "${v["utc-offset"]}")`);
    }

    let tracks: PredictTrack[];
    let covariates: string;
    let skipped = 0;
    if (v.simulated !== undefined) {
      const n = positiveInt(v.simulated, "simulated", 1);
      const days = positiveInt(v.days, "days", 21);
      const habitat = stackHabitat(trainingLandscape());
      tracks = splitSeeds("test", n).map((seed) => fromSimulated(simulateTrack(seed, { days, habitat })));
      covariates = "simulated on the synthetic landscape";
    } else {
      let text: string;
      try {
        text = await readFile(v.input!, "utf8");
      } catch (err) {
        throw new UsageError(`cannot read --input ${v.input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const opts = trackCsvOptions({ coords: v.coords, x: v.x, y: v.y, id: v.id, time: v.time }, defaultCoords(text, v.x, v.y));
      const csv = readTrackCsv(text, opts);
      skipped = csv.skipped;
      if (csv.tracks.length === 0) throw new UsageError("the file has no fixes with coordinates");
      if (csv.tracks.every((t) => t.t.every((x) => Number.isNaN(x)))) {
        throw new UsageError(`no readable timestamps in column "${v.time ?? "timestamp"}" (set --time to the time column): horizons need times`);
      }
      const hasCols = ["ndvi", "dist_water", "dist_settlement"].every((c) => csv.covariates.includes(c));
      const sampler = v.landscape === "synthetic" && !hasCols ? stackSampler(trainingLandscape()) : undefined;
      if (v.landscape === "synthetic" && opts.coords !== "lonlat") throw new UsageError("--landscape needs lon/lat coordinates (--coords lonlat)");
      covariates = hasCols ? "from the file's columns" : sampler ? "sampled from the synthetic landscape" : "missing (cov_missing = 1)";
      tracks = csv.tracks.map((t) => prepareTrack(t, { coords: opts.coords, utcOffsetH, ...(sampler ? { sampler } : {}) }));
    }

    const model = useModel ? await loadNextPositionModel(v.model) : null;
    let report: EvalReport;
    try {
      report = await evaluateTracks(tracks, model ? (f, n) => model.predict(f, n) : null, { horizonsH: horizons, stride: positiveInt(v.stride, "stride", 1) });
    } finally {
      await model?.close();
    }
    const out = {
      ...report,
      model: model ? { name: model.card.name, version: model.card.version, sha256: model.card.sha256 } : null,
      covariates,
      skipped_rows: skipped,
    };
    if (v.json) io.stdout(JSON.stringify(out));
    else printReport(io, out.horizons, report, covariates, model ? `${model.card.name} ${model.card.version}` : null);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof TrackCsvError || err instanceof ModelLoadError || err instanceof ModelSignatureError || isParseArgsError(err)) {
      io.stderr(`wt predict: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}

function printReport(io: Io, horizons: EvalReport["horizons"], report: EvalReport, covariates: string, model: string | null): void {
  io.stdout(`${report.tracks} track(s), ${report.anchors} forecast origins; covariates ${covariates}${model ? `; model ${model}` : ""}`);
  const cols = [8, 8, 22, 22, 22, 10];
  const row = (cells: string[]) => io.stdout(cells.map((c, i) => (i === 0 ? c.padEnd(cols[i]!) : c.padStart(cols[i]!))).join(" "));
  row(["horizon", "n", "model med/mean m", "persistence med/mean", "const. vel. med/mean", "cover95"]);
  const f = (s: { median_m: number; mean_m: number } | null) => (s ? `${s.median_m.toFixed(0)} / ${s.mean_m.toFixed(0)}` : "-");
  for (const [h, r] of Object.entries(horizons)) {
    row([h, String(r.n), f(r.model), f(r.persistence), f(r.constant_velocity), r.model ? `${(r.model.coverage_95 * 100).toFixed(1)}%` : "-"]);
  }
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}
