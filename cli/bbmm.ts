// `wt bbmm`: Brownian bridge home range of one animal from a track CSV — motion variance, UD volume
// contour areas, optionally the contours as GeoJSON. Errors go to stderr with exit code 1; --json prints
// one JSON object on the last line of stdout.
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { BbmmInputError, homeRange, type HomeRange } from "../engine/bbmm/index.ts";
import { readTrackCsv, trackCsvOptions, TrackCsvError, type CoordKind, type CsvTrack, TRACK_CSV_FLAGS } from "../formats/track-csv.ts";
import type { Io } from "./main.ts";
import { UsageError } from "./args.ts";

const HELP = `Usage: wt bbmm --input FILE.csv --location-error M --cell M [options]

Brownian bridge movement model of one animal: the Brownian motion variance by leave-one-out maximum
likelihood (Horne et al. 2007; as R BBMM and move), the utilisation distribution on a grid (integrated
over time as move's brownian.bridge.dyn: ±4σ window, time step = shortest time lag / 15), and UD
volume contours (the densest cells holding each level). Distances in metres, times in minutes, so
the variance is in m²/min.

Options:
  --input FILE          track CSV (required); rows with missing coordinates are skipped
  --location-error M    location error, standard deviation in metres (required)
  --cell M              grid cell size in metres (required)
  --levels L,L,...      contour levels in percent (default 50,95)
  --coords KIND         lonlat | xy-m | xy-km (default: lonlat when the file has Movebank's
                        location-long and location-lat columns, else xy-m); lon/lat is projected
                        to an azimuthal equidistant projection about the track (area error
                        < 0.01 % within a few hundred km, distance error < 0.35 %) and the
                        contours are projected back
  --x COL --y COL       coordinate columns (default x, y; location-long, location-lat for lonlat)
  --time COL            timestamp column, ISO 8601 or epoch ms (default timestamp)
  --id COL              animal column (default id; individual-local-identifier for lonlat)
  --animal NAME         the animal to model when the file holds several (one animal per run)
  --dynamic             dynamic BBMM (Kranstauber et al. 2012, move's brownian.bridge.dyn): a
                        variance per segment from a sliding window with BIC break points; as in
                        move only the segments covered by the most windows enter the UD
  --window N            dynamic window size in fixes, odd (default 31)
  --margin N            dynamic margin in fixes, odd (default 11)
  --time-step MIN       integration time step in minutes (default: shortest time lag / 15)
  --grid-margin M       grid margin around the track's bounding box in metres
                        (default: the larger of 30 % of the track's larger side and the 4σ reach)
  --leave-out KIND      alternate (default: every other fix, as BBMM and move) | every (every
                        interior fix, what adehabitatHR's liker() computes); static model only
  --geojson FILE        write the contours as a GeoJSON FeatureCollection (one Feature per level,
                        in the input's coordinates)
  --json                print the result as one JSON object on the last line
  --help                show this help

JSON: {"motion_variance_m2_per_min","n_bridges","areas_km2":{"50":..,"95":..}, ...}. Static model:
n_bridges is the number of leave-one-out bridges in the likelihood (25 fixes → 12). Dynamic model:
motion_variance_m2_per_min is the duration-weighted mean of the segment variances in the UD and
n_bridges the number of those segments; "dynamic" adds the window, margin, break times and the
range of segment variances.

Example:
  wt bbmm --input locations.csv --location-error 20 --cell 50 --levels 50,95 --json
`;


