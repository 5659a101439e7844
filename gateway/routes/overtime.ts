// GET /overtime: fixes and observations summarised per time bucket for a herd, family or animal.
import { z } from "zod";
import { BUCKETS, overtime, type BucketName } from "../../store/repos/overtime.ts";
import { timeParam } from "../http/params.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const MAX_RANGE_MS = 366 * 86_400_000;
const DEFAULT_RANGE_MS = 7 * 86_400_000;
const names = Object.keys(BUCKETS) as [BucketName, ...BucketName[]];

const OvertimeQuery = z
  .object({
    bucket: z.enum(names, { error: `must be one of ${names.join(", ")}` }).default("1h"),
    from: timeParam.optional(),
    to: timeParam.optional(),
    herd: z.string().min(1).max(200).optional(),
    family: z.string().min(1).max(200).optional(),
    animal: z.string().min(1).max(200).optional(),
  })
  .transform((q) => {
    const to = q.to ?? (q.from !== undefined ? q.from + DEFAULT_RANGE_MS : Date.now());
    const from = q.from ?? to - DEFAULT_RANGE_MS;
    return { ...q, from, to };
  })
  .refine((q) => q.from < q.to, { path: ["from"], message: "must be before to" })
  .refine((q) => q.to - q.from <= MAX_RANGE_MS, { path: ["to"], message: "the range from..to is at most 366 days" });

const Item = z.object({
  bucket: z.string(),
  fixes: z.number(),
  animals: z.number(),
  distance_m: z.number(),
  mean_speed: z.number().nullable(),
  observations: z.number(),
  mean_size: z.number().nullable(),
  mean_health: z.number().nullable(),
});

export function overtimeRoutes(s: Services): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/overtime",
      summary:
        "Per time bucket (15m, 1h, 6h, 1d, 7d; buckets start at a Monday 00:00 UTC origin) in [from, to) (at most 366 days; default the 7 days before to, to defaults to now): fixes, animals, distance_m (sum of steps), mean_speed (km/h, mean derived speed), observations, mean_size, mean_health; filters herd, family, animal. Only buckets with data are listed",
      tags: ["overtime"],
      query: OvertimeQuery,
      responses: { 200: { description: "Buckets, oldest first", schema: z.object({ items: z.array(Item) }) } },
      handler: async (ctx) => ({
        body: { items: await overtime(s.db, { bucket: ctx.q.bucket, from: ctx.q.from, to: ctx.q.to, herd: ctx.q.herd, family: ctx.q.family, animal: ctx.q.animal }) },
      }),
    }),
  ];
}
