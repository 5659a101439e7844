// User management (admin): list, create (active at once), change role or status (approve, disable).
// Only admins see other people's accounts; everyone else has GET /auth/me.
import { z } from "zod";
import type { AccountService } from "../../auth/accounts.ts";
import { USER_ROLES } from "../../auth/roles.ts";
import { listUsers } from "../../store/repos/users.ts";
import { cursorValue, idCursor, ListQuery } from "../http/params.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";
import { accountProblem, requestMeta, UserSchema } from "./auth.ts";

export function userRoutes(s: Services, accounts: AccountService): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/users",
      summary: "List user accounts",
      tags: ["users"],
      query: ListQuery,
      handler: async (ctx) => ({ body: await listUsers(s.db, ctx.q.limit, cursorValue(ctx.q.cursor, idCursor)) }),
    }),
    route({
      method: "POST",
      path: "/api/v1/users",
      summary: "Create an account, active at once (the user logs in with this password and a one-time code)",
      tags: ["users"],
      body: z
        .object({
          email: z.string().trim().toLowerCase().max(254).email("must be an e-mail address"),
          phone: z.string().trim().regex(/^\+?[0-9 ()-]{5,20}$/, "must be a phone number").nullable().optional(),
          name: z.string().trim().min(1).max(200),
          role: z.enum(USER_ROLES),
          password: z.string().min(10, "must be at least 10 characters").max(200),
        })
        .strict(),
      responses: { 201: { description: "The account", schema: UserSchema } },
      handler: async (ctx) => ({ status: 201, body: await accounts.createByAdmin(ctx.principal!, ctx.body, requestMeta(ctx)).catch(accountProblem) }),
    }),
    route({
      method: "PATCH",
      path: "/api/v1/users/:id",
      summary: "Change a user's role, approve (status active) or disable (ends their sessions at once), name, phone",
      tags: ["users"],
      body: z
        .object({
          role: z.enum(USER_ROLES).optional(),
          status: z.enum(["active", "disabled"]).optional(),
          name: z.string().trim().min(1).max(200).optional(),
          phone: z.string().trim().regex(/^\+?[0-9 ()-]{5,20}$/, "must be a phone number").nullable().optional(),
        })
        .strict(),
      responses: { 200: { description: "The account", schema: UserSchema } },
      handler: async (ctx) => ({ body: await accounts.updateByAdmin(ctx.principal!, ctx.params.id!, ctx.body, requestMeta(ctx)).catch(accountProblem) }),
    }),
  ];
}
