// The TimescaleDB branch of the migrations, on the TimescaleDB build of PGlite. That build has no
// PostGIS, hence skipPostgis (test-only): the .postgis.sql files are skipped, everything else runs.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FixRecord } from "../../engine/types.ts";
import { BatchingFixWriter } from "../../store/fix-writer.ts";
import { migrate } from "../../store/migrate.ts";
import { PartitionManager } from "../../store/partitions.ts";
import { PgliteDatabase } from "../../store/pglite-database.ts";

const fix = (i: number, ts: number): FixRecord => ({
  collar: `ts-${i % 4}`,
  animal: `animal-ts-${i % 4}`,
  ts,
  lat: -2.5,
  lon: 34.75,
  alt: null,
  speed: null,
  heading: null,
  hdop: null,
  sats: null,
  battery: null,
  temp: null,
  activity: null,
  step_m: 10,
  turn_deg: null,
  speed_kmh: 2,
  heading_deg: null,
  interval_s: 60,
  distance_today_m: 0,
  quality: ["out_of_order"],
  received_at: ts,
});

describe("store on PGlite + TimescaleDB", () => {
  let db: PgliteDatabase;
  beforeAll(async () => {
    db = await PgliteDatabase.openTimescale("memory://");
  });
  afterAll(async () => {
    await db?.close();
  });

  it("refuses to migrate without PostGIS unless told to skip it", async () => {
    await expect(migrate(db)).rejects.toThrow(/PostGIS is required: apt-get install postgresql-15-postgis-3/);
    expect((await db.query("SELECT to_regclass('wt_migrations') AS t")).rows).toEqual([{ t: null }]);
  });

  it("takes the timescale branch of every variant migration", async () => {
    const res = await migrate(db, { skipPostgis: true });
    expect(res.variant).toBe("timescale");
    // Every migration but the PostGIS-only ones (this build has no PostGIS), read from sql/.
    const files = readdirSync(fileURLToPath(new URL("../../sql/", import.meta.url))).filter((f) => /^\d{4}_.+\.sql$/.test(f));
    const expected = [...new Set(files.filter((f) => !f.endsWith(".postgis.sql")).map((f) => f.replace(/(\.(native|timescale))?\.sql$/, "")))].sort();
    expect(expected).toContain("0005_fixes");
    expect(res.applied).toEqual(expected);
    expect(await migrate(db, { skipPostgis: true })).toEqual({ applied: [], variant: "timescale" });
  });

  it("makes fixes and snapshots hypertables with compression, retention and a continuous aggregate", async () => {
    const hyper = await db.query<{ hypertable_name: string }>(
      "SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_schema = 'public' ORDER BY 1",
    );
    expect(hyper.rows.map((r) => r.hypertable_name)).toEqual(["animal_snapshots", "fixes"]);

    const comp = await db.query(
      "SELECT segmentby, orderby FROM timescaledb_information.hypertable_compression_settings WHERE hypertable = 'fixes'::regclass",
    );
    expect(comp.rows).toEqual([{ segmentby: "collar_id", orderby: "ts" }]);

    const jobs = await db.query<{ proc_name: string; hypertable_name: string; config: Record<string, unknown> }>(
      "SELECT proc_name, hypertable_name, config FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL ORDER BY proc_name",
    );
    const byProc = Object.fromEntries(jobs.rows.map((j) => [j.proc_name, j]));
    expect(byProc.policy_retention).toMatchObject({ hypertable_name: "animal_snapshots", config: { drop_after: "90 days" } });
    expect(byProc.policy_compression).toMatchObject({ hypertable_name: "fixes", config: { compress_after: "30 days" } });
    expect(byProc.policy_refresh_continuous_aggregate).toMatchObject({ hypertable_name: "fixes_hourly" });
    // Fixes are never dropped by retention.
    expect(jobs.rows.filter((j) => j.proc_name === "policy_retention").map((j) => j.hypertable_name)).toEqual(["animal_snapshots"]);

    const caggs = await db.query("SELECT view_name, materialized_only FROM timescaledb_information.continuous_aggregates");
    expect(caggs.rows).toEqual([{ view_name: "fixes_hourly", materialized_only: false }]);
  });

  it("stores fixes idempotently through the writer and aggregates them hourly", async () => {
    const base = Date.UTC(2026, 0, 5, 10);
    const fixes = Array.from({ length: 400 }, (_, i) => fix(i, base + Math.floor(i / 4) * 60_000));
    const writer = new BatchingFixWriter(db);
    let stored = 0;
    const ticket = { stored: () => void stored++, rejected: (m: string) => expect.fail(m) };
    for (const record of [...fixes, ...fixes.slice(0, 100)]) writer.enqueue({ kind: "fix", record, ticket });
    await writer.close();
    expect(stored).toBe(500);
    expect((await db.query("SELECT count(*)::int AS n FROM fixes")).rows).toEqual([{ n: 400 }]);

    // Real-time aggregation: nothing is materialised yet, the view still sees the fixes.
    const hourly = await db.query(
      "SELECT fixes::int, distance_m, mean_speed_kmh FROM fixes_hourly WHERE animal_id = 'animal-ts-0' ORDER BY bucket",
    );
    expect(hourly.rows).toEqual([
      { fixes: 60, distance_m: 600, mean_speed_kmh: 2 },
      { fixes: 40, distance_m: 400, mean_speed_kmh: 2 },
    ]);

    // Resends into a compressed chunk (a collar's late backlog) still store nothing twice.
    await db.query("SELECT compress_chunk(c) FROM show_chunks('fixes') c");
    const compressed = await db.query("SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE is_compressed");
    expect(compressed.rows).toEqual([{ n: 1 }]);
    const late = new BatchingFixWriter(db);
    for (const record of fixes.slice(200, 300)) late.enqueue({ kind: "fix", record, ticket });
    await late.close();
    expect(stored).toBe(600);
    expect((await db.query("SELECT count(*)::int AS n FROM fixes")).rows).toEqual([{ n: 400 }]);
  });

  it("leaves partitioning to TimescaleDB", async () => {
    const parts = new PartitionManager(db);
    expect(await parts.isNative()).toBe(false);
    expect(await parts.ensure()).toEqual([]);
    expect(await parts.repartitionDefault()).toEqual([]);
    expect(await parts.dropSnapshotsOlderThan(90)).toEqual([]);
  });
});
