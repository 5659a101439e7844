// The uWS app factory: one port for REST, the collar WebSocket and Socket.IO. Listening is separate.
import { Server as SocketServer } from "socket.io";
import uws, { type TemplatedApp } from "uWebSockets.js";
import type { TokenService } from "../auth/tokens.ts";
import { Router } from "./http/router.ts";
import type { IngestGateway } from "./ingest.ts";
import { LiveHub, type LiveCounters } from "./live.ts";
import { animalRoutes } from "./routes/animals.ts";
import { collarRoutes } from "./routes/collars.ts";
import { gatewayRoutes } from "./routes/gateways.ts";
import { healthRoutes } from "./routes/health.ts";
import { herdRoutes } from "./routes/herds.ts";
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

export function buildApp(deps: { services: Services; tokens: TokenService; ingest: IngestGateway; liveIntervalMs: number; liveCounters: LiveCounters }): BuiltApp {
  assertNativeUws();
  const app = uws.App();
  deps.ingest.attach(app);
  const io = new SocketServer({ serveClient: false, cors: { origin: false } });
  io.attachApp(app);
  const live = new LiveHub(io, deps.tokens, deps.liveIntervalMs, deps.liveCounters);
  const router = new Router(deps.tokens).add(
    ...healthRoutes(deps.services),
    ...animalRoutes(deps.services),
    ...collarRoutes(deps.services),
    ...gatewayRoutes(deps.services),
    ...herdRoutes(deps.services),
  );
  router.mount(app);
  return { app, io, live, router };
}

/** Listens on host:port (0 = any free port); resolves with the listen socket and the bound port. */
export function listen(app: TemplatedApp, host: string, port: number): Promise<{ socket: uws.us_listen_socket; port: number }> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (!socket) return reject(new Error(`cannot listen on ${host}:${port} (in use or not permitted)`));
      resolve({ socket, port: uws.us_socket_local_port(socket) });
    });
  });
}
