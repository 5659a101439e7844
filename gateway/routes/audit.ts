// The audit log (admin): logins and failed logins, code failures, role and status changes, token
// mints and revocations, newest first.
import { z } from "zod";
import { listAudit } from "../../store/repos/audit.ts";
import { cursorValue, ListQuery } from "../http/params.ts";
import { route, type Route } from "../http/router.ts";
import type { Services } from "../services.ts";

const AuditCursor = z.tuple([z.string(), z.string().min(1).max(200)]);

export function auditRoutes(s: Services): Route[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/audit",
      summary: "Audit log, newest first; filter by action (login, login_failed, otp_failed, refresh_reuse, role_change, status_change, token_mint, token_revoke, …) or by who (actor or target)",
      tags: ["users"],
      query: ListQuery.extend({ action: z.string().min(1).max(64).optional(), who: z.string().min(1).max(200).optional() }),
      handler: async (ctx) => ({ body: await listAudit(s.db, ctx.q, ctx.q.limit, cursorValue(ctx.q.cursor, AuditCursor)) }),
    }),
  ];
}
