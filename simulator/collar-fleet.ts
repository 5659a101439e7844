// CollarFleet: N simulated collars streaming over the real /ingest protocol (gateway token,
// each fix names its collar), spread over a few WebSocket connections.
import { CollarTrack, generateFixes, type CollarSpec, type SimFix, type TrackTiming } from "./collar-track.ts";
import { FleetConnection, type FleetHooks } from "./fleet-connection.ts";
import { StatsCollector, type FleetStats } from "./fleet-stats.ts";
import { FixSource } from "./fix-source.ts";
import { SPECIES } from "./movement.ts";
import { hashSeed, Rng } from "./random.ts";
import type { Habitat } from "./movement.ts";

export interface CollarFleetOptions extends FleetHooks {
  /** ws://host:port/ingest */
  url: string;
  /** Gateway token (a collar token works for a single collar). */
  token: string;
  /** Send the token as `Authorization: Bearer` (default) or as `?token=` like header-less firmware. */
  tokenIn?: "header" | "query";
  collars: CollarSpec[];
  /** Total fixes per second across all collars; Infinity = as fast as flow control allows. */
  ratePerSecond: number;
  /** Simulated seconds between two fixes of one collar (default 60; whole milliseconds). */
  intervalSeconds?: number;
  /** Epoch ms of the first simulated fix (default: now − fixesPerCollar × interval, or now if endless). */
  start?: number;
  /** Fixes per collar, then stop; undefined = endless (paced in real time once it reaches the present). */
  fixesPerCollar?: number;
  /** WebSocket connections to spread collars over (default min(collars, 8)). */
  connections?: number;
  /** Fixes per `batch` frame (default 1 = single `fix` frames; at most 1000). */
  batchSize?: number;
  /** Unacked fixes allowed per connection before sending pauses (default 5000). */
  maxInFlight?: number;
  /** With fixes in flight and no frame from the server for this long, reconnect and resend (default 30000). */
  ackTimeoutMs?: number;
  /** Seeds every track; same seed + options → same fixes (default 1). */
  seed?: number | string;
  /** Animals select habitat on this landscape (step selection); default: no landscape. */
  habitat?: Habitat;
}

export interface ResolvedFleetOptions {
  url: string;
  tokenIn: "header" | "query";
  collars: CollarSpec[];
  ratePerSecond: number;
  intervalSeconds: number;
  start: number;
  fixesPerCollar: number | undefined;
  connections: number;
  batchSize: number;
  maxInFlight: number;
  ackTimeoutMs: number;
  seed: number | string;
  habitat: Habitat | undefined;
}

const isPositiveInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

