// A small REST router on the uWS app: route table, body limits, auth by the access table, CORS,
// security headers, problem+json errors.
import type { HttpRequest, HttpResponse, TemplatedApp } from "uWebSockets.js";
import type { z } from "zod";
import type { Principal } from "../../auth/roles.ts";
import { TokenCheckUnavailable, type TokenService } from "../../auth/tokens.ts";
import { isConnectionError } from "../../store/database.ts";
import { allows, describeAccess, routeAccess, type Access } from "../access-table.ts";
import { CorsPolicy } from "./cors.ts";
import { HttpError, parseInput } from "./problem.ts";
import { withSecurityHeaders } from "./security-headers.ts";

export type { Access };
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestContext {
  method: Method;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
  principal: Principal | null;
  /** The client's address (with WT_TRUST_PROXY, the last X-Forwarded-For entry: one proxy hop), for rate limits and the audit log. */
  ip: string;
  /**
   * Routes with `stream: true`: the raw request body as it arrives, with backpressure (the socket is
   * paused while too much is queued). Iterate it at most once. Undefined on other routes.
   */
  bodyStream?: AsyncIterable<Buffer>;
}

export interface Reply {
  status?: number;
  body?: unknown;
  /** Raw text body with its content type (e.g. Prometheus metrics). */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /**
   * A body sent as it is produced (chunked transfer encoding, with backpressure): use for exports of
   * any size. Headers are sent before the first piece; an error while streaming closes the connection
   * (the client sees a truncated response), so check what can fail before returning the reply.
   */
  stream?: AsyncIterable<string | Uint8Array>;
}

export interface Route {
  method: Method;
  /** Path with `:name` parameters, e.g. `/api/v1/animals/:id`. */
  path: string;
  /** One line for the API docs. */
  summary?: string;
  tags?: string[];
  /** Validates the JSON body before the handler runs (400 listing every invalid field); also the docs. */
  body?: z.ZodType;
  /** Validates the query string (values are strings; use z.coerce); also the docs. */
  query?: z.ZodType;
  /** Documented responses besides errors: status → description (and optional body schema). */
  responses?: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  handler: (ctx: RequestContext) => Promise<Reply> | Reply;
  bodyLimit?: number;
  /**
   * Streamed request body: not buffered, not parsed as JSON, no size limit; the handler reads
   * `ctx.bodyStream` (after authentication has passed). Multipart bodies are refused (415).
   */
  stream?: boolean;
}

/** Request with its body and query already validated by the route's schemas. */
export interface ValidatedContext<B, Q> extends Omit<RequestContext, "body"> {
  body: B;
  q: Q;
}

/**
 * Declares a route whose body and query are validated by zod schemas — the same schemas the
 * OpenAPI document is generated from, so the docs cannot drift from what is enforced.
 */
export function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  spec: Omit<Route, "handler" | "body" | "query"> & {
    body?: B;
    query?: Q;
    handler: (
      ctx: ValidatedContext<B extends z.ZodType ? z.output<B> : unknown, Q extends z.ZodType ? z.output<Q> : Record<string, never>>,
    ) => Promise<Reply> | Reply;
  },
): Route {
  return spec as unknown as Route;
}

/** A route as registered: its access resolved from the access table (what the docs and tests read). */
export interface RegisteredRoute extends Route {
  access: Access;
}

interface CompiledRoute extends RegisteredRoute {
  pattern: RegExp;
  names: string[];
}

