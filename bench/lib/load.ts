// A lean collar load generator over `ws`: several gateway connections to /ingest, each carrying a
// fixed share of the fleet's collars round-robin in batch frames, with a bound on fixes in flight
// (sent, not yet acked) per connection. Two modes: closed loop (send whenever the window allows) and
// paced (a target fixes/s, still bounded by the window; what falls behind is reported, not hidden).
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import type { Fleet } from "./fleet.ts";
import { Samples, sleep } from "./stats.ts";

const RING = 1 << 20; // > any in-flight bound: seq & (RING - 1) indexes send times
const MAX_FRAME_BYTES = 250_000;

export interface LoadOptions {
  url: string; // ws://127.0.0.1:PORT/ingest
  token: string | null;
  connections: number;
  batch: number; // max fixes per frame
  maxInFlight: number; // per connection
}

export interface PhaseOptions {
  /** Fixes/s over all connections; undefined = closed loop (as fast as acks allow). */
  rate?: number;
  warmMs: number;
  measureMs: number;
  /** Send only this many fixes per collar, then stop (warm-up pass); measure window ignored. */
  fixesPerCollar?: number;
  /** Called for each fix sent (dashboard latency matching). */
  onSent?: (collarIndex: number, ts: string, at: number) => void;
  /** Overrides LoadOptions.maxInFlight for this phase. */
  maxInFlight?: number;
  /** Prints one line per second (sent, acked, in flight, p99 of that second) to stderr. */
  trace?: string;
  /** How long to wait for outstanding acks after sending stops. */
  drainMs?: number;
}

export interface PhaseResult {
  sent: number;
  acked: number;
  nacked: number;
  errors: string[];
  /** Fixes acked inside the measure window, per second. */
  ackedPerSec: number;
  /** Fixes sent inside the measure window, per second (the load actually offered). */
  sentPerSec: number;
  measureMs: number;
  latency: { count: number; p50: number; p90: number; p99: number; max: number };
  /** Outstanding fixes still not acked when the drain timed out (0 = clean). */
  unackedAtEnd: number;
  /** Load generator CPU use during the measure window, % of one core. */
  clientCpuPct: number;
  elapsedMs: number;
}

class Conn {
  ws!: WebSocket;
  seq = 0;
  inFlight = 0;
  rr = 0;
  readonly sentAt = new Float64Array(RING);
  constructor(readonly collars: Int32Array) {}
}

export class LoadGenerator {
  private conns: Conn[] = [];
  private onAck: ((latencyMs: number, now: number) => void) | null = null;
  private nacks = 0;
  private errors: string[] = [];
  private acks = 0;
  private wake: (() => void) | null = null;

  constructor(
    private readonly fleet: Fleet,
    private readonly opts: LoadOptions,
  ) {}

  async open(): Promise<void> {
    const { connections } = this.opts;
    for (let c = 0; c < connections; c++) {
      const mine: number[] = [];
      for (let i = c; i < this.fleet.size; i += connections) mine.push(i);
      const conn = new Conn(Int32Array.from(mine));
      const headers: Record<string, string> = this.opts.token ? { Authorization: `Bearer ${this.opts.token}` } : {};
      conn.ws = new WebSocket(this.opts.url, { headers, perMessageDeflate: false });
      conn.ws.on("message", (data) => this.message(conn, String(data)));
      conn.ws.on("close", (code) => {
        if (code !== 1000 && code !== 1005) this.errors.push(`connection closed with ${code}`);
        this.kick();
      });
      await new Promise<void>((resolve, reject) => {
        conn.ws.once("open", () => resolve());
        conn.ws.once("error", reject);
      });
      conn.ws.on("error", (err) => this.errors.push(`socket error: ${err.message}`));
      this.conns.push(conn);
    }
  }

  close(): void {
    for (const c of this.conns) c.ws.close(1000);
    this.conns = [];
  }

  private message(conn: Conn, text: string): void {
    const now = performance.now();
    let msg: { type?: string; seq?: unknown; code?: string; detail?: string };
    try {
      msg = JSON.parse(text);
    } catch {
      this.errors.push(`unparseable server message: ${text.slice(0, 80)}`);
      return;
    }
    if (msg.type === "ack" && Array.isArray(msg.seq)) {
      const seqs = msg.seq as number[];
      for (const s of seqs) {
        this.onAck?.(now - conn.sentAt[s & (RING - 1)]!, now);
      }
      conn.inFlight -= seqs.length;
      this.acks += seqs.length;
    } else if (msg.type === "nack") {
      conn.inFlight--;
      this.nacks++;
      if (this.errors.length < 20) this.errors.push(`nack ${msg.code}: ${JSON.stringify(msg).slice(0, 200)}`);
    } else if (msg.type === "error") {
      if (this.errors.length < 20) this.errors.push(`error ${msg.code}: ${msg.detail}`);
    }
    this.kick();
  }

