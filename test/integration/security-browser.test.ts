// The security headers in a real browser (Debian's Chromium): the docs page works under its CSP
// without a single violation, and a dashboard on an allowed origin can call the REST API (with a
// preflight) and Socket.IO despite Cross-Origin-Resource-Policy, while a page on another origin cannot.
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { canRunBrowser, launchChromium } from "../helpers/browser.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../helpers/server.ts";

const SOCKET_IO_JS = readFileSync(createRequire(import.meta.url).resolve("socket.io-client/dist/socket.io.js"), "utf8");

/** A stand-in for a dashboard hosted elsewhere: an empty page and the Socket.IO client, on its own origin. */
async function pageServer(): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === "/socket.io.js") return void res.writeHead(200, { "Content-Type": "application/javascript" }).end(SOCKET_IO_JS);
    res.writeHead(200, { "Content-Type": "text/html" }).end('<!doctype html><title>dashboard</title><script src="/socket.io.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The Socket.IO client global the page loaded (the test runs under Node's types, without the DOM's). */
type PageGlobals = { io: (url: string, opts: object) => { on(e: string, f: () => void): void; close(): void } };

/** From the page: a REST call that needs a preflight (Authorization header), and a /live handshake. */
function crossOriginCalls(page: Page, api: string) {
  return page.evaluate(
    async ({ api, token }) => {
      const rest = await fetch(`${api}/api/v1/herds`, { headers: { Authorization: `Bearer ${token}` } }).then(
        async (r) => `${r.status} ${Array.isArray(((await r.json()) as { items?: unknown }).items) ? "items" : "?"}`,
        (err: Error) => `failed: ${err.name}`,
      );
      const io = (globalThis as unknown as PageGlobals).io;
      const live = await new Promise<string>((resolve) => {
        const s = io(`${api}/live`, { auth: { token }, reconnection: false });
        s.on("connect", () => (s.close(), resolve("connected")));
        s.on("connect_error", () => (s.close(), resolve("refused")));
      });
      return { rest, live };
    },
    { api, token: TEST_ADMIN_TOKEN },
  );
}

describe.skipIf(!canRunBrowser)("security headers in Chromium", () => {
  let db: TestDatabase;
  let t: TestServer;
  let browser: Browser;
  let allowed: Awaited<ReturnType<typeof pageServer>>;
  let other: Awaited<ReturnType<typeof pageServer>>;

  beforeAll(async () => {
    allowed = await pageServer();
    other = await pageServer();
    db = await createTestDatabase("postgres");
    t = await startTestServer(db, { WT_CORS_ORIGINS: allowed.origin });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.server.close();
    await db?.drop();
    await allowed?.close();
    await other?.close();
  });

  it("runs the docs page, including Try it out, without a CSP violation", async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    await page.exposeFunction("reportViolation", (v: string) => violations.push(v));
    await page.addInitScript({
      content: `document.addEventListener("securitypolicyviolation", (e) => window.reportViolation(e.violatedDirective + " " + e.blockedURI));`,
    });
    const res = await page.goto(t.server.url + "/api/docs");
    expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
    const op = page.locator(".opblock", { has: page.locator('[data-path="/health"]') }).first();
    await op.locator(".opblock-summary").click();
    await op.locator(".try-out__btn").click();
    await op.locator(".execute").click();
    await op.locator(".live-responses-table tr.response .response-col_status").first().waitFor({ timeout: 20_000 });
    expect(await op.locator(".live-responses-table tr.response .response-col_status").first().innerText()).toContain("200");
    expect(violations).toEqual([]);
  });

  it("lets a page on an allowed origin use the REST API and Socket.IO", async () => {
    const page = await browser.newPage();
    await page.goto(allowed.origin + "/");
    expect(await crossOriginCalls(page, t.server.url)).toEqual({ rest: "200 items", live: "connected" });
  });

  it("keeps a page on another origin from reading the REST API or joining Socket.IO", async () => {
    const page = await browser.newPage();
    await page.goto(other.origin + "/");
    expect(await crossOriginCalls(page, t.server.url)).toEqual({ rest: "failed: TypeError", live: "refused" });
  });
});
