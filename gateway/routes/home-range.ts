// GET /animals/{id}/home-range: a Brownian bridge home range over the animal's stored fixes, computed
// in the worker pool, as GeoJSON contours (one Feature per level, with its area).
import { z } from "zod";
import { getAnimal } from "../../store/repos/animals.ts";
import { trackColumns } from "../../store/repos/model-tracks.ts";
import type { HomeRangeResult } from "../../workers/bbmm-tasks.ts";
import { timeParam } from "../http/params.ts";
import { notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";
import { poolProblem } from "./pool-errors.ts";

const DAY = 86_400_000;
/** Enough for a year of hourly fixes; more would make the bridge integration slow for a request. */
const MAX_FIXES = 20_000;

const HomeRangeQuery = z
  .object({
    from: timeParam.optional(),
    to: timeParam.optional(),
    levels: z
      .string()
      .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, "must be comma-separated percentages, e.g. 50,95")
      .transform((v) => v.split(",").map(Number))
      .refine((l) => l.length <= 10 && l.every((x) => x > 0 && x < 100), "each level must be above 0 and below 100 (at most 10)")
      .default([50, 95]),
    location_error: z.coerce.number().positive().max(10_000).default(20).describe("GPS error (SD), metres"),
    cell: z.coerce.number().min(1).max(10_000).optional().describe("grid cell, metres (default: the track's extent / 200, at least 10 m)"),
    dynamic: z.enum(["true", "false"]).transform((v) => v === "true").default(false).describe("dynamic BBMM (motion variance per segment, window 31, margin 11)"),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { path: ["from"], message: "must be before to" });

export function homeRangeRoutes(s: Services): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/animals/:id/home-range",
      summary: "Brownian bridge home range over [from, to) (default: the last 30 days): GeoJSON contours per level with areas",
      tags: ["models"],
      query: HomeRangeQuery,
      handler: async (ctx) => {
        const id = ctx.params.id!;
        if (!(await getAnimal(s.db, id))) throw notFound(`animal ${id}`);
        const to = ctx.q.to ?? Date.now();
        const from = ctx.q.from ?? to - 30 * DAY;
        const track = await trackColumns(s.db, id, { from, to }, MAX_FIXES);
        const result = await s.pool
          .run<HomeRangeResult>("bbmm.homeRange", {
            track: { x: track.lon, y: track.lat, t: track.t, coords: "lonlat" },
            options: { locationError: ctx.q.location_error, cell: ctx.q.cell ?? defaultCell(track.lat, track.lon), levels: ctx.q.levels, dynamic: ctx.q.dynamic },
          })
          .catch(poolProblem);
        return {
          body: {
            type: "FeatureCollection",
            features: result.contours.map((c) => ({ type: "Feature", properties: { level: c.level, area_km2: c.area_km2 }, geometry: c.geometry })),
            // Foreign member (RFC 7946 §6.1): how the model was fitted.
            model: {
              animal: id,
              from: new Date(from).toISOString(),
              to: new Date(to).toISOString(),
              fixes: track.t.length,
              mode: result.mode,
              motion_variance_m2_per_min: result.motion_variance_m2_per_min,
              n_bridges: result.n_bridges,
              location_error_m: ctx.q.location_error,
              cell_m: result.cell_m,
              breaks: result.breaks.map((t) => new Date(t).toISOString()),
            },
          },
        };
      },
    }),
  ];
}

/** About 200 cells across the track's larger side, at least 10 m. */
function defaultCell(lat: Float64Array, lon: Float64Array): number {
  if (lat.length === 0) return 100;
  let minLat = Infinity, maxLat = -Infinity, minLon = Infinity, maxLon = -Infinity;
  for (let i = 0; i < lat.length; i++) {
    minLat = Math.min(minLat, lat[i]!);
    maxLat = Math.max(maxLat, lat[i]!);
    minLon = Math.min(minLon, lon[i]!);
    maxLon = Math.max(maxLon, lon[i]!);
  }
  const midLat = ((minLat + maxLat) / 2) * (Math.PI / 180);
  const extentM = Math.max((maxLat - minLat) * 111_320, (maxLon - minLon) * 111_320 * Math.cos(midLat));
  return Math.max(10, Math.round(extentM / 200 / 10) * 10);
}
