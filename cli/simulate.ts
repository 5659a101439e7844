// `wt simulate`: simulated collars streaming to a server over /ingest, resending until acked.
import { parseArgs } from "node:util";
import { CollarFleet } from "../simulator/collar-fleet.ts";
import type { CollarSpec } from "../simulator/collar-track.ts";
import type { FleetStats } from "../simulator/fleet-stats.ts";
import { SPECIES, type Species } from "../simulator/movement.ts";
import { apiBaseFromIngestUrl, registerCollars } from "../simulator/register.ts";
import type { Io } from "./main.ts";
import { UsageError } from "./args.ts";

const HELP = `Usage: wt simulate --url ws://HOST:PORT/ingest --token TOKEN [options]

Drives simulated GPS collars (elephants and wildebeest on a correlated random walk in a
synthetic Mara–Serengeti area) against a server over the /ingest WebSocket protocol, with a
gateway token. Every fix is resent after a reconnect until it is acked; nacked fixes are dropped.

Options:
  --url URL            ingest WebSocket, e.g. ws://127.0.0.1:8080/ingest (a bare host gets /ingest)
  --token TOKEN        gateway token; with --register a manager or admin token
  --collars N          number of collars (default 10)
  --rate R             total fixes per second across all collars (default 10)
  --interval SECONDS   simulated time between two fixes of a collar (default 60)
  --fixes N            fixes per collar, then wait for every ack and exit; without it the run is
                       endless: the backlog is sent at --rate, then fixes follow in real time
  --start TIME         time of the first fix, ISO 8601 or epoch ms
                       (default: now − fixes × interval, so a finite run ends near now; else now)
  --connections C      WebSocket connections to spread the collars over (default min(collars, 8))
  --batch B            fixes per batch frame, 1–1000 (default 1: single fix frames)
  --max-in-flight M    unacked fixes per connection before sending pauses (default 5000)
  --seed S             random seed: the same seed and options give the same fixes (default 1)
  --prefix P           collar id prefix (default SIM: SIM001, SIM002, …)
  --species LIST       comma-separated species, assigned in turn (default elephant,wildebeest)
  --herd-size N        collars per herd; a herd starts within 1.5 km of a common centre (default 6)
  --register           first create, over REST on the same host, an animal and a deployed collar
                       for each simulated collar (existing collars are kept) and a gateway whose
                       token is used for streaming; needs a manager or admin --token
  --json               print the final stats as one JSON object on the last line of stdout
  --quiet              no progress lines (otherwise one every 5 s on stderr)
  --help               show this help

Ctrl-C stops, prints the stats and exits 0 (130 if a --fixes run had not finished).
Errors go to stderr with exit code 1.

Example:
  wt simulate --url ws://127.0.0.1:8080/ingest --token "$ADMIN" --register --collars 50 --rate 200 --fixes 100
`;

const defaultIo: Io = { stdout: (s) => process.stdout.write(s + "\n"), stderr: (s) => process.stderr.write(s + "\n") };


function int(v: string | undefined, name: string, min: number, fallback?: number): number | undefined {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min} (got "${v}")`);
  return n;
}

function positive(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${name} must be a positive number (got "${v}")`);
  return n;
}

function ingestUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--url must be a URL like ws://127.0.0.1:8080/ingest (got "${raw}")`);
  }
  if (u.protocol === "http:" || u.protocol === "https:") u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  if (u.protocol !== "ws:" && u.protocol !== "wss:") throw new UsageError(`--url must be ws:// or wss:// (got "${raw}")`);
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/ingest";
  return u.toString();
}

function parseStart(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw new UsageError(`--start must be ISO 8601 or epoch milliseconds (got "${v}")`);
  return t;
}

/** Collars PREFIX001…, species in turn, herds of herdSize per species. */
export function simulatedCollars(n: number, prefix: string, species: Species[], herdSize: number): CollarSpec[] {
  const width = Math.max(3, String(n).length);
  const perSpecies = new Map<Species, number>();
  return Array.from({ length: n }, (_, i) => {
    const sp = species[i % species.length]!;
    const k = perSpecies.get(sp) ?? 0;
    perSpecies.set(sp, k + 1);
    return { id: `${prefix}${String(i + 1).padStart(width, "0")}`, species: sp, herd: `${prefix}-${sp}-${Math.floor(k / herdSize) + 1}` };
  });
}

function progressLine(s: FleetStats): string {
  const lat = s.latencyMs.count ? ` | ack p50 ${s.latencyMs.p50} ms p99 ${s.latencyMs.p99} ms` : "";
  const errs = Object.values(s.errors).reduce((a, b) => a + b, 0);
  return (
    `simulate: ${(s.elapsedMs / 1000).toFixed(1)} s sent ${s.sent} (+${s.resent} resent) acked ${s.acked} nacked ${s.nacked} ` +
    `unacked ${s.unacked} | ${s.ackedPerSecond} acked/s${lat} | connected ${s.connected}/${s.connections} reconnects ${s.reconnects} errors ${errs}`
  );
}

