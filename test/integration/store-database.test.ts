// The store against real databases: PostgreSQL (TEST_DATABASE_URL, schema recreated per run) and
// in-memory PGlite, with the same assertions for both.
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FixRecord, QuarantineRecord } from "../../engine/types.ts";
import type { Database, Queryable } from "../../store/database.ts";
import { BatchingFixWriter, type WriteItem } from "../../store/fix-writer.ts";
import { migrate } from "../../store/migrate.ts";
import { PartitionManager, partitionName, weekStart } from "../../store/partitions.ts";
import { PgliteDatabase } from "../../store/pglite-database.ts";
import { PostgresDatabase } from "../../store/pg-database.ts";
import { PgSnapshotStore } from "../../store/snapshot-store.ts";

const TEST_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/wt_store_test";
const SQL_DIR = fileURLToPath(new URL("../../sql/", import.meta.url));
/**
 * Every migration in sql/ with the variant the native branch takes: `postgis` for .postgis files,
 * `native` where .native/.timescale twins exist, else `common` (read from the directory, so adding
 * a migration needs no edit here).
 */
const MIGRATION_FILES = readdirSync(SQL_DIR).filter((f) => /^\d{4}_.+\.sql$/.test(f));
const ALL_MIGRATIONS = [...new Set(MIGRATION_FILES.map((f) => f.replace(/(\.(native|timescale|postgis))?\.sql$/, "")))].sort();
const NATIVE_VARIANTS = ALL_MIGRATIONS.map((name) => {
  const version = Number(name.slice(0, 4));
  const variant = MIGRATION_FILES.includes(`${name}.postgis.sql`) ? "postgis" : MIGRATION_FILES.includes(`${name}.native.sql`) ? "native" : "common";
  return `${version}:${variant}`;
});
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function openPostgres(): Promise<Database> {
  const admin = new URL(TEST_URL);
  const dbName = admin.pathname.slice(1);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [dbName]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${dbName}"`);
  } finally {
    await client.end();
  }
  const db = new PostgresDatabase(TEST_URL);
  await db.exec("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;");
  return db;
}

/** A Database whose every call fails like an unreachable server while `down` is set. */
class FlakyDatabase implements Database {
  down = false;
  constructor(private readonly inner: Database) {}
  get kind() {
    return this.inner.kind;
  }
  private check(): void {
    if (this.down) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
  }
  async query<Row>(sql: string, params?: unknown[]) {
    this.check();
    return this.inner.query<Row>(sql, params);
  }
  async exec(sql: string) {
    this.check();
    return this.inner.exec(sql);
  }
  async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
    this.check();
    return this.inner.transaction(fn);
  }
  close() {
    return this.inner.close();
  }
}

function fix(collar: string, ts: number, over: Partial<FixRecord> = {}): FixRecord {
  return {
    collar,
    animal: `animal-${collar}`,
    ts,
    lat: -1.28 + (ts % 1000) / 1e5,
    lon: 36.82,
    alt: 1650.5,
    speed: 4.5,
    heading: 90,
    hdop: 1.2,
    sats: 8,
    battery: 77,
    temp: 21.5,
    activity: 3,
    step_m: 120.25,
    turn_deg: -15,
    speed_kmh: 4.25,
    heading_deg: 92.5,
    interval_s: 60,
    distance_today_m: 5000,
    quality: [],
    received_at: ts + 1500,
    ...over,
  };
}

/** Tickets that record their answers. */
function tracker() {
  const stored = new Set<number>();
  const rejected = new Map<number, string>();
  const ticket = (i: number) => ({
    stored: () => void stored.add(i),
    rejected: (m: string) => void rejected.set(i, m),
  });
  return { stored, rejected, ticket };
}

const fixItems = (fixes: FixRecord[], t: ReturnType<typeof tracker>, offset = 0): WriteItem[] =>
  fixes.map((record, i) => ({ kind: "fix", record, ticket: t.ticket(offset + i) }));

