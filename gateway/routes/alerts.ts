// Alerts over REST: list with filters (newest first) and acknowledge (idempotent).
import { z } from "zod";
import { ackAlert, listAlerts } from "../../store/repos/alerts.ts";
import { cursorValue, ListQuery, timeParam } from "../http/params.ts";
import { notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";
import { webhookRoutes } from "./webhooks.ts";

const AlertsQuery = ListQuery.extend({
  kind: z.string().min(1).max(64).optional(),
  animal: z.string().min(1).max(128).optional(),
  from: timeParam.optional().describe("ISO 8601 or epoch ms, inclusive"),
  to: timeParam.optional().describe("ISO 8601 or epoch ms, exclusive"),
  acked: z.enum(["true", "false"], { error: "must be true or false" }).transform((v) => v === "true").optional(),
});
const AlertCursor = z.tuple([z.number(), z.string().min(1).max(200)]);

export function alertRoutes(s: Services): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/alerts",
      summary: "List alerts, newest first; filter by kind, animal, time window [from, to) and acknowledged or not",
      tags: ["alerts"],
      query: AlertsQuery,
      handler: async (ctx) => {
        const q = ctx.q;
        return { body: await listAlerts(s.db, { kind: q.kind, animal: q.animal, from: q.from, to: q.to, acked: q.acked }, q.limit, cursorValue(q.cursor, AlertCursor)) };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/alerts/:id/ack",
      summary: "Acknowledge an alert (idempotent: the first acknowledgement is kept)",
      tags: ["alerts"],
      handler: async (ctx) => {
        const alert = await ackAlert(s.db, ctx.params.id!, ctx.principal!.subject);
        if (!alert) throw notFound(`alert ${ctx.params.id}`);
        return { body: alert };
      },
    }),
  ];
}

/** Alerts and webhooks routes together (registered by routes/index.ts). */
export function alertingRoutes(s: Services, webhooks: { allowPrivate: boolean } = { allowPrivate: false }): Route[] {
  return [...alertRoutes(s), ...webhookRoutes(s, webhooks)];
}
