// Animals: register, list, read (with live position from its actor) and the stored track.
import { z } from "zod";
import { createAnimal, getAnimal, listAnimals } from "../../store/repos/animals.ts";
import { getFamily } from "../../store/repos/herds.ts";
import { readTrack } from "../../store/repos/track.ts";
import { cursorValue, idCursor, listQuery, timeParam } from "../http/params.ts";
import { badRequest, notFound, parseInput } from "../http/problem.ts";
import type { Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max);
const NewAnimal = z.object({
  name: text(200),
  species: text(200),
  sex: z.enum(["female", "male", "unknown"]).nullable().optional(),
  family_id: z.string().min(1).nullable().optional(),
  status: z.enum(["active", "inactive", "deceased", "relocated"]).optional(),
  health_status: text(200).nullable().optional(),
});

const TrackCursor = z.object({ ts: z.iso.datetime({ offset: true }), collar: z.string().min(1).max(64) });

export function animalRoutes(s: Services): Route[] {
  return [
    {
      method: "POST",
      path: "/api/v1/animals",
      access: "manager",
      handler: async (ctx) => {
        const input = parseInput(NewAnimal, ctx.body);
        if (input.family_id && !(await getFamily(s.db, input.family_id))) {
          throw badRequest("invalid body", [{ path: "family_id", message: `no family ${input.family_id}` }]);
        }
        const animal = await createAnimal(s.db, input);
        s.registry.setProfile({ id: animal.id, name: animal.name, species: animal.species, herd: animal.herd_id, family: animal.family_id });
        return { status: 201, body: animal };
      },
    },
    {
      method: "GET",
      path: "/api/v1/animals",
      access: "viewer",
      handler: async (ctx) => {
        const q = listQuery(ctx.query, {
          species: z.string().optional(),
          status: z.string().optional(),
          herd: z.string().optional(),
          family: z.string().optional(),
          q: z.string().max(200).optional(),
        });
        return { body: await listAnimals(s.db, q, q.limit, cursorValue(q.cursor, idCursor)) };
      },
    },
    {
      method: "GET",
      path: "/api/v1/animals/:id",
      access: "viewer",
      handler: async (ctx) => {
        const animal = await getAnimal(s.db, ctx.params.id!);
        if (!animal) throw notFound(`animal ${ctx.params.id}`);
        return { body: { ...animal, live: s.livePosition(animal.id) } };
      },
    },
    {
      method: "GET",
      path: "/api/v1/animals/:id/track",
      access: "viewer",
      handler: async (ctx) => {
        const q = listQuery(ctx.query, { from: timeParam.optional(), to: timeParam.optional() });
        if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
          throw badRequest("invalid query", [{ path: "from", message: "must not be after to" }]);
        }
        if (!(await getAnimal(s.db, ctx.params.id!))) throw notFound(`animal ${ctx.params.id}`);
        const after = cursorValue(q.cursor, TrackCursor);
        return { body: await readTrack(s.db, ctx.params.id!, { from: q.from, to: q.to, after }, q.limit) };
      },
    },
  ];
}
