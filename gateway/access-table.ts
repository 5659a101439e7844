// Who may call what: one table of every REST route, Socket.IO namespace and the ingest socket → its
// minimum access. The router refuses to start with a route missing here, so a new endpoint cannot
// ship without someone deciding (and a reviewer seeing, in one place) who may call it.
import { canIngest, hasRole, type Principal, type UserRole } from "../auth/roles.ts";

/**
 * `public` needs no token; a user role is the minimum role required; `tracking` is ranger or
 * stronger, or a device token (API.md: devices may only call POST /api/v1/tracking*); `ingest` is a
 * device token, or manager or stronger (acting as a gateway).
 */
export type Access = "public" | UserRole | "tracking" | "ingest";

/** Keys: `"METHOD /path/:param"` exactly as the route declares it; `"IO /namespace"`; `"WS /path"`. */
export const ACCESS_TABLE = {
  // Sockets (API.md: /live and /alerts viewer or stronger; /ingest for devices).
  "IO /live": "viewer",
  "IO /alerts": "viewer",
  "WS /ingest": "ingest",

  // Health and docs.
  "GET /health": "public",
  "GET /health/ready": "public",
  "GET /metrics": "public",
  "GET /api/openapi.json": "public",
  "GET /api/docs": "public",
  "GET /api/docs/init.js": "public",
  "GET /api/docs/:asset": "public",

  // Animals.
  "GET /api/v1/animals": "viewer",
  "POST /api/v1/animals": "manager",
  "GET /api/v1/animals/live_status": "viewer",
  "GET /api/v1/animals/:id": "viewer",
  "PUT /api/v1/animals/:id": "manager",
  "PATCH /api/v1/animals/:id": "manager",
  "DELETE /api/v1/animals/:id": "manager",
  "GET /api/v1/animals/:id/track": "viewer",
  "GET /api/v1/animals/:id/track.geojson": "viewer",
  "GET /api/v1/animals/:id/track.csv": "viewer",

  // Collars and gateways.
  "GET /api/v1/collars": "viewer",
  "POST /api/v1/collars": "manager",
  "GET /api/v1/collars/:id": "viewer",
  "POST /api/v1/collars/:id/deployments": "manager",
  "POST /api/v1/collars/:id/token": "manager",
  "POST /api/v1/gateways": "manager",

  // Herds and families.
  "GET /api/v1/herds": "viewer",
  "POST /api/v1/herds": "manager",
  "GET /api/v1/herds/:id": "viewer",
  "PATCH /api/v1/herds/:id": "manager",
  "DELETE /api/v1/herds/:id": "manager",
  "GET /api/v1/families": "viewer",
  "POST /api/v1/families": "manager",
  "GET /api/v1/families/:id": "viewer",
  "PATCH /api/v1/families/:id": "manager",
  "DELETE /api/v1/families/:id": "manager",
  "GET /api/v1/families/:id/observations": "viewer",
  "POST /api/v1/families/:id/observations": "ranger",
  "GET /api/v1/families/:id/events": "viewer",
  "POST /api/v1/families/:id/events": "ranger",

  // Sightings and events.
  "GET /api/v1/observations": "viewer",
  "POST /api/v1/observations": "ranger",
  "GET /api/v1/events": "viewer",
  "GET /api/v1/events/nearby": "viewer",

  // Tracking.
  "GET /api/v1/tracking": "viewer",
  "POST /api/v1/tracking": "tracking",
  "POST /api/v1/tracking/bulk_upload": "tracking",
  "POST /api/v1/tracking/import": "tracking",
  "GET /api/v1/tracking/by_animal": "viewer",
  "GET /api/v1/tracking/live_tracking": "viewer",

  // Spatial and time queries.
  "GET /api/v1/nearby/animals": "viewer",
  "GET /api/v1/nearby/families": "viewer",
  "GET /api/v1/overtime": "viewer",

  // Fences.
  "GET /api/v1/corridors": "viewer",
  "POST /api/v1/corridors": "manager",
  "GET /api/v1/corridors/:id": "viewer",
  "PATCH /api/v1/corridors/:id": "manager",
  "DELETE /api/v1/corridors/:id": "manager",
  "GET /api/v1/risk-zones": "viewer",
  "POST /api/v1/risk-zones": "manager",
  "GET /api/v1/risk-zones/:id": "viewer",
  "PATCH /api/v1/risk-zones/:id": "manager",
  "DELETE /api/v1/risk-zones/:id": "manager",
  "POST /api/v1/geofences/query": "viewer",

  // Alerts and webhooks.
  "GET /api/v1/alerts": "viewer",
  "POST /api/v1/alerts/:id/ack": "ranger",
  "GET /api/v1/webhooks": "manager",
  "POST /api/v1/webhooks": "manager",
  "DELETE /api/v1/webhooks/:id": "manager",
  "GET /api/v1/webhooks/:id/deliveries": "manager",
  // People and permissions.
  "POST /api/v1/auth/register": "public",
  "POST /api/v1/auth/verify-otp": "public",
  "POST /api/v1/auth/login": "public",
  "POST /api/v1/auth/login/verify": "public",
  "POST /api/v1/auth/refresh": "public",
  "POST /api/v1/auth/logout": "viewer",
  "GET /api/v1/auth/me": "viewer",
  "PUT /api/v1/auth/me": "viewer",
  "GET /api/v1/users": "admin",
  "POST /api/v1/users": "admin",
  "PATCH /api/v1/users/:id": "admin",
  "GET /api/v1/device-tokens": "manager",
  "DELETE /api/v1/device-tokens/:id": "manager",
  "GET /api/v1/audit": "admin",
  // Movement models.
  "GET /api/v1/animals/:id/home-range": "viewer",
  "GET /api/v1/animals/:id/behaviour": "viewer",
  "GET /api/v1/behaviour/models": "viewer",
  "POST /api/v1/behaviour/models": "manager",
  "POST /api/v1/habitat/models": "manager",
  "GET /api/v1/habitat/models": "viewer",
  "GET /api/v1/habitat/score": "viewer",
  "GET /api/v1/animals/:id/predict": "viewer",
  "GET /api/v1/predictions": "viewer",
  "POST /api/v1/predictions": "viewer",
  "GET /api/v1/predictions/ml_status": "viewer",
  "GET /api/v1/ml/health/live": "viewer",
} as const satisfies Record<string, Access>;