export interface RouterOptions {
  log?: (msg: string) => void;
  /** Largest request body of a route without its own `bodyLimit` (WT_MAX_BODY_BYTES); 1 MiB by default. */
  maxBodyBytes?: number;
  /** Browser origins allowed cross-origin (WT_CORS_ORIGINS); none by default. */
  corsOrigins?: readonly string[];
  /** Take the client address from the last X-Forwarded-For entry (WT_TRUST_PROXY: only behind one proxy you run). */
  trustProxy?: boolean;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** Streamed request bodies: pause the socket above this many queued bytes, resume below the low mark. */
const STREAM_HIGH_WATER = 1024 * 1024;
const STREAM_LOW_WATER = 256 * 1024;
/** An unread streamed body is discarded up to this size before an early reply; beyond it the connection is closed. */
const STREAM_DRAIN_LIMIT = 16 * 1024 * 1024;
const STATUS_TEXT: Record<number, string> = {
  200: "200 OK",
  201: "201 Created",
  204: "204 No Content",
  400: "400 Bad Request",
  401: "401 Unauthorized",
  403: "403 Forbidden",
  404: "404 Not Found",
  405: "405 Method Not Allowed",
  409: "409 Conflict",
  413: "413 Payload Too Large",
  415: "415 Unsupported Media Type",
  422: "422 Unprocessable Content",
  429: "429 Too Many Requests",
  500: "500 Internal Server Error",
  503: "503 Service Unavailable",
};

export class Router {
  private readonly routes: CompiledRoute[] = [];
  private readonly log: (msg: string) => void;
  private readonly bodyLimit: number;
  private readonly trustProxy: boolean;
  private readonly cors: CorsPolicy;

  constructor(
    private readonly tokens: TokenService,
    opts: RouterOptions = {},
  ) {
    this.log = opts.log ?? ((m) => console.error(m));
    this.bodyLimit = opts.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
    this.trustProxy = opts.trustProxy ?? false;
    this.cors = new CorsPolicy(opts.corsOrigins ?? []);
  }

