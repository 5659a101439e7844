// Tracking over REST: one fix or a bulk upload through the same validation, pipeline (actors, live
// position, flags) and durable writer as /ingest, each answered after commit with its outcome; and
// stored fixes by animal, time window and bounding box.
import { z } from "zod";
import type { Principal } from "../../auth/roles.ts";
import { isUserRole } from "../../auth/roles.ts";
import type { FixInput } from "../../engine/types.ts";
import { getAnimal } from "../../store/repos/animals.ts";
import { listTracking } from "../../store/repos/tracking.ts";
import { resolveCollar, toFixInput, validateFix, type FieldError } from "../ingest-protocol.ts";
import { cursorValue, ListQuery, pageOf, timeParam } from "../http/params.ts";
import { badRequest, HttpError, notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

export const MAX_BULK_FIXES = 10_000;
const BULK_BODY_LIMIT = 8 * 1024 * 1024;

/** Documentation of a fix; the fix itself is validated by the /ingest validator (validateFix), the one validation. */
const FixDoc = z
  .looseObject({
    collar: z.string().optional().describe("collar id; implied by a collar token, required with a user or gateway token"),
    ts: z.union([z.string(), z.number()]).optional().describe("ISO 8601 with offset, or epoch ms (required)"),
    lat: z.number().optional().describe("required, -90..90"),
    lon: z.number().optional().describe("required, -180..180"),
    alt: z.number().nullable().optional(),
    speed: z.number().nullable().optional(),
    heading: z.number().nullable().optional(),
    hdop: z.number().nullable().optional(),
    sats: z.number().nullable().optional(),
    battery: z.number().nullable().optional(),
    temp: z.number().nullable().optional(),
    activity: z.number().nullable().optional(),
  })
  .describe("A fix, same fields and rules as an /ingest fix (seq is not needed and is ignored)");

export type TrackingResult = "stored" | "duplicate" | "quarantined";

export type Checked = { fix: FixInput } | { code: "invalid" | "forbidden_collar"; errors: FieldError[] };

/** Validates one REST fix exactly like /ingest does (validateFix + resolveCollar), seq not required. */
export function checkFix(item: unknown, principal: Principal): Checked {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    return { code: "invalid", errors: [{ path: "(root)", message: "must be a fix object" }] };
  }
  const r = validateFix({ ...item, seq: 0 })!; // an object with a valid seq never yields null
  if ("errors" in r) return { code: "invalid", errors: r.errors };
  const owner = resolveCollar(r.fix, principal);
  if ("code" in owner) {
    const errors = isUserRole(principal.role) && owner.code === "invalid" ? [{ path: "collar", message: "is required" }] : owner.errors;
    return { code: owner.code, errors };
  }
  return { fix: toFixInput(r.fix, owner.collar) };
}

interface Outcome {
  result: TrackingResult | "rejected";
  animal: string | null;
  reason?: string;
  message?: string;
}

/** Submits a validated fix to the pipeline and resolves after the writer has answered its ticket. */
export function submitFix(s: Services, fix: FixInput): Promise<Outcome> {
  // Resolved in the same synchronous step as the pipeline's own lookup, so they agree.
  const where = s.registry.resolve(fix.collar, fix.ts);
  return new Promise<Outcome>((resolve) => {
    s.pipeline.submit(fix, {
      wantsOutcome: true,
      stored: (outcome) =>
        resolve("reason" in where ? { result: "quarantined", animal: null, reason: where.reason } : { result: outcome ?? "stored", animal: where.animal.id }),
      rejected: (message) => resolve({ result: "rejected", animal: null, message }),
    });
  });
}

const BBox = z
  .string()
  .optional()
  .transform((v, ctx): [number, number, number, number] | undefined => {
    if (v === undefined) return undefined;
    const parts = v.split(",").map((x) => (x.trim() === "" ? NaN : Number(x)));
    const [w, s, e, n] = parts as [number, number, number, number];
    if (parts.length !== 4 || parts.some((x) => !Number.isFinite(x))) {
      ctx.addIssue({ code: "custom", message: "must be four numbers west,south,east,north" });
      return z.NEVER;
    }
    if (Math.abs(w) > 180 || Math.abs(e) > 180 || Math.abs(s) > 90 || Math.abs(n) > 90 || s > n) {
      ctx.addIssue({ code: "custom", message: "must be west,south,east,north with longitudes in -180..180, latitudes in -90..90 and south ≤ north" });
      return z.NEVER;
    }
    return [w, s, e, n];
  });
const window = { from: timeParam.optional(), to: timeParam.optional() };
const fromBeforeTo = (q: { from?: number; to?: number }) => q.from === undefined || q.to === undefined || q.from <= q.to;
const TrackingQuery = ListQuery.extend({ animal: z.string().min(1).max(200).optional(), ...window, bbox: BBox }).refine(fromBeforeTo, {
  path: ["from"],
  message: "must not be after to",
});
const ByAnimalQuery = ListQuery.extend({ animal_id: z.string().min(1).max(200), ...window }).refine(fromBeforeTo, { path: ["from"], message: "must not be after to" });
const TrackingCursor = z.object({ ts: z.iso.datetime({ offset: true }), collar: z.string().min(1).max(64) });

