// Corridors and risk zones (stored in PostGIS, indexed in the engine; edits apply live), and
// POST /geofences/query answered by the same engine index the actors use.
import { z } from "zod";
import { validateFenceGeometry } from "../../engine/fences/validate.ts";
import type { FenceKind } from "../../engine/fences/types.ts";
import { createFence, deleteFence, getFence, listFences, updateFence } from "../../store/repos/fences.ts";
import { cursorValue, idCursor, ListQuery } from "../http/params.ts";
import { badRequest, notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

export const MAX_QUERY_POINTS = 10_000;

const Rules = z
  .object({
    kinds: z.array(z.string().min(1).max(64)).max(32).optional(),
    species: z.array(z.string().min(1).max(200)).max(100).optional(),
    herds: z.array(z.string().min(1).max(128)).max(1000).optional(),
    dwell_s: z.number().int().min(0).max(30 * 86_400).optional(),
    quiet_s: z.number().int().min(0).max(30 * 86_400).optional(),
    hysteresis_m: z.number().min(0).max(10_000).optional(),
  })
  .strict();
// The geometry is checked by the engine's validator (rings, self-intersection, antimeridian); here only its envelope.
const Geometry = z.object({ type: z.enum(["Polygon", "MultiPolygon", "LineString"]), coordinates: z.array(z.unknown()) }).describe("GeoJSON Polygon, MultiPolygon, or LineString with width_m ([lon, lat] order)");
const NewFenceBody = z.object({
  name: z.string().trim().min(1).max(200),
  geometry: Geometry,
  width_m: z.number().positive().max(50_000).optional().describe("buffer width in metres, required for a LineString"),
  rules: Rules.optional(),
});
const FencePatch = z
  .object({ name: z.string().trim().min(1).max(200), geometry: Geometry, width_m: z.number().positive().max(50_000), rules: Rules })
  .partial()
  .refine((p) => Object.keys(p).length > 0, "name at least one field to change");
const QueryBody = z.object({
  points: z
    .array(z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]))
    .max(MAX_QUERY_POINTS, `at most ${MAX_QUERY_POINTS} points per query`)
    .describe("[lon, lat] pairs"),
});

/** The (Multi)Polygon for a submitted geometry, or a 400 listing every problem under `geometry`. */
function areaOf(geometry: unknown, widthM: number | undefined) {
  if ((geometry as { type?: string }).type === "LineString" && widthM === undefined) {
    throw badRequest("invalid body", [{ path: "width_m", message: "is required with a LineString" }]);
  }
  const r = validateFenceGeometry(geometry, widthM);
  // The validator's paths are relative to the geometry, except width_m which is a body field.
  if (!r.ok) throw badRequest("invalid body", r.errors.map((e) => ({ path: e.path === "width_m" ? "width_m" : e.path ? `geometry.${e.path}` : "geometry", message: e.message })));
  return r.area;
}

function fenceRoutes(s: Services, kind: FenceKind, base: string, label: string): Route[] {
  const tag = base.slice(1);
  return [
    route({
      method: "POST",
      path: `/api/v1${base}`,
      summary: `Create a ${label} (Polygon or MultiPolygon with holes, or LineString + width_m); applies to live tracking at once`,
      tags: [tag],
      body: NewFenceBody,
      handler: async (ctx) => {
        const b = ctx.body;
        const area = areaOf(b.geometry, b.width_m);
        const fence = await createFence(s.db, { kind, name: b.name, geometry: b.geometry as never, width_m: b.width_m ?? null, area, rules: b.rules ?? {} });
        await s.fences.reload();
        return { status: 201, body: fence };
      },
    }),
    route({
      method: "GET",
      path: `/api/v1${base}`,
      summary: `List ${label}s`,
      tags: [tag],
      query: ListQuery,
      handler: async (ctx) => ({ body: await listFences(s.db, kind, ctx.q.limit, cursorValue(ctx.q.cursor, idCursor)) }),
    }),
    route({
      method: "GET",
      path: `/api/v1${base}/:id`,
      summary: `Read a ${label}`,
      tags: [tag],
      handler: async (ctx) => {
        const fence = await getFence(s.db, kind, ctx.params.id!);
        if (!fence) throw notFound(`${label} ${ctx.params.id}`);
        return { body: fence };
      },
    }),
    route({
      method: "PATCH",
      path: `/api/v1${base}/:id`,
      summary: `Change a ${label}'s name, geometry (with width_m for a LineString) or rules; applies live`,
      tags: [tag],
      body: FencePatch,
      handler: async (ctx) => {
        const p = ctx.body;
        const current = await getFence(s.db, kind, ctx.params.id!);
        if (!current) throw notFound(`${label} ${ctx.params.id}`);
        let shape;
        if (p.geometry !== undefined || p.width_m !== undefined) {
          const geometry = p.geometry ?? current.geometry;
          const width = p.width_m ?? (geometry.type === "LineString" ? (current.width_m ?? undefined) : undefined);
          shape = { geometry: geometry as never, width_m: geometry.type === "LineString" ? (width ?? null) : null, area: areaOf(geometry, width) };
        }
        const fence = await updateFence(s.db, kind, ctx.params.id!, { name: p.name, rules: p.rules, shape });
        if (!fence) throw notFound(`${label} ${ctx.params.id}`);
        await s.fences.reload();
        return { body: fence };
      },
    }),
    route({
      method: "DELETE",
      path: `/api/v1${base}/:id`,
      summary: `Delete a ${label}; applies live`,
      tags: [tag],
      handler: async (ctx) => {
        if (!(await deleteFence(s.db, kind, ctx.params.id!))) throw notFound(`${label} ${ctx.params.id}`);
        await s.fences.reload();
        return { status: 204 };
      },
    }),
  ];
}

export function fenceRoutesAll(s: Services): Route[] {
  return [
    ...fenceRoutes(s, "corridor", "/corridors", "corridor"),
    ...fenceRoutes(s, "risk_zone", "/risk-zones", "risk zone"),
    route({
      method: "POST",
      path: "/api/v1/geofences/query",
      summary: "Which corridors and risk zones contain each point, in point order (the engine's own index; points on a border count as inside)",
      tags: ["geofences"],
      body: QueryBody,
      responses: { 200: { description: "One result per point, in order" } },
      handler: (ctx) => ({ body: { results: ctx.body.points.map(([lon, lat]) => s.fences.query(lon, lat)) } }),
    }),
  ];
}
