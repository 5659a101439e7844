// Animals: register, list, read (with live position from its actor), replace, update, delete, and the stored track.
import { z } from "zod";
import {
  animalBlockers,
  createAnimal,
  deleteAnimal,
  getAnimal,
  listAnimals,
  lockAnimal,
  writeAnimal,
  type Animal,
  type AnimalFields,
} from "../../store/repos/animals.ts";
import { FOREIGN_KEY_VIOLATION, sqlState } from "../../store/repos/rows.ts";
import { getFamily } from "../../store/repos/herds.ts";
import { readTrack } from "../../store/repos/track.ts";
import { cursorValue, idCursor, ListQuery, timeParam } from "../http/params.ts";
import { badRequest, notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";
import { guardedDelete } from "./herds.ts";

const text = (max: number) => z.string().trim().min(1, "must not be empty").max(max);
export const NewAnimal = z.object({
  name: text(200),
  species: text(200),
  sex: z.enum(["female", "male", "unknown"]).nullable().optional(),
  family_id: z.string().min(1).nullable().optional(),
  status: z.enum(["active", "inactive", "deceased", "relocated"]).optional(),
  health_status: text(200).nullable().optional(),
});
/** PUT: every field is required (nullable ones may be null); the animal becomes exactly this. */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (iss) => (iss.input === undefined ? "is required" : `must be one of ${values.join(", ")}`) });
const AnimalReplace = z.object({
  name: text(200),
  species: text(200),
  sex: oneOf(["female", "male", "unknown"]).nullable(),
  family_id: z.string().min(1).max(200).nullable(),
  status: oneOf(["active", "inactive", "deceased", "relocated"]),
  health_status: text(200).nullable(),
});
/** PATCH: any subset of the fields. */
const AnimalPatch = AnimalReplace.partial();
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

/** The keys of a PATCH body that were sent (undefined = not sent; null = clear). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function animalRoutes(s: Services): Route[] {
  /** Read-modify-write of an animal in one transaction, then the engine's registry profile. */
  const change = async (id: string, next: (old: AnimalFields) => AnimalFields): Promise<Animal> => {
    const noFamily = (fid: string) => badRequest("invalid body", [{ path: "family_id", message: `no family ${fid}` }]);
    let familyId: string | null = null;
    try {
      const found = await s.db.transaction(async (tx) => {
        const old = await lockAnimal(tx, id);
        if (!old) return false;
        const fields = next(old);
        familyId = fields.family_id;
        if (fields.family_id !== null && fields.family_id !== old.family_id && !(await getFamily(tx, fields.family_id))) throw noFamily(fields.family_id);
        return writeAnimal(tx, id, fields);
      });
      if (!found) throw notFound(`animal ${id}`);
    } catch (err) {
      if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw noFamily(familyId ?? "");
      throw err;
    }
    const animal = await getAnimal(s.db, id);
    if (!animal) throw notFound(`animal ${id}`); // deleted meanwhile
    s.registry.setProfile({ id: animal.id, name: animal.name, species: animal.species, herd: animal.herd_id, family: animal.family_id });
    return animal;
  };

  return [
    route({
      method: "POST",
      path: "/api/v1/animals",
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
      summary: "List animals (filters: species, status, herd, family, q)",
      query: AnimalFilters,
      handler: async (ctx) => ({ body: await listAnimals(s.db, ctx.q, ctx.q.limit, cursorValue(ctx.q.cursor, idCursor)) }),
    }),
    route({
      method: "GET",
      path: "/api/v1/animals/:id",
      summary: "Read an animal, with its live position when it is active",
      handler: async (ctx) => {
        const animal = await getAnimal(s.db, ctx.params.id!);
        if (!animal) throw notFound(`animal ${ctx.params.id}`);
        return { body: { ...animal, live: s.livePosition(animal.id) } };
      },
    }),
    route({
      method: "PUT",
      path: "/api/v1/animals/:id",
      summary: "Replace an animal: every field is required (sex, family_id, health_status may be null)",
      body: AnimalReplace,
      handler: async (ctx) => ({ body: await change(ctx.params.id!, () => ctx.body) }),
    }),
    route({
      method: "PATCH",
      path: "/api/v1/animals/:id",
      summary: "Update some fields of an animal (family_id: null takes it out of its family)",
      body: AnimalPatch,
      handler: async (ctx) => ({ body: await change(ctx.params.id!, (old) => ({ ...old, ...definedOnly(ctx.body) })) }),
    }),
    route({
      method: "DELETE",
      path: "/api/v1/animals/:id",
      summary:
        "Delete an animal. Refused with 409 (detail names the collar deployments and counts the stored fixes and observations) while any exist: set status to inactive, deceased or relocated instead",
      handler: (ctx) => guardedDelete(s, "animal", ctx.params.id!, deleteAnimal, animalBlockers),
    }),
    route({
      method: "GET",
      path: "/api/v1/animals/:id/track",
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
