// Nearby queries: live animals from the in-memory spatial index (great-circle, exact), and families
// at the centroid of their members' live positions, else at their latest observation.
import { z } from "zod";
import { haversineDistance } from "../../engine/geo.ts";
import { sphericalCentroid } from "../../engine/live-index.ts";
import { familyPlaces } from "../../store/repos/overtime.ts";
import { encodeCursor } from "../../store/repos/pagination.ts";
import { cursorValue } from "../http/params.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const HALF_EARTH_M = 20_037_509;
const NearbyQuery = z.object({
  lat: z.coerce.number({ error: "must be a number" }).min(-90, "must be between -90 and 90").max(90, "must be between -90 and 90"),
  lon: z.coerce.number({ error: "must be a number" }).min(-180, "must be between -180 and 180").max(180, "must be between -180 and 180"),
  radius_m: z.coerce.number({ error: "must be a number" }).positive("must be > 0").max(HALF_EARTH_M, `must be at most ${HALF_EARTH_M}`),
  limit: z.coerce.number().int("must be an integer").min(1, "must be between 1 and 1000").max(1000, "must be between 1 and 1000").default(100),
  cursor: z.string().max(200).optional(),
});
const OffsetCursor = z.number().int().min(0).max(1e7);

export function nearbyRoutes(s: Services): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/nearby/animals",
      summary:
        "Animals whose latest live position is within radius_m metres (great circle) of lat, lon, nearest first, with distance_m. From the in-memory spatial index of live positions (every position accepted since the server started)",
      tags: ["nearby"],
      query: NearbyQuery,
      handler: (ctx) => {
        const offset = cursorValue(ctx.q.cursor, OffsetCursor) ?? 0;
        const hits = s.liveIndex.nearby(ctx.q.lat, ctx.q.lon, ctx.q.radius_m, ctx.q.limit + 1, offset);
        const more = hits.length > ctx.q.limit;
        return {
          body: {
            items: hits.slice(0, ctx.q.limit).map((h) => ({ ...h.position, distance_m: h.distance_m })),
            next_cursor: more ? encodeCursor(offset + ctx.q.limit) : null,
          },
        };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/nearby/families",
      summary:
        "Families within radius_m metres of lat, lon, nearest first. A family's position is the centroid of its members' latest live positions (source live), else its latest observation (source observation)",
      tags: ["nearby"],
      query: NearbyQuery,
      handler: async (ctx) => {
        const offset = cursorValue(ctx.q.cursor, OffsetCursor) ?? 0;
        const hits: Array<Record<string, unknown> & { distance_m: number; id: string }> = [];
        for (const f of await familyPlaces(s.db)) {
          const members = s.liveIndex.familyMembers(f.id);
          const centre = sphericalCentroid(members);
          let place: { lat: number; lon: number; ts: string; source: "live" | "observation"; members_live: number } | null = null;
          if (centre) {
            const ts = members.reduce((m, p) => (p.ts > m ? p.ts : m), members[0]!.ts);
            place = { ...centre, ts, source: "live", members_live: members.length };
          } else if (f.obs) {
            place = { ...f.obs, source: "observation", members_live: 0 };
          }
          if (!place) continue;
          const d = haversineDistance(ctx.q.lat, ctx.q.lon, place.lat, place.lon);
          if (d <= ctx.q.radius_m) hits.push({ id: f.id, herd_id: f.herd_id, friendly_name: f.friendly_name, ...place, distance_m: d });
        }
        hits.sort((a, b) => a.distance_m - b.distance_m || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const page = hits.slice(offset, offset + ctx.q.limit);
        return { body: { items: page, next_cursor: hits.length > offset + ctx.q.limit ? encodeCursor(offset + ctx.q.limit) : null } };
      },
    }),
  ];
}
