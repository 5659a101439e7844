// One WebSocket to /ingest carrying a share of the fleet's collars: pacing, flow control,
// acks/nacks, and reconnect-with-resend so that nothing unacked is ever lost.
import WebSocket from "ws";
import type { SimFix } from "./collar-track.ts";
import type { StatsCollector } from "./fleet-stats.ts";
import type { FixSource } from "./fix-source.ts";
import type { Rng } from "./random.ts";

export interface AckInfo {
  seq: number;
  sentAt: number; // epoch ms of the send that was acked
  firstSentAt: number; // epoch ms of the first send (differs after a resend)
  ackedAt: number;
  fix: SimFix;
}

export interface FleetHooks {
  onAck?: (collar: string, ts: number, info: AckInfo) => void;
  onNack?: (fix: SimFix, code: string, errors: unknown) => void;
  onServerError?: (code: string, detail: string) => void;
  log?: (line: string) => void;
}

export interface ConnectionConfig {
  label: string;
  url: string;
  token: string;
  tokenIn: "header" | "query";
  maxInFlight: number;
  batchSize: number;
  ackTimeoutMs: number; // silence with fixes in flight after which the socket is presumed dead
  ratePerSecond: number; // this connection's share; Infinity = as fast as flow control allows
  source: FixSource;
  stats: StatsCollector;
  hooks: FleetHooks;
  rng: Rng; // reconnect jitter only
  onFinished: () => void;
  onFatal: (err: Error) => void;
}

interface Entry {
  fix: SimFix;
  body: string; // the fix as JSON without seq, serialised once and reused by resends
  bytes: number;
  firstSentAt: number;
  sentAt: number;
}

const MAX_FRAME_BYTES = 250_000; // API limit is 256 KiB; leave room for the envelope and seq digits
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5_000;
const MAX_TIMER_MS = 60_000;

function wireBody(fix: SimFix): string {
  const { collar, ts, ...rest } = fix;
  return JSON.stringify({ collar, ts: new Date(ts).toISOString(), ...rest });
}

function seqList(v: unknown): number[] {
  if (typeof v === "number") return [v];
  return Array.isArray(v) ? v.filter((s): s is number => typeof s === "number") : [];
}

export class FleetConnection {
  private ws: WebSocket | null = null;
  private seq = 0; // never reset: seqs stay unique over every socket this connection opens
  private readonly inFlight = new Map<number, Entry>(); // insertion order = send order
  private resend: Entry[] = [];
  private attempts = 0;
  private everOpened = false;
  private stopped = false;
  private finished = false;
  private fatal = false;
  private pausedUntil = 0;
  private pauseMs = 1_000;
  private batchSize: number;
  private timer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastHeardAt = 0;
  private tokens: number;
  private tokensAt = Date.now();
  private readonly capacity: number;
  private closed: Promise<void> = Promise.resolve();
  private resolveClosed: () => void = () => {};

  constructor(private readonly c: ConnectionConfig) {
    this.batchSize = c.batchSize;
    // A bucket of ≥ one batch (and ~100 ms of rate) so timer granularity does not cost throughput.
    this.capacity = Math.max(c.batchSize, c.ratePerSecond * 0.1, 1);
    this.tokens = c.batchSize;
  }

