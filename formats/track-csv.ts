// Track CSV for the research commands (API.md "Command line"): `--coords lonlat|xy-m|xy-km` and the
// column options `--x --y --id --time`, with Movebank names as defaults for lonlat
// (`location-long`, `location-lat`, `individual-local-identifier`, `timestamp`) and `x y id
// timestamp` otherwise. A default column name also matches case-insensitively (moveHMM's data uses
// `ID`); a column named explicitly must exist. Rows with a missing coordinate are skipped; `NA`,
// empty and scientific notation (`7e+05`) are read. Every other column is kept as a numeric
// covariate (NaN where not a number).
import { CsvParser } from "./csv-stream.ts";

export type CoordKind = "lonlat" | "xy-m" | "xy-km";

export interface TrackCsvOptions {
  coords: CoordKind;
  x?: string;
  y?: string;
  id?: string;
  time?: string;
}

export interface CsvTrack {
  id: string;
  /** Longitude / x, latitude / y, in the file's units. */
  x: Float64Array;
  y: Float64Array;
  /** Epoch ms; NaN where the file has no time. */
  t: Float64Array;
  covariates: Record<string, Float64Array>;
}

export interface TrackCsv {
  coords: CoordKind;
  tracks: CsvTrack[];
  /** Rows skipped for a missing or unreadable coordinate. */
  skipped: number;
  /** The covariate columns found. */
  covariates: string[];
}

export class TrackCsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrackCsvError";
  }
}

const DEFAULTS: Record<CoordKind, { x: string; y: string; id: string; time: string }> = {
  lonlat: { x: "location-long", y: "location-lat", id: "individual-local-identifier", time: "timestamp" },
  "xy-m": { x: "x", y: "y", id: "id", time: "timestamp" },
  "xy-km": { x: "x", y: "y", id: "id", time: "timestamp" },
};

/** A number from a CSV field: NaN for NA, empty or anything unreadable. */
export function csvNumber(s: string | undefined): number {
  if (s === undefined) return NaN;
  const v = s.trim();
  if (v === "" || /^(na|nan|null)$/i.test(v)) return NaN;
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

/** ISO 8601, Movebank's `yyyy-MM-dd HH:mm:ss.SSS` (UTC) or epoch milliseconds; NaN otherwise. */
export function csvTime(s: string | undefined): number {
  if (s === undefined) return NaN;
  const v = s.trim();
  if (v === "" || /^na$/i.test(v)) return NaN;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  const movebank = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(\.\d+)?)$/.exec(v);
  const ms = Date.parse(movebank ? `${movebank[1]}T${movebank[2]}Z` : v);
  return Number.isFinite(ms) ? ms : NaN;
}

export function readTrackCsv(text: string, opts: TrackCsvOptions): TrackCsv {
  const parser = new CsvParser();
  const records = [...parser.push(text), ...parser.end()];
  const header = records.shift();
  if (!header) throw new TrackCsvError("the file is empty");
  const names = header.map((h) => h.trim());
  const defaults = DEFAULTS[opts.coords];
  const find = (explicit: string | undefined, fallback: string, required: boolean, option: string): number => {
    if (explicit !== undefined) {
      const i = names.indexOf(explicit);
      if (i < 0) throw new TrackCsvError(`column "${explicit}" (--${option}) is not in the file; columns: ${names.join(", ")}`);
      return i;
    }
    let i = names.indexOf(fallback);
    if (i < 0) i = names.findIndex((n) => n.toLowerCase() === fallback.toLowerCase());
    if (i < 0 && required) throw new TrackCsvError(`no "${fallback}" column (set --${option}); columns: ${names.join(", ")}`);
    return i;
  };
  const xi = find(opts.x, defaults.x, true, "x");
  const yi = find(opts.y, defaults.y, true, "y");
  const idi = find(opts.id, defaults.id, false, "id");
  const ti = find(opts.time, defaults.time, false, "time");
  const covIdx = names.map((_, i) => i).filter((i) => i !== xi && i !== yi && i !== idi && i !== ti);

  const rows = new Map<string, { x: number[]; y: number[]; t: number[]; cov: number[][] }>();
  let skipped = 0;
  for (const r of records) {
    const x = csvNumber(r[xi]);
    const y = csvNumber(r[yi]);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      skipped++;
      continue;
    }
    const id = idi >= 0 ? (r[idi] ?? "").trim() : "";
    let track = rows.get(id);
    if (!track) rows.set(id, (track = { x: [], y: [], t: [], cov: covIdx.map(() => []) }));
    track.x.push(x);
    track.y.push(y);
    track.t.push(ti >= 0 ? csvTime(r[ti]) : NaN);
    covIdx.forEach((c, k) => track!.cov[k]!.push(csvNumber(r[c])));
  }
  if (opts.coords === "lonlat") {
    for (const [id, tr] of rows) {
      const bad = tr.x.findIndex((lon, i) => lon < -180 || lon > 180 || tr.y[i]! < -90 || tr.y[i]! > 90);
      if (bad >= 0) throw new TrackCsvError(`track "${id}": (${tr.x[bad]}, ${tr.y[bad]}) is not a longitude/latitude pair (use --coords xy-m or xy-km?)`);
    }
  }
  const covariates = covIdx.map((i) => names[i]!);
  const tracks: CsvTrack[] = [...rows].map(([id, tr]) => ({
    id,
    x: Float64Array.from(tr.x),
    y: Float64Array.from(tr.y),
    t: Float64Array.from(tr.t),
    covariates: Object.fromEntries(covariates.map((name, k) => [name, Float64Array.from(tr.cov[k]!)])),
  }));
  return { coords: opts.coords, tracks, skipped, covariates };
}

/** The common CLI options of the track commands, parsed from `--coords --x --y --id --time`. */
export function trackCsvOptions(flags: Record<string, string | undefined>, defaultCoords: CoordKind): TrackCsvOptions {
  const coords = (flags.coords ?? defaultCoords) as CoordKind;
  if (!(coords in DEFAULTS)) throw new TrackCsvError(`--coords must be lonlat, xy-m or xy-km (got "${coords}")`);
  return { coords, x: flags.x, y: flags.y, id: flags.id, time: flags.time };
}

/** The track CSV flags for node:util parseArgs, shared by the research commands. */
export const TRACK_CSV_FLAGS = {
  coords: { type: "string" },
  x: { type: "string" },
  y: { type: "string" },
  id: { type: "string" },
  time: { type: "string" },
} as const;