  /** Throws, naming the route, when the access table has no entry for it. */
  add(...routes: Route[]): this {
    for (const r of routes) {
      const access = resolveAccess(r);
      const names: string[] = [];
      const source = r.path
        .split("/")
        .map((seg) => (seg.startsWith(":") ? (names.push(seg.slice(1)), "([^/]+)") : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
        .join("/");
      this.routes.push({ ...r, access, names, pattern: new RegExp(`^${source}/?$`) });
    }
    return this;
  }

  /** All registered routes, with their access from the table (for docs and the role table tests). */
  list(): ReadonlyArray<RegisteredRoute> {
    return this.routes;
  }

  /** Mounts the router as the catch-all HTTP handler of the uWS app. */
  mount(app: TemplatedApp): void {
    app.any("/*", (res, req) => this.handle(res, req));
  }

  private handle(res: HttpResponse, req: HttpRequest): void {
    // uWS's req is only valid in this synchronous part: copy what we need now.
    const rawMethod = req.getMethod().toUpperCase();
    const head = rawMethod === "HEAD"; // answered like GET, without a body
    const method = (head ? "GET" : rawMethod) as Method;
    const path = req.getUrl();
    const query = new URLSearchParams(req.getQuery() ?? "");
    const headers: Record<string, string> = {};
    req.forEach((k, v) => {
      headers[k] = v;
    });
    // The last X-Forwarded-For entry is the one our proxy appended; earlier ones are the client's word.
    const forwarded = this.trustProxy ? headers["x-forwarded-for"]?.split(",").at(-1)?.trim() : undefined;
    const ip = forwarded || Buffer.from(res.getRemoteAddressAsText()).toString() || "unknown";
    let aborted = false;
    let onAbort: (() => void) | null = null;
    res.onAborted(() => {
      aborted = true;
      onAbort?.();
      body?.aborted();
    });
    let body: BodyStream | null = null; // streamed request body (stream routes)
    const send = (status: number, text: string, contentType: string, extra: Record<string, string> = {}) => {
      if (aborted) return;
      if (body && !body.ended) {
        // Replying before the body was read (e.g. 401, or a header error): discard the rest first so
        // the client, still uploading, can read the reply; close the connection if there is too much.
        body.drain(STREAM_DRAIN_LIMIT, (complete) => sendNow(status, text, contentType, extra, !complete));
        return;
      }
      sendNow(status, text, contentType, extra, false);
    };
    // Every response, whatever sends it, gets the security headers and (allowed origins) CORS headers.
    const writeHead = (status: number, contentType: string | null, extra: Record<string, string>) => {
      res.writeStatus(STATUS_TEXT[status] ?? `${status} Status`);
      if (contentType !== null) res.writeHeader("Content-Type", contentType);
      const all = withSecurityHeaders(path, { ...this.cors.responseHeaders(path, headers["origin"]), ...extra });
      for (const [k, v] of Object.entries(all)) res.writeHeader(k, v);
    };
    const sendNow = (status: number, body: string, contentType: string | null, extra: Record<string, string>, close: boolean) => {
      if (aborted) return;
      res.cork(() => {
        writeHead(status, contentType, extra);
        if (head) res.endWithoutBody(Buffer.byteLength(body), close);
        else res.end(body, close);
      });
    };
    const sendStream = async (status: number, contentType: string, extra: Record<string, string>, pieces: AsyncIterable<string | Uint8Array>) => {
      if (aborted) return;
      res.cork(() => {
        writeHead(status, contentType, extra);
        if (head) res.endWithoutBody();
      });
      if (head) return;
      let wake: (() => void) | null = null;
      onAbort = () => wake?.();
      try {
        for await (const piece of pieces) {
          if (aborted) break; // ends the producer (its finally blocks run)
          if (piece.length === 0) continue;
          let ok = true;
          res.cork(() => {
            ok = res.write(piece);
          });
          if (!ok && !aborted) {
            // uWS keeps what it could not send; wait until the socket drained before producing more.
            await new Promise<void>((resolve) => {
              wake = resolve;
              res.onWritable(() => {
                resolve();
                return true;
              });
            });
            wake = null;
          }
        }
        if (!aborted) res.cork(() => res.end());
      } catch (err) {
        this.log(`error: streaming ${method} ${path}: ${(err as Error)?.stack ?? String(err)}`);
        if (!aborted) res.close(); // headers are out: a truncated chunked body tells the client it failed
      }
    };
    const sendError = (err: HttpError) =>
      send(err.status, JSON.stringify(err.toProblem()), "application/problem+json", err.headers);
    // 413: close the connection after the reply, so an oversized upload is not read (even to discard it).
    const refuseTooLarge = (limit: number) => {
      if (aborted) return;
      sendNow(413, JSON.stringify(new HttpError(413, `body larger than ${limit} bytes`).toProblem()), "application/problem+json", {}, true);
    };

    const preflight = this.cors.preflight(rawMethod, path, headers);
    if (preflight?.status === 204) return sendNow(204, "", null, preflight.headers, false);
    if (preflight?.status === 403) return sendError(new HttpError(403, `origin ${headers["origin"]} is not allowed (WT_CORS_ORIGINS)`));

    const match = this.match(method, path);
    if (!match) return sendError(new HttpError(404, `no route for ${path}`));
    if ("allowed" in match) {
      return sendError(new HttpError(405, `${method} is not allowed on ${path}`, undefined, { Allow: match.allowed.join(", ") }));
    }
    const { route, params } = match;
    const limit = route.stream ? Infinity : (route.bodyLimit ?? this.bodyLimit);
    const declared = Number(headers["content-length"] ?? 0);
    if (declared > limit) return refuseTooLarge(limit);

    const respond = (raw: Buffer) =>
      void this.run(route, { method, path, params, query, headers, ip, body: undefined, principal: null, bodyStream: body ?? undefined }, raw)
        .then((reply) => {
          if (reply.stream !== undefined) {
            if (body && !body.ended) {
              body.drain(STREAM_DRAIN_LIMIT, () => void sendStream(reply.status ?? 200, reply.contentType ?? "application/octet-stream", reply.headers ?? {}, reply.stream!));
            } else {
              void sendStream(reply.status ?? 200, reply.contentType ?? "application/octet-stream", reply.headers ?? {}, reply.stream);
            }
          } else if (reply.text !== undefined) {
            send(reply.status ?? 200, reply.text, reply.contentType ?? "text/plain; charset=utf-8", reply.headers);
          } else if (reply.status === 204) {
            send(204, "", "application/json", reply.headers);
          } else {
            send(reply.status ?? 200, JSON.stringify(reply.body ?? null), "application/json", reply.headers);
          }
        })
        .catch((err: unknown) => {
          if (err instanceof HttpError) return sendError(err);
          if (isConnectionError(err)) return sendError(new HttpError(503, "the database is unreachable; retry later", undefined, { "Retry-After": "5" }));
          this.log(`error: ${method} ${path}: ${(err as Error)?.stack ?? String(err)}`);
          sendError(new HttpError(500, "internal error; it has been logged"));
        });
    // Requests without a body never get a data callback worth waiting for.
    const hasBody = declared > 0 || headers["transfer-encoding"] !== undefined;
    if (route.stream) {
      // Handed to the handler as it arrives: onData must be attached now, in this synchronous part.
      body = new BodyStream(res, () => aborted);
      if (hasBody) res.onData((chunk, isLast) => body!.push(chunk, isLast));
      else body.push(new ArrayBuffer(0), true);
      return respond(Buffer.alloc(0));
    }
    if (!hasBody) return respond(Buffer.alloc(0));

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    res.onData((chunk, isLast) => {
      if (tooLarge) return;
      size += chunk.byteLength;
      if (size > limit) {
        tooLarge = true; // a chunked body (no Content-Length) only shows its size as it arrives
        refuseTooLarge(limit);
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0))); // uWS neuters the chunk after this callback
      if (isLast) respond(Buffer.concat(chunks));
    });
  }

