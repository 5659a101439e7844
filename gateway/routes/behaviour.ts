// Behaviour states: fit a species' HMM from its stored tracks (in the worker pool; each fit is a new
// model version, used live by the actors at once), list the versions, and decode an animal's
// window (Viterbi states and smoothed probabilities per fix).
import { z } from "zod";
import { hmmRowsFromFixes } from "../../engine/behaviour/rows.ts";
import { modelToJson } from "../../engine/hmm/index.ts";
import { stateNames } from "../../engine/behaviour/model-set.ts";
import { getAnimal } from "../../store/repos/animals.ts";
import { insertBehaviourModel, listBehaviourModels, speciesFixes, speciesKey } from "../../store/repos/behaviour-models.ts";
import { trackColumns } from "../../store/repos/model-tracks.ts";
import type { HmmDecodeResult, HmmFitResult } from "../../workers/hmm-tasks.ts";
import { timeParam } from "../http/params.ts";
import { HttpError, notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";
import { poolProblem } from "./pool-errors.ts";

/** A fit reads at most this many fixes (the newest first would bias the season: oldest first, capped). */
const MAX_FIT_FIXES = 200_000;
const MAX_DECODE_FIXES = 20_000;
const DAY = 86_400_000;

const RangeQuery = z
  .object({ from: timeParam.optional(), to: timeParam.optional() })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { path: ["from"], message: "must be before to" });

export function behaviourRoutes(s: Services): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/behaviour/models",
      summary: "Fit a species' behaviour HMM (gamma steps, von Mises turns) from its animals' stored fixes; the new version is used live at once",
      tags: ["models"],
      body: z
        .object({
          species: z.string().trim().min(1).max(200),
          states: z.union([z.literal(2), z.literal(3)]).default(3).describe("2: resting, moving; 3: resting, foraging, migrating"),
          from: z.union([z.string(), z.number()]).optional(),
          to: z.union([z.string(), z.number()]).optional(),
          random_starts: z.number().int().min(0).max(20).default(4),
        })
        .strict(),
      handler: async (ctx) => {
        const from = ctx.body.from === undefined ? undefined : new Date(ctx.body.from).getTime();
        const to = ctx.body.to === undefined ? undefined : new Date(ctx.body.to).getTime();
        for (const [k, v] of [["from", from], ["to", to]] as const) if (v !== undefined && !Number.isFinite(v)) throw new HttpError(400, "invalid body", [{ path: k, message: "must be an ISO 8601 time or epoch milliseconds" }]);
        const fixes = await speciesFixes(s.db, ctx.body.species, { from, to }, MAX_FIT_FIXES);
        if (fixes.t.length === 0) throw new HttpError(422, `no stored fixes of animals of species "${ctx.body.species}" in that period`);
        const { rowFix: _, ...data } = hmmRowsFromFixes(fixes);
        const fit = await s.pool
          .run<HmmFitResult>("hmm.fit", { data, nStates: ctx.body.states, randomStarts: ctx.body.random_starts, seed: 1 }, { timeoutMs: 10 * 60_000 })
          .catch(poolProblem);
        const stored = await insertBehaviourModel(s.db, {
          species: speciesKey(ctx.body.species),
          states: stateNames(ctx.body.states),
          params: { model: fit.model, median_interval_s: data.medianIntervalS, converged: fit.converged, units: { step: "m", angle: "rad" } },
          n_steps: data.step.length,
          n_animals: new Set(fixes.animal).size,
          nllk: fit.nllk,
          aic: fit.aic,
          fitted_from: fixes.t.length ? fixes.t[0]! : null,
          fitted_to: fixes.t.length ? fixes.t[fixes.t.length - 1]! : null,
          created_by: ctx.principal!.subject,
        });
        await s.behaviourModels.reload();
        return { status: 201, body: stored };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/behaviour/models",
      summary: "Fitted behaviour models, newest version first per species (the newest is the one in use)",
      tags: ["models"],
      query: z.object({ species: z.string().min(1).max(200).optional() }),
      handler: async (ctx) => ({ body: { items: await listBehaviourModels(s.db, ctx.q.species), next_cursor: null } }),
    }),
    route({
      method: "GET",
      path: "/api/v1/animals/:id/behaviour",
      summary: "Decoded behaviour states over [from, to) (default: the last 7 days): per fix the Viterbi state and smoothed state probabilities",
      tags: ["models"],
      query: RangeQuery,
      handler: async (ctx) => {
        const animal = await getAnimal(s.db, ctx.params.id!);
        if (!animal) throw notFound(`animal ${ctx.params.id}`);
        const ref = s.behaviourModels.forSpecies(animal.species);
        if (!ref) throw new HttpError(422, `no behaviour model fitted for species "${animal.species}": POST /api/v1/behaviour/models first`);
        const to = ctx.q.to ?? Date.now();
        const from = ctx.q.from ?? to - 7 * DAY;
        const track = await trackColumns(s.db, animal.id, { from, to }, MAX_DECODE_FIXES);
        const fixes = { animal: new Array<string>(track.t.length).fill(animal.id), step: track.step, turn: track.turn, interval: track.interval };
        const { rowFix, medianIntervalS: _, ...data } = hmmRowsFromFixes(fixes);
        const model = modelToJson(ref.model);
        const decoded = data.step.length ? await s.pool.run<HmmDecodeResult>("hmm.decode", { model, data }).catch(poolProblem) : { states: new Uint8Array(), probabilities: new Float64Array() };
        const n = ref.states.length;
        const items = Array.from(decoded.states, (st, row) => ({
          ts: new Date(track.t[rowFix[row]!]!).toISOString(),
          state: ref.states[st]!,
          probs: Object.fromEntries(ref.states.map((name, j) => [name, Math.round(decoded.probabilities[row * n + j]! * 1000) / 1000])),
        }));
        return {
          body: {
            animal: animal.id,
            from: new Date(from).toISOString(),
            to: new Date(to).toISOString(),
            model: { id: ref.id, species: ref.species, version: ref.version, states: ref.states },
            items,
          },
        };
      },
    }),
  ];
}
