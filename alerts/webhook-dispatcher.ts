// Webhook dispatcher: a background loop that claims due deliveries from the durable queue and POSTs
// each alert as JSON with `X-WT-Signature: sha256=<hex HMAC-SHA256(secret, body)>`. At least once: a
// delivery is marked delivered only after a 2xx. Failures retry with exponential backoff and jitter;
// after `maxAttempts` the delivery is dead (kept in the log). Concurrency is bounded per webhook and
// globally, and nothing here runs on the publish/ingest path, so a slow or dead endpoint only ever
// occupies its own slots.
//
// Requests go through node:http/https rather than fetch so that a `lookup` can check every resolved
// address before connecting (SSRF guard, see webhook-target.ts). A refused target is a failed attempt
// like any other (retried, then dead): the operator may fix the webhook's DNS or allow private
// targets meanwhile. Redirects are never followed: a 3xx is a failed attempt, since following one
// could lead to a refused address.
import { createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { Database } from "../store/database.ts";
import { claimDueDeliveries, markDelivered, markFailed, releaseDeliveries, type ClaimedDelivery } from "../store/repos/webhooks.ts";
import { guardedLookup, refusedLiteral, TargetRefusedError } from "./webhook-target.ts";

export interface DispatcherOptions {
  /** Poll for due retries this often (new alerts kick the loop at once). Default 1000 ms. */
  pollMs?: number;
  /** Per-request timeout. Default 5000 ms. */
  timeoutMs?: number;
  /** Attempts before a delivery is dead. Default 8. */
  maxAttempts?: number;
  /** Backoff before retry n (1-based): base × 2^(n-1), capped, with jitter. Defaults 1000 ms, 1 h. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Concurrent requests per webhook (default 2) and in total (default 32). */
  perWebhook?: number;
  global?: number;
  /** How long a claimed delivery is held before another dispatcher may retry it. Default timeout + 30 s. */
  leaseMs?: number;
  /**
   * Send to private addresses (loopback, RFC 1918, CGNAT, IPv6 ULA), e.g. a receiver on this host.
   * Default false. Forbidden ones (link-local/metadata, multicast, unspecified) are always refused.
   */
  allowPrivate?: boolean;
  log?: (line: string) => void;
  /** Random source for jitter (tests). */
  random?: () => number;
}

export interface DispatcherMetrics {
  /** Deliveries that got a 2xx. */
  delivered: number;
  /** Failed attempts that will be retried. */
  failed: number;
  /** Deliveries given up after maxAttempts. */
  dead: number;
  /** Requests in flight now. */
  inFlight: number;
  /** The same counts per webhook id (this process's, since start). */
  byWebhook: Record<string, { delivered: number; failed: number; dead: number }>;
}

/** `sha256=<hex>` of the exact body bytes. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** Delay before retry `attempt` (1 = first retry): "equal jitter" — between half and all of the capped exponential. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * One POST; resolves with the response status as soon as the headers arrive (the body is not read).
 * Never follows redirects. `signal` aborts it at any stage, DNS included.
 */
function post(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal, lookup: LookupFunction): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    // agent: false — a fresh connection each time, so no pooled socket outlives the address check.
    const req = send(url, { method: "POST", headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) }, signal, lookup, agent: false }, (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy(); // the response body is not needed
    });
    req.on("error", reject);
    req.end(body);
  });
}

