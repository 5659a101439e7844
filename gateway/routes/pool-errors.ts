// How worker pool failures answer over HTTP: a busy pool is 503 with Retry-After, a request the model
// cannot serve (too few fixes, bad parameters) is 422 naming why, anything else propagates (500, logged).
import { PoolBusyError, PoolTaskError } from "../../workers/pool.ts";
import { HttpError } from "../http/problem.ts";

export function poolProblem(err: unknown): never {
  if (err instanceof PoolBusyError) throw new HttpError(503, err.message, undefined, { "Retry-After": "5" });
  if (err instanceof PoolTaskError && err.kind === "input") throw new HttpError(422, err.message);
  throw err;
}