const TrackingFixSchema = z.object({
  animal: z.string(),
  collar: z.string(),
  ts: z.string(),
  lat: z.number(),
  lon: z.number(),
  speed: z.number().nullable(),
  heading: z.number().nullable(),
  quality: z.array(z.string()),
});
const SingleResult = z.object({
  result: z.enum(["stored", "duplicate", "quarantined"]),
  collar: z.string(),
  ts: z.string(),
  animal: z.string().nullable(),
  reason: z.string().optional(),
});
const BulkResult = z.object({
  items: z.array(
    z.object({
      index: z.number(),
      result: z.enum(["stored", "duplicate", "quarantined", "invalid"]),
      code: z.string().optional(),
      errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  ),
  counts: z.object({ stored: z.number(), duplicate: z.number(), quarantined: z.number(), invalid: z.number() }),
});

/** Backpressure for REST writers, as /ingest answers `overloaded`: nothing is taken that cannot be stored soon. */
function assertNotOverloaded(s: Services): void {
  if (s.unstored() >= s.maxUnstored) throw new HttpError(503, "storage is behind; retry later", undefined, { "Retry-After": "5" });
}

export function trackingRoutes(s: Services): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/tracking",
      summary:
        "Submit one fix (same fields and validation as /ingest; collar implied by a collar token). Answered after commit: stored, duplicate (already stored) or quarantined (collar unknown or not deployed)",
      tags: ["tracking"],
      body: FixDoc,
      responses: { 201: { description: "The fix is durably stored (or was already, or is quarantined)", schema: SingleResult } },
      handler: async (ctx) => {
        assertNotOverloaded(s);
        const checked = checkFix(ctx.body, ctx.principal!);
        if ("code" in checked) {
          if (checked.code === "forbidden_collar") throw new HttpError(403, checked.errors[0]?.message ?? "forbidden collar", checked.errors);
          throw badRequest("invalid body", checked.errors);
        }
        const out = await submitFix(s, checked.fix);
        if (out.result === "rejected") {
          if (out.message === "writer closed") throw new HttpError(503, "the server is shutting down; retry later", undefined, { "Retry-After": "5" });
          throw badRequest("the database refused this fix", [{ path: "(fix)", message: out.message ?? "rejected" }]);
        }
        const body: Record<string, unknown> = { result: out.result, collar: checked.fix.collar, ts: new Date(checked.fix.ts).toISOString(), animal: out.animal };
        if (out.reason) body.reason = out.reason;
        return { status: 201, body };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/tracking/bulk_upload",
      summary: `Submit up to ${MAX_BULK_FIXES} fixes; per-item result in input order (stored, duplicate, quarantined, invalid with errors) after commit. Invalid items never stop the others`,
      tags: ["tracking"],
      body: z.array(z.unknown()).max(MAX_BULK_FIXES, `at most ${MAX_BULK_FIXES} fixes per upload`).describe("array of fixes, each as in POST /tracking"),
      bodyLimit: BULK_BODY_LIMIT,
      responses: { 200: { description: "Per-item results and counts", schema: BulkResult } },
      handler: async (ctx) => {
        assertNotOverloaded(s);
        const principal = ctx.principal!;
        const counts = { stored: 0, duplicate: 0, quarantined: 0, invalid: 0 };
        // A fix repeated within the upload is submitted once; its repeats are answered from the first
        // one's outcome (stored → duplicate), so results follow input order deterministically.
        const firstOf = new Map<string, Promise<Outcome>>();
        const items = await Promise.all(
          ctx.body.map(async (raw, index) => {
            const checked = checkFix(raw, principal);
            if ("code" in checked) {
              counts.invalid++;
              return { index, result: "invalid" as const, code: checked.code, errors: checked.errors };
            }
            const key = `${checked.fix.collar}\u0000${checked.fix.ts}`;
            const first = firstOf.get(key);
            let out: Outcome;
            if (first) {
              const o = await first;
              out = o.result === "stored" ? { ...o, result: "duplicate" } : o;
            } else {
              const p = submitFix(s, checked.fix);
              firstOf.set(key, p);
              out = await p;
            }
            if (out.result === "rejected") {
              counts.invalid++;
              return { index, result: "invalid" as const, code: "rejected", errors: [{ path: "(fix)", message: out.message ?? "rejected" }] };
            }
            counts[out.result]++;
            return out.reason ? { index, result: out.result, reason: out.reason } : { index, result: out.result };
          }),
        );
        return { body: { items, counts } };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/tracking",
      summary: "Stored fixes, oldest first, filtered by animal, time window [from, to) and bbox=west,south,east,north",
      tags: ["tracking"],
      query: TrackingQuery,
      responses: { 200: { description: "A page of fixes", schema: pageOf(TrackingFixSchema) } },
      handler: async (ctx) => ({
        body: await listTracking(s.db, { animal: ctx.q.animal, from: ctx.q.from, to: ctx.q.to, bbox: ctx.q.bbox, after: cursorValue(ctx.q.cursor, TrackingCursor) }, ctx.q.limit),
      }),
    }),
    route({
      method: "GET",
      path: "/api/v1/tracking/by_animal",
      summary: "One animal's stored fixes, oldest first (optional from, to)",
      tags: ["tracking"],
      query: ByAnimalQuery,
      responses: { 200: { description: "A page of fixes", schema: pageOf(TrackingFixSchema) } },
      handler: async (ctx) => {
        if (!(await getAnimal(s.db, ctx.q.animal_id))) throw notFound(`animal ${ctx.q.animal_id}`);
        return {
          body: await listTracking(s.db, { animal: ctx.q.animal_id, from: ctx.q.from, to: ctx.q.to, after: cursorValue(ctx.q.cursor, TrackingCursor) }, ctx.q.limit),
        };
      },
    }),
  ];
}
