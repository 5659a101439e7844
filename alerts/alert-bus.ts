// Alert publishing: persist first (idempotent on dedupe_key, with the webhook deliveries queued in the
// same transaction so none is lost on a crash), then deliver to Socket.IO (/alerts and /live), the
// Redis stream `wt:alerts`, and kick the webhook dispatcher. `publish()` never waits on a webhook.
import type { Redis } from "ioredis";
import type { Server } from "socket.io";
import type { TokenService } from "../auth/tokens.ts";
import type { Database } from "../store/database.ts";
import { insertAlert, type Alert, type NewAlert } from "../store/repos/alerts.ts";
import { enqueueDeliveries } from "../store/repos/webhooks.ts";
import { AlertsNamespace } from "./alerts-namespace.ts";
import { appendAlertToStream, ALERT_STREAM } from "./redis-stream.ts";
import { WebhookDispatcher, type DispatcherMetrics, type DispatcherOptions } from "./webhook-dispatcher.ts";

export interface AlertingDeps {
  db: Database;
  /** The server's Socket.IO instance; /alerts is added to it and alerts are also emitted on /live. */
  io?: Server | null;
  /** Verifies /alerts handshake tokens; required when `io` is given. */
  tokens?: TokenService | null;
  /** With REDIS_URL: every alert is XADDed to `wt:alerts`. */
  redis?: Redis | null;
  log?: (line: string) => void;
  webhooks?: DispatcherOptions;
  /** Stream name (tests). Default `wt:alerts`. */
  stream?: string;
}

export interface AlertingMetrics {
  /** Alerts stored (first publish of a dedupe key). */
  published: number;
  /** Publishes of an already stored dedupe key (stored once, not delivered again). */
  duplicates: number;
  /** XADDs that failed (the alert is stored and delivered elsewhere regardless). */
  redisErrors: number;
  webhooks: DispatcherMetrics;
}

export interface Alerting {
  /**
   * Stores the alert (once per dedupe key) and delivers it. Resolves after it is stored, emitted on
   * Socket.IO and appended to Redis; webhooks are delivered in the background (durable queue).
   * A duplicate resolves with the stored alert and `created: false`, delivering nothing again.
   */
  publish(alert: NewAlert): Promise<{ alert: Alert; created: boolean }>;
  metrics(): AlertingMetrics;
  /** Stops the dispatcher (in-flight deliveries go back to the queue). Does not close io/redis/db. */
  close(): Promise<void>;
}

export function startAlerting(deps: AlertingDeps): Alerting {
  const log = deps.log ?? ((l: string) => console.error(l));
  if (deps.io && !deps.tokens) throw new Error("startAlerting: tokens are required with io (the /alerts namespace authenticates sockets)");
  const nsp = deps.io && deps.tokens ? new AlertsNamespace(deps.io, deps.tokens) : null;
  const dispatcher = new WebhookDispatcher(deps.db, { log, ...deps.webhooks }).start();
  const stream = deps.stream ?? ALERT_STREAM;
  const counters = { published: 0, duplicates: 0, redisErrors: 0 };

  return {
    async publish(input) {
      const { alert, created, queued } = await deps.db.transaction(async (tx) => {
        const r = await insertAlert(tx, input);
        return { ...r, queued: r.created ? await enqueueDeliveries(tx, r.alert) : 0 };
      });
      if (!created) {
        counters.duplicates++;
        return { alert, created };
      }
      counters.published++;
      try {
        nsp?.emit(alert);
      } catch (err) {
        log(`alerts: socket emit failed: ${(err as Error)?.message ?? err}`);
      }
      if (deps.redis) {
        await appendAlertToStream(deps.redis, alert, stream).catch((err: unknown) => {
          counters.redisErrors++;
          log(`alerts: XADD ${stream} failed: ${(err as Error)?.message ?? err}`);
        });
      }
      if (queued > 0) dispatcher.kick();
      return { alert, created };
    },
    metrics: () => ({ ...counters, webhooks: dispatcher.metrics() }),
    close: () => dispatcher.close(),
  };
}
