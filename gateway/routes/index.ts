// Every REST route, in matching order: static segments (e.g. /animals/live_status) before `:id` patterns.
import type { Route } from "../http/router.ts";
import type { Services } from "../services.ts";
import { alertingRoutes } from "./alerts.ts";
import { animalRoutes } from "./animals.ts";
import { collarRoutes } from "./collars.ts";
import { eventRoutes } from "./events.ts";
import { exportRoutes } from "./exports.ts";
import { fenceRoutesAll } from "./fences.ts";
import { gatewayRoutes } from "./gateways.ts";
import { healthRoutes } from "./health.ts";
import { herdRoutes } from "./herds.ts";
import { importRoutes } from "./imports.ts";
import { liveStatusRoutes } from "./live-status.ts";
import { nearbyRoutes } from "./nearby.ts";
import { observationRoutes } from "./observations.ts";
import { overtimeRoutes } from "./overtime.ts";
import { trackingRoutes } from "./tracking.ts";
import { auditRoutes } from "./audit.ts";
import { authRoutes } from "./auth.ts";
import { deviceTokenRoutes } from "./device-tokens.ts";
import { userRoutes } from "./users.ts";
import { homeRangeRoutes } from "./home-range.ts";
import { behaviourRoutes } from "./behaviour.ts";
import { habitatRoutes } from "./habitat.ts";
import { predictionRoutes } from "./predictions.ts";

/** `webhooks.allowPrivate`: WT_WEBHOOK_ALLOW_PRIVATE (webhook URLs may name private IP addresses). */
export function apiRoutes(s: Services, opts: { webhooks: { allowPrivate: boolean } } = { webhooks: { allowPrivate: false } }): Route[] {
  return [
    ...healthRoutes(s),
    ...liveStatusRoutes(s),
    ...exportRoutes(s),
    ...animalRoutes(s),
    ...collarRoutes(s),
    ...gatewayRoutes(s),
    ...herdRoutes(s),
    ...observationRoutes(s),
    ...eventRoutes(s),
    ...trackingRoutes(s),
    ...importRoutes(s),
    ...nearbyRoutes(s),
    ...overtimeRoutes(s),
    ...fenceRoutesAll(s),
    ...alertingRoutes(s, opts.webhooks),
    ...authRoutes(s.accounts, s.limiter, s.authLimits),
    ...userRoutes(s, s.accounts),
    ...deviceTokenRoutes(s),
    ...auditRoutes(s),
    ...homeRangeRoutes(s),
    ...behaviourRoutes(s),
    ...habitatRoutes(s),
    ...predictionRoutes(s),
  ];
}