  private async run(route: RegisteredRoute, ctx: RequestContext, raw: Buffer): Promise<Reply> {
    // PostgreSQL text cannot hold NUL: refuse it here rather than fail in a query.
    if (Object.values(ctx.params).some((v) => v.includes("\0"))) throw new HttpError(404, `no such resource: ${ctx.path.replace(/\0|%00/g, "")}`);
    for (const [k, v] of ctx.query) if (v.includes("\0")) throw new HttpError(400, "invalid query", [{ path: k, message: "must not contain NUL characters" }]);
    const access = route.access;
    if (access !== "public") {
      const auth = ctx.headers["authorization"] ?? "";
      const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
      const principal = await this.tokens.verify(token).catch((err: unknown) => {
        if (err instanceof TokenCheckUnavailable) throw new HttpError(503, "cannot check tokens right now; retry later", undefined, { "Retry-After": "5" });
        throw err;
      });
      if (!principal) {
        throw new HttpError(401, token ? "token is invalid, expired or revoked" : "missing bearer token", undefined, {
          "WWW-Authenticate": 'Bearer realm="wildlife-tracker"',
        });
      }
      if (!allows(access, principal)) throw new HttpError(403, `this endpoint needs ${describeAccess(access)}`);
      ctx.principal = principal;
    }
    if (route.stream && /^multipart\//i.test(ctx.headers["content-type"] ?? "")) {
      throw new HttpError(415, "send the file as the raw request body (e.g. Content-Type: text/csv), not as a multipart form");
    }
    if (raw.length > 0) {
      const type = ctx.headers["content-type"] ?? "application/json";
      if (!/^application\/(.+\+)?json\b/i.test(type)) throw new HttpError(415, "send JSON with Content-Type: application/json");
      try {
        ctx.body = JSON.parse(raw.toString("utf8"));
      } catch {
        throw new HttpError(400, "body is not valid JSON");
      }
      const nul = findNul(ctx.body, "");
      if (nul !== null) throw new HttpError(400, "invalid body", [{ path: nul || "(root)", message: "must not contain NUL characters" }]);
    }
    if (route.body) ctx.body = parseInput(route.body, ctx.body ?? {}, "body");
    if (route.query) (ctx as RequestContext & { q?: unknown }).q = parseInput(route.query, Object.fromEntries(ctx.query.entries()), "query");
    return route.handler(ctx);
  }

