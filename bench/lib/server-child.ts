// The server side of the ingest benchmark, in its own process (so the load generator does not share
// its event loop, and --expose-gc is set for clean heap readings). Driven over IPC by bench/ingest.ts:
//   start     → starts the real server (startServer), bulk-registers the fleet with SQL, tells the
//               in-memory registry, creates a gateway token over REST
//   mem       → gc, then process.memoryUsage() and live actor count
//   baseline  → starts the naive backend: `ws` server, one awaited INSERT per fix, ack after each
//   count / truncate / cpu / stop
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import pg from "pg";
import { WebSocketServer, type WebSocket } from "ws";
import { loadConfig } from "../../engine/config.ts";
import { startServer, type RunningServer } from "../../gateway/server.ts";
import type { Queryable } from "../../store/database.ts";
import { animalId, BENCH_SPECIES, collarId } from "./fleet.ts";

export const BENCH_ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";

export interface StartArgs {
  kind: "postgres" | "pglite";
  databaseUrl?: string;
  dataDir: string;
  collars: number;
  /** Epoch ms every deployment starts at (before any fix). */
  deployedFrom: number;
}

export interface StartResult {
  /** False when the actor sweep timer could not be found: snapshot rounds then run on their own 60 s timer. */
  sweepControl: boolean;
  url: string;
  wsUrl: string;
  gatewayToken: string;
  adminToken: string;
  registerMs: number;
  startMs: number;
}

export interface MemResult {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  actorsLive: number;
  writerDepth: number;
  gc: boolean;
}

type Request = { id: number; cmd: string; args?: unknown };

let server: RunningServer | null = null;
/** The actor system's sweep (snapshot round + passivation), taken over from its timer. */
let sweepNow: (() => void) | null = null;

/**
 * Starts the server while watching setInterval: the actor system's sweep timer is recognised by its
 * period and body, stopped, and kept so the bench can run a snapshot round when it chooses (instead
 * of every 60 s at a random point of some phase). Nothing in the engine is changed.
 */
async function startWithSweepControl(env: Record<string, string>): Promise<RunningServer> {
  const SWEEP_PERIOD_MS = 1000; // = min(WT_ACTOR_IDLE_S, WT_SNAPSHOT_INTERVAL_S) below
  const real = globalThis.setInterval;
  const captured: Array<{ fn: () => void; timer: NodeJS.Timeout }> = [];
  globalThis.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
    const timer = real(fn, ms, ...rest);
    if (ms === SWEEP_PERIOD_MS && /sweep/.test(String(fn))) captured.push({ fn: fn as () => void, timer });
    return timer;
  }) as typeof setInterval;
  let s: RunningServer;
  try {
    s = await startServer(loadConfig({ ...env, WT_SNAPSHOT_INTERVAL_S: "1" }), { log: (l) => console.error(`[server] ${l}`) });
  } finally {
    globalThis.setInterval = real;
  }
  if (captured.length === 1) {
    clearInterval(captured[0]!.timer);
    sweepNow = captured[0]!.fn;
    return s;
  }
  // Not found (the engine changed): restart with the default configuration and let rounds happen.
  console.error(`[bench] actor sweep timer not found (${captured.length} candidates): snapshot rounds keep their own timer`);
  await s.close();
  sweepNow = null;
  return startServer(loadConfig(env), { log: (l) => console.error(`[server] ${l}`) });
}
let baseline: { wss: WebSocketServer; pool: pg.Pool | null; stopping: boolean; idle: () => Promise<void> } | null = null;
let databaseUrl: string | undefined;

