// OpenAPI 3.1 generated from the routes' own zod schemas (the ones the router validates with), so
// the document cannot drift from what the server enforces.
import { z } from "zod";
import type { RegisteredRoute } from "./router.ts";

const PROBLEM = {
  type: "object",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    errors: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
  },
  required: ["type", "title", "status", "detail"],
};

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): Json {
  // "input": what a client sends (before transforms such as time parsing).
  const s = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json;
  delete s.$schema;
  return s;
}

function problem(description: string): Json {
  return { description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } };
}

export function buildOpenApi(routes: ReadonlyArray<RegisteredRoute>, info: { title: string; version: string; description?: string }): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const names: string[] = [];
    const path = r.path.replace(/:([A-Za-z_]+)/g, (_, n: string) => (names.push(n), `{${n}}`));
    const op: Json = { summary: r.summary ?? `${r.method} ${path}`, tags: r.tags ?? [tagOf(path)], operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c?: string) => (c ? c.toUpperCase() : ""))}` };
    const parameters: Json[] = names.map((n) => ({ name: n, in: "path", required: true, schema: { type: "string" } }));
    if (r.query) {
      const q = jsonSchema(r.query) as { properties?: Record<string, Json>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        parameters.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema });
      }
    }
    if (parameters.length) op.parameters = parameters;
    if (r.body) op.requestBody = { required: true, content: { "application/json": { schema: jsonSchema(r.body) } } };
    else if (r.stream) op.requestBody = { required: true, content: { "text/csv": { schema: { type: "string" } } } };
    const responses: Json = {};
    for (const [status, res] of Object.entries(r.responses ?? { [r.method === "POST" ? 201 : 200]: { description: "OK" } })) {
      responses[status] = res.schema
        ? { description: res.description, content: { [res.contentType ?? "application/json"]: { schema: jsonSchema(res.schema) } } }
        : { description: res.description };
    }
    if (r.body || r.query) responses["400"] = problem("Invalid input: every invalid field is listed in `errors`");
    if (r.access !== "public") {
      responses["401"] = problem("Missing, invalid, expired or revoked token");
      const who = r.access === "tracking" ? "a device token (collar, gateway) or role ranger or stronger" : `role ${r.access} or stronger`;
      responses["403"] = problem(`Needs ${who}`);
      op.security = [{ bearer: [] }];
      op.description = `Access: ${who}.`;
    }
    if (names.length) responses["404"] = problem("Not found");
    op.responses = responses;
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: {
      schemas: { Problem: PROBLEM },
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "Admin token, or a user access token (device tokens cannot call the REST API)" } },
    },
  };
}

function tagOf(path: string): string {
  const seg = path.replace(/^\/api\/v1\//, "").split("/")[0] ?? "";
  return seg.startsWith("{") || seg === "" ? "health" : seg;
}
