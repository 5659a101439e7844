// Query benchmark (`npm run bench:queries`): 10 million fixes for 1,000 animals over a year in
// PostgreSQL, then p50/p99 over HTTP for one animal's month of track, overtime hourly for a herd over
// 30 days and events nearby; and nearby over 100,000 live animals in-process.
// Flags: --fixes-per-animal N (default 10000), --animals N (default 1000), --requests N (default 200),
// --keep (reuse the database of an earlier run if it is complete).
import pg from "pg";
import { loadConfig } from "../engine/config.ts";
import { startServer } from "../gateway/server.ts";
import type { Database } from "../store/database.ts";
import { PartitionManager } from "../store/partitions.ts";
import { PostgresDatabase } from "../store/pg-database.ts";
import { fmtInt, mulberry32, round, Samples } from "./lib/stats.ts";

const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const ANIMALS = flag("animals", 1000);
const PER_ANIMAL = flag("fixes-per-animal", 10_000);
const REQUESTS = flag("requests", 200);
const KEEP = args.includes("--keep");
const HERDS = 10;
const FAMILIES = 50;
const EVENTS = 20_000;
const OBSERVATIONS = 20_000;
const START = Date.UTC(2025, 10, 21);
const YEAR_MS = 365 * 86_400_000;
const STEP_MS = Math.floor(YEAR_MS / PER_ANIMAL);
const ADMIN = "bench-admin-token-0123456789abcdef";
const PG_BASE = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432";
const DB_NAME = "wt_bench_queries";

