// Ingest benchmark: durable throughput, fix → dashboard latency, memory per live actor and a naive
// one-INSERT-per-fix baseline, on embedded PGlite and on PostgreSQL.
//
//   npm run bench:ingest                       full run, both databases (≈ 4 min)
//   npm run bench:ingest -- --quick            smoke run (≈ 1 min)
//   npm run bench:ingest -- --only pg|pglite   one database
//   npm run bench:ingest -- --cpu-prof         also profile the server during phases 1 + 1b and print where time goes
//   --trace                                    per-second sent/acked/latency lines on stderr
//   --collars N  --seed N  --connections N  --batch N  --inflight N   override the fleet / load shape
//
// The server runs in a child process (bench/lib/server-child.ts, started with --expose-gc) so the load
// generator does not share its event loop and heap readings are taken after a full GC. Load comes from
// bench/lib/load.ts (plain `ws` gateway connections, batch frames, bounded fixes in flight). All
// traffic is on 127.0.0.1; every phase is bounded in time; databases, data directories and the server
// process are removed at the end, also on error or Ctrl-C.
import { fork, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { io as ioClient, type Socket } from "socket.io-client";
import { summariseProfile } from "./lib/cpu-profile.ts";
import { CpuMeter, type CpuSplit } from "./lib/proc-cpu.ts";
import { Fleet } from "./lib/fleet.ts";
import { LoadGenerator, type PhaseResult } from "./lib/load.ts";
import type { MemResult, StartResult } from "./lib/server-child.ts";
import { fmtBytes, fmtInt, round, Samples, sleep } from "./lib/stats.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

// ---------------------------------------------------------------------------------------------
// Options

type Kind = "pglite" | "postgres";

interface Plan {
  quick: boolean;
  kinds: Kind[];
  seed: number;
  collars: number;
  connections: number;
  batch: number;
  inflight: number; // per connection, closed loop
  throughput: { warmMs: number; measureMs: number };
  paced: { rate: number; warmMs: number; measureMs: number; inflight: number };
  dashboard: { rate: number; warmMs: number; measureMs: number };
  baseline: { warmMs: number; measureMs: number };
  snapshot: { warmMs: number; measureMs: number; triggerMs: number };
  cpuProf: boolean;
  trace: boolean;
}

function parseArgs(argv: string[]): Plan {
  const flag = (name: string) => argv.includes(name);
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i >= 0) return argv[i + 1];
    const eq = argv.find((a) => a.startsWith(`${name}=`));
    return eq?.slice(name.length + 1);
  };
  const num = (name: string, def: number) => {
    const v = value(name);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
    return n;
  };
  const quick = flag("--quick");
  const only = value("--only");
  let kinds: Kind[] = ["pglite", "postgres"];
  if (only !== undefined) {
    if (only === "pg" || only === "postgres") kinds = ["postgres"];
    else if (only === "pglite") kinds = ["pglite"];
    else throw new Error(`--only takes pg or pglite, got ${only}`);
  }
  return {
    quick,
    kinds,
    seed: num("--seed", 20261121),
    collars: num("--collars", quick ? 1000 : 10_000),
    connections: num("--connections", 8),
    batch: num("--batch", 250),
    inflight: num("--inflight", 1000),
    throughput: quick ? { warmMs: 1000, measureMs: 3000 } : { warmMs: 5000, measureMs: 20_000 },
    paced: quick ? { rate: 20_000, warmMs: 700, measureMs: 3000, inflight: 2500 } : { rate: 20_000, warmMs: 3000, measureMs: 15_000, inflight: 2500 },
    dashboard: quick ? { rate: 5000, warmMs: 700, measureMs: 3000 } : { rate: 5000, warmMs: 3000, measureMs: 15_000 },
    baseline: quick ? { warmMs: 500, measureMs: 2500 } : { warmMs: 2000, measureMs: 10_000 },
    snapshot: quick ? { warmMs: 300, measureMs: 2500, triggerMs: 500 } : { warmMs: 1000, measureMs: 8000, triggerMs: 1500 },
    cpuProf: flag("--cpu-prof"),
    trace: flag("--trace"),
  };
}

// ---------------------------------------------------------------------------------------------
// The server child process, over IPC

class ServerChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  private constructor(readonly proc: ChildProcess) {
    proc.on("message", (raw) => {
      const msg = raw as { id?: number; ok?: boolean; result?: unknown; error?: string };
      if (msg.id === undefined) return;
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.result);
      else p?.reject(new Error(`server child: ${msg.error}`));
    });
    proc.on("exit", (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`server child exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  static async spawn(execArgv: string[]): Promise<ServerChild> {
    const proc = fork(path.join(ROOT, "bin/run-ts.mjs"), [path.join(ROOT, "bench/lib/server-child.ts")], {
      cwd: ROOT,
      execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const child = new ServerChild(proc);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error("server child did not start within 60 s"));
      }, 60_000);
      proc.once("message", () => {
        clearTimeout(t);
        resolve();
      });
      proc.once("exit", (code) => {
        clearTimeout(t);
        reject(new Error(`server child exited during start (${code})`));
      });
    });
    return child;
  }

  call<T>(cmd: string, args?: unknown, timeoutMs = 180_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error("server child has exited"));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`server child: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(t);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.proc.send({ id, cmd, args });
    });
  }

  /** Graceful stop (server.close(): flush, snapshots), then the process ends; killed if it hangs. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once("exit", () => r()));
    try {
      await this.call("stop", undefined, 60_000);
    } catch {
      // fall through to disconnect / kill
    }
    if (this.proc.connected) this.proc.disconnect();
    const t = setTimeout(() => this.proc.kill("SIGKILL"), 15_000);
    await gone;
    clearTimeout(t);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

interface ServerWindow {
  cpu: CpuSplit;
  /** Server event-loop delay over the window, ms. */
  eld: { max: number; p99: number; mean: number };
}

/** Runs a load phase and samples server CPU, machine CPU split and event-loop delay over its measure window. */
async function measured(child: ServerChild, warmMs: number, measureMs: number, run: () => Promise<PhaseResult>): Promise<{ r: PhaseResult; w: ServerWindow }> {
  const meter = new CpuMeter();
  const w: ServerWindow = { cpu: { server: NaN, loadgen: NaN, postgres: NaN, other: NaN, machine: NaN, cores: os.cpus().length }, eld: { max: NaN, p99: NaN, mean: NaN } };
  let done: Promise<void> = Promise.resolve();
  const t1 = setTimeout(() => {
    meter.reset();
    void child.call("cpuMark").catch(() => {});
    void child.call("eldReset").catch(() => {});
  }, warmMs);
  const t2 = setTimeout(() => {
    done = (async () => {
      const server = await child.call<number>("cpuSince");
      w.cpu = meter.read(server);
      w.eld = await child.call("eldRead");
    })().catch(() => {});
  }, Math.max(0, warmMs + measureMs - 20));
  try {
    const r = await run();
    await done;
    return { r, w };
  } finally {
    clearTimeout(t1);
    clearTimeout(t2);
  }
}

/** A dashboard: Socket.IO /live subscribed to all; latency = position received − fix sent (this process's clock). */
class DashboardProbe {
  private readonly sentAt = new Map<string, number>();
  private samples = new Samples();
  private from = 0;
  private to = Infinity;
  unmatched = 0;
  sentInWindow = 0;

  private constructor(private readonly socket: Socket) {
    socket.on("position", (p: { animal: string; ts: string }) => {
      const now = performance.now();
      const key = `${p.animal}|${p.ts}`;
      const s = this.sentAt.get(key);
      if (s === undefined) {
        this.unmatched++;
        return;
      }
      this.sentAt.delete(key);
      if (s >= this.from && s < this.to) this.samples.add(now - s);
    });
  }

  static async open(url: string, token: string): Promise<DashboardProbe> {
    const s = ioClient(url + "/live", { auth: { token }, transports: ["websocket"], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("Socket.IO /live connect timed out")), 10_000);
      s.once("connect", () => (clearTimeout(t), resolve()));
      s.once("connect_error", (err) => (clearTimeout(t), reject(err)));
    });
    const ack = await new Promise<{ ok?: boolean }>((resolve) => s.emit("subscribe", { all: true }, resolve));
    if (!ack?.ok) throw new Error(`subscribe {all:true} refused: ${JSON.stringify(ack)}`);
    return new DashboardProbe(s);
  }

  /** Counts fixes sent in [from, to) and the positions that answer them. */
  window(from: number, to: number): void {
    this.from = from;
    this.to = to;
    this.samples = new Samples();
    this.sentInWindow = 0;
    this.sentAt.clear();
  }

  onSent(animal: string, ts: string, at: number): void {
    this.sentAt.set(`${animal}|${ts}`, at);
    if (at >= this.from && at < this.to) this.sentInWindow++;
  }

  result() {
    const [p50, p90, p99] = this.samples.percentiles(50, 90, 99);
    return {
      positions_matched: this.samples.count,
      fixes_in_window: this.sentInWindow,
      unmatched: this.unmatched,
      latency_ms: { p50: round(p50!, 1), p90: round(p90!, 1), p99: round(p99!, 1), max: round(this.samples.max(), 1) },
    };
  }

  close(): void {
    this.socket.close();
  }
}

