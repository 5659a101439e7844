// Prometheus metrics (prom-client) for GET /metrics. Gauges read live values at scrape time.
import type { DispatcherMetrics } from "../alerts/webhook-dispatcher.ts";
import type { PoolHealth } from "../workers/pool.ts";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

export interface MetricSources {
  writerDepth: () => number;
  writerLagMs: () => number;
  writerHealthy: () => boolean;
  actorsLive: () => number;
  ingestConnections: () => number;
}

export class EngineMetrics {
  readonly registry = new Registry();
  readonly fixesReceived = new Counter({ name: "wt_fixes_received_total", help: "Fixes received on /ingest (valid or not)", registers: [this.registry] });
  readonly fixesAcked = new Counter({ name: "wt_fixes_acked_total", help: "Fixes acknowledged after durable commit", registers: [this.registry] });
  readonly fixesNacked = new Counter({ name: "wt_fixes_nacked_total", help: "Fixes permanently refused (invalid, forbidden collar, rejected by storage)", registers: [this.registry] });
  readonly fixesQuarantined = new Counter({ name: "wt_fixes_quarantined_total", help: "Fixes from unknown or undeployed collars sent to quarantine", registers: [this.registry] });
  readonly broadcasts = new Counter({ name: "wt_live_broadcasts_total", help: "Live positions broadcast to dashboards (after coalescing)", registers: [this.registry] });
  readonly actorFailures = new Counter({ name: "wt_actor_failures_total", help: "Fixes stored without derived metrics because the actor failed", registers: [this.registry] });

  constructor(src: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: "wt_process_" });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(read()); } });
    gauge("wt_writer_queue_depth", "Fixes waiting for or in a commit", src.writerDepth);
    gauge("wt_writer_lag_seconds", "Age of the oldest fix waiting for commit", () => src.writerLagMs() / 1000);
    gauge("wt_writer_healthy", "1 when the last commit succeeded, 0 while the database is failing", () => (src.writerHealthy() ? 1 : 0));
    gauge("wt_actors_live", "Animal actors in memory", src.actorsLive);
    gauge("wt_ingest_connections", "Open collar WebSocket connections", src.ingestConnections);
  }

  /** Alert and webhook delivery counters, read at scrape time from the alerting module. */
  addAlerting(read: () => { published: number; duplicates: number; redisErrors: number; refused: number; webhooks: DispatcherMetrics }): void {
    // Counters owned by the alerting module: mirrored at scrape time (reset + inc keeps the counter type).
    const counter = (name: string, help: string, value: () => number) =>
      new Counter({ name, help, registers: [this.registry], collect() { this.reset(); this.inc(value()); } });
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(value()); } });
    counter("wt_alerts_published_total", "Alerts stored and delivered (first publish of each)", () => read().published);
    counter("wt_alerts_duplicates_total", "Publishes of an alert already stored (not delivered again)", () => read().duplicates);
    counter("wt_alerts_redis_errors_total", "Failed appends to the Redis stream wt:alerts (retried from the outbox)", () => read().redisErrors);
    counter("wt_alerts_refused_total", "Fix alerts the database refused as data (their fixes were stored)", () => read().refused);
    counter("wt_webhook_deliveries_delivered_total", "Webhook deliveries answered 2xx", () => read().webhooks.delivered);
    counter("wt_webhook_deliveries_failed_total", "Webhook delivery attempts that failed (retried later)", () => read().webhooks.failed);
    counter("wt_webhook_deliveries_dead_total", "Webhook deliveries given up after the last attempt", () => read().webhooks.dead);
    gauge("wt_webhook_deliveries_in_flight", "Webhook requests under way", () => read().webhooks.inFlight);
    new Counter({
      name: "wt_webhook_deliveries_total",
      help: "Webhook delivery outcomes per webhook (delivered, failed = will retry, dead)",
      labelNames: ["webhook", "outcome"],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [webhook, c] of Object.entries(read().webhooks.byWebhook)) {
          for (const outcome of ["delivered", "failed", "dead"] as const) if (c[outcome] > 0) this.inc({ webhook, outcome }, c[outcome]);
        }
      },
    });
  }

  addPool(read: () => PoolHealth): void {
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(value()); } });
    const counter = (name: string, help: string, value: () => number) =>
      new Counter({ name, help, registers: [this.registry], collect() { this.reset(); this.inc(value()); } });
    gauge("wt_pool_threads", "Model worker threads running", () => read().threads);
    gauge("wt_pool_queue_size", "Model tasks waiting for a thread", () => read().queueSize);
    gauge("wt_pool_utilization", "Share of the worker pool's capacity used since start (0-1)", () => read().utilization);
    counter("wt_pool_tasks_completed_total", "Worker calls completed (a batch counts once)", () => read().completed);
    counter("wt_pool_tasks_failed_total", "Model tasks that failed (input or internal) or were stopped", () => read().failed);
    counter("wt_pool_tasks_refused_total", "Model tasks refused because the queue was full", () => read().refused);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
