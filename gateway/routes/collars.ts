// Collars, deployments (a collar on an animal from a time) and collar device tokens.
import { z } from "zod";
import { getAnimal } from "../../store/repos/animals.ts";
import { deployCollar, getCollar, insertCollar, listCollars, type Deployment } from "../../store/repos/collars.ts";
import { recordDeviceToken } from "../../store/repos/devices.ts";
import { cursorValue, idCursor, ListQuery, timeInput } from "../http/params.ts";
import { badRequest, conflict, notFound } from "../http/problem.ts";
import { audit } from "../../store/repos/audit.ts";
import { requestMeta } from "./auth.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const collarId = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, "may only contain letters, digits and . _ : -");
const NewCollar = z.object({ id: collarId, model: z.string().trim().min(1).max(200).nullable().optional(), animal_id: z.string().min(1).optional() });
const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;
const NewDeployment = z.object({
  animal_id: z.string().min(1),
  // A deployment far in the future would block every later one of the collar: at most a day ahead.
  from: timeInput.refine((t) => t <= Date.now() + MAX_FUTURE_MS, "must not be more than a day in the future").optional(),
});

export function collarRoutes(s: Services): Route[] {
  /** After a committed deployment: update the in-memory registry, then attach quarantined fixes. */
  const afterDeploy = async (collar: string, animal: string, d: Deployment): Promise<number> => {
    const from = Date.parse(d.from);
    s.registry.addDeployment({ collar_id: collar, animal_id: animal, from, to: null });
    return s.attachQuarantined(collar, animal, from, null);
  };
  const requireAnimal = async (id: string, path: string) => {
    if (!(await getAnimal(s.db, id))) throw badRequest("invalid body", [{ path, message: `no animal ${id}` }]);
  };

  return [
    route({
      method: "POST",
      path: "/api/v1/collars",
      summary: "Register a collar; with animal_id it is deployed now",
      body: NewCollar,
      handler: async (ctx) => {
        const input = ctx.body;
        if (input.animal_id) await requireAnimal(input.animal_id, "animal_id");
        // Create and deploy in one transaction: a failed deploy must not leave a half-made collar.
        const created = await s.db.transaction(async (tx) => {
          if (!(await insertCollar(tx, input))) return null;
          if (!input.animal_id) return { deployment: null };
          const r = await deployCollar(tx, input.id, input.animal_id, Date.now());
          if (!r.ok) throw conflict(r.conflict);
          return { deployment: r.deployment };
        });
        if (!created) throw conflict(`collar ${input.id} already exists`);
        s.registry.addCollar(input.id);
        const deployment = created.deployment;
        const attached = deployment ? await afterDeploy(input.id, input.animal_id!, deployment) : 0;
        const collar = await getCollar(s.db, input.id);
        return { status: 201, body: { ...collar, deployment, attached_fixes: attached } };
      },
    }),
    route({
      method: "GET",
      path: "/api/v1/collars",
      summary: "List collars",
      query: ListQuery,
      handler: async (ctx) => ({ body: await listCollars(s.db, ctx.q.limit, cursorValue(ctx.q.cursor, idCursor)) }),
    }),
    route({
      method: "GET",
      path: "/api/v1/collars/:id",
      summary: "Read a collar and the animal wearing it now",
      handler: async (ctx) => {
        const collar = await getCollar(s.db, ctx.params.id!);
        if (!collar) throw notFound(`collar ${ctx.params.id}`);
        return { body: collar };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/collars/:id/deployments",
      summary: "Deploy the collar on an animal from a time (closes its open deployment); attaches quarantined fixes",
      body: NewDeployment,
      handler: async (ctx) => {
        const input = ctx.body;
        if (!(await getCollar(s.db, ctx.params.id!))) throw notFound(`collar ${ctx.params.id}`);
        await requireAnimal(input.animal_id, "animal_id");
        const collar = ctx.params.id!;
        const result = await s.db.transaction((tx) => deployCollar(tx, collar, input.animal_id, input.from ?? Date.now()));
        if (!result.ok) throw conflict(result.conflict);
        const attached = await afterDeploy(collar, input.animal_id, result.deployment);
        return { status: 201, body: { ...result.deployment, attached_fixes: attached } };
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/collars/:id/token",
      summary: "Issue a collar device token (may only send this collar's fixes)",
      handler: async (ctx) => {
        const collar = ctx.params.id!;
        if (!(await getCollar(s.db, collar))) throw notFound(`collar ${collar}`);
        const { token, jti } = await s.tokens.signDevice({ kind: "collar", collar });
        await recordDeviceToken(s.db, { jti, kind: "collar", collar });
        await audit(s.db, { action: "token_mint", actor: ctx.principal!.subject, target: collar, ip: requestMeta(ctx).ip, detail: { token: jti, kind: "collar" } });
        return { status: 201, body: { token, collar, token_id: jti } };
      },
    }),
  ];
}

