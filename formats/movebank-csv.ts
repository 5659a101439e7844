// Movebank CSV: the columns of GET /animals/{id}/track.csv and what POST /tracking/import reads back.
// Attribute names follow the Movebank Attribute Dictionary; units are Movebank's (ground-speed in m/s,
// timestamps `yyyy-MM-dd HH:mm:ss.SSS` in UTC).
import type { TrackPoint } from "../store/repos/track.ts";
import { SUSPECT_FLAGS } from "../engine/quality.ts";
import type { QualityFlag } from "../engine/types.ts";
import { csvLine } from "./csv-stream.ts";

/** Export columns, in order. */
export const MOVEBANK_COLUMNS = [
  "event-id",
  "visible",
  "timestamp",
  "location-long",
  "location-lat",
  "gps:hdop",
  "gps:satellite-count",
  "ground-speed",
  "heading",
  "height-above-msl",
  "battery-charge-percent",
  "external-temperature",
  "activity-count",
  "sensor-type",
  "tag-local-identifier",
  "individual-local-identifier",
  "individual-taxon-canonical-name",
] as const;

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Epoch ms → `yyyy-MM-dd HH:mm:ss.SSS` (UTC), Movebank's timestamp format. */
export function formatMovebankTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

const MOVEBANK_TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Movebank timestamp (`yyyy-MM-dd HH:mm:ss[.SSS]`, UTC; fractions beyond milliseconds are rounded) or
 * ISO 8601 with an explicit offset → epoch ms; null when it is neither or not a real calendar time.
 */
export function parseMovebankTimestamp(s: string): number | null {
  const t = s.trim();
  const m = MOVEBANK_TS.exec(t);
  if (m) {
    const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number) as [number, number, number, number, number, number];
    const frac = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return null;
    const ms = Date.UTC(y, mo - 1, d, h, mi, sec, 0);
    if (new Date(ms).getUTCDate() !== d) return null; // 2026-02-30
    return ms + frac;
  }
  if (ISO_WITH_OFFSET.test(t)) {
    const ms = Date.parse(t);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A CSV number cell: undefined for empty / NA / NaN / null, the number (scientific notation accepted), or the raw text when it is not a number. */
export function parseNumberCell(v: string | undefined): number | undefined | string {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (t === "" || /^(na|nan|null|n\/a)$/i.test(t)) return undefined;
  if (!NUMBER.test(t)) return t;
  return Number(t);
}

export interface ExportContext {
  animal: { id: string; name: string; species: string };
}

const isSuspect = (quality: readonly string[]) => quality.some((q) => SUSPECT_FLAGS.includes(q as QualityFlag));
const num = (v: number | null): string => (v === null || !Number.isFinite(v) ? "" : String(v));

/** The header line. */
export function movebankHeader(): string {
  return csvLine(MOVEBANK_COLUMNS);
}

/**
 * One fix as a CSV line. `eventId` is the row's running number in this export. lat/lon are written
 * with JavaScript's shortest round-trip representation, so parsing them gives back the same doubles.
 */
export function movebankLine(p: TrackPoint, eventId: number, ctx: ExportContext): string {
  return csvLine([
    eventId,
    isSuspect(p.quality) ? "false" : "true",
    formatMovebankTimestamp(Date.parse(p.ts)),
    String(p.lon),
    String(p.lat),
    num(p.hdop),
    num(p.sats),
    p.reported_speed === null ? "" : String(p.reported_speed / 3.6), // km/h → m/s
    num(p.reported_heading),
    num(p.alt),
    num(p.battery),
    num(p.temp),
    num(p.activity),
    "gps",
    p.collar,
    ctx.animal.name || ctx.animal.id,
    ctx.animal.species,
  ]);
}

/** Import: where each fix field comes from (first column present wins) and the column named in errors. */
export const IMPORT_COLUMNS = {
  ts: ["timestamp"],
  lat: ["location-lat"],
  lon: ["location-long"],
  alt: ["height-above-msl", "height-above-ellipsoid", "height-above-ground"],
  speed: ["ground-speed"],
  heading: ["heading"],
  hdop: ["gps:hdop"],
  sats: ["gps:satellite-count"],
  battery: ["battery-charge-percent"],
  temp: ["external-temperature", "temperature"],
  activity: ["activity-count"],
  collar: ["tag-local-identifier"],
} as const;
export type ImportField = keyof typeof IMPORT_COLUMNS;

/** Column indexes of a header line (names compared trimmed and case-insensitively; unknown columns ignored). */
export function importLayout(header: string[]): { index: Partial<Record<ImportField, number>>; column: Partial<Record<ImportField, string>>; missing: string[] } {
  const names = header.map((h) => h.trim().toLowerCase());
  const index: Partial<Record<ImportField, number>> = {};
  const column: Partial<Record<ImportField, string>> = {};
  for (const [field, candidates] of Object.entries(IMPORT_COLUMNS) as Array<[ImportField, readonly string[]]>) {
    for (const c of candidates) {
      const i = names.indexOf(c);
      if (i >= 0) {
        index[field] = i;
        column[field] = c;
        break;
      }
    }
  }
  const missing = (["ts", "lat", "lon"] as const).filter((f) => index[f] === undefined).map((f) => IMPORT_COLUMNS[f][0]);
  return { index, column, missing };
}

export type ImportedRow =
  | { kind: "fix"; fix: Record<string, unknown>; collar: string | undefined }
  | { kind: "skip" } // no coordinates at all: a failed fix in a Movebank export
  | { kind: "invalid"; errors: Array<{ path: string; message: string }> };

/**
 * One CSV record → a wire-shaped fix object (speeds converted to km/h) for the ingest validation rules,
 * or a skip (both coordinates missing) or the timestamp error (the rest is validated by the ingest schema).
 */
export function importRow(record: string[], layout: ReturnType<typeof importLayout>): ImportedRow {
  const cell = (f: ImportField) => {
    const i = layout.index[f];
    return i === undefined ? undefined : record[i];
  };
  const lat = parseNumberCell(cell("lat"));
  const lon = parseNumberCell(cell("lon"));
  if (lat === undefined && lon === undefined) return { kind: "skip" };
  const tsText = (cell("ts") ?? "").trim();
  const ts = tsText === "" ? undefined : parseMovebankTimestamp(tsText);
  if (ts === null || ts === undefined) {
    return { kind: "invalid", errors: [{ path: "timestamp", message: ts === undefined ? "is required" : "must be yyyy-MM-dd HH:mm:ss.SSS (UTC) or ISO 8601 with an offset" }] };
  }
  const fix: Record<string, unknown> = { ts, lat, lon };
  for (const f of ["alt", "heading", "hdop", "sats", "battery", "temp", "activity"] as const) {
    const v = parseNumberCell(cell(f));
    if (v !== undefined) fix[f] = v;
  }
  const speed = parseNumberCell(cell("speed"));
  if (speed !== undefined) fix.speed = typeof speed === "number" ? speed * 3.6 : speed; // m/s → km/h
  const collar = cell("collar")?.trim();
  return { kind: "fix", fix, collar: collar === "" || collar === undefined || /^na$/i.test(collar) ? undefined : collar };
}

/** Field path of the ingest schema → the CSV column it came from (for error messages). */
export function columnOf(path: string, layout: ReturnType<typeof importLayout>): string {
  const f = path as ImportField;
  return layout.column[f] ?? IMPORT_COLUMNS[f]?.[0] ?? path;
}
