// The uWS app factory: one port for REST, the collar WebSocket and Socket.IO. Listening is separate.
import { Server as SocketServer } from "socket.io";
import uws, { type TemplatedApp } from "uWebSockets.js";
import type { TokenService } from "../auth/tokens.ts";
import { CorsPolicy } from "./http/cors.ts";
import { Router } from "./http/router.ts";
import type { IngestGateway } from "./ingest.ts";
import { LiveHub, type LiveCounters } from "./live.ts";
import { docsRoutes } from "./routes/docs.ts";
import { apiRoutes } from "./routes/index.ts";
import type { Services } from "./services.ts";

/** Fails fast when the native uWS module did not load (the JS fallback of the package lacks H3App). */
export function assertNativeUws(): void {
  if (typeof (uws as unknown as { H3App?: unknown }).H3App !== "function" || typeof uws.App !== "function") {
    throw new Error("uWebSockets.js native module did not load (no H3App): reinstall dependencies on Node 20 (npm ci)");
  }
}

export interface BuiltApp {
  app: TemplatedApp;
  io: SocketServer;
  live: LiveHub;
  router: Router;
}

export function buildApp(deps: {
  services: Services;
  tokens: TokenService;
  ingest: IngestGateway;
  liveIntervalMs: number;
  liveCounters: LiveCounters;
  /** WT_WEBHOOK_ALLOW_PRIVATE: webhook URLs may name private IP addresses. Default false. */
  webhookAllowPrivate?: boolean;
  /** WT_CORS_ORIGINS: browser origins allowed cross-origin, REST and Socket.IO. Default none (same-origin only). */
  corsOrigins?: string[];
  /** WT_TRUST_PROXY: client addresses from X-Forwarded-For. */
  trustProxy?: boolean;
  /** WT_SOCKET_MSG_RATE: events a second per Socket.IO client (burst twice that). Default 20. */
  socketMsgRate?: number;
  /** WT_MAX_BODY_BYTES: largest REST request body (413 above) for routes without their own limit. Default 1 MiB. */
  maxBodyBytes?: number;
}): BuiltApp {
  assertNativeUws();
  const app = uws.App();
  deps.ingest.attach(app);
  const cors = new CorsPolicy(deps.corsOrigins ?? []);
  const io = new SocketServer({
    serveClient: false,
    cors: { origin: cors.origins.length ? cors.origins : false, credentials: false },
    // CORS headers only stop a browser from reading replies; a WebSocket handshake is not subject to
    // CORS at all, so refuse handshakes from other sites' pages here (non-browser clients send no Origin).
    allowRequest: (req, fn) => {
      const ok = cors.allowsHandshake(req.headers.origin, req.headers.host);
      fn(ok ? null : "origin not allowed (WT_CORS_ORIGINS)", ok);
    },
  });
  io.attachApp(app);
  const live = new LiveHub(io, deps.tokens, deps.liveIntervalMs, deps.liveCounters, deps.socketMsgRate);
  const router: Router = new Router(deps.tokens, { corsOrigins: deps.corsOrigins, maxBodyBytes: deps.maxBodyBytes, trustProxy: deps.trustProxy }).add(
    ...docsRoutes(() => router.list(), "0.1.0"),
    ...apiRoutes(deps.services, { webhooks: { allowPrivate: deps.webhookAllowPrivate ?? false } }),
  );
  router.mount(app);
  return { app, io, live, router };
}

const LIBUS_LISTEN_EXCLUSIVE_PORT = 1; // uws ListenOptions (exported at run time, not in the typings)

/**
 * Listens on host:port (0 = any free port); resolves with the listen socket and the bound port.
 * Exclusive: uWS otherwise sets SO_REUSEPORT, and a second server on the same port would silently
 * share the connections (and, embedded, the data directory).
 */
export function listen(app: TemplatedApp, host: string, port: number): Promise<{ socket: uws.us_listen_socket; port: number }> {
  return new Promise((resolve, reject) => {
    const listenExclusive = app.listen as unknown as (h: string, p: number, o: number, cb: (s: uws.us_listen_socket | false) => void) => void;
    listenExclusive.call(app, host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
      if (!socket) return reject(new Error(`cannot listen on ${host}:${port} (in use or not permitted)`));
      resolve({ socket, port: uws.us_socket_local_port(socket) });
    });
  });
}