function jsonStats(s: FleetStats, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    ...extra,
    collars: s.collars,
    connections: s.connections,
    generated: s.generated,
    sent: s.sent,
    resent: s.resent,
    acked: s.acked,
    nacked: s.nacked,
    unacked: s.unacked,
    frames: s.frames,
    reconnects: s.reconnects,
    disconnects: s.disconnects,
    errors: s.errors,
    nacks: s.nacks,
    elapsed_ms: s.elapsedMs,
    acked_per_s: s.ackedPerSecond,
    latency_ms: { p50: s.latencyMs.p50, p99: s.latencyMs.p99, max: s.latencyMs.max, mean: s.latencyMs.mean },
  };
}

export async function runSimulate(argv: string[], io: Io = defaultIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        collars: { type: "string" },
        rate: { type: "string" },
        interval: { type: "string" },
        fixes: { type: "string" },
        start: { type: "string" },
        connections: { type: "string" },
        batch: { type: "string" },
        "max-in-flight": { type: "string" },
        seed: { type: "string" },
        prefix: { type: "string" },
        species: { type: "string" },
        "herd-size": { type: "string" },
        register: { type: "boolean" },
        json: { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean" },
      },
    }).values;
  } catch (err) {
    io.stderr(`wt simulate: ${(err as Error).message} (try wt simulate --help)`);
    return 1;
  }
  if (args.help) {
    io.stdout(HELP);
    return 0;
  }

  let fleet: CollarFleet;
  let meta: Record<string, unknown>;
  try {
    if (!args.url) throw new UsageError("--url is required (e.g. ws://127.0.0.1:8080/ingest)");
    if (!args.token) throw new UsageError("--token is required (a gateway token, or a manager/admin token with --register)");
    const url = ingestUrl(args.url);
    const species = (args.species ?? "elephant,wildebeest").split(",").map((s) => s.trim()).filter(Boolean);
    for (const s of species)
      if (!(SPECIES as readonly string[]).includes(s)) throw new UsageError(`--species: unknown species "${s}" (known: ${SPECIES.join(", ")})`);
    if (species.length === 0) throw new UsageError("--species must name at least one species");
    const prefix = args.prefix ?? "SIM";
    if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new UsageError("--prefix may only contain letters, digits, _ and -");
    const nCollars = int(args.collars, "collars", 1, 10)!;
    const collars = simulatedCollars(nCollars, prefix, species as Species[], int(args["herd-size"], "herd-size", 1, 6)!);
    const seed = args.seed === undefined ? 1 : /^-?\d+$/.test(args.seed) ? Number(args.seed) : args.seed;

    let token = args.token;
    if (args.register) {
      const reg = await registerCollars({
        apiBase: apiBaseFromIngestUrl(url),
        token,
        collars,
        gatewayName: `${prefix} simulator`,
        log: args.quiet ? undefined : (line) => io.stderr(`simulate: ${line}`),
      });
      token = reg.gatewayToken;
      meta = { registered: reg.created, already_registered: reg.existing, gateway: reg.gatewayId };
    } else meta = {};

    fleet = new CollarFleet({
      url,
      token,
      collars,
      ratePerSecond: positive(args.rate, "rate", 10),
      intervalSeconds: positive(args.interval, "interval", 60),
      fixesPerCollar: int(args.fixes, "fixes", 1),
      start: parseStart(args.start),
      connections: int(args.connections, "connections", 1),
      batchSize: int(args.batch, "batch", 1),
      maxInFlight: int(args["max-in-flight"], "max-in-flight", 1),
      seed,
      log: args.quiet ? undefined : (line) => io.stderr(`simulate: ${line}`),
    });
    const o = fleet.options;
    meta = { ...meta, seed: o.seed, start: new Date(o.start).toISOString(), interval_s: o.intervalSeconds, fixes_per_collar: o.fixesPerCollar ?? null };
  } catch (err) {
    io.stderr(`wt simulate: ${(err as Error).message}`);
    return 1;
  }

  const o = fleet.options;
  if (!args.quiet)
    io.stderr(
      `simulate: ${o.collars.length} collars → ${o.url} over ${o.connections} connection(s), ${o.ratePerSecond} fixes/s, ` +
        `${o.fixesPerCollar === undefined ? "endless" : `${o.fixesPerCollar} fixes each`}, from ${new Date(o.start).toISOString()} every ${o.intervalSeconds} s`,
    );
  const progress = args.quiet ? null : setInterval(() => io.stderr(progressLine(fleet.stats())), 5_000);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    void fleet.stop(); // done() resolves once the sockets are closed
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let code = 0;
  try {
    fleet.start();
    await fleet.done();
    if (interrupted && o.fixesPerCollar !== undefined && !fleet.finished) code = 130;
  } catch (err) {
    io.stderr(`wt simulate: ${(err as Error).message}`);
    code = 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (progress) clearInterval(progress);
  }
  const s = fleet.stats();
  if (s.nacked > 0) io.stderr(`wt simulate: ${s.nacked} fixes were nacked: ${JSON.stringify(s.nacks)}`);
  if (args.json) io.stdout(JSON.stringify({ ...jsonStats(s, meta), completed: fleet.finished }));
  else io.stdout(progressLine(s).replace(/^simulate: /, interrupted ? "stopped: " : "done: "));
  return code;
}
