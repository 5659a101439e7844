// Shared zod pieces for query strings: pagination and time windows (ISO 8601 or epoch ms).
import { z } from "zod";
import { decodeCursor } from "../../store/repos/pagination.ts";
import { MAX_TS, MIN_TS } from "../ingest-protocol.ts";
import { badRequest } from "./problem.ts";

/** Milliseconds from a query/body time; bounded so no value can overflow a database timestamp. */
export function toTime(v: string | number, ctx: z.RefinementCtx): number {
  const ms = typeof v === "number" ? v : /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time or epoch milliseconds" });
    return z.NEVER;
  }
  if (ms < MIN_TS || ms >= MAX_TS) {
    ctx.addIssue({ code: "custom", message: "must be between 1980-01-06 and 2100-01-01" });
    return z.NEVER;
  }
  return ms;
}

export const timeParam = z.string().transform(toTime);
export const timeInput = z.union([z.string(), z.number()], { error: "must be an ISO 8601 time or epoch milliseconds" }).transform(toTime);

/** `?limit=` (default 100, max 1000) and `?cursor=`: extend it with a list's filters. */
export const ListQuery = z.object({
  limit: z.coerce.number().int("must be an integer").min(1, "must be between 1 and 1000").max(1000, "must be between 1 and 1000").default(100),
  cursor: z.string().max(2000).optional(),
});

/** Response shape of every list. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}

/** Decodes an opaque cursor and checks its shape, or answers 400. */
export function cursorValue<S extends z.ZodType>(cursor: string | undefined, shape: S): z.output<S> | undefined {
  const v = decodeCursor<unknown>(cursor);
  if (v === undefined) return undefined;
  const r = v === null ? null : shape.safeParse(v);
  if (!r?.success) throw badRequest("invalid query", [{ path: "cursor", message: "is not a cursor this server issued" }]);
  return r.data;
}

/** Cursor of lists ordered by id. */
export const idCursor = z.string().min(1).max(200);
