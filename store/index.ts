// Public surface of the store.
export { isConnectionError, type Database, type Queryable, type QueryResult } from "./database.ts";
export { PostgresDatabase } from "./pg-database.ts";
export { PgliteDatabase } from "./pglite-database.ts";
export { openDatabase, type OpenDatabaseOptions } from "./open-database.ts";
export { migrate, loadMigrations, POSTGIS_MISSING, type Branch, type MigrateOptions, type MigrateResult } from "./migrate.ts";
export { PartitionManager, partitionName, weekStart } from "./partitions.ts";
export {
  BatchingFixWriter,
  type BatchingFixWriterOptions,
  type FixWriter,
  type WriteItem,
  type WriteTicket,
} from "./fix-writer.ts";
export { PgSnapshotStore, type SnapshotStore } from "./snapshot-store.ts";