  private kick(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Sends up to n fixes on conn in frames of at most `batch`; returns how many were sent. */
  private send(conn: Conn, n: number, limitPerCollar: number | undefined, onSent: PhaseOptions["onSent"], now: number): number {
    let sent = 0;
    const fleet = this.fleet;
    while (sent < n) {
      let frame = '{"type":"batch","fixes":[';
      let inFrame = 0;
      const max = Math.min(this.opts.batch, n - sent);
      while (inFrame < max && frame.length < MAX_FRAME_BYTES) {
        let idx = -1;
        if (limitPerCollar === undefined) {
          idx = conn.collars[conn.rr]!;
          conn.rr = (conn.rr + 1) % conn.collars.length;
        } else {
          // Warm-up pass: collars in order, each until it has limitPerCollar fixes.
          while (conn.rr < conn.collars.length && fleet.produced(conn.collars[conn.rr]!) >= limitPerCollar) conn.rr++;
          if (conn.rr >= conn.collars.length) break;
          idx = conn.collars[conn.rr]!;
        }
        const fix = fleet.nextFix(idx);
        const seq = ++conn.seq;
        conn.sentAt[seq & (RING - 1)] = now;
        frame += (inFrame ? ',{"seq":' : '{"seq":') + seq + "," + fix.body + "}";
        inFrame++;
        onSent?.(idx, fix.ts, now);
      }
      if (inFrame === 0) break;
      conn.ws.send(frame + "]}");
      conn.inFlight += inFrame;
      sent += inFrame;
    }
    return sent;
  }

  /** Runs one phase. Sending stops after warmMs + measureMs (or when the per-collar limit is reached). */
  async run(p: PhaseOptions): Promise<PhaseResult> {
    const samples = new Samples();
    const start = performance.now();
    const measureFrom = start + p.warmMs;
    const measureTo = measureFrom + p.measureMs;
    let ackedInWindow = 0;
    let sentInWindow = 0;
    let sentTotal = 0;
    const acks0 = this.acks;
    const nacks0 = this.nacks;
    const errors0 = this.errors.length;
    let secAcked = 0;
    let secSent = 0;
    let secSamples = new Samples();
    const traceTimer = p.trace
      ? setInterval(() => {
          const [p50, p99] = secSamples.percentiles(50, 99);
          const inFlight = this.conns.reduce((s, c) => s + c.inFlight, 0);
          console.error(`[trace ${p.trace}] t=${((performance.now() - start) / 1000).toFixed(0)}s sent/s=${secSent} acked/s=${secAcked} inflight=${inFlight} ack p50=${p50?.toFixed(0)} p99=${p99?.toFixed(0)}`);
          secAcked = 0;
          secSent = 0;
          secSamples = new Samples();
        }, 1000)
      : null;
    this.onAck = (lat, now) => {
      if (traceTimer) {
        secAcked++;
        secSamples.add(lat);
      }
      if (now >= measureFrom && now < measureTo) {
        ackedInWindow++;
        samples.add(lat);
      }
    };
    for (const c of this.conns) c.rr = 0;
    let cpuAtMeasure: NodeJS.CpuUsage | null = null;
    let cpuMeasure = 0;
    const limited = p.fixesPerCollar !== undefined;
    const maxInFlight = p.maxInFlight ?? this.opts.maxInFlight;
    let exhausted = false;

    const tick = setInterval(() => this.kick(), 5); // pacing clock; acks also wake the loop
    try {
      for (;;) {
        const now = performance.now();
        if (!cpuAtMeasure && now >= measureFrom) cpuAtMeasure = process.cpuUsage();
        if (cpuAtMeasure && !cpuMeasure && now >= measureTo) {
          const u = process.cpuUsage(cpuAtMeasure);
          cpuMeasure = ((u.user + u.system) / 1000 / p.measureMs) * 100;
        }
        if ((!limited && now >= measureTo) || exhausted || this.conns.some((c) => c.ws.readyState !== WebSocket.OPEN)) break;
        let budget = Infinity;
        if (p.rate !== undefined) budget = Math.floor((p.rate * (now - start)) / 1000) - sentTotal;
        let progressed = false;
        for (let ci = 0; ci < this.conns.length && budget > 0; ci++) {
          const c = this.conns[ci]!;
          const room = maxInFlight - c.inFlight;
          // Closed loop sends whole batches only (fewer, fuller frames); paced sends what is due.
          const want = p.rate === undefined ? (room >= this.opts.batch ? room - (room % this.opts.batch) : 0) : Math.min(room, Math.ceil(budget / (this.conns.length - ci)));
          if (want <= 0) continue;
          const n = this.send(c, want, p.fixesPerCollar, p.onSent, now);
          if (n > 0) progressed = true;
          budget -= n;
          sentTotal += n;
          secSent += n;
          if (now >= measureFrom && now < measureTo) sentInWindow += n;
        }
        if (limited && !progressed && this.conns.every((c) => c.rr >= c.collars.length)) exhausted = true;
        if (!progressed || p.rate !== undefined) await new Promise<void>((r) => (this.wake = r));
      }
    } finally {
      clearInterval(tick);
      if (traceTimer) clearInterval(traceTimer);
    }
    // Drain: wait for what is in flight.
    const drainUntil = performance.now() + (p.drainMs ?? 30_000);
    while (this.conns.some((c) => c.inFlight > 0) && performance.now() < drainUntil && this.conns.every((c) => c.ws.readyState === WebSocket.OPEN)) {
      await sleep(10);
    }
    this.onAck = null;
    const [p50, p90, p99] = samples.percentiles(50, 90, 99);
    return {
      sent: sentTotal,
      acked: this.acks - acks0,
      nacked: this.nacks - nacks0,
      errors: this.errors.slice(errors0),
      ackedPerSec: limited ? NaN : ackedInWindow / (p.measureMs / 1000),
      sentPerSec: limited ? NaN : sentInWindow / (p.measureMs / 1000),
      measureMs: p.measureMs,
      latency: { count: samples.count, p50: p50!, p90: p90!, p99: p99!, max: samples.max() },
      unackedAtEnd: this.conns.reduce((s, c) => s + c.inFlight, 0),
      clientCpuPct: cpuMeasure,
      elapsedMs: performance.now() - start,
    };
  }
}
