// Weekly partitions for the native (non-Timescale) branch of fixes and animal_snapshots.
// Under TimescaleDB the tables are hypertables that manage their own chunks, and every method is a no-op.
//
// Weeks are ISO weeks: Monday 00:00 UTC to the next Monday, named <table>_p<isoYear>w<NN>.
// Rows with no weekly partition land in <table>_default; a new partition whose range has rows in the
// default cannot simply be created (PostgreSQL refuses), so such weeks are built aside and attached.
import type { Database, Queryable } from "./database.ts";

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const TABLES = [
  { table: "fixes", column: "ts" },
  { table: "animal_snapshots", column: "taken_at" },
] as const;
type Table = (typeof TABLES)[number];
const SNAPSHOTS = TABLES[1];
/** Oldest week repartitionDefault will create; older rows are taken to be bad clocks and stay in the default. */
const OLDEST = Date.UTC(1990, 0, 1);

/** Monday 00:00 UTC of the week containing t. */
export function weekStart(t: number): number {
  const day = Math.floor(t / DAY);
  const weekday = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Monday
  return (day - weekday) * DAY;
}

export function partitionName(table: string, monday: number): string {
  const thursday = new Date(monday + 3 * DAY); // the ISO year is the year of the week's Thursday
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / WEEK) + 1;
  return `${table}_p${year}w${String(week).padStart(2, "0")}`;
}

/** Inverse of partitionName: the Monday its week starts, or null for other names. */
export function partitionWeek(name: string): number | null {
  const m = /_p(\d{4})w(\d{2})$/.exec(name);
  if (!m) return null;
  const jan4 = Date.UTC(Number(m[1]), 0, 4); // ISO week 1 contains 4 January
  return weekStart(jan4) + (Number(m[2]) - 1) * WEEK;
}

const iso = (t: number) => new Date(t).toISOString();

