// Chooses the database: PostgreSQL when a URL is configured, else embedded PGlite under the data dir.
import { join } from "node:path";
import type { Database } from "./database.ts";
import { PostgresDatabase } from "./pg-database.ts";
import { PgliteDatabase } from "./pglite-database.ts";

export interface OpenDatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  /** pg pool size (PostgreSQL only). */
  poolSize?: number;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const db = new PostgresDatabase(opts.databaseUrl, opts.poolSize);
    try {
      await db.query("SELECT 1"); // fail fast on a wrong URL instead of at the first write
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
    return db;
  }
  return PgliteDatabase.open(join(opts.dataDir, "pgdata"));
}
