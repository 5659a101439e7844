// Database over a `pg` Pool (DATABASE_URL). See database.ts for the interface.
import pg from "pg";
import { isConnectionError, type Database, type QueryResult, type Queryable } from "./database.ts";

const INT8_OID = 20;

// Per-pool type overrides (not pg.types.setTypeParser, which would change every pool in the process):
// int8 (count(*), bigint ids) as number. Values beyond 2^53 are not expected in this schema.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
      const res = await client.query(sql, params as unknown[] | undefined);
      return { rows: res.rows as Row[], rowCount: res.rowCount ?? res.rows.length };
    },
    async exec(sql: string): Promise<void> {
      // No parameters → simple query protocol, so several `;`-separated statements are allowed.
      await client.query(sql);
    },
  };
}

export class PostgresDatabase implements Database {
  readonly kind = "postgres" as const;
  /** The last error the pool reported for an idle client (e.g. the server restarted). */
  lastPoolError: Error | null = null;
  private readonly pool: pg.Pool;
  private readonly q: Queryable;

  constructor(connectionString: string, poolSize = 4) {
    this.pool = new pg.Pool({ connectionString, max: poolSize, types, connectionTimeoutMillis: 10_000 });
    // An idle client losing its connection emits 'error' on the pool; unhandled, that kills the process.
    // The next query fails with a connection error anyway, which callers handle — so only record it.
    this.pool.on("error", (err) => {
      this.lastPoolError = err;
    });
    this.q = wrap(this.pool);
  }

  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
    return this.q.query<Row>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.q.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await fn(wrap(client));
      await client.query("COMMIT");
      return result;
    } catch (err) {
      if (isConnectionError(err)) broken = err as Error;
      else {
        await client.query("ROLLBACK").catch((e: unknown) => {
          broken = e as Error;
        });
      }
      throw err;
    } finally {
      // Passing an error destroys the client instead of returning a dead connection to the pool.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
