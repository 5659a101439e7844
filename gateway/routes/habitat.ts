// Habitat: fit a resource-selection model (boosted trees, in the worker pool) from stored fixes on
// the study area's covariates — each fit a new version, saved as ONNX + card and used at once for
// live positions — list the versions, and score any point with the ONNX model.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import { CARD_FILE, MODEL_FILE } from "../../engine/habitat/index.ts";
import { habitatFixes, insertHabitatModel, listHabitatModels, nextHabitatVersion } from "../../store/repos/habitat-models.ts";
import type { HabitatFitResult } from "../../workers/habitat-tasks.ts";
import { timeInput } from "../http/params.ts";
import { HttpError } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";
import { poolProblem } from "./pool-errors.ts";

const MAX_FIT_FIXES = 100_000;

export function habitatRoutes(s: Services): Route[] {
  const needStudyArea = () => {
    if (!s.habitat.stack) throw new HttpError(422, "no study area configured (WT_STUDY_AREA): habitat needs its covariates");
    return s.habitat.stack;
  };
  return [
    route({
      method: "POST",
      path: "/api/v1/habitat/models",
      summary: "Fit a habitat model (resource selection: fixes vs random points in each animal's range, boosted trees, spatially blocked CV) on the study area; used for live positions at once",
      tags: ["models"],
      body: z.object({ species: z.string().trim().min(1).max(200).optional(), from: timeInput.optional(), to: timeInput.optional() }).strict(),
      handler: async (ctx) => {
        const stack = needStudyArea();
        const fixes = await habitatFixes(s.db, ctx.body.species ?? null, { from: ctx.body.from, to: ctx.body.to }, MAX_FIT_FIXES);
        if (fixes.lon.length === 0) throw new HttpError(422, "no stored fixes to fit on");
        const fit = await s.pool.run<HabitatFitResult>("habitat.fit", { stack, fixes, seed: 1 }, { timeoutMs: 10 * 60_000 }).catch(poolProblem);
        const version = await nextHabitatVersion(s.db);
        const dir = join("models", `habitat-v${version}`);
        await mkdir(resolve(s.dataDir, dir), { recursive: true });
        await writeFile(resolve(s.dataDir, dir, MODEL_FILE), fit.onnx);
        await writeFile(resolve(s.dataDir, dir, CARD_FILE), JSON.stringify(fit.card, null, 2) + "\n");
        const onnxPath = resolve(s.dataDir, dir, MODEL_FILE);
        // The saved ONNX file must give the trainer's own predictions (float32 inputs: to 1e-5).
        const diff = await s.pool.run<number>("habitat.parity", { onnxPath, rows: fit.checkRows, expected: fit.checkExpected }).catch(poolProblem);
        if (!(diff <= 1e-5)) throw new HttpError(500, `the exported habitat model differs from the trainer by ${diff}; not kept`);
        // Score the study area with the saved file before recording it: a model that cannot be served is not kept.
        const raster = await s.pool.run<Float32Array>("habitat.raster", { onnxPath, stack }).catch(poolProblem);
        const record = await insertHabitatModel(s.db, {
          version,
          species: ctx.body.species ?? null,
          file: join(dir, MODEL_FILE),
          card: fit.card as unknown as Record<string, unknown>,
          auc_cv: Number.isFinite(fit.aucCv) ? fit.aucCv : null,
          used: fit.used,
          available: fit.available,
          trees: fit.trees,
          created_by: ctx.principal!.subject,
        });
        s.habitat.use({ id: record.id, version, onnxPath, raster });
        return { status: 201, body: { ...record, onnx_parity_max_diff: diff } };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/habitat/models",
      summary: "Fitted habitat models, newest first (the newest scores live positions)",
      tags: ["models"],
      handler: async () => ({ body: { items: await listHabitatModels(s.db), next_cursor: null } }),
    }),
    route({
      method: "GET",
      path: "/api/v1/habitat/score",
      summary: "Habitat suitability (probability of use, 0-1) at a point, by the newest habitat model (ONNX), with the covariates there",
      tags: ["models"],
      query: z.object({ lat: z.coerce.number().min(-90).max(90), lon: z.coerce.number().min(-180).max(180) }),
      handler: async (ctx) => {
        const stack = needStudyArea();
        const model = s.habitat.model;
        if (!model) throw new HttpError(422, "no habitat model fitted yet: POST /api/v1/habitat/models");
        const [r] = await s.pool
          .submit<Array<{ score: number | null; covariates: Record<string, number> }>>("habitat.score", { onnxPath: model.onnxPath, stack, points: [[ctx.q.lon, ctx.q.lat]] })
          .catch(poolProblem);
        const covariates = Object.fromEntries(Object.entries(r!.covariates).map(([k, v]) => [k, Number.isNaN(v) ? null : v]));
        return { body: { lat: ctx.q.lat, lon: ctx.q.lon, score: r!.score, covariates, model: { id: model.id, version: model.version } } };
      },
    }),
  ];
}
