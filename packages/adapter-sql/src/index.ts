export type { CopyOutcome, TableCount } from "./copy-storage.ts";
export { copyStorage } from "./copy-storage.ts";
export type { Database } from "./database.ts";
export type { MigrationState } from "./migrate.ts";
export { MigrationFailedError, SchemaOfANewerReleaseError } from "./migrate.ts";
export type { PrunedRecords, PruneInput } from "./prune-expired-records.ts";
export type { RunningInstance, RunningInstances } from "./running-instances.ts";
export type {
  DiskSpace,
  ExecutedQuery,
  PoolUsage,
  Storage,
  StorageDescription,
  StorageOptions,
  StorageRepositories,
} from "./storage.ts";
export { openStorage } from "./storage.ts";
