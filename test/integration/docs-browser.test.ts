// The interactive API docs page in a real browser (Debian's Chromium): it renders every operation
// from /api/openapi.json and loads nothing from outside this server (it works offline).
import type { Browser } from "playwright-core";
import { canRunBrowser, launchChromium } from "../helpers/browser.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";


describe.skipIf(!canRunBrowser)("API docs page in Chromium", () => {
  let db: TestDatabase;
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.server.close();
    await db?.drop();
  });

  it("renders every operation and requests nothing from outside", async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on("request", (req) => {
      if (!req.url().startsWith(t.server.url) && !req.url().startsWith("data:")) outside.push(req.url());
    });
    await page.goto(t.server.url + "/api/docs");
    await page.waitForSelector(".opblock", { timeout: 20_000 });
    // An operation with several tags is shown under each: count distinct method + path.
    const shown = await page.$$eval(".opblock", (blocks) =>
      blocks.map((b) => `${b.querySelector(".opblock-summary-method")?.textContent} ${b.querySelector(".opblock-summary-path")?.getAttribute("data-path")}`),
    );
    const expected = t.server.routes().map((r) => `${r.method} ${r.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`);
    expect(new Set(shown)).toEqual(new Set(expected));
    expect(await page.locator(".information-container .title").innerText()).toContain("Wildlife tracker API");
    expect(outside).toEqual([]);
  });
});
