// Herds and families: create, list and read (the rest of their management comes with the data API).
import { z } from "zod";
import { createFamily, createHerd, getFamily, getHerd, listFamilies, listHerds } from "../../store/repos/herds.ts";
import { cursorValue, idCursor, listQuery } from "../http/params.ts";
import { badRequest, notFound, parseInput } from "../http/problem.ts";
import type { Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const NewHerd = z.object({ species_name: z.string().trim().min(1).max(200), name: z.string().trim().min(1).max(200).nullable().optional() });
const NewFamily = z.object({ herd_id: z.string().min(1), friendly_name: z.string().trim().min(1).max(200) });

export function herdRoutes(s: Services): Route[] {
  return [
    {
      method: "POST",
      path: "/api/v1/herds",
      access: "manager",
      handler: async (ctx) => ({ status: 201, body: await createHerd(s.db, parseInput(NewHerd, ctx.body)) }),
    },
    {
      method: "GET",
      path: "/api/v1/herds",
      access: "viewer",
      handler: async (ctx) => {
        const q = listQuery(ctx.query, {});
        return { body: await listHerds(s.db, q.limit, cursorValue(q.cursor, idCursor)) };
      },
    },
    {
      method: "GET",
      path: "/api/v1/herds/:id",
      access: "viewer",
      handler: async (ctx) => {
        const herd = await getHerd(s.db, ctx.params.id!);
        if (!herd) throw notFound(`herd ${ctx.params.id}`);
        return { body: herd };
      },
    },
    {
      method: "POST",
      path: "/api/v1/families",
      access: "manager",
      handler: async (ctx) => {
        const input = parseInput(NewFamily, ctx.body);
        if (!(await getHerd(s.db, input.herd_id))) throw badRequest("invalid body", [{ path: "herd_id", message: `no herd ${input.herd_id}` }]);
        return { status: 201, body: await createFamily(s.db, input) };
      },
    },
    {
      method: "GET",
      path: "/api/v1/families",
      access: "viewer",
      handler: async (ctx) => {
        const q = listQuery(ctx.query, { herd: z.string().optional() });
        return { body: await listFamilies(s.db, q.limit, cursorValue(q.cursor, idCursor), q.herd) };
      },
    },
    {
      method: "GET",
      path: "/api/v1/families/:id",
      access: "viewer",
      handler: async (ctx) => {
        const family = await getFamily(s.db, ctx.params.id!);
        if (!family) throw notFound(`family ${ctx.params.id}`);
        return { body: family };
      },
    },
  ];
}
