// Security headers on every kind of response, and CORS from WT_CORS_ORIGINS for REST (preflight and
// actual responses) and the Socket.IO handshake (polling and WebSocket).
import { io as ioClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../helpers/server.ts";

const ALLOWED = "https://dash.example.org";
const ALSO_ALLOWED = "http://localhost:5173";
const OTHER = "https://evil.example.com";

const SECURITY = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "geolocation=(), camera=(), microphone=()",
};

const CORS_HEADERS = ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers", "access-control-max-age", "access-control-expose-headers"];

function expectSecurityHeaders(res: Response, what: string): void {
  for (const [name, value] of Object.entries(SECURITY)) expect(res.headers.get(name), `${what}: ${name}`).toBe(value);
  expect(res.headers.get("content-security-policy"), `${what}: content-security-policy`).toMatch(/default-src 'none'/);
}

function expectNoCors(res: Response, what: string): void {
  for (const name of CORS_HEADERS) expect(res.headers.get(name), `${what}: ${name}`).toBeNull();
}

/** The first error (or "connected") a Socket.IO handshake gets, from a client claiming `origin`. */
function handshake(url: string, origin: string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const s = ioClient(url + "/live", {
      auth: { token: TEST_ADMIN_TOKEN },
      transports: ["websocket"],
      reconnection: false,
      extraHeaders: origin ? { origin } : {},
    });
    s.on("connect", () => (s.close(), resolve("connected")));
    s.on("connect_error", (err) => (s.close(), resolve(err.message)));
  });
}

describe("HTTP security", () => {
  let db: TestDatabase;
  let t: TestServer;
  let url: string;
  let animalId: string;
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    fetch(url + path, { method, headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...headers }, body });

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db, { WT_CORS_ORIGINS: `${ALLOWED}, ${ALSO_ALLOWED}`, WT_MAX_BODY_BYTES: "4096" });
    url = t.server.url;
    ({ animalId } = await deployedAnimal(t.api, "SEC001"));
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("sends the security headers on successes, errors, HEAD, streamed replies and the docs", async () => {
    const cases: Array<[string, Promise<Response>, number]> = [
      ["200 JSON", call("GET", "/api/v1/herds"), 200],
      ["201 JSON", call("POST", "/api/v1/herds", { "Content-Type": "application/json" }, JSON.stringify({ species_name: "elephant" })), 201],
      ["400", call("POST", "/api/v1/herds", { "Content-Type": "application/json" }, "{"), 400],
      ["401", fetch(url + "/api/v1/herds"), 401],
      ["404", call("GET", "/api/v1/no-such-thing"), 404],
      ["405", call("DELETE", "/api/v1/herds"), 405],
      ["413", call("POST", "/api/v1/herds", { "Content-Type": "application/json" }, JSON.stringify({ name: "x".repeat(8192) })), 413],
      ["HEAD", call("HEAD", "/health"), 200],
      ["metrics", fetch(url + "/metrics"), 200],
      ["streamed CSV", call("GET", `/api/v1/animals/${animalId}/track.csv`), 200],
      ["docs page", fetch(url + "/api/docs"), 200],
      ["openapi.json", fetch(url + "/api/openapi.json"), 200],
      ["docs asset", fetch(url + "/api/docs/swagger-ui.css"), 200],
    ];
    for (const [what, pending, status] of cases) {
      const res = await pending;
      await res.arrayBuffer();
      expect(res.status, what).toBe(status);
      expectSecurityHeaders(res, what);
    }
  });

  it("never lets /api/v1 be cached, lets static docs assets be, and gives the docs page a CSP that loads only from this server", async () => {
    for (const path of ["/api/v1/herds", `/api/v1/animals/${animalId}/track.csv`, "/api/v1/no-such-thing"]) {
      const res = await call("GET", path);
      expect(res.headers.get("cache-control"), path).toBe("no-store");
    }
    expect((await fetch(url + "/api/docs/swagger-ui-bundle.js")).headers.get("cache-control")).toMatch(/^public, max-age=\d+/);
    const csp = (await fetch(url + "/api/docs")).headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
  });

  it("answers a preflight from an allowed origin, for any /api/v1 path", async () => {
    for (const [origin, path] of [
      [ALLOWED, "/api/v1/herds"],
      [ALSO_ALLOWED, `/api/v1/animals/${animalId}/`],
      [ALLOWED, "/api/v1/no-such-thing"],
    ] as const) {
      const res = await fetch(url + path, { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "authorization,content-type" } });
      const what = `${origin} ${path}`;
      expect(res.status, what).toBe(204);
      expect(res.headers.get("access-control-allow-origin"), what).toBe(origin);
      expect(res.headers.get("access-control-allow-methods"), what).toContain("PATCH");
      expect(res.headers.get("access-control-allow-headers"), what).toBe("Authorization, Content-Type");
      expect(Number(res.headers.get("access-control-max-age")), what).toBeGreaterThan(0);
      expect(res.headers.get("vary"), what).toBe("Origin");
      expect(res.headers.get("access-control-allow-credentials"), what).toBeNull();
      expectSecurityHeaders(res, what);
    }
  });

  it("refuses a preflight from any other origin with 403 and no CORS headers", async () => {
    for (const origin of [OTHER, "null", `${ALLOWED}.evil.example.com`, "http://dash.example.org"]) {
      const res = await fetch(url + "/api/v1/herds", { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": "POST" } });
      expect(res.status, origin).toBe(403);
      expect(res.headers.get("content-type"), origin).toBe("application/problem+json");
      expect(((await res.json()) as { status: number }).status, origin).toBe(403);
      expectNoCors(res, origin);
    }
  });

  it("gives actual responses to an allowed origin CORS headers, errors included, and none to others", async () => {
    const ok = await call("GET", "/api/v1/herds", { Origin: ALLOWED });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(ok.headers.get("vary")).toBe("Origin");
    expect(ok.headers.get("access-control-expose-headers")).toContain("Retry-After");
    expect(ok.headers.get("cross-origin-resource-policy")).toBe("same-origin"); // CORP does not apply to CORS fetches

    // A browser script must be able to read why it failed.
    const unauthorized = await fetch(url + "/api/v1/herds", { headers: { Origin: ALSO_ALLOWED } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).toBe(ALSO_ALLOWED);

    for (const headers of [{ Origin: OTHER }, {}] as Array<Record<string, string>>) {
      const res = await call("GET", "/api/v1/herds", headers);
      expect(res.status).toBe(200); // not refused: without CORS headers the browser keeps the answer from the page
      expectNoCors(res, JSON.stringify(headers));
    }
  });

  it("lets Socket.IO handshakes in from allowed origins, this server's own pages and non-browser clients only", async () => {
    expect(await handshake(url, ALLOWED)).toBe("connected");
    expect(await handshake(url, url)).toBe("connected"); // the dashboard served by this server
    expect(await handshake(url, undefined)).toBe("connected"); // no Origin: not a browser
    expect(await handshake(url, OTHER)).not.toBe("connected");
  });

  it("answers Socket.IO polling from an allowed origin with CORS headers, and refuses other origins", async () => {
    const allowed = await fetch(url + "/socket.io/?EIO=4&transport=polling", { headers: { Origin: ALLOWED } });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    await allowed.arrayBuffer();
    const other = await fetch(url + "/socket.io/?EIO=4&transport=polling", { headers: { Origin: OTHER } });
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(((await other.json()) as { message: string }).message).toContain("origin not allowed");
  });
});
