// Next-position forecasts over REST: one animal from its stored fixes (GET /animals/{id}/predict),
// any track given in the request (POST /predictions), the live forecasts the engine keeps
// (GET /predictions), and the state of the models (ml_status, ml/health/live).
import { z } from "zod";
import { aeqdAround, aeqdInverse } from "../../engine/bbmm/project.ts";
import { forecastFromLastFix } from "../../engine/predict/batcher.ts";
import { HORIZONS_H } from "../../engine/predict/features.ts";
import { prepareTrack } from "../../engine/predict/track.ts";
import { stackSampler } from "../../engine/predict/habitat.ts";
import { getAnimal } from "../../store/repos/animals.ts";
import { trackColumns } from "../../store/repos/model-tracks.ts";
import { timeInput } from "../http/params.ts";
import { HttpError, notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";
import { poolProblem } from "./pool-errors.ts";

const HORIZONS = HORIZONS_H.map((h) => `${h}h`);
const HOUR = 3_600_000;

/** Forecast from the last of these fixes (oldest first, lon/lat). */
async function forecast(s: Services, lon: Float64Array, lat: Float64Array, t: Float64Array, only?: string) {
  if (t.length < 2) throw new HttpError(422, `a forecast needs at least two fixes (${t.length} found)`);
  const track = prepareTrack({ id: "request", x: lon, y: lat, t }, { coords: "lonlat", sampler: s.habitat.stack ? stackSampler(s.habitat.stack) : undefined });
  const forecasts = await forecastFromLastFix(track, s.batcher).catch(poolProblem);
  const proj = aeqdAround(lon, lat);
  const origin = t[t.length - 1]!;
  return {
    origin: { ts: new Date(origin).toISOString(), lat: lat[lat.length - 1]!, lon: lon[lon.length - 1]! },
    path: forecasts
      .filter((f) => !only || `${f.horizonH}h` === only)
      .map((f) => {
        const [plon, plat] = aeqdInverse(proj, f.x, f.y);
        return { horizon: `${f.horizonH}h`, ts: new Date(origin + f.horizonH * HOUR).toISOString(), lat: plat, lon: plon, sd_along_m: Math.round(f.sdAlong), sd_across_m: Math.round(f.sdAcross) };
      }),
  };
}

export function predictionRoutes(s: Services): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/animals/:id/predict",
      summary: `Where the animal will be: the next-position model's forecast from its latest stored fixes, at ${HORIZONS.join(", ")} (or one ?horizon=), with uncertainty`,
      tags: ["models"],
      query: z.object({ horizon: z.enum(HORIZONS as [string, ...string[]]).optional() }),
      handler: async (ctx) => {
        const animal = await getAnimal(s.db, ctx.params.id!);
        if (!animal) throw notFound(`animal ${ctx.params.id}`);
        const cols = await trackColumns(s.db, animal.id, {}, 17);
        return { body: { animal: animal.id, ...(await forecast(s, cols.lon, cols.lat, cols.t, ctx.q.horizon)) } };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/predictions",
      summary: "Forecast from a track you send (at least two fixes {ts, lat, lon}, oldest or newest first) or from an animal's stored fixes ({animal_id})",
      tags: ["models"],
      body: z.union([
        z.object({ animal_id: z.string().min(1).max(128) }).strict(),
        z.object({ fixes: z.array(z.object({ ts: timeInput, lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })).min(2).max(1000) }).strict(),
      ]),
      handler: async (ctx) => {
        if ("animal_id" in ctx.body) {
          if (!(await getAnimal(s.db, ctx.body.animal_id))) throw notFound(`animal ${ctx.body.animal_id}`);
          const cols = await trackColumns(s.db, ctx.body.animal_id, {}, 17);
          return { body: { animal: ctx.body.animal_id, ...(await forecast(s, cols.lon, cols.lat, cols.t)) } };
        }
        const fixes = [...ctx.body.fixes].sort((a, b) => a.ts - b.ts).slice(-17);
        return {
          body: await forecast(s, Float64Array.from(fixes, (f) => f.lon), Float64Array.from(fixes, (f) => f.lat), Float64Array.from(fixes, (f) => f.ts)),
        };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/predictions",
      summary: "The latest live forecast of each animal the engine is following (made as fixes arrive, at most every WT_PREDICT_INTERVAL_S)",
      tags: ["models"],
      query: z.object({ animal: z.string().min(1).max(128).optional() }),
      handler: (ctx) => {
        const items = ctx.q.animal ? [s.predictions.latest(ctx.q.animal)].filter((p) => p !== null) : s.predictions.all();
        return { body: { items: items.sort((a, b) => (a!.animal < b!.animal ? -1 : 1)), next_cursor: null } };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/predictions/ml_status",
      summary: "The models in use: next-position LSTM (card), habitat model version, behaviour models, worker pool, live forecast counters",
      tags: ["models"],
      handler: async () => {
        const lstm = await s.pool.run<{ name: string; version: string; sha256: string }>("lstm.check", {}).catch((err: Error) => ({ error: err.message }));
        return {
          body: {
            lstm: { ...lstm, horizons: HORIZONS },
            habitat: s.habitat.model ? { id: s.habitat.model.id, version: s.habitat.model.version } : null,
            study_area: s.habitat.stack ? { nx: s.habitat.stack.grid.nx, ny: s.habitat.stack.grid.ny, bounds: [s.habitat.stack.grid.west, s.habitat.stack.grid.south, s.habitat.stack.grid.east, s.habitat.stack.grid.north] } : null,
            behaviour_models: s.behaviourModels.size,
            pool: s.pool.health(),
            live_predictions: { made: s.predictions.made, animals: s.predictions.all().length, batches: s.batcher.calls, sequences: s.batcher.sequences },
          },
        };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/ml/health/live",
      summary: "Whether the models can answer now: a round trip of the next-position model through the pool (503 when not)",
      tags: ["models"],
      handler: async () => {
        const started = Date.now();
        try {
          const card = await s.pool.run<{ name: string; version: string }>("lstm.check", {}, { timeoutMs: 5_000 });
          return { body: { ok: true, lstm: card, pool: s.pool.health(), ms: Date.now() - started } };
        } catch (err) {
          throw new HttpError(503, `models not available: ${(err as Error).message}`, undefined, { "Retry-After": "5" });
        }
      },
    }),
  ];
}
