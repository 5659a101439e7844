// Collars, deployments (a collar on an animal from a time) and collar device tokens.
import { z } from "zod";
import { getAnimal } from "../../store/repos/animals.ts";
import { deployCollar, getCollar, insertCollar, listCollars, type Deployment } from "../../store/repos/collars.ts";
import { recordDeviceToken } from "../../store/repos/devices.ts";
import { cursorValue, listQuery } from "../http/params.ts";
import { badRequest, conflict, notFound, parseInput } from "../http/problem.ts";
import type { Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const collarId = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, "may only contain letters, digits and . _ : -");
const timeInput = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === "number" ? v : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time or epoch milliseconds" });
    return z.NEVER;
  }
  return ms;
});
const NewCollar = z.object({ id: collarId, model: z.string().trim().min(1).max(200).nullable().optional(), animal_id: z.string().min(1).optional() });
const NewDeployment = z.object({ animal_id: z.string().min(1), from: timeInput.optional() });

export function collarRoutes(s: Services): Route[] {
  /** Deploys in one transaction, then updates the in-memory registry and attaches quarantined fixes. */
  const deploy = async (collar: string, animal: string, from: number): Promise<{ deployment: Deployment; attached: number }> => {
    const result = await s.db.transaction((tx) => deployCollar(tx, collar, animal, from));
    if (!result.ok) throw conflict(result.conflict);
    const d = result.deployment;
    s.registry.addDeployment({ collar_id: collar, animal_id: animal, from: Date.parse(d.from), to: null });
    const attached = await s.attachQuarantined(collar, animal, from, null);
    return { deployment: d, attached };
  };
  const requireAnimal = async (id: string, path: string) => {
    if (!(await getAnimal(s.db, id))) throw badRequest("invalid body", [{ path, message: `no animal ${id}` }]);
  };

  return [
    {
      method: "POST",
      path: "/api/v1/collars",
      access: "manager",
      handler: async (ctx) => {
        const input = parseInput(NewCollar, ctx.body);
        if (input.animal_id) await requireAnimal(input.animal_id, "animal_id");
        if (!(await insertCollar(s.db, input))) throw conflict(`collar ${input.id} already exists`);
        s.registry.addCollar(input.id);
        let deployment: Deployment | null = null;
        let attached = 0;
        if (input.animal_id) ({ deployment, attached } = await deploy(input.id, input.animal_id, Date.now()));
        const collar = await getCollar(s.db, input.id);
        return { status: 201, body: { ...collar, deployment, attached_fixes: attached } };
      },
    },
    {
      method: "GET",
      path: "/api/v1/collars",
      access: "viewer",
      handler: async (ctx) => {
        const q = listQuery(ctx.query, {});
        return { body: await listCollars(s.db, q.limit, cursorValue<string>(q.cursor)) };
      },
    },
    {
      method: "GET",
      path: "/api/v1/collars/:id",
      access: "viewer",
      handler: async (ctx) => {
        const collar = await getCollar(s.db, ctx.params.id!);
        if (!collar) throw notFound(`collar ${ctx.params.id}`);
        return { body: collar };
      },
    },
    {
      method: "POST",
      path: "/api/v1/collars/:id/deployments",
      access: "manager",
      handler: async (ctx) => {
        const input = parseInput(NewDeployment, ctx.body ?? {});
        if (!(await getCollar(s.db, ctx.params.id!))) throw notFound(`collar ${ctx.params.id}`);
        await requireAnimal(input.animal_id, "animal_id");
        const { deployment, attached } = await deploy(ctx.params.id!, input.animal_id, input.from ?? Date.now());
        return { status: 201, body: { ...deployment, attached_fixes: attached } };
      },
    },
    {
      method: "POST",
      path: "/api/v1/collars/:id/token",
      access: "manager",
      handler: async (ctx) => {
        const collar = ctx.params.id!;
        if (!(await getCollar(s.db, collar))) throw notFound(`collar ${collar}`);
        const { token, jti } = await s.tokens.signDevice({ kind: "collar", collar });
        await recordDeviceToken(s.db, { jti, kind: "collar", collar });
        return { status: 201, body: { token, collar } };
      },
    },
  ];
}

