// Device tokens (collar, gateway): list which were issued (ids only, never the token) and revoke
// one. A revoked token is refused at the next connect or request; open /ingest connections that
// use it are closed at once.
import { z } from "zod";
import { audit } from "../../store/repos/audit.ts";
import { listDeviceTokens, revokeDeviceToken } from "../../store/repos/devices.ts";
import { cursorValue, ListQuery } from "../http/params.ts";
import { notFound } from "../http/problem.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";
import { requestMeta } from "./auth.ts";

const TokenCursor = z.tuple([z.string(), z.string().min(1).max(200)]);

export function deviceTokenRoutes(s: Services): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/device-tokens",
      summary: "Issued collar and gateway tokens (ids, never the tokens), newest first; filters collar, gateway, revoked",
      tags: ["collars"],
      query: ListQuery.extend({
        collar: z.string().min(1).max(128).optional(),
        gateway: z.string().min(1).max(128).optional(),
        revoked: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
      }),
      handler: async (ctx) => ({ body: await listDeviceTokens(s.db, ctx.q, ctx.q.limit, cursorValue(ctx.q.cursor, TokenCursor)) }),
    }),
    route({
      method: "DELETE",
      path: "/api/v1/device-tokens/:id",
      summary: "Revoke a device token: refused from now on, and its open /ingest connections are closed",
      tags: ["collars"],
      handler: async (ctx) => {
        const revoked = await revokeDeviceToken(s.db, ctx.params.id!);
        if (!revoked) throw notFound(`device token ${ctx.params.id}`);
        s.deviceTokens.forget(revoked.id);
        s.closeDeviceConnections?.(revoked.id);
        await audit(s.db, { action: "token_revoke", actor: ctx.principal!.subject, target: revoked.collar ?? revoked.gateway, ip: requestMeta(ctx).ip, detail: { token: revoked.id, kind: revoked.kind } });
        return { status: 204 };
      },
    }),
  ];
}