  /** Fixes sent or waiting to be resent, not yet acked or nacked. */
  get unacked(): number {
    return this.inFlight.size + this.resend.length;
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  start(): void {
    if (this.checkFinished()) return;
    this.connect();
  }

  /** Closes the socket and stops; unacked fixes stay unacked. */
  stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, "stop");
      // A peer that never answers the close handshake must not hold stop() up.
      const kill = setTimeout(() => ws.terminate(), 2_000);
      return this.closed.finally(() => clearTimeout(kill));
    }
    return Promise.resolve();
  }

  private connect(): void {
    const { url, token, tokenIn } = this.c;
    const target = tokenIn === "query" ? `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}` : url;
    const ws = new WebSocket(target, {
      headers: tokenIn === "header" ? { authorization: `Bearer ${token}` } : {},
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    });
    this.ws = ws;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    ws.on("open", () => this.onOpen());
    ws.on("message", (data) => this.onMessage(data.toString()));
    ws.on("error", (err) => this.onSocketError(err));
    ws.on("close", (code, reason) => this.onClose(code, reason.toString()));
  }

  private onOpen(): void {
    if (this.everOpened) this.c.stats.reconnects++;
    this.everOpened = true;
    if (this.stopped) return void this.ws?.close(1000, "stop");
    this.lastHeardAt = Date.now();
    // A half-open TCP connection or a server that dropped our frames would otherwise hold fixes forever.
    const every = Math.max(50, Math.min(1_000, this.c.ackTimeoutMs / 4));
    this.watchdog = setInterval(() => this.checkSilence(), every);
    // Unacked fixes first, with new seqs, so a collar's backlog reaches the server in time order.
    const backlog = this.resend;
    this.resend = [];
    if (backlog.length) {
      this.c.hooks.log?.(`${this.c.label}: resending ${backlog.length} unacked fixes`);
      this.sendEntries(backlog, true);
    }
    this.pump();
  }

  private onMessage(text: string): void {
    let msg: { type?: unknown; seq?: unknown; code?: unknown; detail?: unknown; errors?: unknown; resend?: unknown; retry_after_ms?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      this.c.stats.countError("bad_server_frame");
      return;
    }
    const now = Date.now();
    this.lastHeardAt = now;
    if (msg.type === "ack") {
      this.attempts = 0; // the server is healthy again: the next reconnect starts from the minimum delay
      this.pauseMs = 1_000;
      for (const s of seqList(msg.seq)) {
        const e = this.take(s);
        if (!e) continue;
        this.c.stats.acked++;
        this.c.stats.latency.record(now - e.sentAt);
        this.c.hooks.onAck?.(e.fix.collar, e.fix.ts, { seq: s, sentAt: e.sentAt, firstSentAt: e.firstSentAt, ackedAt: now, fix: e.fix });
      }
    } else if (msg.type === "nack") {
      this.settleNacks(seqList(msg.seq), typeof msg.code === "string" ? msg.code : "unknown", msg.errors);
    } else if (msg.type === "error") {
      const code = typeof msg.code === "string" ? msg.code : "unknown";
      this.c.stats.countError(code);
      const detail = typeof msg.detail === "string" ? msg.detail : "";
      this.c.hooks.log?.(`${this.c.label}: server error ${code}${detail ? `: ${detail}` : ""}`);
      this.c.hooks.onServerError?.(code, detail);
      // Extension: an error that names seqs is final for those fixes, like a nack.
      this.settleNacks(seqList(msg.seq), code, msg.errors);
      // `resend`: fixes the server did not process (rate_limited): send them again after the pause, first.
      const requeue = seqList(msg.resend).map((s) => this.take(s)).filter((e): e is Entry => e !== undefined);
      if (requeue.length) this.resend.push(...requeue);
      if (code === "rate_limited" || code === "overloaded") {
        const hinted = typeof msg.retry_after_ms === "number" && msg.retry_after_ms > 0 ? msg.retry_after_ms : 0;
        this.pausedUntil = now + Math.max(hinted, hinted ? 0 : this.pauseMs);
        if (!hinted) this.pauseMs = Math.min(BACKOFF_MAX_MS, this.pauseMs * 2);
      }
    } else {
      this.c.stats.countError("bad_server_frame");
    }
    if (!this.checkFinished()) this.pump();
  }

  private take(seq: number): Entry | undefined {
    const e = this.inFlight.get(seq);
    if (e) this.inFlight.delete(seq);
    else this.c.stats.unknownAcks++;
    return e;
  }

  private settleNacks(seqs: number[], code: string, errors: unknown): void {
    for (const s of seqs) {
      const e = this.take(s);
      if (!e) continue;
      this.c.stats.countNack(code);
      this.c.hooks.onNack?.(e.fix, code, errors);
    }
  }

  private onSocketError(err: Error): void {
    this.c.stats.countError("socket");
    const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
    if (status === "401" || status === "403") return this.giveUp(`server refused the WebSocket upgrade with HTTP ${status}`);
    if (!this.stopped) this.c.hooks.log?.(`${this.c.label}: ${err.message}`);
  }

  private checkSilence(): void {
    const ws = this.ws;
    if (!ws || this.inFlight.size === 0 || Date.now() - this.lastHeardAt < this.c.ackTimeoutMs) return;
    this.c.stats.countError("ack_timeout");
    this.c.hooks.log?.(`${this.c.label}: no answer for ${this.c.ackTimeoutMs} ms with ${this.inFlight.size} fixes in flight; reconnecting`);
    ws.terminate(); // the close handler requeues the in-flight fixes for resending
  }

  private onClose(code: number, reason: string): void {
    this.ws = null;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.resolveClosed();
    if (this.stopped || this.finished || this.fatal) return;
    if (code === 4401 || code === 4403) return this.giveUp(`server closed the connection with ${code} ${reason}`.trim());
    if (code === 1009) this.batchSize = Math.max(1, Math.floor(this.batchSize / 2)); // frame too large
    this.c.stats.disconnects++;
    this.clearTimers();
    this.resend = [...this.resend, ...this.inFlight.values()];
    this.inFlight.clear();
    // 250 ms doubling to 5 s, ±20% jitter so a fleet cut off at once does not reconnect in lockstep.
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempts++);
    const delay = Math.round(Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, base * (0.8 + 0.4 * this.c.rng.uniform()))));
    this.c.hooks.log?.(`${this.c.label}: closed (${code}${reason ? ` ${reason}` : ""}); ${this.resend.length} unacked; reconnecting in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private giveUp(why: string): void {
    if (this.fatal) return;
    this.fatal = true;
    this.clearTimers();
    this.c.onFatal(new Error(why));
  }

  /** Sends new fixes while the rate, the in-flight window and the clock allow. */
  private pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.isOpen || this.stopped || this.finished) return;
    for (;;) {
      const now = Date.now();
      if (now < this.pausedUntil) return this.wake(this.pausedUntil - now);
      if (this.resend.length) {
        // Fixes the server asked us to send again, before anything newer (time order per collar).
        const free = Math.min(this.batchSize, this.c.maxInFlight - this.inFlight.size);
        if (free <= 0) return; // flow control: the next ack pumps again
        this.sendEntries(this.resend.splice(0, free), true);
        continue;
      }
      if (this.c.source.exhausted) return void this.checkFinished();
      const room = this.c.maxInFlight - this.inFlight.size;
      if (room <= 0) return; // flow control: the next ack pumps again
      const ready = this.c.source.readyCount(now, Math.min(this.batchSize, room));
      if (ready === 0) return this.wake(this.c.source.nextTs()! - now); // caught up with real time
      const rate = this.c.ratePerSecond;
      if (rate !== Infinity) {
        this.tokens = Math.min(this.capacity, this.tokens + ((now - this.tokensAt) * rate) / 1000);
        this.tokensAt = now;
        if (this.tokens < ready) return this.wake(((ready - this.tokens) * 1000) / rate);
        this.tokens -= ready;
      }
      const fixes = this.c.source.take(ready);
      this.c.stats.generated += fixes.length;
      this.sendEntries(
        fixes.map((fix) => {
          const body = wireBody(fix);
          return { fix, body, bytes: Buffer.byteLength(body), firstSentAt: 0, sentAt: 0 };
        }),
        false,
      );
    }
  }

  private wake(ms: number): void {
    this.timer = setTimeout(() => this.pump(), Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(ms))));
  }

  private sendEntries(entries: Entry[], isResend: boolean): void {
    const ws = this.ws;
    if (!ws) return;
    if (this.inFlight.size === 0) this.lastHeardAt = Date.now(); // the silence clock starts with the first unacked fix
    let i = 0;
    while (i < entries.length) {
      // Frame: up to batchSize fixes and MAX_FRAME_BYTES.
      let j = i;
      let bytes = 0;
      while (j < entries.length && j - i < this.batchSize && (j === i || bytes + entries[j]!.bytes + 24 <= MAX_FRAME_BYTES)) {
        bytes += entries[j]!.bytes + 24;
        j++;
      }
      const now = Date.now();
      const parts: string[] = [];
      for (const e of entries.slice(i, j)) {
        const seq = ++this.seq;
        e.sentAt = now;
        if (!isResend) e.firstSentAt = now;
        this.inFlight.set(seq, e);
        parts.push(`{"seq":${seq},${e.body.slice(1)}`);
      }
      const frame = this.batchSize === 1 ? `{"type":"fix",${parts[0]!.slice(1)}` : `{"type":"batch","fixes":[${parts.join(",")}]}`;
      ws.send(frame);
      this.c.stats.frames++;
      if (isResend) this.c.stats.resent += j - i;
      else this.c.stats.sent += j - i;
      i = j;
    }
  }

  /** Finite run complete: every fix acked or nacked. Closes the socket and reports once. */
  private checkFinished(): boolean {
    if (this.finished) return true;
    if (!this.c.source.exhausted || this.inFlight.size > 0 || this.resend.length > 0) return false;
    this.finished = true;
    this.clearTimers();
    this.ws?.close(1000, "done");
    this.c.onFinished();
    return true;
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.timer = this.reconnectTimer = this.watchdog = null;
  }
}
