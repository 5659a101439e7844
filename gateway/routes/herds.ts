// Herds and families: full management, plus a family's observations and events.
import { z } from "zod";
import { familyProfiles } from "../../store/repos/animals.ts";
import type { Queryable } from "../../store/database.ts";
import { createEvent, listEvents } from "../../store/repos/events.ts";
import {
  createFamily,
  createHerd,
  deleteFamily,
  deleteHerd,
  familiesOfHerd,
  familyBlockers,
  getFamily,
  getHerd,
  herdBlockers,
  listFamilies,
  listHerds,
  updateFamily,
  updateHerd,
  type DeleteResult,
} from "../../store/repos/herds.ts";
import { createObservation, listObservations } from "../../store/repos/observations.ts";
import { FOREIGN_KEY_VIOLATION, sqlState } from "../../store/repos/rows.ts";
import { cursorValue, idCursor, ListQuery, pageOf } from "../http/params.ts";
import { badRequest, conflict, notFound } from "../http/problem.ts";
import { route, type Reply, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";
import { cached } from "../../store/cache/cache.ts";
import { EventSchema, NewEventBody } from "./events.ts";
import { FamilyObservationBody, fromBeforeTo, fromNotAfterTo, ObservationSchema, text, TimeCursorShape, TimeListQuery } from "./observations.ts";

const NewHerd = z.object({ species_name: text(200), name: text(200).nullable().optional() });
const HerdPatch = z.object({ species_name: text(200).optional(), name: text(200).nullable().optional() });
const NewFamily = z.object({ herd_id: text(200), friendly_name: text(200) });
const FamilyPatch = z.object({ herd_id: text(200).optional(), friendly_name: text(200).optional() });
const FamilyQuery = ListQuery.extend({ herd: z.string().max(200).optional().describe("only families of this herd") });
const FamilyTimeQuery = TimeListQuery.refine(fromNotAfterTo, fromBeforeTo);

/**
 * Runs a delete that foreign keys may refuse: 404 when missing, 409 naming what blocks it. A row
 * added concurrently (or by a table this check does not know) surfaces as a foreign-key error, which
 * is answered 409 too, never 500.
 */
export async function guardedDelete(
  s: Services,
  what: string,
  id: string,
  del: (tx: Queryable, id: string) => Promise<DeleteResult | { deleted: false; blocked: string }>,
  blockers: (db: Queryable, id: string) => Promise<string | null>,
): Promise<Reply> {
  let r: DeleteResult | { deleted: false; blocked: string };
  try {
    r = await s.db.transaction((tx) => del(tx, id));
  } catch (err) {
    if (sqlState(err) !== FOREIGN_KEY_VIOLATION) throw err;
    const detail = (err as { detail?: string }).detail;
    throw conflict((await blockers(s.db, id)) ?? `${what} ${id} is still referenced${detail ? `: ${detail}` : ""}`);
  }
  if (r.deleted) return { status: 204 };
  if ("blocked" in r) throw conflict(r.blocked);
  throw notFound(`${what} ${id}`);
}

// Herd → family mapping: a hot read of the replaced backends, cached; any herd or family write drops it
// (writes are rare), after commit and before the response, so the next read sees the write.
const HERD_FAMILIES_TAG = "herd-families";
const HERD_FAMILIES_TTL_MS = 10 * 60 * 1000;

async function invalidateHerdFamilies(s: Services): Promise<void> {
  await s.cache.invalidate([HERD_FAMILIES_TAG]).catch(() => {}); // a cache outage must not fail the write; the ttl bounds staleness
}

async function afterWrite(reply: Reply, s: Services): Promise<Reply> {
  await invalidateHerdFamilies(s);
  return reply;
}

export function herdRoutes(s: Services): Route[] {
  const requireFamily = async (id: string) => {
    const family = await getFamily(s.db, id);
    if (!family) throw notFound(`family ${id}`);
    return family;
  };
  const noHerd = (id: string) => badRequest("invalid body", [{ path: "herd_id", message: `no herd ${id}` }]);

  return [
    route({
      method: "POST",
      path: "/api/v1/herds",
      summary: "Create a herd",
      tags: ["herds"],
      body: NewHerd,
      handler: async (ctx) => ({ status: 201, body: await createHerd(s.db, ctx.body) }),
    }),
    route({
      method: "GET",
      path: "/api/v1/herds",
      summary: "List herds (by id)",
      tags: ["herds"],
      query: ListQuery,
      handler: async (ctx) => ({ body: await listHerds(s.db, ctx.q.limit, cursorValue(ctx.q.cursor, idCursor)) }),
    }),
    route({
      method: "GET",
      path: "/api/v1/herds/:id",
      summary: "Read a herd with its families (the herd → family mapping is cached; writes invalidate it)",
      tags: ["herds"],
      handler: async (ctx) => {
        const herd = await getHerd(s.db, ctx.params.id!);
        if (!herd) throw notFound(`herd ${ctx.params.id}`);
        const families = await cached(s.cache, `herd-families:${herd.id}`, HERD_FAMILIES_TTL_MS, [HERD_FAMILIES_TAG], () => familiesOfHerd(s.db, herd.id));
        return { body: { ...herd, families } };
      },
    }),
    route({
      method: "PATCH",
      path: "/api/v1/herds/:id",
      summary: "Update a herd's species_name and/or name (name: null clears it)",
      tags: ["herds"],
      body: HerdPatch,
      handler: async (ctx) => {
        const herd = await updateHerd(s.db, ctx.params.id!, ctx.body);
        if (!herd) throw notFound(`herd ${ctx.params.id}`);
        await invalidateHerdFamilies(s);
        return { body: herd };
      },
    }),
    route({
      method: "DELETE",
      path: "/api/v1/herds/:id",
      summary: "Delete a herd. Refused with 409 (detail names the blocking families) while families belong to it; no cascade, no soft delete",
      tags: ["herds"],
      handler: async (ctx) => afterWrite(await guardedDelete(s, "herd", ctx.params.id!, deleteHerd, herdBlockers), s),
    }),
    route({
      method: "POST",
      path: "/api/v1/families",
      summary: "Create a family in a herd",
      tags: ["families"],
      body: NewFamily,
      handler: async (ctx) => {
        if (!(await getHerd(s.db, ctx.body.herd_id))) throw noHerd(ctx.body.herd_id);
        try {
          const family = await createFamily(s.db, ctx.body);
          await invalidateHerdFamilies(s);
          return { status: 201, body: family };
        } catch (err) {
          if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw noHerd(ctx.body.herd_id);
          throw err;
        }
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/families",
      summary: "List families, by id (filter: herd)",
      tags: ["families"],
      query: FamilyQuery,
      handler: async (ctx) => ({ body: await listFamilies(s.db, ctx.q.limit, cursorValue(ctx.q.cursor, idCursor), ctx.q.herd) }),
    }),
    route({
      method: "GET",
      path: "/api/v1/families/:id",
      summary: "Read a family",
      tags: ["families"],
      handler: async (ctx) => ({ body: await requireFamily(ctx.params.id!) }),
    }),
    route({
      method: "PATCH",
      path: "/api/v1/families/:id",
      summary: "Rename a family and/or move it to another herd (its animals follow)",
      tags: ["families"],
      body: FamilyPatch,
      handler: async (ctx) => {
        const patch = ctx.body;
        if (patch.herd_id !== undefined && !(await getHerd(s.db, patch.herd_id))) throw noHerd(patch.herd_id);
        let family;
        try {
          family = await updateFamily(s.db, ctx.params.id!, patch);
        } catch (err) {
          if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw noHerd(patch.herd_id ?? "");
          throw err;
        }
        if (!family) throw notFound(`family ${ctx.params.id}`);
        if (patch.herd_id !== undefined) for (const p of await familyProfiles(s.db, family.id)) s.registry.setProfile(p);
        await invalidateHerdFamilies(s);
        return { body: family };
      },
    }),
    route({
      method: "DELETE",
      path: "/api/v1/families/:id",
      summary:
        "Delete a family. Refused with 409 (detail counts the blocking animals, observations and events) while any refer to it; no cascade, no soft delete",
      tags: ["families"],
      handler: async (ctx) => afterWrite(await guardedDelete(s, "family", ctx.params.id!, deleteFamily, familyBlockers), s),
    }),
    route({
      method: "POST",
      path: "/api/v1/families/:id/observations",
      summary: "Record an observation of a family (observer = the caller): size = animals counted, health = 0–10 body-condition score",
      tags: ["families", "observations"],
      body: FamilyObservationBody,
      responses: { 201: { description: "the stored observation", schema: ObservationSchema } },
      handler: async (ctx) => {
        const family = await requireFamily(ctx.params.id!);
        try {
          return { status: 201, body: await createObservation(s.db, { ...ctx.body, family_id: family.id, observer: ctx.principal?.subject ?? null }) };
        } catch (err) {
          if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw notFound(`family ${family.id}`); // deleted meanwhile
          throw err;
        }
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/families/:id/observations",
      summary: "A family's observations, newest first (filters: from, to)",
      tags: ["families", "observations"],
      query: FamilyTimeQuery,
      responses: { 200: { description: "a page of observations", schema: pageOf(ObservationSchema) } },
      handler: async (ctx) => {
        const family = await requireFamily(ctx.params.id!);
        const after = cursorValue(ctx.q.cursor, TimeCursorShape);
        return { body: await listObservations(s.db, { family: family.id, from: ctx.q.from, to: ctx.q.to }, ctx.q.limit, after) };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/families/:id/events",
      summary: "Report an event concerning a family (reporter = the caller)",
      tags: ["families", "events"],
      body: NewEventBody,
      responses: { 201: { description: "the stored event", schema: EventSchema } },
      handler: async (ctx) => {
        const family = await requireFamily(ctx.params.id!);
        try {
          return { status: 201, body: await createEvent(s.db, { ...ctx.body, family_id: family.id, reporter: ctx.principal?.subject ?? null }) };
        } catch (err) {
          if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw notFound(`family ${family.id}`);
          throw err;
        }
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/families/:id/events",
      summary: "A family's events, newest first (filters: from, to)",
      tags: ["families", "events"],
      query: FamilyTimeQuery,
      responses: { 200: { description: "a page of events", schema: pageOf(EventSchema) } },
      handler: async (ctx) => {
        const family = await requireFamily(ctx.params.id!);
        const after = cursorValue(ctx.q.cursor, TimeCursorShape);
        return { body: await listEvents(s.db, { family: family.id, from: ctx.q.from, to: ctx.q.to }, ctx.q.limit, after) };
      },
    }),
  ];
}
