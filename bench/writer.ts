// Throughput of BatchingFixWriter with the full index set (unique, (animal_id, ts), BRIN, GiST).
//   node bin/run-ts.mjs bench/writer.ts pg [N] [concurrency]      → database wt_store_bench, recreated
//   node bin/run-ts.mjs bench/writer.ts pglite [N] [dir|memory://]
// Fixes stream in 1,000 per event-loop turn (like socket reads); the clock stops when all are stored.
import pg from "pg";
import type { FixRecord } from "../engine/types.ts";
import type { Database } from "../store/database.ts";
import { BatchingFixWriter } from "../store/fix-writer.ts";
import { migrate } from "../store/migrate.ts";
import { PartitionManager } from "../store/partitions.ts";
import { PgliteDatabase } from "../store/pglite-database.ts";
import { PostgresDatabase } from "../store/pg-database.ts";

const [kind = "pg", nArg = "200000", extra] = process.argv.slice(2);
const N = Number(nArg);
const BASE_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function open(): Promise<Database> {
  if (kind === "pglite") return PgliteDatabase.open(extra ?? "memory://");
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query("DROP DATABASE IF EXISTS wt_store_bench");
  await admin.query("CREATE DATABASE wt_store_bench");
  await admin.end();
  const url = new URL(BASE_URL);
  url.pathname = "/wt_store_bench";
  return new PostgresDatabase(url.toString());
}

const db = await open();
await migrate(db);
await new PartitionManager(db).ensure();

const collars = 500;
const start = Date.now() - 3 * 86_400_000;
const fixes: FixRecord[] = Array.from({ length: N }, (_, i) => ({
  collar: `C${i % collars}`,
  animal: `A${i % collars}`,
  ts: start + Math.floor(i / collars) * 60_000,
  lat: -1 + Math.random(),
  lon: 36 + Math.random(),
  alt: 1500,
  speed: 3.2,
  heading: 120,
  hdop: 1.1,
  sats: 9,
  battery: 80,
  temp: 24.5,
  activity: 12,
  step_m: 55.3,
  turn_deg: 12,
  speed_kmh: 3.3,
  heading_deg: 118,
  interval_s: 60,
  distance_today_m: 1234.5,
  quality: i % 50 === 0 ? ["duplicate"] : [],
  received_at: Date.now(),
}));

const writer = new BatchingFixWriter(db, kind === "pg" && extra ? { concurrency: Number(extra) } : {});
let stored = 0;
const ticket = { stored: () => void stored++, rejected: (m: string) => console.error("rejected:", m) };
const t0 = performance.now();
let i = 0;
await new Promise<void>((resolve) => {
  const pump = () => {
    for (let k = 0; k < 1000 && i < N; k++, i++) writer.enqueue({ kind: "fix", record: fixes[i]!, ticket });
    if (i < N) setImmediate(pump);
    else resolve();
  };
  pump();
});
await writer.close();
const seconds = (performance.now() - t0) / 1000;
const rows = await db.query<{ n: number }>("SELECT count(*) AS n FROM fixes");
console.log(`${kind}: ${N} fixes in ${seconds.toFixed(2)} s = ${Math.round(N / seconds)} fixes/s (stored ${stored}, rows ${rows.rows[0]!.n})`);
await db.close();
