// Observations: animal sightings (GET/POST /observations); family observations live under /families/{id}.
// Shared field schemas (positions, times, body condition) and the time-window list query are exported
// for the family and event routes.
import { z } from "zod";
import { getAnimal } from "../../store/repos/animals.ts";
import { createObservation, listObservations, type Observation } from "../../store/repos/observations.ts";
import { FOREIGN_KEY_VIOLATION, sqlState } from "../../store/repos/rows.ts";
import { cursorValue, idCursor, ListQuery, pageOf, timeInput, timeParam } from "../http/params.ts";
import { badRequest } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const between = (lo: number, hi: number) =>
  z.number({ error: "must be a number" }).min(lo, `must be between ${lo} and ${hi}`).max(hi, `must be between ${lo} and ${hi}`);
export const latField = between(-90, 90).describe("WGS84 latitude, decimal degrees");
export const lonField = between(-180, 180).describe("WGS84 longitude, decimal degrees");
export const tsField = timeInput.describe("ISO 8601 time or epoch milliseconds, between 1980-01-06 and 2100-01-01");
export const sizeField = z
  .number({ error: "must be a number" })
  .int("must be an integer")
  .min(0, "must be between 0 and 100000")
  .max(100_000, "must be between 0 and 100000")
  .nullable()
  .optional()
  .describe("number of animals seen (an integer ≥ 0)");
export const healthField = between(0, 10)
  .nullable()
  .optional()
  .describe("body-condition score from 0 (emaciated) to 10 (excellent), as assessed by the observer");
/** A trimmed, non-empty string of at most `max` characters. */
export const text = (max: number) => z.string({ error: "must be a string" }).trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);
export const notesField = text(4000).nullable().optional().describe("free text, at most 4000 characters");

/** Body of POST /families/{id}/observations. */
export const FamilyObservationBody = z.object({ lat: latField, lon: lonField, ts: tsField, size: sizeField, health: healthField, notes: notesField });
/** Body of POST /observations (a sighting of one animal). */
export const SightingBody = FamilyObservationBody.extend({ animal_id: text(200) });

/** Query of time-filtered lists: `limit`, `cursor`, `from` (inclusive), `to` (exclusive). */
export const TimeListQuery = ListQuery.extend({
  from: timeParam.optional().describe("inclusive lower bound: ISO 8601 or epoch milliseconds"),
  to: timeParam.optional().describe("exclusive upper bound: ISO 8601 or epoch milliseconds"),
});
export const fromBeforeTo = { path: ["from"], message: "must not be after to" };
export const fromNotAfterTo = (q: { from?: number | undefined; to?: number | undefined }) => q.from === undefined || q.to === undefined || q.from <= q.to;
/** Cursor of lists ordered newest first. */
export const TimeCursorShape = z.object({ ts: z.iso.datetime({ offset: true }), id: idCursor });

export const ObservationSchema = z.object({
  id: z.string(),
  family_id: z.string().nullable(),
  animal_id: z.string().nullable(),
  ts: z.string(),
  lat: z.number(),
  lon: z.number(),
  size: z.number().nullable(),
  health: z.number().nullable(),
  notes: z.string().nullable(),
  observer: z.string().nullable(),
  created_at: z.string(),
});

const SightingQuery = TimeListQuery.extend({ animal: z.string().max(200).optional().describe("only sightings of this animal") }).refine(fromNotAfterTo, fromBeforeTo);

export function observationRoutes(s: Services): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/observations",
      summary: "Record a sighting of one animal (observer = the caller); health is a 0–10 body-condition score",
      tags: ["observations"],
      body: SightingBody,
      responses: { 201: { description: "the stored observation", schema: ObservationSchema } },
      handler: async (ctx) => {
        const { animal_id, ...rest } = ctx.body;
        const noAnimal = badRequest("invalid body", [{ path: "animal_id", message: `no animal ${animal_id}` }]);
        if (!(await getAnimal(s.db, animal_id))) throw noAnimal;
        let obs: Observation;
        try {
          obs = await createObservation(s.db, { ...rest, animal_id, observer: ctx.principal?.subject ?? null });
        } catch (err) {
          if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw noAnimal; // deleted meanwhile
          throw err;
        }
        return { status: 201, body: obs };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/observations",
      summary: "List animal sightings, newest first (filters: animal, from, to)",
      tags: ["observations"],
      query: SightingQuery,
      responses: { 200: { description: "a page of sightings", schema: pageOf(ObservationSchema) } },
      handler: async (ctx) => ({
        body: await listObservations(
          s.db,
          { animal: ctx.q.animal, from: ctx.q.from, to: ctx.q.to, sightingsOnly: true },
          ctx.q.limit,
          cursorValue(ctx.q.cursor, TimeCursorShape),
        ),
      }),
    }),
  ];
}
