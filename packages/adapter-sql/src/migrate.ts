import type { Kysely } from "kysely";
import { type Migration, type MigrationProvider, Migrator } from "kysely/migration";
import { migrations } from "../migrations/index.ts";
import type { Database } from "./database.ts";

/** One migration and when it ran; `executedAt` is null while it is pending. */
export interface MigrationState {
  readonly name: string;
  readonly executedAt: Date | null;
}

const staticMigrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...migrations };
  },
};

function createMigrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: staticMigrationProvider });
}

/**
 * Applies every pending migration, in name order, and answers the names it
 * applied (none when the schema is current). Concurrent callers are serialised
 * by Kysely's server-wide lock, so starting several instances at once is safe.
 * Throws when a migration fails; the ones before it stay applied, since MySQL
 * cannot roll back DDL.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<readonly string[]> {
  const { error, results = [] } = await createMigrator(db).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === "Error")?.migrationName;
    throw new Error(failed === undefined ? "Migrating the database failed" : `Migration ${failed} failed`, {
      cause: error,
    });
  }
  return results.filter((result) => result.status === "Success").map((result) => result.migrationName);
}

/** Every known migration, in the order it runs, with the time it was applied. */
export async function migrationStatus(db: Kysely<Database>): Promise<readonly MigrationState[]> {
  const known = await createMigrator(db).getMigrations();
  return known.map((migration) => ({ name: migration.name, executedAt: migration.executedAt ?? null }));
}