  private match(method: Method, path: string): { route: CompiledRoute; params: Record<string, string> } | { allowed: string[] } | null {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => {
        const raw = m[i + 1] ?? "";
        try {
          params[n] = decodeURIComponent(raw);
        } catch {
          params[n] = raw; // malformed %-escape: keep it verbatim, the lookup will 404
        }
      });
      return { route, params };
    }
    return allowed.length ? { allowed } : null;
  }
}

/** A route's access: its entry in gateway/access-table.ts, the one place that says who may call what. */
function resolveAccess(r: Route): Access {
  const access = routeAccess(r.method, r.path);
  if (access === undefined) throw new Error(`route ${r.method} ${r.path} has no entry in gateway/access-table.ts: add one (its minimum role)`);
  return access;
}

/** Path of the first string (key or value) holding a NUL character, or null. */
function findNul(v: unknown, path: string): string | null {
  if (typeof v === "string") return v.includes("\0") ? path : null;
  if (typeof v !== "object" || v === null) return null;
  for (const [k, child] of Object.entries(v)) {
    const p = path ? `${path}.${k}` : k;
    if (k.includes("\0")) return p;
    const found = findNul(child, p);
    if (found !== null) return found;
  }
  return null;
}

/**
 * A streamed request body: chunks queued from uWS's onData, read as an async iterable. The socket is
 * paused while more than STREAM_HIGH_WATER bytes wait and resumed below STREAM_LOW_WATER.
 */
class BodyStream implements AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private wake: (() => void) | null = null;
  private draining: { limit: number; seen: number; done: (complete: boolean) => void } | null = null;
  private iterated = false;
  ended = false;

  constructor(
    private readonly res: HttpResponse,
    private readonly isAborted: () => boolean,
  ) {}

  push(chunk: ArrayBuffer, isLast: boolean): void {
    if (this.draining) {
      this.draining.seen += chunk.byteLength;
      if (isLast) this.ended = true;
      this.checkDrain();
      return;
    }
    if (chunk.byteLength > 0) {
      this.queue.push(Buffer.from(chunk.slice(0))); // uWS neuters the chunk after this callback
      this.queued += chunk.byteLength;
    }
    if (isLast) this.ended = true;
    if (!this.ended && !this.paused && this.queued > STREAM_HIGH_WATER && !this.isAborted()) {
      this.paused = true;
      this.res.pause();
    }
    this.wakeUp();
  }

  /** Discards whatever is still to come, then calls `done(true)`; `done(false)` early when more than `limit` bytes follow. */
  drain(limit: number, done: (complete: boolean) => void): void {
    this.queue.length = 0;
    this.queued = 0;
    this.draining = { limit, seen: 0, done };
    this.resume();
    this.wakeUp();
    this.checkDrain();
  }

  /** The client went away: wake a waiting reader (it throws) or a pending drain. */
  aborted(): void {
    this.wakeUp();
    this.checkDrain();
  }

  private checkDrain(): void {
    const d = this.draining;
    if (!d) return;
    if (this.ended || d.seen > d.limit || this.isAborted()) {
      this.draining = null;
      d.done(this.ended);
    }
  }

  private resume(): void {
    if (this.paused && !this.isAborted()) {
      this.paused = false;
      this.res.resume();
    }
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    if (this.iterated) throw new Error("the request body can be read only once");
    this.iterated = true;
    for (;;) {
      const chunk = this.queue.shift();
      if (chunk) {
        this.queued -= chunk.byteLength;
        if (this.queued < STREAM_LOW_WATER) this.resume();
        yield chunk;
        continue;
      }
      if (this.ended) return;
      if (this.isAborted()) throw new HttpError(400, "the client aborted the upload");
      if (this.draining) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