function resolve(o: CollarFleetOptions): ResolvedFleetOptions {
  if (typeof o.url !== "string" || !/^wss?:\/\//.test(o.url)) throw new TypeError("options.url must be a ws:// or wss:// URL");
  if (typeof o.token !== "string" || o.token === "") throw new TypeError("options.token must be a non-empty string");
  if (!Array.isArray(o.collars) || o.collars.length === 0) throw new TypeError("options.collars must be a non-empty array");
  const ids = new Set<string>();
  for (const c of o.collars) {
    if (typeof c.id !== "string" || c.id === "") throw new TypeError("options.collars[].id must be a non-empty string");
    if (ids.has(c.id)) throw new TypeError(`options.collars: duplicate id ${c.id}`);
    ids.add(c.id);
    if (!SPECIES.includes(c.species)) throw new TypeError(`options.collars[].species must be one of ${SPECIES.join(", ")}`);
  }
  if (!(o.ratePerSecond > 0)) throw new TypeError("options.ratePerSecond must be a positive number (or Infinity)");
  const intervalSeconds = o.intervalSeconds ?? 60;
  if (!(intervalSeconds >= 0.001) || !Number.isFinite(intervalSeconds))
    throw new TypeError("options.intervalSeconds must be a finite number ≥ 0.001");
  if (o.fixesPerCollar !== undefined && !(Number.isInteger(o.fixesPerCollar) && o.fixesPerCollar >= 0))
    throw new TypeError("options.fixesPerCollar must be a non-negative integer or undefined");
  const connections = Math.min(o.collars.length, o.connections ?? 8);
  if (!isPositiveInt(connections)) throw new TypeError("options.connections must be a positive integer");
  const batchSize = o.batchSize ?? 1;
  if (!isPositiveInt(batchSize) || batchSize > 1000) throw new TypeError("options.batchSize must be an integer from 1 to 1000");
  const maxInFlight = o.maxInFlight ?? 5000;
  if (!isPositiveInt(maxInFlight)) throw new TypeError("options.maxInFlight must be a positive integer");
  const ackTimeoutMs = o.ackTimeoutMs ?? 30_000;
  if (!(ackTimeoutMs > 0)) throw new TypeError("options.ackTimeoutMs must be a positive number of milliseconds");
  const intervalMs = Math.round(intervalSeconds * 1000);
  const start = Math.round(o.start ?? Date.now() - (o.fixesPerCollar ?? 0) * intervalMs);
  if (!Number.isFinite(start)) throw new TypeError("options.start must be epoch milliseconds");
  return {
    url: o.url,
    tokenIn: o.tokenIn ?? "header",
    collars: o.collars.map((c) => ({ ...c })),
    ratePerSecond: o.ratePerSecond,
    intervalSeconds: intervalMs / 1000,
    start,
    fixesPerCollar: o.fixesPerCollar,
    connections,
    batchSize,
    maxInFlight,
    ackTimeoutMs,
    seed: o.seed ?? 1,
    habitat: o.habitat,
  };
}

export class CollarFleet {
  /** Options with every default filled in (start included): enough to recompute the fixes. */
  readonly options: ResolvedFleetOptions;
  private readonly stats_ = new StatsCollector();
  private readonly conns: FleetConnection[];
  private startedAt: number | null = null;
  private endedAt: number | null = null; // freezes elapsed time (and the rate) once the run is over
  private settled = false;
  private readonly donePromise: Promise<void>;
  private resolveDone: () => void = () => {};
  private rejectDone: (err: Error) => void = () => {};

  constructor(options: CollarFleetOptions) {
    const o = (this.options = resolve(options));
    this.donePromise = new Promise<void>((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
    this.donePromise.catch(() => {}); // a fatal error must not crash a caller that never awaits done()
    const timing = this.timing();
    const hooks: FleetHooks = { onAck: options.onAck, onNack: options.onNack, onServerError: options.onServerError, log: options.log };
    this.conns = Array.from({ length: o.connections }, (_, k) => {
      const specs = o.collars.filter((_, i) => i % o.connections === k);
      return new FleetConnection({
        label: `conn ${k + 1}/${o.connections}`,
        url: o.url,
        token: options.token,
        tokenIn: o.tokenIn,
        maxInFlight: o.maxInFlight,
        ackTimeoutMs: o.ackTimeoutMs,
        batchSize: o.batchSize,
        ratePerSecond: (o.ratePerSecond * specs.length) / o.collars.length,
        source: new FixSource(specs.map((s) => new CollarTrack(s, timing)), o.fixesPerCollar),
        stats: this.stats_,
        hooks,
        rng: new Rng(hashSeed(o.seed, "reconnect", k)),
        onFinished: () => this.onConnectionFinished(),
        onFatal: (err) => this.onFatal(err),
      });
    });
  }

  private timing(): TrackTiming {
    return { fleetSeed: this.options.seed, start: this.options.start, intervalMs: Math.round(this.options.intervalSeconds * 1000), habitat: this.options.habitat };
  }

  /** Opens the connections and starts streaming. */
  start(): this {
    if (this.startedAt !== null) return this;
    this.startedAt = Date.now();
    for (const c of this.conns) c.start();
    return this;
  }

  /** Resolves when every fix of a finite run is acked or nacked, or after stop(); rejects if the server refuses the token. */
  done(): Promise<void> {
    return this.donePromise;
  }

  /** Stops streaming and closes every connection; done() resolves. Unacked fixes stay unacked. */
  async stop(): Promise<void> {
    if (this.startedAt !== null) this.endedAt ??= Date.now();
    await Promise.all(this.conns.map((c) => c.stop()));
    this.settle();
  }

  /** The exact fixes this fleet produces: the first `perCollar` (default fixesPerCollar) of every collar. */
  generatedFixes(perCollar = this.options.fixesPerCollar): SimFix[] {
    if (perCollar === undefined) throw new TypeError("generatedFixes: an endless fleet needs an explicit perCollar");
    return generateFixes(this.options.collars, this.timing(), perCollar);
  }

  /** True once every fix of a finite run has been acked or nacked. */
  get finished(): boolean {
    return this.conns.every((c) => c.isFinished);
  }

  stats(): FleetStats {
    const s = this.stats_;
    const elapsedMs = this.startedAt === null ? 0 : (this.endedAt ?? Date.now()) - this.startedAt;
    return {
      collars: this.options.collars.length,
      connections: this.conns.length,
      connected: this.conns.filter((c) => c.isOpen).length,
      generated: s.generated,
      sent: s.sent,
      resent: s.resent,
      acked: s.acked,
      nacked: s.nacked,
      unacked: this.conns.reduce((n, c) => n + c.unacked, 0),
      frames: s.frames,
      reconnects: s.reconnects,
      disconnects: s.disconnects,
      errors: { ...s.errors },
      nacks: { ...s.nacks },
      unknownAcks: s.unknownAcks,
      latencyMs: s.latency.summary(),
      elapsedMs,
      ackedPerSecond: elapsedMs > 0 ? Math.round((s.acked / elapsedMs) * 1000 * 10) / 10 : 0,
      fatal: s.fatal,
    };
  }

  private onConnectionFinished(): void {
    // Resolve after the sockets are closed, so a caller may exit (or a test server assert) right away.
    if (!this.conns.every((c) => c.isFinished)) return;
    this.endedAt ??= Date.now();
    void Promise.all(this.conns.map((c) => c.stop())).then(() => this.settle());
  }

  private onFatal(err: Error): void {
    if (this.settled) return;
    this.stats_.fatal = err.message;
    this.settled = true;
    this.endedAt ??= Date.now();
    void Promise.all(this.conns.map((c) => c.stop())).then(() => this.rejectDone(err));
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveDone();
  }
}