export class PartitionManager {
  /** The last error of a background run (start()); null after a clean run. */
  lastError: unknown = null;
  private native: boolean | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly snapshotRetentionDays = 90,
  ) {}

  /** True when fixes is a natively partitioned table (not a hypertable). */
  async isNative(): Promise<boolean> {
    if (this.native === undefined) {
      const r = await this.db.query<{ relkind: string }>("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('fixes')");
      this.native = r.rows[0]?.relkind === "p";
    }
    return this.native;
  }

  /** Creates the weekly partitions from a week before `now` to four weeks after. Returns the new ones. */
  async ensure(now: Date = new Date()): Promise<string[]> {
    if (!(await this.isNative())) return [];
    const created: string[] = [];
    const first = weekStart(now.getTime() - WEEK);
    for (let w = first; w <= weekStart(now.getTime() + 4 * WEEK); w += WEEK) {
      for (const t of TABLES) if (await this.createWeek(t, w)) created.push(partitionName(t.table, w));
    }
    return created;
  }

  /** Moves rows from the default partitions into weekly partitions (weeks 1990 … now + 1 year). */
  async repartitionDefault(now: Date = new Date()): Promise<string[]> {
    if (!(await this.isNative())) return [];
    const created: string[] = [];
    for (const t of TABLES) {
      const weeks = await this.db.query<{ week: Date }>(
        `SELECT DISTINCT date_bin(INTERVAL '7 days', ${t.column}, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS week
         FROM ${t.table}_default WHERE ${t.column} >= $1 AND ${t.column} < $2 ORDER BY 1`,
        [iso(OLDEST), iso(now.getTime() + 365 * DAY)],
      );
      for (const { week } of weeks.rows) {
        if (await this.createWeek(t, week.getTime())) created.push(partitionName(t.table, week.getTime()));
      }
    }
    return created;
  }

  /** Retention for snapshots (fixes are never dropped): whole weeks older than `days`, and old default rows. */
  async dropSnapshotsOlderThan(days = this.snapshotRetentionDays, now: Date = new Date()): Promise<string[]> {
    if (!(await this.isNative())) return [];
    const cutoff = now.getTime() - days * DAY;
    const parts = await this.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = to_regclass('animal_snapshots')`,
    );
    const dropped: string[] = [];
    for (const { name } of parts.rows) {
      const monday = partitionWeek(name);
      if (monday === null || monday + WEEK > cutoff) continue;
      await this.db.exec(`DROP TABLE IF EXISTS ${name}`);
      dropped.push(name);
    }
    await this.db.query(`DELETE FROM ${SNAPSHOTS.table}_default WHERE ${SNAPSHOTS.column} < $1`, [iso(cutoff)]);
    return dropped;
  }

  /** ensure + retention + repartition, as done at start and hourly. */
  async runOnce(now: Date = new Date()): Promise<void> {
    await this.ensure(now);
    await this.dropSnapshotsOlderThan(this.snapshotRetentionDays, now);
    await this.repartitionDefault(now);
  }

  /** Runs runOnce now and every intervalMs; errors (database down) are kept in lastError and retried next time. */
  start(intervalMs = 3_600_000): void {
    if (this.timer) return;
    const tick = () => {
      if (this.running) return; // a slow run (big repartition) must not overlap the next
      this.running = this.runOnce()
        .then(() => void (this.lastError = null), (err: unknown) => void (this.lastError = err))
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Creates one weekly partition, moving its rows out of the default first. False if it existed. */
  private createWeek(t: Table, monday: number): Promise<boolean> {
    const name = partitionName(t.table, monday);
    const from = iso(monday);
    const to = iso(monday + WEEK);
    const bounds = `FOR VALUES FROM ('${from}') TO ('${to}')`;
    return this.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`wt_partitions:${t.table}`]);
      // Creating/attaching a partition locks the parent; while it waits (behind a long report query)
      // it would stall ingest queued behind it. Give up instead: weeks are made 4 weeks ahead, so
      // the next hourly run simply tries again.
      await tx.exec("SET LOCAL lock_timeout = '5s'");
      const exists = await tx.query("SELECT to_regclass($1) IS NOT NULL AS e", [name]);
      if ((exists.rows[0] as { e: boolean }).e) return false;
      const inDefault = await tx.query(
        `SELECT 1 FROM ${t.table}_default WHERE ${t.column} >= $1 AND ${t.column} < $2 LIMIT 1`,
        [from, to],
      );
      if (inDefault.rows.length === 0) {
        await tx.exec(`CREATE TABLE ${name} PARTITION OF ${t.table} ${bounds}`);
        return true;
      }
      await this.moveFromDefault(tx, t, name, from, to, bounds);
      return true;
    });
  }

  private async moveFromDefault(tx: Queryable, t: Table, name: string, from: string, to: string, bounds: string) {
    // LIKE copies the CHECKs and the generated geog column, which ATTACH requires to match the parent.
    await tx.exec(`CREATE TABLE ${name} (LIKE ${t.table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)`);
    const cols = await tx.query<{ attname: string }>(
      `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0
       AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
      [name],
    );
    const list = cols.rows.map((c) => `"${c.attname}"`).join(", ");
    await tx.query(
      `WITH moved AS (DELETE FROM ${t.table}_default WHERE ${t.column} >= $1 AND ${t.column} < $2 RETURNING ${list})
       INSERT INTO ${name} (${list}) SELECT ${list} FROM moved`,
      [from, to],
    );
    // A matching CHECK lets ATTACH skip re-scanning the new table; it is redundant afterwards.
    await tx.exec(
      `ALTER TABLE ${name} ADD CONSTRAINT ${name}_range CHECK (${t.column} >= '${from}' AND ${t.column} < '${to}');
       ALTER TABLE ${t.table} ATTACH PARTITION ${name} ${bounds};
       ALTER TABLE ${name} DROP CONSTRAINT ${name}_range;`,
    );
  }
}
