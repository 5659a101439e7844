// POST /tracking/import: a Movebank CSV (our track.csv, or a Movebank export as is), streamed row by row
// through the same validation and the one ingest pipeline as /ingest, with a bounded number in flight.
//
// Which collar a row belongs to:
//   ?collar=ID      every row goes to that (registered) collar;
//   ?animal_id=ID   every row goes to the collar that animal wears now;
//   neither         the row's `tag-local-identifier` column (unknown or undeployed collars are quarantined,
//                   exactly as for /ingest).
// The registry then attaches each fix to the animal wearing that collar at the fix's time, as for any fix.
// Device tokens: a collar token may only import its own collar's rows; a gateway token must name the collar.
import { z } from "zod";
import { parseCsv } from "../../formats/csv-stream.ts";
import { columnOf, importLayout, importRow } from "../../formats/movebank-csv.ts";
import { getAnimal } from "../../store/repos/animals.ts";
import { resolveCollar, toFixInput, validateFix, type FieldError } from "../ingest-protocol.ts";
import { badRequest, HttpError } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

/** Rows submitted to the pipeline and not yet stored: the import waits when this many are in flight. */
export const IMPORT_IN_FLIGHT = 1000;
/** Row errors listed in the result (all are counted). */
export const MAX_ROW_ERRORS = 1000;

const collarId = z.string().min(1, "must not be empty").max(64).regex(/^[A-Za-z0-9._:-]+$/, "may only contain letters, digits and . _ : -");
const ImportQuery = z
  .object({ animal_id: z.string().min(1, "must not be empty").max(200).optional(), collar: collarId.optional() })
  .refine((q) => q.animal_id === undefined || q.collar === undefined, { path: ["collar"], message: "give either animal_id or collar, not both" });

const ImportResult = z.object({
  rows: z.number().describe("data records read (the header not counted)"),
  stored: z.number(),
  duplicates: z.number().describe("already stored (same collar and timestamp)"),
  quarantined: z.number().describe("stored in quarantine: unknown collar, or not deployed at that time"),
  invalid: z.number(),
  skipped: z.number().describe("records without coordinates (failed fixes in Movebank exports)"),
  errors: z.array(z.object({ row: z.number().describe("1-based data record number"), errors: z.array(z.object({ path: z.string(), message: z.string() })) })),
  duration_ms: z.number(),
});
export type ImportResult = z.output<typeof ImportResult>;

export function importRoutes(s: Services): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/tracking/import",
      summary:
        "Import a Movebank CSV (streamed, any size; send it as the raw body, e.g. Content-Type: text/csv). Columns timestamp, location-long, location-lat required; gps:hdop, gps:satellite-count, ground-speed (m/s), heading, height-above-msl, battery-charge-percent, external-temperature, activity-count, tag-local-identifier used; others ignored; NA/empty accepted. Rows go to ?collar=, to ?animal_id='s current collar, or to their tag-local-identifier",
      tags: ["tracking"],
      query: ImportQuery,
      stream: true,
      responses: { 200: { description: "Per-row outcome counts and the first 1000 row errors", schema: ImportResult } },
      handler: async (ctx) => {
        const started = Date.now();
        const principal = ctx.principal!;
        let override: string | undefined = ctx.q.collar;
        if (ctx.q.collar !== undefined && !s.registry.hasCollar(ctx.q.collar)) {
          throw badRequest("invalid query", [{ path: "collar", message: `no collar ${ctx.q.collar}` }]);
        }
        if (ctx.q.animal_id !== undefined) {
          const animal = await getAnimal(s.db, ctx.q.animal_id);
          if (!animal) throw badRequest("invalid query", [{ path: "animal_id", message: `no animal ${ctx.q.animal_id}` }]);
          if (!animal.collar) throw badRequest("invalid query", [{ path: "animal_id", message: `animal ${animal.id} wears no collar now; pass ?collar= instead` }]);
          override = animal.collar;
        }
        if (principal.role === "collar" && override !== undefined && override !== principal.collar) {
          throw new HttpError(403, `this token may only import fixes for collar ${principal.collar}`);
        }

        const result: ImportResult = { rows: 0, stored: 0, duplicates: 0, quarantined: 0, invalid: 0, skipped: 0, errors: [], duration_ms: 0 };
        const rowError = (row: number, errors: FieldError[]) => {
          result.invalid++;
          if (result.errors.length < MAX_ROW_ERRORS) result.errors.push({ row, errors });
        };

        // Bounded in-flight window: wait when IMPORT_IN_FLIGHT tickets are open.
        let inFlight = 0;
        let wake: (() => void) | null = null;
        const done = () => {
          inFlight--;
          const w = wake;
          wake = null;
          w?.();
        };
        const waitBelow = async (n: number) => {
          while (inFlight > n) await new Promise<void>((r) => (wake = r));
        };

        let layout: ReturnType<typeof importLayout> | null = null;
        for await (const record of parseCsv(ctx.bodyStream ?? [])) {
          if (!layout) {
            layout = importLayout(record);
            if (layout.missing.length) {
              throw badRequest("the CSV header lacks required columns", layout.missing.map((c) => ({ path: c, message: "column is required" })));
            }
            continue;
          }
          const row = ++result.rows;
          const parsed = importRow(record, layout);
          if (parsed.kind === "skip") {
            result.skipped++;
            continue;
          }
          if (parsed.kind === "invalid") {
            rowError(row, parsed.errors);
            continue;
          }
          const collar = override ?? parsed.collar;
          const v = validateFix({ seq: row, ...parsed.fix, ...(collar !== undefined ? { collar } : {}) });
          if (v === null) continue; // cannot happen: seq is the row number
          if ("errors" in v) {
            const l = layout;
            rowError(row, v.errors.map((e) => ({ path: columnOf(e.path, l), message: e.message })));
            continue;
          }
          let owner: string;
          if (principal.role === "collar" || principal.role === "gateway") {
            const r = resolveCollar(v.fix, principal);
            if ("errors" in r) {
              rowError(row, r.errors.map((e) => ({ path: e.path === "collar" ? "tag-local-identifier" : e.path, message: e.message })));
              continue;
            }
            owner = r.collar;
          } else if (collar === undefined) {
            rowError(row, [{ path: "tag-local-identifier", message: "is required (or pass ?collar= or ?animal_id=)" }]);
            continue;
          } else {
            owner = collar;
          }
          const fix = toFixInput(v.fix, owner);
          const quarantine = "reason" in s.registry.resolve(owner, fix.ts);
          inFlight++;
          s.pipeline.submit(fix, {
            wantsOutcome: true,
            // `outcome` is absent on writers that do not tell duplicates apart: count those as stored.
            stored: (outcome?: string) => {
              if (quarantine) result.quarantined++;
              else if (outcome === "duplicate") result.duplicates++;
              else result.stored++;
              done();
            },
            rejected: (message: string) => {
              rowError(row, [{ path: "(row)", message }]);
              done();
            },
          });
          await waitBelow(IMPORT_IN_FLIGHT - 1);
        }
        if (!layout) throw badRequest("the body is empty: expected a Movebank CSV with a header line");
        await waitBelow(0);
        result.duration_ms = Date.now() - started;
        return { status: 200, body: result };
      },
    }),
  ];
}
