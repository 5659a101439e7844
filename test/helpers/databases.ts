// Test databases: a fresh PostgreSQL database per suite (real server, PostGIS) or an embedded PGlite.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";

/** Base URL of the real PostgreSQL server the suite may create databases on. */
export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  kind: "postgres" | "pglite";
  /** DATABASE_URL for postgres; undefined for PGlite (the server opens WT_DATA_DIR). */
  url: string | undefined;
  dataDir: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createTestDatabase(kind: "postgres" | "pglite"): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "wt-test-"));
  if (kind === "pglite") {
    return { kind, url: undefined, dataDir, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const name = `wt_it_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    kind,
    url: withDatabase(PG_ADMIN_URL, name),
    dataDir,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const DATABASE_KINDS = ["postgres", "pglite"] as const;
