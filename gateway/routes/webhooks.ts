// Webhooks over REST (manager+): register {url, secret, kinds}, list (secret shown only as a hint),
// delete, and read the per-webhook delivery log.
import { z } from "zod";
import { refusedLiteral, type TargetPolicy } from "../../alerts/webhook-target.ts";
import { createWebhook, deleteWebhook, getWebhook, listDeliveries, listWebhooks } from "../../store/repos/webhooks.ts";
import { cursorValue, idCursor, ListQuery } from "../http/params.ts";
import { notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

/** What is wrong with a webhook URL, or null. Hostnames are checked again when sent (after DNS). */
function urlProblem(u: string, policy: TargetPolicy): string | null {
  let p: URL;
  try {
    p = new URL(u);
  } catch {
    return "must be an http or https URL";
  }
  if ((p.protocol !== "http:" && p.protocol !== "https:") || p.hostname === "") return "must be an http or https URL";
  const refused = refusedLiteral(p, policy);
  return refused && `refused: ${refused}`;
}

const newWebhook = (policy: TargetPolicy) =>
  z.object({
    url: z
      .string()
      .max(2000)
      .superRefine((u, ctx) => {
        const problem = urlProblem(u, policy);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    secret: z.string().min(16, "must be at least 16 characters").max(500).describe("HMAC-SHA256 key for X-WT-Signature; never returned"),
    kinds: z.array(z.string().min(1).max(64)).max(64).default([]).describe("alert kinds to send; empty or absent: every kind"),
  });

/**
 * `allowPrivate` (WT_WEBHOOK_ALLOW_PRIVATE) lets a URL name a private IP address (loopback, RFC 1918,
 * CGNAT, IPv6 ULA); link-local (cloud metadata), multicast and unspecified addresses are always refused.
 */
export function webhookRoutes(s: Services, opts: { allowPrivate: boolean } = { allowPrivate: false }): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/webhooks",
      summary:
        "Register a webhook: each matching alert is POSTed as JSON with X-WT-Signature: sha256=<hex HMAC-SHA256(secret, body)>; " +
        "the URL may not name a link-local (cloud metadata) address, nor a private one unless the server allows it",
      tags: ["webhooks"],
      body: newWebhook({ allowPrivate: opts.allowPrivate }),
      handler: async (ctx) => ({ status: 201, body: await createWebhook(s.db, { url: ctx.body.url, secret: ctx.body.secret, kinds: [...new Set(ctx.body.kinds)] }) }),
    }),
    route({
      method: "GET",
      path: "/api/v1/webhooks",
      summary: "List webhooks (the secret only as a hint)",
      tags: ["webhooks"],
      query: ListQuery,
      handler: async (ctx) => ({ body: await listWebhooks(s.db, ctx.q.limit, cursorValue(ctx.q.cursor, idCursor)) }),
    }),
    route({
      method: "DELETE",
      path: "/api/v1/webhooks/:id",
      summary: "Delete a webhook: no further deliveries (its pending and failed ones become cancelled); its delivery log stays readable",
      tags: ["webhooks"],
      handler: async (ctx) => {
        if (!(await deleteWebhook(s.db, ctx.params.id!))) throw notFound(`webhook ${ctx.params.id}`);
        return { status: 204 };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/webhooks/:id/deliveries",
      summary:
        "A webhook's delivery log, newest first (status pending, delivered, failed (will retry), dead (gave up) or cancelled (the webhook was deleted before it was delivered))",
      tags: ["webhooks"],
      query: ListQuery,
      handler: async (ctx) => {
        if (!(await getWebhook(s.db, ctx.params.id!))) throw notFound(`webhook ${ctx.params.id}`);
        return { body: await listDeliveries(s.db, ctx.params.id!, ctx.q.limit, cursorValue(ctx.q.cursor, idCursor)) };
      },
    }),
  ];
}
