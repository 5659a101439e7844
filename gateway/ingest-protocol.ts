// The /ingest wire protocol (API.md "Collar ingest"): frame parsing and fix validation, done once at the edge.
import { z } from "zod";
import type { FixInput } from "../engine/types.ts";

export const MAX_FRAME_BYTES = 256 * 1024;
export const MAX_BATCH_FIXES = 1000;
/** GPS time starts 1980-01-06; anything earlier is a broken clock, not a fix. */
export const MIN_TS = Date.UTC(1980, 0, 6);
export const MAX_TS = Date.UTC(2100, 0, 1);

export interface FieldError {
  path: string;
  message: string;
}

const between = (lo: number, hi: number) =>
  z.number({ error: "must be a number" }).min(lo, `must be between ${lo} and ${hi}`).max(hi, `must be between ${lo} and ${hi}`);
const optionalNumber = (schema: z.ZodNumber) => schema.nullable().optional();

/** ISO 8601 with an explicit offset, or epoch milliseconds. */
const timestamp = z.union([z.string(), z.number()], { error: "must be an ISO 8601 time or epoch milliseconds" }).transform((v, ctx) => {
  let ms: number;
  if (typeof v === "number") {
    ms = v;
  } else {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(v)) {
      ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time with a UTC offset (e.g. 2026-11-21T10:00:00Z) or epoch milliseconds" });
      return z.NEVER;
    }
    ms = Date.parse(v);
  }
  if (!Number.isFinite(ms) || ms < MIN_TS || ms >= MAX_TS) {
    ctx.addIssue({ code: "custom", message: "must be a valid time between 1980-01-06 and 2100-01-01" });
    return z.NEVER;
  }
  return Math.round(ms);
});

const FixFields = {
  seq: z.number({ error: "must be a number" }).int("must be an integer").min(0, "must be ≥ 0").max(Number.MAX_SAFE_INTEGER),
  collar: z.string({ error: "must be a string" }).min(1, "must not be empty").max(64, "must be at most 64 characters").regex(/^[A-Za-z0-9._:-]+$/, "may only contain letters, digits and . _ : -").optional(),
  ts: timestamp,
  lat: between(-90, 90),
  lon: between(-180, 180),
  alt: optionalNumber(between(-500, 9000)),
  speed: optionalNumber(between(0, 500)),
  heading: optionalNumber(between(0, 360)),
  hdop: optionalNumber(between(0, 100)),
  sats: optionalNumber(z.number({ error: "must be a number" }).int("must be an integer").min(0, "must be between 0 and 255").max(255, "must be between 0 and 255")),
  battery: optionalNumber(between(0, 100)),
  temp: optionalNumber(between(-60, 80)),
  activity: optionalNumber(between(-1e9, 1e9)),
};

const FixSchema = z.object(FixFields);
export type WireFix = z.output<typeof FixSchema>;

export type ParsedFrame =
  | { kind: "fixes"; fixes: Array<{ seq: number; fix: WireFix } | { seq: number; errors: FieldError[] }> }
  | { kind: "error"; code: "bad_frame" | "too_large"; detail: string };

/** Parses one text frame into validated fixes (each valid or with its errors), or a frame-level error. */
export function parseFrame(text: string): ParsedFrame {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { kind: "error", code: "bad_frame", detail: "frame is not valid JSON" };
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
    return { kind: "error", code: "bad_frame", detail: "frame must be a JSON object with a type" };
  }
  const type = (msg as { type?: unknown }).type;
  if (type === "fix") return validated([msg]);
  if (type === "batch") {
    const fixes = (msg as { fixes?: unknown }).fixes;
    if (!Array.isArray(fixes)) return { kind: "error", code: "bad_frame", detail: "batch.fixes must be an array" };
    if (fixes.length > MAX_BATCH_FIXES) {
      return { kind: "error", code: "too_large", detail: `a batch holds at most ${MAX_BATCH_FIXES} fixes (got ${fixes.length})` };
    }
    return validated(fixes);
  }
  return { kind: "error", code: "bad_frame", detail: `unknown message type ${JSON.stringify(type)}: expected "fix" or "batch"` };
}

function validated(items: unknown[]): ParsedFrame {
  const fixes: Array<{ seq: number; fix: WireFix } | { seq: number; errors: FieldError[] }> = [];
  for (const item of items) {
    const r = validateFix(item);
    if (r === null) {
      return { kind: "error", code: "bad_frame", detail: "every fix needs an integer seq ≥ 0 so it can be acknowledged" };
    }
    fixes.push(r);
  }
  return { kind: "fixes", fixes };
}

/** Validates one fix; null when it has no usable seq (it cannot even be nacked). */
export function validateFix(item: unknown): { seq: number; fix: WireFix } | { seq: number; errors: FieldError[] } | null {
  if (typeof item !== "object" || item === null) return null;
  const seq = (item as { seq?: unknown }).seq;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) return null;
  const r = FixSchema.safeParse(item);
  if (r.success) return { seq, fix: r.data };
  return { seq, errors: toFieldErrors(r.error, item) };
}

/** zod issues → API field errors; with the input at hand, a missing field reads "is required". */
export function toFieldErrors(error: z.ZodError, input?: unknown): FieldError[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join(".") || "(root)",
    message: (i.code === "invalid_type" || i.code === "invalid_union") && input !== undefined && valueAt(input, i.path) === undefined ? "is required" : i.message,
  }));
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * The seqs a frame names, unvalidated and best effort: the answer to a frame refused before processing
 * (rate_limited) lists them so the collar knows exactly which fixes to resend. [] when none can be read.
 */
export function frameSeqs(text: string): number[] {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof msg !== "object" || msg === null) return [];
  const { type, fixes } = msg as { type?: unknown; fixes?: unknown };
  const items = type === "fix" ? [msg] : type === "batch" && Array.isArray(fixes) ? fixes.slice(0, MAX_BATCH_FIXES) : [];
  const seqs: number[] = [];
  for (const item of items) {
    const seq = typeof item === "object" && item !== null ? (item as { seq?: unknown }).seq : undefined;
    if (typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 0) seqs.push(seq);
  }
  return seqs;
}

/** Resolves which collar a fix belongs to under the connection's token; an error message when it may not. */
export function resolveCollar(
  fix: WireFix,
  principal: { role: string; collar?: string },
): { collar: string } | { code: "forbidden_collar" | "invalid"; errors: FieldError[] } {
  if (principal.role === "collar") {
    if (fix.collar !== undefined && fix.collar !== principal.collar) {
      return { code: "forbidden_collar", errors: [{ path: "collar", message: `this token may only send fixes for collar ${principal.collar}` }] };
    }
    return { collar: principal.collar! };
  }
  if (fix.collar === undefined) return { code: "invalid", errors: [{ path: "collar", message: "is required with a gateway token" }] };
  return { collar: fix.collar };
}

/** The typed fix the engine works with. */
export function toFixInput(fix: WireFix, collar: string): FixInput {
  return {
    collar,
    ts: fix.ts,
    lat: fix.lat,
    lon: fix.lon,
    alt: fix.alt ?? null,
    speed: fix.speed ?? null,
    heading: fix.heading ?? null,
    hdop: fix.hdop ?? null,
    sats: fix.sats ?? null,
    battery: fix.battery ?? null,
    temp: fix.temp ?? null,
    activity: fix.activity ?? null,
  };
}
