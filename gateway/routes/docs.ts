// API docs: the OpenAPI document and an interactive page that works offline (swagger-ui-dist from npm).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { buildOpenApi } from "../http/openapi.ts";
import { notFound } from "../http/problem.ts";
import type { RegisteredRoute, Route } from "../http/router.ts";
import { DOCS_PAGE_CSP } from "../http/security-headers.ts";

const require = createRequire(import.meta.url);
const UI_DIR = path.dirname(require.resolve("swagger-ui-dist/package.json"));
const ASSETS: Record<string, string> = {
  "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wildlife tracker API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;
// The initialiser is served as a file: an inline script would need a CSP exception (DOCS_PAGE_CSP).
const INIT = `window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#ui", deepLinking: true, persistAuthorization: true });`;

/** Routes for the docs; `all` is read lazily so the document covers every route, these included. */
export function docsRoutes(all: () => ReadonlyArray<RegisteredRoute>, version: string): Route[] {
  let doc: string | null = null;
  const assets = new Map<string, string>();
  return [
    {
      method: "GET",
      path: "/api/openapi.json",
      summary: "This API as an OpenAPI 3.1 document",
      tags: ["docs"],
      handler: () => {
        doc ??= JSON.stringify(buildOpenApi(all(), { title: "Wildlife tracker API", version, description: "REST API of the wildlife tracking engine. See also the /ingest WebSocket and the Socket.IO /live namespace (API.md)." }));
        return { text: doc, contentType: "application/json" };
      },
    },
    {
      method: "GET",
      path: "/api/docs",
      summary: "Interactive API docs",
      tags: ["docs"],
      handler: () => ({ text: PAGE, contentType: "text/html; charset=utf-8", headers: { "Content-Security-Policy": DOCS_PAGE_CSP } }),
    },
    { method: "GET", path: "/api/docs/init.js", summary: "Docs page script", tags: ["docs"], handler: () => ({ text: INIT, contentType: "application/javascript; charset=utf-8" }) },
    {
      method: "GET",
      path: "/api/docs/:asset",
      summary: "Docs page assets (bundled from swagger-ui-dist)",
      tags: ["docs"],
      handler: (ctx) => {
        const name = ctx.params.asset!;
        const type = ASSETS[name];
        if (!type) throw notFound(`asset ${name}`);
        let text = assets.get(name);
        if (text === undefined) assets.set(name, (text = readFileSync(path.join(UI_DIR, name), "utf8")));
        return { text, contentType: type, headers: { "Cache-Control": "public, max-age=86400" } };
      },
    },
  ];
}
