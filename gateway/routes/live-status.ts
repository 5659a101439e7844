// Live state of active animals, straight from the actors in memory (never a database scan):
// GET /animals/live_status and GET /tracking/live_tracking.
import { z } from "zod";
import type { LivePosition } from "../../engine/types.ts";
import { cursorValue, idCursor, ListQuery } from "../http/params.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const LiveQuery = ListQuery.extend({
  herd: z.string().min(1).optional(),
  family: z.string().min(1).optional(),
  species: z.string().min(1).optional(),
});
type LiveFilter = z.output<typeof LiveQuery>;

/** Active animals' live positions matching the filter, ordered by animal id, one page. */
function livePage<T>(s: Services, q: LiveFilter, map: (p: LivePosition) => T): { items: T[]; next_cursor: string | null } {
  const after = cursorValue(q.cursor, idCursor);
  const matches: LivePosition[] = [];
  s.live.forEachLive((p) => {
    if (q.herd !== undefined && p.herd !== q.herd) return;
    if (q.family !== undefined && p.family !== q.family) return;
    if (q.species !== undefined && p.species !== q.species) return;
    if (after !== undefined && p.animal <= after) return;
    matches.push(p);
  });
  matches.sort((a, b) => (a.animal < b.animal ? -1 : a.animal > b.animal ? 1 : 0));
  const kept = matches.slice(0, q.limit);
  const last = kept[kept.length - 1];
  const next = matches.length > q.limit && last ? Buffer.from(JSON.stringify(last.animal)).toString("base64url") : null;
  return { items: kept.map(map), next_cursor: next };
}

const movement = (p: LivePosition) => ({
  speed_kmh: p.speed,
  heading_deg: p.heading,
  step_m: p.step_m,
  turn_deg: p.turn_deg,
  interval_s: p.interval_s,
  distance_today_m: p.distance_today_m,
});

function liveStatus(p: LivePosition, predicted: LivePosition["predicted"]) {
  return {
    animal: p.animal,
    name: p.name,
    species: p.species,
    herd: p.herd,
    family: p.family,
    collar: p.collar,
    latest: { ts: p.ts, lat: p.lat, lon: p.lon },
    movement: movement(p),
    battery: p.battery,
    quality: p.quality,
    // The latest live forecast (1h, 6h, 24h); corridor status arrives with later work.
    predicted_position: predicted ?? null,
    behaviour_state: p.state,
    behaviour_probs: p.state_probs,
    habitat: p.habitat,
    corridor_status: null,
  };
}

const LiveStatusItem = z.object({
  animal: z.string(),
  name: z.string(),
  species: z.string(),
  herd: z.string().nullable(),
  family: z.string().nullable(),
  collar: z.string(),
  latest: z.object({ ts: z.string(), lat: z.number(), lon: z.number() }),
  movement: z.object({
    speed_kmh: z.number().nullable(),
    heading_deg: z.number().nullable(),
    step_m: z.number().nullable(),
    turn_deg: z.number().nullable(),
    interval_s: z.number().nullable(),
    distance_today_m: z.number(),
  }),
  battery: z.number().nullable(),
  quality: z.array(z.string()),
  predicted_position: z
    .array(z.object({ horizon: z.string(), ts: z.string(), lat: z.number(), lon: z.number(), sd_m: z.number() }))
    .nullable()
    .describe("the latest live next-position forecast"),
  behaviour_state: z.string().nullable(),
  behaviour_probs: z.record(z.string(), z.number()).nullable(),
  habitat: z.number().nullable().describe("habitat suitability 0-1 where the animal is (newest habitat model)"),
  corridor_status: z.null(),
});

const NOTE =
  "From actor state in memory (animals with a live actor), ordered by animal id; filters herd, family, species. behaviour_state and behaviour_probs come from the live forward filter of the species' behaviour model (null until one is fitted: POST /behaviour/models); predicted_position is the latest live forecast (null until one is made); corridor_status is null until corridor status is built";

export function liveStatusRoutes(s: Services): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/animals/live_status",
      summary: `Latest position and movement metrics of every active animal. ${NOTE}`,
      tags: ["animals", "live"],
      query: LiveQuery,
      responses: { 200: { description: "A page of live states", schema: z.object({ items: z.array(LiveStatusItem), next_cursor: z.string().nullable() }) } },
      handler: (ctx) => ({ body: livePage(s, ctx.q, (p) => liveStatus(p, s.predictions.latest(p.animal)?.path)) }),
    }),
    route({
      method: "GET",
      path: "/api/v1/tracking/live_tracking",
      summary: `Full pipeline state per active animal: the live position as broadcast on /live, plus model fields. ${NOTE}`,
      tags: ["tracking", "live"],
      query: LiveQuery,
      handler: (ctx) => ({
        body: livePage(s, ctx.q, (p) => ({ ...p, movement: movement(p), predicted_position: s.predictions.latest(p.animal)?.path ?? null, behaviour_state: p.state, corridor_status: null })),
      }),
    }),
  ];
}