async function start(a: StartArgs): Promise<StartResult> {
  const t0 = performance.now();
  databaseUrl = a.databaseUrl;
  server = await startWithSweepControl({
    PORT: "0",
    HOST: "127.0.0.1",
    WT_DATA_DIR: a.dataDir,
    WT_DEMO: "0",
    WT_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    // 8 gateway connections carry 10,000 collars: a per-connection message limit sized for one
    // collar would measure the limiter, not the engine.
    WT_INGEST_MSG_RATE: "1000000",
    ...(a.databaseUrl ? { DATABASE_URL: a.databaseUrl } : {}),
  });
  const startMs = performance.now() - t0;

  // Bulk registration: three set-based INSERTs, then the same facts into the in-memory registry
  // (what the REST handlers would have done one by one).
  const t1 = performance.now();
  const n = a.collars;
  const from = new Date(a.deployedFrom).toISOString();
  await server.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO animals (id, name, species, sex, status)
       SELECT 'ani_bench_' || lpad(i::text, 6, '0'), 'Bench animal ' || i, $2, CASE WHEN i % 2 = 0 THEN 'female' ELSE 'male' END, 'active'
       FROM generate_series(0, $1::int - 1) AS i`,
      [n, BENCH_SPECIES],
    );
    await tx.query(`INSERT INTO collars (id, model) SELECT 'BC' || lpad(i::text, 6, '0'), 'bench-gps' FROM generate_series(0, $1::int - 1) AS i`, [n]);
    await tx.query(
      `INSERT INTO deployments (id, collar_id, animal_id, from_ts)
       SELECT 'dep_bench_' || i, 'BC' || lpad(i::text, 6, '0'), 'ani_bench_' || lpad(i::text, 6, '0'), $2::timestamptz
       FROM generate_series(0, $1::int - 1) AS i`,
      [n, from],
    );
  });
  const registry = server.services.registry;
  for (let i = 0; i < n; i++) {
    const id = animalId(i);
    registry.setProfile({ id, name: `Bench animal ${i}`, species: BENCH_SPECIES, herd: null, family: null });
    registry.addCollar(collarId(i));
    registry.addDeployment({ collar_id: collarId(i), animal_id: id, from: a.deployedFrom, to: null });
  }
  const registerMs = performance.now() - t1;

  const res = await fetch(`${server.url}/api/v1/gateways`, {
    method: "POST",
    headers: { Authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "bench gateway" }),
  });
  if (res.status !== 201) throw new Error(`POST /api/v1/gateways: ${res.status} ${await res.text()}`);
  const gw = (await res.json()) as { token: string };
  return { sweepControl: sweepNow !== null, url: server.url, wsUrl: server.url.replace(/^http/, "ws") + "/ingest", gatewayToken: gw.token, adminToken: BENCH_ADMIN_TOKEN, registerMs, startMs };
}

async function gauge(name: string): Promise<number> {
  const metric = server!.services.metrics.registry.getSingleMetric(name);
  if (!metric) return NaN;
  const v = await metric.get();
  return Number(v.values[0]?.value ?? NaN);
}

async function mem(): Promise<MemResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    actorsLive: await gauge("wt_actors_live"),
    writerDepth: await gauge("wt_writer_queue_depth"),
    gc: !!gc,
  };
}

const INSERT_ONE = `INSERT INTO fixes (collar_id, ts, animal_id, lat, lon, hdop, sats, battery, received_at)
  VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8, now())`;

/**
 * The naive backend this project replaces: per connection, messages are handled one after another;
 * per fix one INSERT ... VALUES, awaited, then an ack for that fix. No validation, no auth, no
 * actors: everything it skips only flatters it.
 */
async function startBaseline(a: { poolSize: number }): Promise<{ wsUrl: string; poolSize: number }> {
  const s = server!;
  const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: a.poolSize }) : null;
  const q: Pick<Queryable, "query"> = pool ? { query: (sql, params) => pool.query(sql, params) as never } : s.db;
  const registry = s.services.registry;
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/ingest", perMessageDeflate: false });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const state = { stopping: false };
  const chains = new Set<Promise<void>>();
  wss.on("connection", (ws: WebSocket) => {
    let chain = Promise.resolve();
    ws.on("message", (data) => {
      chains.delete(chain);
      chain = chain.then(async () => {
        if (state.stopping) return; // the load stopped: what is still queued is dropped, unacked
        const msg = JSON.parse(String(data)) as { type: string; fixes?: Array<Record<string, unknown>> } & Record<string, unknown>;
        const fixes = msg.type === "batch" ? msg.fixes ?? [] : [msg];
        for (const f of fixes) {
          if (state.stopping) return;
          const collar = String(f.collar);
          const ts = String(f.ts);
          const where = registry.resolve(collar, Date.parse(ts));
          if (!("animal" in where)) {
            ws.send(JSON.stringify({ type: "nack", seq: f.seq, code: where.reason, errors: [] }));
            continue;
          }
          try {
            await q.query(INSERT_ONE, [collar, ts, where.animal.id, f.lat, f.lon, f.hdop ?? null, f.sats ?? null, f.battery ?? null]);
            ws.send(JSON.stringify({ type: "ack", seq: [f.seq] }));
          } catch (err) {
            ws.send(JSON.stringify({ type: "nack", seq: f.seq, code: "rejected", errors: [{ path: "(fix)", message: (err as Error).message }] }));
          }
        }
      });
      chains.add(chain);
    });
  });
  const port = (wss.address() as { port: number }).port;
  baseline = {
    wss,
    pool,
    get stopping() {
      return state.stopping;
    },
    set stopping(v: boolean) {
      state.stopping = v;
    },
    idle: async () => {
      await Promise.all([...chains]);
    },
  };
  return { wsUrl: `ws://127.0.0.1:${port}/ingest`, poolSize: pool ? a.poolSize : 1 };
}

