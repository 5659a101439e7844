// The access table (gateway/access-table.ts) is complete and current: every route the running server
// serves has an entry, every entry names something that exists, sockets enforce their entry, and a
// route without an entry cannot be added.
import { io as ioClient } from "socket.io-client";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCESS_TABLE, routeAccess } from "../../gateway/access-table.ts";
import { Router, route } from "../../gateway/http/router.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../helpers/server.ts";

const keys = Object.keys(ACCESS_TABLE);

/** The first error (or "connected") a Socket.IO namespace answers at the handshake. */
function handshake(url: string, token: string | null): Promise<string> {
  return new Promise((resolve) => {
    const s = ioClient(url, { auth: token ? { token } : {}, transports: ["websocket"], reconnection: false });
    s.on("connect", () => (s.close(), resolve("connected")));
    s.on("connect_error", (err) => (s.close(), resolve(err.message)));
  });
}

/** Whether a WebSocket upgrade on `url` is accepted (something serves it) or answered with an HTTP status. */
function upgrade(url: string): Promise<"open" | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on("open", () => (ws.terminate(), resolve("open")));
    ws.on("unexpected-response", (_req, res) => (ws.terminate(), resolve(res.statusCode ?? 0)));
    ws.on("error", reject);
  });
}

describe("access table", () => {
  let db: TestDatabase;
  let t: TestServer;
  let collarToken: string;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db);
    await deployedAnimal(t.api, "TAB001");
    collarToken = (await t.api.post("/api/v1/collars/TAB001/token")).body.token;
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("has an entry for every route the server serves", () => {
    const missing = t.server.routes().filter((r) => routeAccess(r.method, r.path) === undefined).map((r) => `${r.method} ${r.path}`);
    expect(missing, "routes without an entry in gateway/access-table.ts").toEqual([]);
  });

  it("has no entry for a route that does not exist", () => {
    const served = new Set(t.server.routes().map((r) => `${r.method} ${r.path}`));
    const stale = keys.filter((k) => !/^(IO|WS) /.test(k) && !served.has(k));
    expect(stale, "entries in gateway/access-table.ts naming no route").toEqual([]);
  });

  it("names only Socket.IO namespaces that exist, and each refuses device tokens (its minimum is a user role)", async () => {
    const ioUrl = t.server.url;
    expect(await handshake(`${ioUrl}/no-such-namespace`, TEST_ADMIN_TOKEN)).toBe("Invalid namespace");
    for (const key of keys.filter((k) => k.startsWith("IO "))) {
      const ns = key.slice(3);
      expect(await handshake(ioUrl + ns, TEST_ADMIN_TOKEN), key).toBe("connected");
      expect(await handshake(ioUrl + ns, null), key).toMatch(/^unauthorized/);
      expect(await handshake(ioUrl + ns, collarToken), key).toMatch(/^forbidden/);
    }
  });

  it("names only WebSocket endpoints that exist", async () => {
    const wsUrl = t.server.url.replace(/^http/, "ws");
    expect(await upgrade(`${wsUrl}/no-such-socket`)).toBe(404);
    for (const key of keys.filter((k) => k.startsWith("WS "))) expect(await upgrade(wsUrl + key.slice(3)), key).toBe("open");
  });

  it("refuses, at startup, a route without an entry, naming it", () => {
    const router = new Router(t.server.services.tokens);
    const orphan = route({ method: "GET", path: "/api/v1/not-in-the-table/:id", handler: () => ({ body: null }) });
    expect(() => router.add(orphan)).toThrow("route GET /api/v1/not-in-the-table/:id has no entry in gateway/access-table.ts");
  });
});