export class WebhookDispatcher {
  private readonly o: Required<Omit<DispatcherOptions, "log" | "random">>;
  private readonly log: (line: string) => void;
  private readonly random: () => number;
  private readonly lookup: LookupFunction;
  private readonly perHook = new Map<string, number>();
  private readonly inflight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly counters = { delivered: 0, failed: 0, dead: 0 };
  private readonly byWebhook = new Map<string, { delivered: number; failed: number; dead: number }>();
  private timer: NodeJS.Timeout | null = null;
  private claiming = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly db: Database,
    opts: DispatcherOptions = {},
  ) {
    const timeoutMs = opts.timeoutMs ?? 5000;
    this.o = {
      pollMs: opts.pollMs ?? 1000,
      timeoutMs,
      maxAttempts: opts.maxAttempts ?? 8,
      baseDelayMs: opts.baseDelayMs ?? 1000,
      maxDelayMs: opts.maxDelayMs ?? 3_600_000,
      perWebhook: opts.perWebhook ?? 2,
      global: opts.global ?? 32,
      leaseMs: opts.leaseMs ?? timeoutMs + 30_000,
      allowPrivate: opts.allowPrivate ?? false,
    };
    this.lookup = guardedLookup({ allowPrivate: this.o.allowPrivate });
    this.log = opts.log ?? ((l) => console.error(l));
    this.random = opts.random ?? Math.random;
  }

  start(): this {
    if (this.timer || this.closed) return this;
    this.timer = setInterval(() => this.kick(), this.o.pollMs);
    this.timer.unref();
    this.kick();
    return this;
  }

  metrics(): DispatcherMetrics {
    const byWebhook: DispatcherMetrics["byWebhook"] = {};
    for (const [id, c] of this.byWebhook) byWebhook[id] = { ...c };
    return { ...this.counters, inFlight: this.inflight.size, byWebhook };
  }

  private count(webhook: string, outcome: "delivered" | "failed" | "dead"): void {
    this.counters[outcome]++;
    let c = this.byWebhook.get(webhook);
    if (!c) this.byWebhook.set(webhook, (c = { delivered: 0, failed: 0, dead: 0 }));
    c[outcome]++;
  }

  /** Look for due deliveries now (after a publish, or when a slot frees). Never throws. */
  kick(): void {
    if (this.closed) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    void this.claim()
      .catch((err: unknown) => this.log(`webhooks: claiming deliveries failed: ${(err as Error)?.message ?? err}`))
      .finally(() => {
        this.claiming = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Stops claiming, aborts requests in flight and hands their deliveries back (not counted as attempts). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const pending = [...this.inflight.values()];
    for (const p of pending) p.abort.abort(new Error("dispatcher closing"));
    await Promise.allSettled(pending.map((p) => p.done));
  }

  private async claim(): Promise<void> {
    const free = this.o.global - this.inflight.size;
    if (free <= 0) return;
    const saturated = [...this.perHook].filter(([, n]) => n >= this.o.perWebhook).map(([id]) => id);
    const claimed = await claimDueDeliveries(this.db, free, this.o.leaseMs, saturated);
    const giveBack: string[] = [];
    for (const d of claimed) {
      if (this.closed || (this.perHook.get(d.webhook_id) ?? 0) >= this.o.perWebhook || this.inflight.size >= this.o.global) {
        giveBack.push(d.id);
        continue;
      }
      this.send(d);
    }
    // Over this webhook's limit: back to the queue at once (not an attempt); a freed slot kicks again.
    await releaseDeliveries(this.db, giveBack);
  }

  private send(d: ClaimedDelivery): void {
    const abort = new AbortController();
    this.perHook.set(d.webhook_id, (this.perHook.get(d.webhook_id) ?? 0) + 1);
    const done = this.attempt(d, abort.signal)
      .catch((err: unknown) => this.log(`webhooks: recording delivery ${d.id} failed: ${(err as Error)?.message ?? err}`))
      .finally(() => {
        this.inflight.delete(d.id);
        const n = (this.perHook.get(d.webhook_id) ?? 1) - 1;
        if (n <= 0) this.perHook.delete(d.webhook_id);
        else this.perHook.set(d.webhook_id, n);
        this.kick();
      });
    this.inflight.set(d.id, { abort, done });
  }

  private async attempt(d: ClaimedDelivery, closing: AbortSignal): Promise<void> {
    const body = JSON.stringify(d.alert);
    let status: number | null = null;
    let error: string | null = null;
    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    try {
      const url = new URL(d.url);
      // Node connects to IP literals without calling `lookup`: check them here.
      const literal = refusedLiteral(url, { allowPrivate: this.o.allowPrivate });
      if (literal) throw new TargetRefusedError(literal);
      const headers = {
        "Content-Type": "application/json",
        "User-Agent": "wildlife-tracker-webhooks/1",
        "X-WT-Signature": signBody(d.secret, body),
        "X-WT-Delivery": d.id,
        "X-WT-Attempt": String(d.attempt + 1),
      };
      status = await post(url, headers, body, AbortSignal.any([closing, timeout]), this.lookup);
      if (status >= 300 && status <= 399) error = `HTTP ${status} (redirects are not followed)`;
      else if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (err) {
      if (closing.aborted) {
        await releaseDeliveries(this.db, [d.id]).catch(() => {}); // shutdown: not an attempt; the lease covers a failure here
        return;
      }
      const e = err as NodeJS.ErrnoException;
      error = timeout.aborted ? `timeout after ${this.o.timeoutMs} ms` : err instanceof TargetRefusedError ? err.message : (e.code ?? e.message ?? String(err));
    }
    // A false mark means the delivery was cancelled meanwhile (its webhook deleted): that stays final.
    if (error === null) {
      if (await markDelivered(this.db, d.id, status!)) this.count(d.webhook_id, "delivered");
      return;
    }
    const attempts = d.attempt + 1;
    if (attempts >= this.o.maxAttempts) {
      if (!(await markFailed(this.db, d.id, { httpStatus: status, error, retryInMs: null }))) return;
      this.count(d.webhook_id, "dead");
      this.log(`webhooks: delivery ${d.id} of alert ${d.alert_id} to ${d.webhook_id} is dead after ${attempts} attempts (${error})`);
      return;
    }
    if (await markFailed(this.db, d.id, { httpStatus: status, error, retryInMs: backoffMs(attempts, this.o.baseDelayMs, this.o.maxDelayMs, this.random) })) this.count(d.webhook_id, "failed");
  }
}
