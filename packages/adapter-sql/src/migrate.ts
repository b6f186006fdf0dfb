import { type Kysely, sql } from "kysely";
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
  const newer = await migrationsOfANewerRelease(db);
  if (newer.length > 0) throw new SchemaOfANewerReleaseError(newer);
  const { error, results = [] } = await createMigrator(db).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === "Error")?.migrationName;
    throw new MigrationFailedError(failed, error);
  }
  return results.filter((result) => result.status === "Success").map((result) => result.migrationName);
}

/** Every known migration, in the order it runs, with the time it was applied. */
export async function migrationStatus(db: Kysely<Database>): Promise<readonly MigrationState[]> {
  const known = await createMigrator(db).getMigrations();
  return known.map((migration) => ({ name: migration.name, executedAt: migration.executedAt ?? null }));
}

/** Kysely's record of applied migrations (its default table name). */
const migrationTable = "kysely_migration";

/**
 * Migrations recorded as applied that this version does not know, in name order: a newer release
 * migrated the database. This version must not run on it (its writes would not keep what the newer
 * schema derives, ADR 0046), nor migrate it (Kysely refuses, as "corrupted").
 */
export async function migrationsOfANewerRelease(db: Kysely<Database>): Promise<readonly string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((table) => table.name === migrationTable)) return [];
  const { rows } = await sql<{ name: string }>`SELECT name FROM ${sql.table(migrationTable)}`.execute(db);
  return rows
    .map((row) => row.name)
    .filter((name) => !Object.hasOwn(migrations, name))
    .sort();
}

/**
 * A migration failed; `cause` is the database's own error (which statement, and why). `migration`
 * names it, when Kysely said which one.
 */
export class MigrationFailedError extends Error {
  override readonly name = "MigrationFailedError";
  readonly code = "MIGRATION_FAILED";
  readonly migration: string | undefined;
  constructor(migration: string | undefined, cause: unknown) {
    super(migration === undefined ? "Migrating the database failed" : `Migration ${migration} failed`, {
      cause,
    });
    this.migration = migration;
  }
}

/** The database was migrated by a newer release than this one (migrationsOfANewerRelease). */
export class SchemaOfANewerReleaseError extends Error {
  override readonly name = "SchemaOfANewerReleaseError";
  readonly code = "SCHEMA_OF_A_NEWER_RELEASE";
  readonly migrations: readonly string[];
  constructor(migrations: readonly string[]) {
    super(
      `the database was migrated by a newer release: ${migrations.length} applied migration(s) this version does not know (the newest ${migrations.at(-1)}); run that release, or restore the backup taken before the upgrade (docs/operations.md, "Upgrades")`,
    );
    this.migrations = migrations;
  }
}