function positive(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${name} must be a positive number (got "${v}")`);
  return n;
}

function required<T>(v: T | undefined, name: string, what: string): T {
  if (v === undefined) throw new UsageError(`--${name} is required (${what}); see wt bbmm --help`);
  return v;
}

function oddInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n % 2 !== 1) throw new UsageError(`--${name} must be an odd positive integer (got "${v}")`);
  return n;
}

function levels(v: string | undefined): number[] {
  if (v === undefined) return [50, 95];
  const out = v.split(",").map((s) => Number(s.trim()));
  if (out.some((l) => !(l > 0 && l < 100))) throw new UsageError(`--levels must be percentages between 0 and 100, comma-separated (got "${v}")`);
  return out;
}

/** The one track to model: the only one in the file, or the one --animal names. */
function pickTrack(tracks: CsvTrack[], animal: string | undefined, idColumn: string): CsvTrack {
  if (tracks.length === 0) throw new UsageError("the file has no fixes with coordinates");
  if (animal !== undefined) {
    const t = tracks.find((tr) => tr.id === animal);
    if (!t) throw new UsageError(`no animal "${animal}" in column "${idColumn}"; animals: ${tracks.map((tr) => tr.id).join(", ")}`);
    return t;
  }
  if (tracks.length > 1) {
    const names = tracks.slice(0, 10).map((tr) => tr.id).join(", ");
    throw new UsageError(
      `the file holds ${tracks.length} animals in column "${idColumn}" (${names}${tracks.length > 10 ? ", …" : ""}); ` +
        `the model is fitted to one animal per run: choose one with --animal NAME (or set --id to the animal column)`,
    );
  }
  return tracks[0]!;
}

/** lonlat for a Movebank file (location-long, location-lat header), otherwise planar metres. */
function defaultCoords(text: string, x: string | undefined, y: string | undefined): CoordKind {
  if (x !== undefined || y !== undefined) return "xy-m";
  const eol = text.indexOf("\n");
  const header = (eol < 0 ? text : text.slice(0, eol)).toLowerCase();
  return header.includes("location-long") && header.includes("location-lat") ? "lonlat" : "xy-m";
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function resultJson(hr: HomeRange, track: CsvTrack, skipped: number, t0: number, cell: number) {
  const areas: Record<string, number> = {};
  for (const c of hr.contours) areas[String(c.level)] = c.areaKm2;
  const out: Record<string, unknown> = {
    motion_variance_m2_per_min: hr.motionVariance,
    n_bridges: hr.nBridges,
    areas_km2: areas,
    model: hr.mode,
    animal: track.id,
    n_fixes: hr.track.x.length,
    skipped_rows: skipped,
    cell_m: cell,
    grid: { nx: hr.grid.nx, ny: hr.grid.ny },
    time_step_min: hr.timeStep,
  };
  if (hr.logLik !== undefined) out.log_likelihood = hr.logLik;
  if (hr.dynamic) {
    const used = [...hr.segmentVariance].filter((_, s) => hr.dynamic!.interest[s]);
    const breakFixes = [...new Set(hr.dynamic.breaks)].sort((a, b) => a - b);
    out.dynamic = {
      window: hr.dynamic.windowSize,
      margin: hr.dynamic.margin,
      breaks: breakFixes.map((i) => new Date(t0 + hr.track.t[i]! * 60_000).toISOString()),
      variance_min: used.reduce((m, v) => Math.min(m, v), Infinity),
      variance_median: median(used),
      variance_max: used.reduce((m, v) => Math.max(m, v), -Infinity),
    };
  }
  return out;
}

function featureCollection(hr: HomeRange) {
  return {
    type: "FeatureCollection",
    features: hr.contours.map((c) => ({
      type: "Feature",
      properties: { level: c.level, area_km2: c.areaKm2, model: hr.mode, motion_variance_m2_per_min: hr.motionVariance },
      geometry: c.geometry,
    })),
  };
}

export async function runBbmm(args: string[], io: Io): Promise<number> {
  try {
    const { values: v } = parseArgs({
      args,
      strict: true,
      options: {
        input: { type: "string" },
        "location-error": { type: "string" },
        cell: { type: "string" },
        levels: { type: "string" },
        ...TRACK_CSV_FLAGS,
        animal: { type: "string" },
        dynamic: { type: "boolean" },
        window: { type: "string" },
        margin: { type: "string" },
        "time-step": { type: "string" },
        "grid-margin": { type: "string" },
        "leave-out": { type: "string" },
        geojson: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean" },
      },
    });
    if (v.help) {
      io.stdout(HELP);
      return 0;
    }
    const input = required(v.input, "input", "the track CSV");
    const locationError = required(positive(v["location-error"], "location-error"), "location-error", "location error SD in metres");
    const cell = required(positive(v.cell, "cell"), "cell", "grid cell size in metres");
    const lv = levels(v.levels);
    const leaveOut = v["leave-out"];
    if (leaveOut !== undefined && leaveOut !== "alternate" && leaveOut !== "every")
      throw new UsageError(`--leave-out must be alternate or every (got "${leaveOut}")`);
    if ((v.window !== undefined || v.margin !== undefined) && !v.dynamic) throw new UsageError("--window and --margin apply to --dynamic only");
    let text: string;
    try {
      text = await readFile(input, "utf8");
    } catch (err) {
      throw new UsageError(`cannot read --input ${input}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const csvOpts = trackCsvOptions({ coords: v.coords, x: v.x, y: v.y, id: v.id, time: v.time }, defaultCoords(text, v.x, v.y));
    const csv = readTrackCsv(text, csvOpts);
    const idColumn = v.id ?? (csvOpts.coords === "lonlat" ? "individual-local-identifier" : "id");
    const track = pickTrack(csv.tracks, v.animal, idColumn);
    if (track.t.some((t) => Number.isNaN(t)))
      throw new UsageError(`some fixes have no readable timestamp in column "${v.time ?? "timestamp"}" (set --time to the time column)`);

    const hr = homeRange(
      { x: track.x, y: track.y, t: track.t, coords: csvOpts.coords },
      {
        locationError,
        cell,
        levels: lv,
        dynamic: v.dynamic ? { windowSize: oddInt(v.window, "window") ?? 31, margin: oddInt(v.margin, "margin") ?? 11 } : false,
        timeStep: positive(v["time-step"], "time-step"),
        margin: positive(v["grid-margin"], "grid-margin"),
        leaveOut: leaveOut as "alternate" | "every" | undefined,
      },
    );
    if (v.geojson) await writeFile(v.geojson, JSON.stringify(featureCollection(hr)) + "\n");

    const t0 = track.t.reduce((m, t) => Math.min(m, t), Infinity);
    const out = resultJson(hr, track, csv.skipped, t0, cell);
    if (v.json) io.stdout(JSON.stringify(out));
    else {
      io.stdout(
        `${hr.mode === "dynamic" ? "dynamic " : ""}BBMM of ${track.id ? `"${track.id}" ` : ""}(${hr.track.x.length} fixes): ` +
          `motion variance ${hr.motionVariance.toFixed(2)} m²/min, ${hr.nBridges} ${hr.mode === "dynamic" ? "segments" : "leave-one-out bridges"}`,
      );
      for (const c of hr.contours) io.stdout(`  ${c.level}% UD: ${c.areaKm2.toFixed(4)} km²`);
      if (v.geojson) io.stdout(`contours written to ${v.geojson}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof BbmmInputError || err instanceof TrackCsvError || isParseArgsError(err)) {
      io.stderr(`wt bbmm: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}
