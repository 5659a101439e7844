// Herds and families: create, list and read (the rest of their management comes with the data API).
import { z } from "zod";
import { createFamily, createHerd, getFamily, getHerd, listFamilies, listHerds } from "../../store/repos/herds.ts";
import { cursorValue, idCursor, ListQuery } from "../http/params.ts";
import { badRequest, notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const NewHerd = z.object({ species_name: z.string().trim().min(1).max(200), name: z.string().trim().min(1).max(200).nullable().optional() });
const NewFamily = z.object({ herd_id: z.string().min(1), friendly_name: z.string().trim().min(1).max(200) });

export function herdRoutes(s: Services): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/herds",
      access: "manager",
      summary: "Create a herd",
      body: NewHerd,
      handler: async (ctx) => ({ status: 201, body: await createHerd(s.db, ctx.body) }),
    }),
    route({
      method: "GET",
      path: "/api/v1/herds",
      access: "viewer",
      summary: "List herds",
      query: ListQuery,
      handler: async (ctx) => ({ body: await listHerds(s.db, ctx.q.limit, cursorValue(ctx.q.cursor, idCursor)) }),
    }),
    route({
      method: "GET",
      path: "/api/v1/herds/:id",
      access: "viewer",
      summary: "Read a herd",
      handler: async (ctx) => {
        const herd = await getHerd(s.db, ctx.params.id!);
        if (!herd) throw notFound(`herd ${ctx.params.id}`);
        return { body: herd };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/families",
      access: "manager",
      summary: "Create a family in a herd",
      body: NewFamily,
      handler: async (ctx) => {
        if (!(await getHerd(s.db, ctx.body.herd_id))) throw badRequest("invalid body", [{ path: "herd_id", message: `no herd ${ctx.body.herd_id}` }]);
        return { status: 201, body: await createFamily(s.db, ctx.body) };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/families",
      access: "viewer",
      summary: "List families (filter by herd)",
      query: ListQuery.extend({ herd: z.string().optional() }),
      handler: async (ctx) => ({ body: await listFamilies(s.db, ctx.q.limit, cursorValue(ctx.q.cursor, idCursor), ctx.q.herd) }),
    }),
    route({
      method: "GET",
      path: "/api/v1/families/:id",
      access: "viewer",
      summary: "Read a family",
      handler: async (ctx) => {
        const family = await getFamily(s.db, ctx.params.id!);
        if (!family) throw notFound(`family ${ctx.params.id}`);
        return { body: family };
      },
    }),
  ];
}
