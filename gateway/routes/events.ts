// Events: list (GET /events) and "near a point" (GET /events/nearby, PostGIS ST_DWithin on geography).
// Events are reported under their family: POST /families/{id}/events (gateway/routes/herds.ts).
import { z } from "zod";
import { eventsNear, listEvents } from "../../store/repos/events.ts";
import { cursorValue, idCursor, pageOf } from "../http/params.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";
import { fromBeforeTo, fromNotAfterTo, latField, lonField, text, TimeCursorShape, TimeListQuery, tsField } from "./observations.ts";

const MAX_METADATA_BYTES = 16 * 1024;
/** Body of POST /families/{id}/events. */
export const NewEventBody = z.object({
  description: text(2000).describe("what happened, at most 2000 characters"),
  lat: latField,
  lon: lonField,
  ts: tsField,
  event_metadata: z
    .record(z.string(), z.unknown(), { error: "must be a JSON object" })
    .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, `must be at most ${MAX_METADATA_BYTES} bytes as JSON`)
    .nullable()
    .optional()
    .describe("any JSON object (at most 16 KiB), stored as is"),
});

export const EventSchema = z.object({
  id: z.string(),
  family_id: z.string().nullable(),
  description: z.string(),
  ts: z.string(),
  lat: z.number(),
  lon: z.number(),
  event_metadata: z.record(z.string(), z.unknown()).nullable(),
  reporter: z.string().nullable(),
  created_at: z.string(),
});

/** A number in a query string (no empty strings, no hex, no `Infinity`). */
const queryNumber = (lo: number, hi: number, what: string) =>
  z
    .string({ error: "is required" })
    .trim()
    .regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, "must be a number")
    .transform(Number)
    .pipe(z.number().min(lo, `must be between ${lo} and ${hi}`).max(hi, `must be between ${lo} and ${hi}`))
    .describe(what);

export const MAX_RADIUS_M = 1_000_000;
const EventQuery = TimeListQuery.extend({ family: z.string().max(200).optional().describe("only events of this family") }).refine(fromNotAfterTo, fromBeforeTo);
const NearbyQuery = TimeListQuery.extend({
  lat: queryNumber(-90, 90, "latitude of the centre"),
  lon: queryNumber(-180, 180, "longitude of the centre"),
  radius_m: queryNumber(0, MAX_RADIUS_M, `radius in metres (at most ${MAX_RADIUS_M})`),
  family: z.string().max(200).optional().describe("only events of this family"),
}).refine(fromNotAfterTo, fromBeforeTo);
const DistanceCursorShape = z.object({ d: z.number().min(0), id: idCursor });

export function eventRoutes(s: Services): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/events/nearby",
      summary:
        "Events within radius_m of (lat, lon) and in [from, to), nearest first, each with distance_m (great-circle distance on the mean-radius sphere, PostGIS ST_DWithin on geography)",
      tags: ["events"],
      query: NearbyQuery,
      responses: { 200: { description: "a page of events, nearest first", schema: pageOf(EventSchema.extend({ distance_m: z.number() })) } },
      handler: async (ctx) => ({
        body: await eventsNear(
          s.db,
          { lat: ctx.q.lat, lon: ctx.q.lon, radius_m: ctx.q.radius_m, family: ctx.q.family, from: ctx.q.from, to: ctx.q.to },
          ctx.q.limit,
          cursorValue(ctx.q.cursor, DistanceCursorShape),
        ),
      }),
    }),
    route({
      method: "GET",
      path: "/api/v1/events",
      summary: "List events, newest first (filters: family, from, to)",
      tags: ["events"],
      query: EventQuery,
      responses: { 200: { description: "a page of events", schema: pageOf(EventSchema) } },
      handler: async (ctx) => ({
        body: await listEvents(s.db, { family: ctx.q.family, from: ctx.q.from, to: ctx.q.to }, ctx.q.limit, cursorValue(ctx.q.cursor, TimeCursorShape)),
      }),
    }),
  ];
}