const log = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function prepareDatabase(): Promise<boolean> {
  const admin = new pg.Client({ connectionString: `${PG_BASE}/postgres` });
  await admin.connect();
  const exists = (await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DB_NAME])).rowCount === 1;
  if (exists && KEEP) {
    await admin.end();
    return true;
  }
  await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB_NAME}`);
  await admin.end();
  return false;
}

/** Registry rows, a year of fixes, events and observations, generated in SQL (deterministic). */
async function generate(db: Database): Promise<void> {
  log(`registering ${ANIMALS} animals in ${HERDS} herds / ${FAMILIES} families`);
  await db.query(`INSERT INTO herds (id, name, species_name) SELECT 'H' || h, 'Herd ' || h, 'Loxodonta africana' FROM generate_series(1, ${HERDS}) h`);
  await db.query(`INSERT INTO families (id, herd_id, friendly_name) SELECT 'F' || f, 'H' || (1 + f % ${HERDS}), 'Family ' || f FROM generate_series(1, ${FAMILIES}) f`);
  await db.query(`INSERT INTO animals (id, name, species, family_id) SELECT 'A' || a, 'Animal ' || a, 'elephant', 'F' || (1 + a % ${FAMILIES}) FROM generate_series(1, ${ANIMALS}) a`);
  await db.query(`INSERT INTO collars (id, model) SELECT 'Q' || a, 'bench' FROM generate_series(1, ${ANIMALS}) a`);
  await db.query(`INSERT INTO deployments (id, collar_id, animal_id, from_ts) SELECT 'D' || a, 'Q' || a, 'A' || a, to_timestamp(${START / 1000}) FROM generate_series(1, ${ANIMALS}) a`);

  // Smooth deterministic paths in the Mara; one row per animal per STEP_MS.
  const fixesSql = (fromAnimal: number, toAnimal: number, everyNth = 1) => `
    INSERT INTO fixes (collar_id, ts, animal_id, lat, lon, step_m, speed_kmh, interval_s, distance_today_m, battery, quality)
    SELECT 'Q' || a, to_timestamp((${START} + i::bigint * ${STEP_MS}) / 1000.0), 'A' || a,
           -1.7 + 0.3 * sin(a * 0.7 + i * 0.002) + 0.02 * sin(i * 0.05 + a),
           35.1 + 0.4 * cos(a * 1.3 + i * 0.0017) + 0.02 * cos(i * 0.07 + a),
           200 + 150 * sin(i + a), (200 + 150 * sin(i + a)) / ${STEP_MS / 1000} * 3.6, ${STEP_MS / 1000},
           (i % 27) * 200, 90 - (i * 50.0 / ${PER_ANIMAL}), '{}'
    FROM generate_series(${fromAnimal}, ${toAnimal}) a, generate_series(0, ${PER_ANIMAL - 1}) i
    WHERE i % ${everyNth} = 0
    ON CONFLICT (collar_id, ts) DO NOTHING`;
  // Weekly partitions first (the engine's own path for historical data): a sparse seed lands in the
  // default partition, repartitionDefault() creates the weeks, then the bulk goes straight into them.
  await db.query(fixesSql(1, 1, Math.max(1, Math.floor((7 * 86_400_000) / STEP_MS / 2))));
  log("creating weekly partitions for the year");
  const partitions = new PartitionManager(db);
  await partitions.repartitionDefault(new Date(START + YEAR_MS));
  const chunk = Math.max(1, Math.floor(1_000_000 / PER_ANIMAL));
  for (let a = 1; a <= ANIMALS; a += chunk) {
    const t0 = Date.now();
    await db.query(fixesSql(a, Math.min(ANIMALS, a + chunk - 1)));
    log(`fixes for animals ${a}–${Math.min(ANIMALS, a + chunk - 1)} (${Date.now() - t0} ms)`);
  }
  await db.query("SELECT setseed(0.42)");
  log(`events (${EVENTS}) and observations (${OBSERVATIONS})`);
  await db.query(`INSERT INTO events (id, family_id, description, ts, lat, lon)
    SELECT 'E' || e, 'F' || (1 + e % ${FAMILIES}), 'event ' || e, to_timestamp((${START} + random() * ${YEAR_MS}) / 1000.0),
           -2.2 + random(), 34.6 + random() FROM generate_series(1, ${EVENTS}) e`);
  await db.query(`INSERT INTO observations (id, family_id, ts, lat, lon, size, health)
    SELECT 'O' || o, 'F' || (1 + o % ${FAMILIES}), to_timestamp((${START} + random() * ${YEAR_MS}) / 1000.0),
           -2.2 + random(), 34.6 + random(), 5 + floor(random() * 20)::int, round((random() * 10)::numeric, 1)
    FROM generate_series(1, ${OBSERVATIONS}) o`);
  log("ANALYZE");
  await db.query("ANALYZE");
}

async function timeRequests(name: string, n: number, url: (i: number) => string, base: string): Promise<{ name: string; p50: number; p99: number; items: number }> {
  const samples = new Samples();
  let items = 0;
  for (let i = -20; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(base + url(i), { headers: { Authorization: `Bearer ${ADMIN}` } });
    const body = (await res.json()) as { items?: unknown[] };
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    if (i >= 0) {
      samples.add(ms);
      items += body.items?.length ?? 0;
    }
  }
  const [p50, p99] = samples.percentiles(50, 99);
  return { name, p50: round(p50!, 2), p99: round(p99!, 2), items: Math.round(items / n) };
}

async function main(): Promise<void> {
  const reuse = await prepareDatabase();
  const url = `${PG_BASE}/${DB_NAME}`;
  const server = await startServer(loadConfig({ PORT: "0", DATABASE_URL: url, WT_ADMIN_TOKEN: ADMIN, WT_DEMO: "0", WT_DATA_DIR: "./data/bench-queries" }), { log: () => {} });
  try {
    const db = new PostgresDatabase(url, 2);
    const have = Number((await db.query<{ n: number }>("SELECT count(*) AS n FROM fixes")).rows[0]?.n ?? 0);
    if (!reuse || have < ANIMALS * PER_ANIMAL) {
      const t0 = Date.now();
      if (reuse) throw new Error("--keep: the kept database is incomplete; run without --keep");
      await generate(db);
      log(`generated in ${round((Date.now() - t0) / 1000, 1)} s`);
    }
    const total = Number((await db.query<{ n: number }>("SELECT count(*) AS n FROM fixes")).rows[0]?.n ?? 0);
    await db.close();
    // The server's registry was loaded before the rows existed: restart it so it knows them.
    await server.close();
    const live = await startServer(loadConfig({ PORT: "0", DATABASE_URL: url, WT_ADMIN_TOKEN: ADMIN, WT_DEMO: "0", WT_DATA_DIR: "./data/bench-queries" }), { log: () => {} });
    try {
      const rnd = mulberry32(20261121);
      const month = 30 * 86_400_000;
      const window = () => {
        const from = START + Math.floor(rnd() * (YEAR_MS - month));
        return `from=${new Date(from).toISOString()}&to=${new Date(from + month).toISOString()}`;
      };
      const results = [
        await timeRequests("track: one animal, one month", REQUESTS, () => `/api/v1/animals/A${1 + Math.floor(rnd() * ANIMALS)}/track?${window()}&limit=1000`, live.url),
        await timeRequests("overtime: herd, hourly, 30 days", REQUESTS, () => `/api/v1/overtime?bucket=1h&herd=H${1 + Math.floor(rnd() * HERDS)}&${window()}`, live.url),
        await timeRequests("events nearby: 5 km, 30 days", REQUESTS, () => `/api/v1/events/nearby?lat=${-2.2 + rnd()}&lon=${34.6 + rnd()}&radius_m=5000&${window()}`, live.url),
      ];
      console.log(`Query benchmark: ${fmtInt(total)} fixes, ${ANIMALS} animals over a year, PostgreSQL; ${REQUESTS} requests each over HTTP after 20 warm-up`);
      console.log(`${"query".padEnd(36)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"items".padStart(7)}   target`);
      const targets: Record<string, string> = { track: "p99 < 50 ms", overtime: "p99 < 300 ms", events: "" };
      for (const r of results) {
        console.log(`${r.name.padEnd(36)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${String(r.items).padStart(7)}   ${targets[r.name.split(/[ :]/)[0]!] ?? ""}`);
      }
      console.log(JSON.stringify({ bench: "queries", fixes: total, animals: ANIMALS, results }));
    } finally {
      await live.close();
    }
  } catch (err) {
    await server.close().catch(() => {});
    throw err;
  }
}

await main();
