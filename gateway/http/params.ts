// Shared zod pieces for query strings: pagination and time windows (ISO 8601 or epoch ms).
import { z } from "zod";
import { decodeCursor } from "../../store/repos/pagination.ts";
import { badRequest, parseInput } from "./problem.ts";

export const timeParam = z.string().transform((v, ctx) => {
  const ms = /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: "must be an ISO 8601 time or epoch milliseconds" });
    return z.NEVER;
  }
  return ms;
});

const ListQuery = z.object({
  limit: z.coerce.number().int("must be an integer").min(1, "must be between 1 and 1000").max(1000, "must be between 1 and 1000").default(100),
  cursor: z.string().max(2000).optional(),
});

/** Reads `?limit=&cursor=` (plus any extra fields of `extra`), 400 listing every invalid field. */
export function listQuery<E extends z.ZodRawShape>(query: URLSearchParams, extra: E) {
  const raw = Object.fromEntries(query.entries());
  const parsed = parseInput(ListQuery.extend(extra), raw, "query");
  return parsed as z.output<typeof ListQuery> & z.output<z.ZodObject<E>>;
}

/** Decodes an opaque cursor or answers 400. */
export function cursorValue<T>(cursor: string | undefined): T | undefined {
  const v = decodeCursor<T>(cursor);
  if (v === null) throw badRequest("invalid query", [{ path: "cursor", message: "is not a cursor this server issued" }]);
  return v;
}