function log(line: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
}

function phaseErrors(name: string, r: PhaseResult, stoppedWithoutDrain = false): string[] {
  const out: string[] = [];
  if (r.nacked) out.push(`${name}: ${r.nacked} nacks`);
  if (r.unackedAtEnd && !stoppedWithoutDrain) out.push(`${name}: ${r.unackedAtEnd} fixes still unacked after drain`);
  for (const e of r.errors.slice(0, 5)) out.push(`${name}: ${e}`);
  return out;
}

const lat = (r: PhaseResult) => ({ p50: round(r.latency.p50, 1), p90: round(r.latency.p90, 1), p99: round(r.latency.p99, 1), max: round(r.latency.max, 1) });
const cpuJson = (c: CpuSplit) => ({ server: round(c.server, 2), postgres: round(c.postgres, 2), loadgen: round(c.loadgen, 2), other: round(c.other, 2), machine: round(c.machine, 2) });
const eldJson = (w: ServerWindow) => ({ max: round(w.eld.max, 1), p99: round(w.eld.p99, 1) });

// ---------------------------------------------------------------------------------------------
// One database

type Lat = ReturnType<typeof lat>;
type Cpu = ReturnType<typeof cpuJson>;
type Eld = ReturnType<typeof eldJson>;
type Dash = ReturnType<DashboardProbe["result"]>;

interface KindResult {
  kind: Kind;
  loadavg_at_start: number[];
  setup: { server_start_ms: number; register_ms: number; collars: number };
  warmup: { actors: number; ms: number; fixes_per_s: number };
  throughput: { fixes_per_s: number; offered_per_s: number; ack_ms: Lat; cores: Cpu; event_loop_ms: Eld; window_s: number };
  paced: { target_per_s: number; offered_per_s: number; fixes_per_s: number; ack_ms: Lat; cores: Cpu; event_loop_ms: Eld };
  dashboard: Dash & { rate_per_s: number; offered_per_s: number; ack_ms: Lat; cores: Cpu; event_loop_ms: Eld };
  snapshot_round: (Dash & { controlled: boolean; round_ms: number; snapshots: number; state_bytes: number; ack_ms: Lat; event_loop_ms: Eld }) | null;
  memory: {
    actors_live: number;
    before: MemResult;
    after_first_fix: MemResult;
    after_load: MemResult;
    fixes_per_actor: number;
    heap_plus_buffers_per_actor_b: number;
    heap_per_actor_b: number;
    heap_per_actor_first_fix_b: number;
    array_buffers_per_actor_b: number;
    heap_plus_buffers_per_10k_actors_b: number;
    rss_per_actor_b: number;
  };
  durability: { rows: number; acked: number; ok: boolean };
  baseline: { fixes_per_s: number; ack_ms: Lat; pool: number; engine_over_baseline: number; cores: Cpu };
  problems: string[];
  profile?: ReturnType<typeof summariseProfile> & { file: string };
}

const cleanups: Array<() => Promise<void>> = [];

/** Runs (and removes) the cleanups registered since `mark`, newest first. */
async function runCleanups(mark = 0): Promise<void> {
  while (cleanups.length > mark) {
    const c = cleanups.pop()!;
    await c().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
  }
}

