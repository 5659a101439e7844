// API docs are generated from the validating zod schemas and served offline.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

describe("API docs", () => {
  let db: TestDatabase;
  let t: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db);
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("documents every route with its method, role and schemas", async () => {
    const res = await t.api.get("/api/openapi.json", null);
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe("3.1.0");
    for (const r of t.server.routes()) {
      const path = r.path.replace(/:([A-Za-z_]+)/g, "{$1}");
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${path}`).toBeDefined();
      expect(Boolean(op.security)).toBe(r.access !== "public");
    }
    const create = doc.paths["/api/v1/animals"].post;
    const body = create.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(expect.arrayContaining(["name", "species"]));
    expect(body.properties.sex.anyOf ?? body.properties.sex.enum).toBeDefined();
    const list = doc.paths["/api/v1/animals"].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["limit", "cursor", "species", "herd"]));
  });

  it("serves an interactive page and its bundled assets without any outside request", async () => {
    const page = await fetch(t.server.url + "/api/docs");
    const html = await page.text();
    expect(page.headers.get("content-type")).toContain("text/html");
    for (const src of html.match(/(?:src|href)="([^"]+)"/g)!.map((m) => m.split('"')[1]!)) {
      expect(src.startsWith("/")).toBe(true); // nothing from a CDN
      const asset = await fetch(t.server.url + src);
      expect(asset.status, src).toBe(200);
    }
    expect((await fetch(t.server.url + "/api/docs/nope.js")).status).toBe(404);
  });
});
