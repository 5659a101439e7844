// Animals: register, list, read (with live position from its actor) and the stored track.
import { z } from "zod";
import { createAnimal, getAnimal, listAnimals } from "../../store/repos/animals.ts";
import { getFamily } from "../../store/repos/herds.ts";
import { readTrack } from "../../store/repos/track.ts";
import { cursorValue, idCursor, ListQuery, timeParam } from "../http/params.ts";
import { badRequest, notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max);
export const NewAnimal = z.object({
  name: text(200),
  species: text(200),
  sex: z.enum(["female", "male", "unknown"]).nullable().optional(),
  family_id: z.string().min(1).nullable().optional(),
  status: z.enum(["active", "inactive", "deceased", "relocated"]).optional(),
  health_status: text(200).nullable().optional(),
});
const AnimalFilters = ListQuery.extend({
  species: z.string().optional(),
  status: z.string().optional(),
  herd: z.string().optional(),
  family: z.string().optional(),
  q: z.string().max(200).optional(),
});
const TrackQuery = ListQuery.extend({ from: timeParam.optional(), to: timeParam.optional() }).refine(
  (q) => q.from === undefined || q.to === undefined || q.from <= q.to,
  { path: ["from"], message: "must not be after to" },
);
const TrackCursor = z.object({ ts: z.iso.datetime({ offset: true }), collar: z.string().min(1).max(64) });

export function animalRoutes(s: Services): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/animals",
      access: "manager",
      summary: "Register an animal",
      body: NewAnimal,
      handler: async (ctx) => {
        const input = ctx.body;
        if (input.family_id && !(await getFamily(s.db, input.family_id))) {
          throw badRequest("invalid body", [{ path: "family_id", message: `no family ${input.family_id}` }]);
        }
        const animal = await createAnimal(s.db, input);
        s.registry.setProfile({ id: animal.id, name: animal.name, species: animal.species, herd: animal.herd_id, family: animal.family_id });
        return { status: 201, body: animal };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/animals",
      access: "viewer",
      summary: "List animals (filters: species, status, herd, family, q)",
      query: AnimalFilters,
      handler: async (ctx) => ({ body: await listAnimals(s.db, ctx.q, ctx.q.limit, cursorValue(ctx.q.cursor, idCursor)) }),
    }),
    route({
      method: "GET",
      path: "/api/v1/animals/:id",
      access: "viewer",
      summary: "Read an animal, with its live position when it is active",
      handler: async (ctx) => {
        const animal = await getAnimal(s.db, ctx.params.id!);
        if (!animal) throw notFound(`animal ${ctx.params.id}`);
        return { body: { ...animal, live: s.livePosition(animal.id) } };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/animals/:id/track",
      access: "viewer",
      summary: "An animal's stored fixes in [from, to), oldest first",
      query: TrackQuery,
      handler: async (ctx) => {
        if (!(await getAnimal(s.db, ctx.params.id!))) throw notFound(`animal ${ctx.params.id}`);
        const after = cursorValue(ctx.q.cursor, TrackCursor);
        return { body: await readTrack(s.db, ctx.params.id!, { from: ctx.q.from, to: ctx.q.to, after }, ctx.q.limit) };
      },
    }),
  ];
}