export type AccessKey = keyof typeof ACCESS_TABLE;
export type SocketName = Extract<AccessKey, `IO ${string}` | `WS ${string}`>;

/** The table's entry for a REST route, or undefined when it has none. */
export function routeAccess(method: string, path: string): Access | undefined {
  return (ACCESS_TABLE as Record<string, Access>)[`${method} ${path}`];
}

/**
 * The table's entry for a socket, typed by name: `socketAccess("IO /live")` is `"viewer"`, so it
 * can be passed where a user role is expected and stops compiling if the entry stops being one.
 */
export function socketAccess<N extends SocketName>(name: N): (typeof ACCESS_TABLE)[N] {
  return ACCESS_TABLE[name];
}

/** True when `principal` (null: no valid token) satisfies `access`. */
export function allows(access: Access, principal: Principal | null): boolean {
  if (access === "public") return true;
  if (!principal) return false;
  if (access === "ingest") return canIngest(principal);
  if (access === "tracking") return principal.role === "collar" || principal.role === "gateway" || hasRole(principal, "ranger");
  return hasRole(principal, access);
}

/** Who `access` admits, for 403 details and the docs. */
export function describeAccess(access: Access): string {
  if (access === "public") return "anyone";
  if (access === "tracking") return "a device token or role ranger or stronger";
  if (access === "ingest") return "a device token or role manager or stronger";
  return `role ${access} or stronger`;
}
