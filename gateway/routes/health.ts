// Health, readiness and metrics: no token needed (API.md).
import type { Route } from "../http/router.ts";
import type { Services } from "../services.ts";

export function healthRoutes(s: Services): Route[] {
  return [
    { method: "GET", path: "/health", summary: "Alive", handler: () => ({ body: { status: "ok" } }) },
    {
      method: "GET",
      path: "/health/ready",
      summary: "Ready: database, writer and Redis (503 with Retry-After when not)",
      responses: { 200: { description: "Ready" }, 503: { description: "Not ready" } },
      handler: async () => {
        const checks = await s.readiness();
        const ready = Object.values(checks).every((c) => c.ok);
        return ready
          ? { body: { status: "ready", checks } }
          : { status: 503, headers: { "Retry-After": "5" }, body: { status: "not_ready", checks } };
      },
    },
    {
      method: "GET",
      path: "/metrics",
      summary: "Prometheus metrics",
      responses: { 200: { description: "Prometheus text format", contentType: "text/plain" } },
      handler: async () => ({ text: await s.metrics.text(), contentType: s.metrics.registry.contentType }),
    },
  ];
}