async function stopBaseline(): Promise<void> {
  if (!baseline) return;
  const b = baseline;
  baseline = null;
  b.stopping = true;
  for (const c of b.wss.clients) c.terminate();
  await b.idle(); // the INSERT in progress on each connection
  await new Promise<void>((r) => b.wss.close(() => r()));
  await b.pool?.end();
}

/** Runs one snapshot round now and waits until its rows are committed. */
async function sweep(): Promise<{ ms: number; snapshots: number; bytes: number } | null> {
  if (!sweepNow) return null;
  const count = async () => (await server!.db.query<{ n: number }>("SELECT count(*)::int AS n FROM animal_snapshots")).rows[0]!.n;
  const before = await count();
  if (before !== 0) throw new Error("bench: animal_snapshots is not empty before the controlled round");
  const expected = await gauge("wt_actors_live");
  const t0 = performance.now();
  sweepNow();
  const deadline = t0 + 60_000;
  let n = before;
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    n = await count();
    if (n - before >= expected) break;
  }
  const ms = performance.now() - t0;
  // What one round adds to animal_snapshots (table + TOAST + indexes), measured from the database.
  const { rows } = await server!.db.query<{ b: number }>("SELECT sum(pg_column_size(state))::float8 AS b FROM animal_snapshots");
  return { ms, snapshots: n - before, bytes: Number(rows[0]?.b ?? NaN) };
}

const eld = monitorEventLoopDelay({ resolution: 5 });
eld.enable();
let profiler: Session | null = null;

let cpuMark = process.cpuUsage();
let cpuMarkAt = performance.now();

async function handle(cmd: string, args: unknown): Promise<unknown> {
  switch (cmd) {
    case "start":
      return start(args as StartArgs);
    case "mem":
      return mem();
    case "baseline":
      return startBaseline(args as { poolSize: number });
    case "stopBaseline":
      return stopBaseline();
    case "count": {
      const { rows } = await server!.db.query<{ n: number }>("SELECT count(*)::int AS n FROM fixes");
      return rows[0]!.n;
    }
    case "truncate":
      await server!.db.exec("TRUNCATE fixes");
      return null;
    case "cpuMark":
      cpuMark = process.cpuUsage();
      cpuMarkAt = performance.now();
      return null;
    case "cpuSince": {
      // Cores used by this process since the last mark (PGlite's WASM work included).
      const u = process.cpuUsage(cpuMark);
      return (u.user + u.system) / 1000 / (performance.now() - cpuMarkAt);
    }
    case "eldReset":
      eld.reset();
      return null;
    case "eldRead":
      // Event-loop delay since the last reset, ms (how long the loop was blocked at worst).
      return { max: eld.max / 1e6, p99: eld.percentile(99) / 1e6, mean: eld.mean / 1e6 };
    case "sweep":
      return sweep();
    case "profStart":
      profiler = new Session();
      profiler.connect();
      await profiler.post("Profiler.enable");
      await profiler.post("Profiler.setSamplingInterval", { interval: 500 });
      await profiler.post("Profiler.start");
      return null;
    case "profStop": {
      if (!profiler) return null;
      const { profile } = await profiler.post("Profiler.stop");
      profiler.disconnect();
      profiler = null;
      const file = (args as { file: string }).file;
      writeFileSync(file, JSON.stringify(profile));
      return file;
    }
    case "stop":
      await stopBaseline().catch(() => {});
      if (server) await server.close();
      server = null;
      return null;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

process.on("message", (raw: unknown) => {
  const req = raw as Request;
  handle(req.cmd, req.args).then(
    (result) => process.send!({ id: req.id, ok: true, result }),
    (err: unknown) => process.send!({ id: req.id, ok: false, error: (err as Error)?.stack ?? String(err) }),
  );
});
// The parent going away (even by SIGKILL) closes the IPC channel: shut down instead of lingering.
process.on("disconnect", () => {
  void (async () => {
    try {
      await stopBaseline();
      await server?.close();
    } finally {
      process.exit(0);
    }
  })();
});
process.send!({ ready: true });