/** Drops wt_bench_<pid> databases left by runs that were killed (their pid is gone). */
async function dropStaleDatabases(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname ~ '^wt_bench_[0-9]+$'");
    for (const { datname } of rows) {
      const pid = Number(datname.slice("wt_bench_".length));
      if (pid === process.pid) continue;
      try {
        process.kill(pid, 0);
        continue; // that run is still going
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") continue;
      }
      log(`dropping ${datname}, left by a run that no longer exists`);
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

async function runKind(kind: Kind, plan: Plan): Promise<KindResult> {
  const mark = cleanups.length;
  const problems: string[] = [];
  const tr = (phase: string) => (plan.trace ? { trace: `${kind} ${phase}` } : {});
  const loadavg = os.loadavg().map((v) => round(v, 2));
  try {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "wt-bench-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    let databaseUrl: string | undefined;
    if (kind === "postgres") {
      await dropStaleDatabases();
      const name = `wt_bench_${process.pid}`;
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      cleanups.push(async () => {
        const c = new pg.Client({ connectionString: PG_ADMIN_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      });
      const u = new URL(PG_ADMIN_URL);
      u.pathname = `/${name}`;
      databaseUrl = u.toString();
    }

    const child = await ServerChild.spawn(["--expose-gc"]);
    cleanups.push(() => child.stop());

    // Fixes start 12 h ago (rounded to the hour, so runs are comparable), 10 s apart per collar.
    const t0 = Math.floor((Date.now() - 12 * 3600_000) / 3600_000) * 3600_000;
    log(`${kind}: starting server, registering ${plan.collars} collars`);
    const started = await child.call<StartResult>("start", { kind, databaseUrl, dataDir, collars: plan.collars, deployedFrom: t0 - 86_400_000 });
    if (!started.sweepControl) problems.push("actor sweep timer not found: snapshot rounds ran on their own 60 s timer and may fall into any phase");
    const fleet = new Fleet(plan.collars, plan.seed, t0);
    const animals = fleet.animalIds;
    const loadOpts = { url: started.wsUrl, token: started.gatewayToken, connections: plan.connections, batch: plan.batch, maxInFlight: plan.inflight };
    const load = new LoadGenerator(fleet, loadOpts);
    await load.open();
    cleanups.push(async () => load.close());

    // 3a. Memory before any actor exists (registry loaded, connections open).
    const before = await child.call<MemResult>("mem");

    // Warm-up: one fix per collar → every animal's actor is activated (2 queries each).
    log(`${kind}: warm-up, one fix per collar (activates ${plan.collars} actors)`);
    const warm = await load.run({ warmMs: 0, measureMs: 0, fixesPerCollar: 1, drainMs: 120_000 });
    problems.push(...phaseErrors("warm-up", warm));
    const afterFirst = await child.call<MemResult>("mem");

    // 1. Closed-loop durable throughput.
    const profFile = plan.cpuProf ? path.join(os.tmpdir(), `wt-bench-${kind}-${process.pid}.cpuprofile`) : null;
    if (profFile) await child.call("profStart");
    log(`${kind}: throughput, closed loop (${plan.throughput.warmMs / 1000} s warm-up + ${plan.throughput.measureMs / 1000} s)`);
    const replayFrom = fleet.state();
    const thr = await measured(child, plan.throughput.warmMs, plan.throughput.measureMs, () => load.run({ ...plan.throughput, drainMs: 60_000, ...tr("throughput") }));
    problems.push(...phaseErrors("throughput", thr.r));

    // 1b. Ack latency at the target offered load.
    log(`${kind}: paced at ${plan.paced.rate} fixes/s`);
    const paced = await measured(child, plan.paced.warmMs, plan.paced.measureMs, () =>
      load.run({ rate: plan.paced.rate, warmMs: plan.paced.warmMs, measureMs: plan.paced.measureMs, maxInFlight: plan.paced.inflight, drainMs: 60_000, ...tr("paced") }),
    );
    problems.push(...phaseErrors("paced", paced.r));
    const profPath = profFile ? await child.call<string>("profStop", { file: profFile }) : null;

    // 3b. Memory with every actor live and its window filled by the load above.
    const afterLoad = await child.call<MemResult>("mem");

    // 2. Fix → dashboard latency at a fixed offered load.
    log(`${kind}: dashboard latency at ${plan.dashboard.rate} fixes/s`);
    const probe = await DashboardProbe.open(started.url, started.adminToken);
    cleanups.push(async () => probe.close());
    const d0 = performance.now();
    probe.window(d0 + plan.dashboard.warmMs, d0 + plan.dashboard.warmMs + plan.dashboard.measureMs);
    const dash = await measured(child, plan.dashboard.warmMs, plan.dashboard.measureMs, () =>
      load.run({
        rate: plan.dashboard.rate,
        warmMs: plan.dashboard.warmMs,
        measureMs: plan.dashboard.measureMs,
        maxInFlight: plan.paced.inflight,
        drainMs: 60_000,
        ...tr("dashboard"),
        onSent: (idx, ts, at) => probe.onSent(animals[idx]!, ts, at),
      }),
    );
    await sleep(300); // positions still in the coalescing buffer
    const dashResult = probe.result();
    problems.push(...phaseErrors("dashboard", dash.r));

    // 5. A snapshot round (every live actor's state saved at once) under the same load.
    let snapshotRound: KindResult["snapshot_round"] = null;
    let snapAcked = 0;
    if (started.sweepControl) {
      log(`${kind}: snapshot round under ${plan.dashboard.rate} fixes/s`);
      const s0 = performance.now();
      probe.window(s0 + plan.snapshot.warmMs, s0 + plan.snapshot.warmMs + plan.snapshot.measureMs);
      let round: Promise<{ ms: number; snapshots: number; bytes: number } | null> = Promise.resolve(null);
      const trigger = setTimeout(() => (round = child.call("sweep")), plan.snapshot.warmMs + plan.snapshot.triggerMs);
      const snap = await measured(child, plan.snapshot.warmMs, plan.snapshot.measureMs, () =>
        load.run({
          rate: plan.dashboard.rate,
          warmMs: plan.snapshot.warmMs,
          measureMs: plan.snapshot.measureMs,
          maxInFlight: plan.paced.inflight,
          drainMs: 60_000,
          ...tr("snapshot"),
          onSent: (idx, ts, at) => probe.onSent(animals[idx]!, ts, at),
        }),
      );
      clearTimeout(trigger);
      snapAcked = snap.r.acked;
      const rr = await round;
      await sleep(300);
      problems.push(...phaseErrors("snapshot round", snap.r));
      snapshotRound = { controlled: true, round_ms: Math.round(rr?.ms ?? NaN), snapshots: rr?.snapshots ?? 0, state_bytes: rr?.bytes ?? NaN, ack_ms: lat(snap.r), event_loop_ms: eldJson(snap.w), ...probe.result() };
    }
    probe.close();

    // Durability: every acked fix is a row (nothing else writes fixes).
    const rows = await child.call<number>("count");
    const acked = warm.acked + thr.r.acked + paced.r.acked + dash.r.acked + snapAcked;
    if (rows !== acked) problems.push(`durability: ${acked} fixes acked but ${rows} rows in fixes`);
    load.close();

    // 4. Naive baseline: same database (emptied), the very fixes the throughput phase sent. Two frames
    // in flight per connection keep each connection busy (it works through them one fix at a time);
    // more would only add queueing latency and a long tail to stop.
    log(`${kind}: naive baseline (one awaited INSERT per fix)`);
    await child.call("truncate");
    log(`${kind}: fixes truncated`);
    const bl = await child.call<{ wsUrl: string; poolSize: number }>("baseline", { poolSize: plan.connections });
    fleet.restore(replayFrom);
    const bload = new LoadGenerator(fleet, { ...loadOpts, url: bl.wsUrl, token: null });
    await bload.open();
    cleanups.push(async () => bload.close());
    const base = await measured(child, plan.baseline.warmMs, plan.baseline.measureMs, () => bload.run({ ...plan.baseline, maxInFlight: 2 * plan.batch, drainMs: 0, ...tr("baseline") }));
    problems.push(...phaseErrors("baseline", base.r, true));
    bload.close();
    log(`${kind}: baseline load stopped`);
    await child.call("stopBaseline");

    // Done with this database: stop the server, drop everything.
    log(`${kind}: stopping the server, dropping the database`);
    await runCleanups(mark);

    let profile: KindResult["profile"];
    if (profPath) profile = { ...summariseProfile(profPath, 30), file: profPath };

    const actorsLive = afterLoad.actorsLive || plan.collars;
    const delta = (a: MemResult, key: "heapUsed" | "arrayBuffers" | "rss") => (a[key] - before[key]) / (a.actorsLive || plan.collars);
    const engineRate = thr.r.ackedPerSec;
    return {
      kind,
      loadavg_at_start: loadavg,
      setup: { server_start_ms: Math.round(started.startMs), register_ms: Math.round(started.registerMs), collars: plan.collars },
      warmup: { actors: afterFirst.actorsLive, ms: Math.round(warm.elapsedMs), fixes_per_s: Math.round(warm.acked / (warm.elapsedMs / 1000)) },
      throughput: {
        fixes_per_s: Math.round(engineRate),
        offered_per_s: Math.round(thr.r.sentPerSec),
        ack_ms: lat(thr.r),
        cores: cpuJson(thr.w.cpu),
        event_loop_ms: eldJson(thr.w),
        window_s: plan.throughput.measureMs / 1000,
      },
      paced: {
        target_per_s: plan.paced.rate,
        offered_per_s: Math.round(paced.r.sentPerSec),
        fixes_per_s: Math.round(paced.r.ackedPerSec),
        ack_ms: lat(paced.r),
        cores: cpuJson(paced.w.cpu),
        event_loop_ms: eldJson(paced.w),
      },
      dashboard: { rate_per_s: plan.dashboard.rate, offered_per_s: Math.round(dash.r.sentPerSec), ...dashResult, ack_ms: lat(dash.r), cores: cpuJson(dash.w.cpu), event_loop_ms: eldJson(dash.w) },
      snapshot_round: snapshotRound,
      memory: {
        actors_live: actorsLive,
        before,
        after_first_fix: afterFirst,
        after_load: afterLoad,
        fixes_per_actor: round((warm.acked + thr.r.acked + paced.r.acked) / plan.collars, 0),
        heap_plus_buffers_per_actor_b: Math.round(delta(afterLoad, "heapUsed") + delta(afterLoad, "arrayBuffers")),
        heap_per_actor_b: Math.round(delta(afterLoad, "heapUsed")),
        heap_per_actor_first_fix_b: Math.round(delta(afterFirst, "heapUsed")),
        array_buffers_per_actor_b: Math.round(delta(afterLoad, "arrayBuffers")),
        heap_plus_buffers_per_10k_actors_b: Math.round((delta(afterLoad, "heapUsed") + delta(afterLoad, "arrayBuffers")) * 10_000),
        rss_per_actor_b: Math.round(delta(afterLoad, "rss")),
      },
      durability: { rows, acked, ok: rows === acked },
      baseline: {
        fixes_per_s: Math.round(base.r.ackedPerSec),
        ack_ms: lat(base.r),
        pool: bl.poolSize,
        engine_over_baseline: round(engineRate / base.r.ackedPerSec, 1),
        cores: cpuJson(base.w.cpu),
      },
      problems,
      ...(profile ? { profile } : {}),
    };
  } finally {
    await runCleanups(mark);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function report(plan: Plan, results: KindResult[]): void {
  const cols = results.map((r) => (r.kind === "pglite" ? "PGlite" : "PostgreSQL"));
  const W0 = 48;
  const W = 22;
  const lines: string[] = [];
  const row = (label: string, cells: string[], note = "") => lines.push(label.padEnd(W0) + cells.map((c) => c.padStart(W)).join("") + (note ? `   ${note}` : ""));
  const head = (t: string) => lines.push("", t);
  const n = (v: number) => (Number.isFinite(v) ? `${v}` : "n/a");
  const pair = (a: number, b: number) => `${n(a)} / ${n(b)}`;
  const cores = (c: Cpu) => `${n(c.server)}/${n(c.postgres)}/${n(c.loadgen)}/${n(c.other)}`;
  const pgr = results.find((r) => r.kind === "postgres");

  lines.push(
    `Ingest benchmark (${plan.quick ? "quick" : "full"}): ${fmtInt(plan.collars)} collars, ${plan.connections} gateway connections, batches ≤ ${plan.batch} fixes, seed ${plan.seed}`,
    `machine: ${os.cpus().length} cores, ${fmtBytes(os.totalmem())}; node ${process.version}; server in its own process (--expose-gc); load generator + dashboard client in this one`,
    `"cores" = CPU used over the window, in cores: server process / all postgres processes / load generator / other processes on the machine`,
  );
  row("", cols);
  row("load average at start (1/5/15 min)", results.map((r) => r.loadavg_at_start.join(" ")));
  row("setup: server start / bulk register (ms)", results.map((r) => `${r.setup.server_start_ms} / ${r.setup.register_ms}`));
  row("warm-up: actors activated (1 fix each), s", results.map((r) => `${r.warmup.actors} in ${round(r.warmup.ms / 1000, 1)}`));

  head(`1. Durable ingest throughput — closed loop, ${plan.inflight} fixes in flight per connection, ${plan.throughput.measureMs / 1000} s window after ${plan.throughput.warmMs / 1000} s warm-up`);
  row("fixes/s acked (durable)", results.map((r) => fmtInt(r.throughput.fixes_per_s)), "target ≥ 20,000 on PostgreSQL");
  row("ack latency p50 / p99 (ms)", results.map((r) => pair(r.throughput.ack_ms.p50, r.throughput.ack_ms.p99)), "≈ fixes in flight ÷ throughput");
  row("cores: server/postgres/loadgen/other", results.map((r) => cores(r.throughput.cores)));
  row("server event-loop delay p99 / max (ms)", results.map((r) => pair(r.throughput.event_loop_ms.p99, r.throughput.event_loop_ms.max)));
  head(`1b. Ack latency at an offered ${fmtInt(plan.paced.rate)} fixes/s (paced, ≤ ${plan.paced.inflight} in flight per connection, ${plan.paced.measureMs / 1000} s window)`);
  row("offered / acked fixes/s", results.map((r) => `${fmtInt(r.paced.offered_per_s)} / ${fmtInt(r.paced.fixes_per_s)}`));
  row("ack latency p50 / p99 (ms)", results.map((r) => pair(r.paced.ack_ms.p50, r.paced.ack_ms.p99)), "target p99 < 250 on PostgreSQL");
  row("cores: server/postgres/loadgen/other", results.map((r) => cores(r.paced.cores)));
  row("server event-loop delay p99 / max (ms)", results.map((r) => pair(r.paced.event_loop_ms.p99, r.paced.event_loop_ms.max)));

  head(`2. Fix → dashboard latency at ${fmtInt(plan.dashboard.rate)} fixes/s (Socket.IO /live, subscribe {all:true}, ${plan.dashboard.measureMs / 1000} s window)`);
  row("offered fixes/s", results.map((r) => fmtInt(r.dashboard.offered_per_s)));
  row("positions matched / fixes sent in window", results.map((r) => `${fmtInt(r.dashboard.positions_matched)} / ${fmtInt(r.dashboard.fixes_in_window)}`));
  row("send → position p50 / p99 (ms)", results.map((r) => pair(r.dashboard.latency_ms.p50, r.dashboard.latency_ms.p99)), "target p99 < 50");
  row("send → position max (ms)", results.map((r) => n(r.dashboard.latency_ms.max)));
  row("send → ack p50 / p99 (ms)", results.map((r) => pair(r.dashboard.ack_ms.p50, r.dashboard.ack_ms.p99)));
  row("cores: server/postgres/loadgen/other", results.map((r) => cores(r.dashboard.cores)));
  row("server event-loop delay p99 / max (ms)", results.map((r) => pair(r.dashboard.event_loop_ms.p99, r.dashboard.event_loop_ms.max)));

  head(`3. Server memory per live actor (after full GC; Δ from before the first fix)`);
  row("actors live", results.map((r) => fmtInt(r.memory.actors_live)));
  row("heap + ArrayBuffers per actor, after load", results.map((r) => fmtBytes(r.memory.heap_plus_buffers_per_actor_b)), "target ≤ 8 KiB");
  row("  JS heap per actor", results.map((r) => fmtBytes(r.memory.heap_per_actor_b)));
  row("  ArrayBuffers per actor (fix windows)", results.map((r) => fmtBytes(r.memory.array_buffers_per_actor_b)), "outside the V8 heap");
  row("  JS heap per actor after its first fix", results.map((r) => fmtBytes(r.memory.heap_per_actor_first_fix_b)));
  row("  fixes per actor after load", results.map((r) => String(r.memory.fixes_per_actor)));
  row("heap + ArrayBuffers per 10k actors", results.map((r) => fmtBytes(r.memory.heap_plus_buffers_per_10k_actors_b)));
  row("heap used before → after load", results.map((r) => `${fmtBytes(r.memory.before.heapUsed)} → ${fmtBytes(r.memory.after_load.heapUsed)}`));
  row("RSS before → after load", results.map((r) => `${fmtBytes(r.memory.before.rss)} → ${fmtBytes(r.memory.after_load.rss)}`));
  row("RSS per actor (noisy: DB buffers, allocator)", results.map((r) => fmtBytes(r.memory.rss_per_actor_b)));

  head(`4. Naive baseline — one awaited INSERT … VALUES per fix, ack after each (same DB, same fixes, same load shape)`);
  row("fixes/s acked", results.map((r) => fmtInt(r.baseline.fixes_per_s)));
  row("ack latency p50 / p99 (ms)", results.map((r) => pair(r.baseline.ack_ms.p50, r.baseline.ack_ms.p99)));
  row("DB connections", results.map((r) => String(r.baseline.pool)));
  row("cores: server/postgres/loadgen/other", results.map((r) => cores(r.baseline.cores)));
  row("engine (1.) / baseline throughput", results.map((r) => `${r.baseline.engine_over_baseline}×`));

  head(`5. One snapshot round (every live actor saved at once) under ${fmtInt(plan.dashboard.rate)} fixes/s, ${plan.snapshot.measureMs / 1000} s window`);
  row("round: snapshots / trigger → committed (ms)", results.map((r) => (r.snapshot_round ? `${fmtInt(r.snapshot_round.snapshots)} / ${n(r.snapshot_round.round_ms)}` : "n/a")), "engine default: every 60 s");
  row("state stored per round / per actor", results.map((r) => (r.snapshot_round ? `${fmtBytes(r.snapshot_round.state_bytes)} / ${fmtBytes(r.snapshot_round.state_bytes / r.snapshot_round.snapshots)}` : "n/a")), "pg_column_size(state): a new row per actor per round");
  row("server event-loop delay max (ms)", results.map((r) => (r.snapshot_round ? n(r.snapshot_round.event_loop_ms.max) : "n/a")));
  row("send → ack p99 / max (ms)", results.map((r) => (r.snapshot_round ? pair(r.snapshot_round.ack_ms.p99, r.snapshot_round.ack_ms.max) : "n/a")));
  row("send → position p99 / max (ms)", results.map((r) => (r.snapshot_round ? pair(r.snapshot_round.latency_ms.p99, r.snapshot_round.latency_ms.max) : "n/a")));

  head("Checks");
  row("durability: acked fixes = rows stored", results.map((r) => `${r.durability.ok ? "ok" : "MISMATCH"} (${fmtInt(r.durability.rows)})`));
  if (pgr) {
    const t1 = pgr.throughput.fixes_per_s >= 20_000 && pgr.paced.ack_ms.p99 < 250 && pgr.paced.fixes_per_s >= 0.98 * plan.paced.rate;
    lines.push(
      `targets on PostgreSQL: ≥ 20k fixes/s with p99 ack < 250 ms: ${t1 ? "PASS" : "FAIL"}; dashboard p99 < 50 ms: ${pgr.dashboard.latency_ms.p99 < 50 ? "PASS" : "FAIL"}; ≤ 8 KiB per actor: ${pgr.memory.heap_plus_buffers_per_actor_b <= 8192 ? "PASS" : "FAIL"}`,
    );
  }
  for (const r of results) {
    const other = Math.max(r.throughput.cores.other, r.paced.cores.other, r.dashboard.cores.other);
    if (other > 0.15) lines.push(`note (${r.kind}): other processes used up to ${other} cores during the measure windows; results are pessimistic`);
  }
  for (const r of results) for (const p of r.problems) lines.push(`problem (${r.kind}): ${p}`);
  for (const r of results) {
    if (!r.profile) continue;
    lines.push("", `CPU profile of the ${r.kind} server process during phases 1 + 1b (${round(r.profile.totalMs / 1000, 1)} s; ${r.profile.file})`, "  self time by file:");
    for (const f of r.profile.files.slice(0, 15)) lines.push(`    ${String(f.pct).padStart(5)}%  ${fmtInt(f.selfMs).padStart(7)} ms  ${f.file}`);
    lines.push("  self time by function:");
    for (const f of r.profile.functions.slice(0, 25)) lines.push(`    ${String(f.pct).padStart(5)}%  ${fmtInt(f.selfMs).padStart(7)} ms  ${f.name}  ${f.where}`);
  }
  console.log(lines.join("\n"));
  const json = {
    bench: "ingest",
    mode: plan.quick ? "quick" : "full",
    seed: plan.seed,
    collars: plan.collars,
    connections: plan.connections,
    batch: plan.batch,
    inflight: plan.inflight,
    results: Object.fromEntries(results.map((r) => [r.kind, { ...r, profile: r.profile ? { file: r.profile.file, files: r.profile.files.slice(0, 10) } : undefined }])),
  };
  console.log(JSON.stringify(json));
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const plan = parseArgs(process.argv.slice(2));
  const started = performance.now();
  let interrupted = false;
  const onSignal = (sig: string) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${sig}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  const results: KindResult[] = [];
  try {
    for (const kind of plan.kinds) results.push(await runKind(kind, plan));
  } finally {
    await runCleanups();
  }
  log(`done in ${round((performance.now() - started) / 1000, 1)} s`);
  report(plan, results);
  const bad = results.some((r) => !r.durability.ok);
  process.exit(bad ? 1 : 0);
}

main().catch(async (err: unknown) => {
  console.error(`bench failed: ${(err as Error)?.stack ?? err}`);
  await runCleanups();
  process.exit(1);
});
