// Gateways: base stations relaying many collars; each gets a device token that must name the collar per fix.
import { z } from "zod";
import { createGateway, recordDeviceToken } from "../../store/repos/devices.ts";
import { audit } from "../../store/repos/audit.ts";
import { requestMeta } from "./auth.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const NewGateway = z.object({ name: z.string().trim().min(1, "must not be empty").max(200) });

export function gatewayRoutes(s: Services): Route[] {
  return [
    route({
      method: "POST",
      path: "/api/v1/gateways",
      summary: "Register a gateway (base station) and issue its device token",
      body: NewGateway,
      handler: async (ctx) => {
        const { name } = ctx.body;
        const gw = await createGateway(s.db, name);
        const { token, jti } = await s.tokens.signDevice({ kind: "gateway", gateway: gw.id });
        await recordDeviceToken(s.db, { jti, kind: "gateway", gateway: gw.id });
        await audit(s.db, { action: "token_mint", actor: ctx.principal!.subject, target: gw.id, ip: requestMeta(ctx).ip, detail: { token: jti, kind: "gateway" } });
        return { status: 201, body: { id: gw.id, name: gw.name, token, token_id: jti } };
      },
    }),
  ];
}
