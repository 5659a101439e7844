// Applies sql/NNNN_name[.variant].sql once each, in version order, recording them in wt_migrations.
//
// File kinds per version (exactly one of):
//   NNNN_name.sql                                   applied everywhere
//   NNNN_name.timescale.sql + NNNN_name.native.sql  one of them, by branch (TimescaleDB or native partitions)
//   NNNN_name.postgis.sql                           needs PostGIS
// The branch is pinned by what is already recorded (a database never switches branch), else it is
// "timescale" when the timescaledb extension is installed — which 0001 does when the server can load it.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Database, Queryable } from "./database.ts";

export type Branch = "timescale" | "native";
type FileVariant = "common" | "postgis" | Branch;

export interface MigrateOptions {
  /** Folder of migration files; default: the repository's sql/ (next to store/, not the cwd). */
  dir?: string;
  /**
   * Skip `.postgis.sql` files instead of failing when PostGIS is missing. ONLY for the TimescaleDB
   * test: that PGlite build has TimescaleDB but no PostGIS. Skipped files are not recorded, so a
   * later run with PostGIS applies them — but real deployments must always have PostGIS.
   */
  skipPostgis?: boolean;
}

export interface MigrateResult {
  applied: string[]; // "0005_fixes" etc., in order
  variant: Branch;
}

interface MigrationFile {
  version: number;
  name: string;
  variant: FileVariant;
  sql: string;
  checksum: string;
}

const DEFAULT_DIR = fileURLToPath(new URL("../sql/", import.meta.url));
const FILE_RE = /^(\d{4})_([a-z0-9_]+?)(?:\.(timescale|native|postgis))?\.sql$/;
// Serialises concurrent runners (several processes starting at once) on PostgreSQL.
const LOCK_KEY = 7_302_411_905;

export const POSTGIS_MISSING =
  "PostGIS is required: apt-get install postgresql-15-postgis-3 (or the postgis package matching your " +
  "PostgreSQL version) on the database server, or run without DATABASE_URL to use embedded PGlite, " +
  "which bundles PostGIS.";

/** Reads and validates the migration files, grouped by version in ascending order. */
export function loadMigrations(dir = DEFAULT_DIR): MigrationFile[][] {
  const byVersion = new Map<number, MigrationFile[]>();
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(".sql")) continue;
    const m = FILE_RE.exec(file);
    if (!m) throw new Error(`Bad migration file name ${file}: expected NNNN_name[.timescale|.native|.postgis].sql`);
    const sql = readFileSync(`${dir}/${file}`, "utf8").replace(/\r\n/g, "\n");
    const mf: MigrationFile = {
      version: Number(m[1]),
      name: m[2]!,
      variant: (m[3] as FileVariant | undefined) ?? "common",
      sql,
      checksum: createHash("sha256").update(sql).digest("hex"),
    };
    const group = byVersion.get(mf.version) ?? [];
    group.push(mf);
    byVersion.set(mf.version, group);
  }
  for (const [version, group] of byVersion) {
    const kinds = group.map((f) => f.variant).sort().join("+");
    if (!["common", "postgis", "native+timescale"].includes(kinds) || new Set(group.map((f) => f.name)).size > 1)
      throw new Error(`Migration ${version}: need one .sql, one .postgis.sql, or a .timescale.sql + .native.sql pair with one name`);
  }
  return [...byVersion.keys()].sort((a, b) => a - b).map((v) => byVersion.get(v)!);
}

const label = (f: MigrationFile) => `${String(f.version).padStart(4, "0")}_${f.name}`;

async function lock(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
}

async function detectBranch(q: Queryable): Promise<Branch> {
  const pinned = await q.query<{ variant: Branch }>(
    "SELECT variant FROM wt_migrations WHERE variant IN ('timescale', 'native') LIMIT 1",
  );
  if (pinned.rows[0]) return pinned.rows[0].variant;
  const ts = await q.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'");
  return ts.rows.length > 0 ? "timescale" : "native";
}

export async function migrate(db: Database, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const groups = loadMigrations(opts.dir);

  // Checked before touching anything, so a server without PostGIS is left as it was.
  if (!opts.skipPostgis) {
    const r = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'");
    if (r.rows.length === 0) throw new Error(POSTGIS_MISSING);
  }

  await db.transaction(async (tx) => {
    await lock(tx); // CREATE TABLE IF NOT EXISTS itself races between concurrent runners
    await tx.exec(`CREATE TABLE IF NOT EXISTS wt_migrations (
      version    int PRIMARY KEY,
      name       text NOT NULL,
      variant    text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });

  await verifyApplied(db, groups);

  const applied: string[] = [];
  for (const group of groups) {
    const first = group[0]!;
    await db.transaction(async (tx) => {
      await lock(tx);
      // Checked again under the lock: another runner may have applied it meanwhile.
      const done = await tx.query("SELECT 1 FROM wt_migrations WHERE version = $1", [first.version]);
      if (done.rows.length > 0) return;
      let file = first;
      if (first.variant === "postgis" && opts.skipPostgis) return;
      if (first.variant === "native" || first.variant === "timescale") {
        const branch = await detectBranch(tx);
        file = group.find((f) => f.variant === branch)!;
      }
      await tx.exec(file.sql);
      await tx.query("INSERT INTO wt_migrations (version, name, variant, checksum) VALUES ($1, $2, $3, $4)", [
        file.version,
        file.name,
        file.variant,
        file.checksum,
      ]);
      applied.push(label(file));
    });
  }

  return { applied, variant: await detectBranch(db) };
}

/** An applied migration must never change: the database would silently differ from the files. */
async function verifyApplied(db: Database, groups: MigrationFile[][]): Promise<void> {
  const rows = await db.query<{ version: number; name: string; variant: FileVariant; checksum: string }>(
    "SELECT version, name, variant, checksum FROM wt_migrations ORDER BY version",
  );
  for (const row of rows.rows) {
    const group = groups.find((g) => g[0]!.version === row.version);
    const file = group?.find((f) => f.variant === row.variant);
    const id = `${String(row.version).padStart(4, "0")}_${row.name} (${row.variant})`;
    if (!file) throw new Error(`Migration ${id} is recorded in wt_migrations but its file is missing: is this code older than the database?`);
    if (file.checksum !== row.checksum)
      throw new Error(
        `Migration ${id} was changed after it was applied (checksum ${row.checksum.slice(0, 12)} in the database, ` +
          `${file.checksum.slice(0, 12)} on disk). Restore the file and add a new migration instead.`,
      );
  }
}