async function count(db: Queryable, sql: string, params: unknown[] = []): Promise<number> {
  const r = await db.query<{ n: number }>(sql, params);
  return r.rows[0]!.n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  { name: "postgres", open: openPostgres },
  { name: "pglite", open: () => PgliteDatabase.open("memory://") },
])("store on $name", ({ open }) => {
  let db: Database;
  const now = Date.now();

  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it("applies every migration once and records it, even with two runners at once", async () => {
    const [a, b] = await Promise.all([migrate(db), migrate(db)]);
    expect([...a.applied, ...b.applied].sort()).toEqual(ALL_MIGRATIONS);
    expect([a.variant, b.variant]).toEqual(["native", "native"]);
    const second = await migrate(db);
    expect(second).toEqual({ applied: [], variant: "native" });
    const rows = await db.query<{ version: number; variant: string }>(
      "SELECT version, variant FROM wt_migrations ORDER BY version",
    );
    expect(rows.rows.map((r) => `${r.version}:${r.variant}`)).toEqual(NATIVE_VARIANTS);
    expect(await count(db, "SELECT count(*) AS n FROM pg_extension WHERE extname = 'postgis'")).toBe(1);
  });

  it("refuses to run when an applied migration file was changed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wt-sql-"));
    try {
      cpSync(SQL_DIR, dir, { recursive: true });
      const file = join(dir, "0003_registry.sql");
      writeFileSync(file, readFileSync(file, "utf8") + "\n-- edited\n");
      await expect(migrate(db, { dir })).rejects.toThrow(/0003_registry \(common\) was changed after it was applied/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("creates weekly partitions ahead and moves old rows out of the default partition", async () => {
    const parts = new PartitionManager(db);
    const created = await parts.ensure(new Date(now));
    const weeks = [-1, 0, 1, 2, 3, 4].map((w) => weekStart(now + w * 7 * DAY));
    expect(created.sort()).toEqual(
      weeks.flatMap((w) => [partitionName("fixes", w), partitionName("animal_snapshots", w)]).sort(),
    );
    expect(await parts.ensure(new Date(now))).toEqual([]);
    const children = await db.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'fixes'::regclass",
    );
    expect(children.rows.map((r) => r.name)).toEqual(expect.arrayContaining([partitionName("fixes", weeks[1]!), "fixes_default"]));

    // A historical import: 1995 has no partition, so the rows land in the default partition.
    const old = Date.UTC(1995, 5, 1, 12);
    const writer = new BatchingFixWriter(db);
    const t = tracker();
    for (const item of fixItems([fix("old-1", old), fix("old-2", old + HOUR)], t)) writer.enqueue(item);
    await writer.flush();
    expect(t.stored.size).toBe(2);
    const where = "SELECT tableoid::regclass::text AS n FROM fixes WHERE collar_id = 'old-1'";
    expect((await db.query<{ n: string }>(where)).rows[0]!.n).toBe("fixes_default");
    await new PgSnapshotStore(db).save([{ animal: "old-animal", taken_at: old, last_ts: old, state: { v: 1 } }]);

    const moved = await parts.repartitionDefault(new Date(now));
    expect(moved.sort()).toEqual(["animal_snapshots_p1995w22", "fixes_p1995w22"]);
    expect((await db.query<{ n: string }>(where)).rows[0]!.n).toBe("fixes_p1995w22");
    expect(await count(db, "SELECT count(*) AS n FROM fixes_default")).toBe(0);
    // The generated geography survived the move and is indexed like any other partition's.
    expect(await count(db, "SELECT count(*) AS n FROM fixes_p1995w22 WHERE geog IS NOT NULL")).toBe(2);
    expect(await parts.repartitionDefault(new Date(now))).toEqual([]);

    // Snapshot retention drops the whole old week; fixes are untouched.
    expect(await parts.dropSnapshotsOlderThan(90, new Date(now))).toEqual(["animal_snapshots_p1995w22"]);
    expect(await count(db, "SELECT count(*) AS n FROM animal_snapshots WHERE animal_id = 'old-animal'")).toBe(0);
    expect(await count(db, "SELECT count(*) AS n FROM fixes WHERE collar_id LIKE 'old-%'")).toBe(2);
  });

  it("stores 5,000 fixes once, and answers resends as stored without duplicating", async () => {
    const fixes = Array.from({ length: 5000 }, (_, i) => fix(`bulk-${i % 50}`, now - DAY + Math.floor(i / 50) * 60_000));
    const writer = new BatchingFixWriter(db);
    const t = tracker();
    for (const item of fixItems(fixes, t)) writer.enqueue(item);
    expect(writer.depth).toBe(5000);
    await writer.flush();
    expect(t.stored.size).toBe(5000);
    expect(t.rejected.size).toBe(0);
    expect(writer.depth).toBe(0);
    expect(writer.lagMs).toBe(0);
    expect(await count(db, "SELECT count(*) AS n FROM fixes WHERE collar_id LIKE 'bulk-%'")).toBe(5000);

    const again = tracker();
    for (const item of fixItems(fixes.slice(0, 1000), again)) writer.enqueue(item);
    await writer.close();
    expect(again.stored.size).toBe(1000);
    expect(writer.committedTotal).toBe(6000);
    expect(await count(db, "SELECT count(*) AS n FROM fixes WHERE collar_id LIKE 'bulk-%'")).toBe(5000);

    const hourly = await db.query<{ fixes: number; distance_m: number }>(
      "SELECT sum(fixes)::int AS fixes, sum(distance_m) AS distance_m FROM fixes_hourly WHERE animal_id = 'animal-bulk-0'",
    );
    expect(hourly.rows[0]).toEqual({ fixes: 100, distance_m: 100 * 120.25 });
  });

  it("stores quarantined fixes idempotently", async () => {
    const recs: QuarantineRecord[] = Array.from({ length: 10 }, (_, i) => ({
      collar: "stray-1",
      ts: now - i * 60_000,
      lat: 0.5,
      lon: 37.25,
      reason: i % 2 ? "unknown_collar" : "not_deployed",
      payload: { collar: "stray-1", ts: now - i * 60_000, lat: 0.5, lon: 37.25, battery: 50 },
      received_at: now,
    }));
    const writer = new BatchingFixWriter(db);
    const t = tracker();
    for (const round of [0, 1]) {
      recs.forEach((record, i) => writer.enqueue({ kind: "quarantine", record, ticket: t.ticket(round * 100 + i) }));
      await writer.flush();
    }
    expect(t.stored.size).toBe(20);
    const rows = await db.query<{ payload: unknown; reason: string }>(
      "SELECT payload, reason FROM quarantined_fixes WHERE collar_id = 'stray-1' ORDER BY ts DESC",
    );
    expect(rows.rows).toHaveLength(10);
    expect(rows.rows[0]).toEqual({ payload: recs[0]!.payload, reason: "not_deployed" });
  });

  it("keeps every item through an outage and reports unhealthy meanwhile", async () => {
    const flaky = new FlakyDatabase(db);
    const writer = new BatchingFixWriter(flaky, { maxBatch: 100 });
    const t = tracker();
    flaky.down = true;
    const fixes = Array.from({ length: 500 }, (_, i) => fix(`outage-${i % 5}`, now - HOUR + i * 1000));
    for (const item of fixItems(fixes, t)) writer.enqueue(item);
    await sleep(500); // several failed attempts (100, 200 ms backoff ...)
    expect(writer.healthy).toBe(false);
    expect(t.stored.size + t.rejected.size).toBe(0);
    expect(writer.depth).toBe(500);
    expect(writer.lagMs).toBeGreaterThanOrEqual(400);

    flaky.down = false;
    await writer.flush();
    expect(writer.healthy).toBe(true);
    expect(t.stored.size).toBe(500);
    expect(t.rejected.size).toBe(0);
    expect(await count(db, "SELECT count(*) AS n FROM fixes WHERE collar_id LIKE 'outage-%'")).toBe(500);
  });

  it("rejects only the poison item of a batch", async () => {
    const writer = new BatchingFixWriter(db);
    const t = tracker();
    const fixes = Array.from({ length: 100 }, (_, i) => fix(`poison-${i % 3}`, now - 2 * HOUR + i * 1000));
    fixes[37] = { ...fixes[37]!, lat: 95 }; // violates the lat range CHECK
    fixes[80] = { ...fixes[80]!, lon: Number.NaN }; // NaN is not BETWEEN -180 AND 180 either
    const items = fixItems(fixes, t);
    // A quarantined fix whose payload cannot be serialised at all (BigInt) is bad data too.
    const q = (i: number, payload: unknown): WriteItem => ({
      kind: "quarantine",
      record: { collar: "poison-q", ts: now - i * 1000, lat: 1, lon: 1, reason: "unknown_collar", payload: payload as never, received_at: now },
      ticket: t.ticket(i),
    });
    items.splice(50, 0, q(1000, { n: 1n }), q(1001, { n: 1 }));
    for (const item of items) writer.enqueue(item);
    await writer.flush();
    expect([...t.rejected.keys()].sort((a, b) => a - b)).toEqual([37, 80, 1000]);
    expect(t.rejected.get(37)).toMatch(/fixes_lat_range/);
    expect(t.rejected.get(80)).toMatch(/fixes_lon_range/);
    expect(t.rejected.get(1000)).toMatch(/unserialisable record.*BigInt/);
    expect(t.stored.size).toBe(99);
    expect(await count(db, "SELECT count(*) AS n FROM quarantined_fixes WHERE collar_id = 'poison-q'")).toBe(1);
    expect(writer.healthy).toBe(true);
    expect(await count(db, "SELECT count(*) AS n FROM fixes WHERE collar_id LIKE 'poison-%'")).toBe(98);
  });

  it("saves snapshots and loads the latest one and the fixes after it", async () => {
    const store = new PgSnapshotStore(db);
    const animal = "animal-snap-1";
    const base = now - 3 * HOUR;
    const snaps = [0, 1, 2].map((i) => ({ animal, taken_at: base + i * HOUR, last_ts: base + i * HOUR - 1000, state: { n: i, w: [1, 2] } }));
    await store.save(snaps);
    await store.save([snaps[2]!]); // already saved: ignored
    expect(await count(db, "SELECT count(*) AS n FROM animal_snapshots WHERE animal_id = $1", [animal])).toBe(3);
    expect(await store.loadLatest(animal)).toEqual(snaps[2]);
    expect(await store.loadLatest("nobody")).toBeNull();

    const fixes = Array.from({ length: 30 }, (_, i) =>
      fix("snap-1", base + i * 60_000, { quality: i === 5 ? ["duplicate", "outdated"] : [], alt: i === 6 ? null : 1650.5 }),
    );
    const writer = new BatchingFixWriter(db);
    const t = tracker();
    for (const item of fixItems(fixes, t)) writer.enqueue(item);
    await writer.close();

    const after = await store.loadFixesAfter(animal, fixes[9]!.ts, 100);
    expect(after.map((f) => f.ts)).toEqual(fixes.slice(10).map((f) => f.ts));
    const limited = await store.loadFixesAfter(animal, fixes[9]!.ts, 5);
    expect(limited.map((f) => f.ts)).toEqual(fixes.slice(25).map((f) => f.ts));
    const all = await store.loadFixesAfter(animal, null, 1000);
    expect(all).toHaveLength(30);
    expect(all[5]).toEqual(fixes[5]); // every field round-trips (the values are exact in float4)
    expect(all[6]!.alt).toBeNull();
  });
});
