// Alert publishing: persist first (idempotent on dedupe_key, with the webhook deliveries and the
// Redis-stream outbox row queued in the same transaction so none is lost on a crash), then deliver
// to Socket.IO (/alerts and /live), the Redis stream `wt:alerts`, and kick the webhook dispatcher.
//
// Two ways in: `publish()` stores an alert in a transaction of its own (clock-driven alerts such as
// collar_offline, tools); `fixAlerts` is the fix writer's sink, which stores a fix's alerts inside
// the fix's transaction and delivers them after its commit. Neither ever waits on a webhook.
import type { Redis } from "ioredis";
import type { Server } from "socket.io";
import type { TokenService } from "../auth/tokens.ts";
import type { FixAlert } from "../engine/types.ts";
import type { Database, Queryable } from "../store/database.ts";
import type { FixAlertSink } from "../store/fix-writer.ts";
import { insertAlert, type Alert, type NewAlert } from "../store/repos/alerts.ts";
import { dequeueStreamed, enqueueForStream, unstreamedAlerts } from "../store/repos/alert-outbox.ts";
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
  /** With REDIS_URL: every alert is XADDed to `wt:alerts`, at least once (outbox). */
  redis?: Redis | null;
  log?: (line: string) => void;
  webhooks?: DispatcherOptions;
  /** Stream name (tests). Default `wt:alerts`. */
  stream?: string;
  /** How often alerts left in the stream outbox are appended again. Default 5000 ms. */
  outboxPollMs?: number;
  /** Outbox rows younger than this are left to the process appending them. Default 10,000 ms. */
  outboxGraceMs?: number;
  /** Events a second per /alerts socket (WT_SOCKET_MSG_RATE). */
  socketMsgRate?: number;
}

export interface AlertingMetrics {
  /** Alerts stored (first publish of a dedupe key). */
  published: number;
  /** Publishes of an already stored dedupe key (stored once, not delivered again). */
  duplicates: number;
  /** XADDs that failed (retried from the outbox). */
  redisErrors: number;
  /** Fix alerts the database refused as data (their fixes were stored). */
  refused: number;
  webhooks: DispatcherMetrics;
}

/** An alert as stored, with whether this store created it and how many webhook deliveries it queued. */
export interface StoredAlert {
  alert: Alert;
  created: boolean;
  queued: number;
}

export interface Alerting {
  /**
   * Stores the alert (once per dedupe key) and delivers it. Resolves after it is stored, emitted on
   * Socket.IO and appended to Redis; webhooks are delivered in the background (durable queue).
   * A duplicate resolves with the stored alert and `created: false`, delivering nothing again.
   */
  publish(alert: NewAlert): Promise<{ alert: Alert; created: boolean }>;
  /** The fix writer's sink: fix alerts stored in the fix's transaction, delivered after commit. */
  readonly fixAlerts: FixAlertSink<StoredAlert>;
  metrics(): AlertingMetrics;
  /** Stops the dispatcher (in-flight deliveries go back to the queue) and the outbox loop. Does not close io/redis/db. */
  close(): Promise<void>;
}

export function startAlerting(deps: AlertingDeps): Alerting {
  const log = deps.log ?? ((l: string) => console.error(l));
  if (deps.io && !deps.tokens) throw new Error("startAlerting: tokens are required with io (the /alerts namespace authenticates sockets)");
  const nsp = deps.io && deps.tokens ? new AlertsNamespace(deps.io, deps.tokens, deps.socketMsgRate) : null;
  const dispatcher = new WebhookDispatcher(deps.db, { log, ...deps.webhooks }).start();
  const stream = deps.stream ?? ALERT_STREAM;
  const redis = deps.redis ?? null;
  const counters = { published: 0, duplicates: 0, redisErrors: 0, refused: 0 };

  async function store(tx: Queryable, input: NewAlert): Promise<StoredAlert> {
    const r = await insertAlert(tx, input);
    if (!r.created) return { ...r, queued: 0 };
    const queued = await enqueueDeliveries(tx, r.alert);
    if (redis) await enqueueForStream(tx, r.alert.id);
    return { ...r, queued };
  }

  /** XADD, then drop the outbox row. A failure leaves the row for the outbox loop. */
  async function appendToStream(alert: Alert): Promise<void> {
    if (!redis) return;
    try {
      await appendAlertToStream(redis, alert, stream);
    } catch (err) {
      counters.redisErrors++;
      log(`alerts: XADD ${stream} failed (will retry from the outbox): ${(err as Error)?.message ?? err}`);
      return;
    }
    await dequeueStreamed(deps.db, [alert.id]).catch(() => {}); // left behind: appended once more later
  }

  function deliver(s: StoredAlert): Promise<void> {
    if (!s.created) {
      counters.duplicates++;
      return Promise.resolve();
    }
    counters.published++;
    try {
      nsp?.emit(s.alert);
    } catch (err) {
      log(`alerts: socket emit failed: ${(err as Error)?.message ?? err}`);
    }
    if (s.queued > 0) dispatcher.kick();
    return appendToStream(s.alert);
  }

  // Outbox loop: alerts whose XADD failed or never ran (Redis down, crash after commit).
  let outboxBusy = false;
  const outboxTimer = redis
    ? setInterval(() => {
        if (outboxBusy || redis.status !== "ready") return;
        outboxBusy = true;
        void (async () => {
          try {
            for (const alert of await unstreamedAlerts(deps.db, deps.outboxGraceMs ?? 10_000, 500)) {
              await appendAlertToStream(redis, alert, stream);
              await dequeueStreamed(deps.db, [alert.id]);
            }
          } catch (err) {
            log(`alerts: stream outbox: ${(err as Error)?.message ?? err}`);
          } finally {
            outboxBusy = false;
          }
        })();
      }, deps.outboxPollMs ?? 5000)
    : null;
  outboxTimer?.unref();

  let deliveries: Promise<void> = Promise.resolve();
  const fixAlerts: FixAlertSink<StoredAlert> = {
    async insert(tx, alerts: readonly FixAlert[]) {
      const out: StoredAlert[] = [];
      for (const a of alerts) out.push(await store(tx, a));
      return out;
    },
    committed(stored) {
      // One chain for every batch, so Socket.IO and the Redis stream see the writer's (fix-time) order.
      for (const s of stored) deliveries = deliveries.then(() => deliver(s));
    },
    refused(alerts, err) {
      counters.refused += alerts.length;
      log(`alerts: ${alerts.map((a) => a.dedupe_key).join(", ")} refused by the database: ${(err as Error)?.message ?? err}`);
    },
  };

  return {
    async publish(input) {
      const s = await deps.db.transaction((tx) => store(tx, input));
      await deliver(s);
      return { alert: s.alert, created: s.created };
    },
    fixAlerts,
    metrics: () => ({ ...counters, webhooks: dispatcher.metrics() }),
    close: async () => {
      if (outboxTimer) clearInterval(outboxTimer);
      await deliveries;
      await dispatcher.close();
    },
  };
}
