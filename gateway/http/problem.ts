// RFC 9457 problem documents and the coded HTTP errors handlers throw.
import type { z } from "zod";
import { toFieldErrors, type FieldError } from "../ingest-protocol.ts";

const TITLES: Record<number, string> = {
  400: "Invalid input",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  413: "Payload too large",
  415: "Unsupported media type",
  422: "Unprocessable content",
  429: "Too many requests",
  500: "Internal server error",
  503: "Service unavailable",
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "HttpError";
  }

  toProblem(): Problem {
    const p: Problem = { type: "about:blank", title: TITLES[this.status] ?? "Error", status: this.status, detail: this.detail };
    if (this.errors) p.errors = this.errors;
    return p;
  }
}

export const badRequest = (detail: string, errors: FieldError[] = []) => new HttpError(400, detail, errors);
export const notFound = (what: string) => new HttpError(404, `${what} not found`);
export const conflict = (detail: string) => new HttpError(409, detail);

/** Parses input with a zod schema; a 400 listing every invalid field otherwise. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = "body"): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw badRequest(`invalid ${where}`, toFieldErrors(r.error, input ?? {}));
}
