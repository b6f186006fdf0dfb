import { Kysely, sql } from "kysely";
import { type Migration, Migrator } from "kysely/migration";
import { migrations } from "../migrations/index.ts";
import type { Database } from "../src/database.ts";
import { createSQLiteDialect } from "../src/dialects/sqlite.ts";

/**
 * A SQLite database (in memory, or the file at `path`) with every migration older than `migration`
 * applied, so a test can write rows as they were before it and then check what it does to them
 * (`migrateToLatest`), or start a service on the previous release's schema.
 */
export async function sqliteJustBefore(migration: string, path = ":memory:"): Promise<Kysely<Database>> {
  const db = new Kysely<Database>({ dialect: createSQLiteDialect({ path }) });
  await migrateJustBefore(db, migration);
  return db;
}

/** Applies to `db` (either dialect) every migration older than `migration`, and no other. */
export async function migrateJustBefore(db: Kysely<Database>, migration: string): Promise<void> {
  if (!(migration in migrations)) throw new Error(`no migration named ${migration}`);
  const before = Object.keys(migrations).filter((name) => name < migration);
  const provider = {
    async getMigrations(): Promise<Record<string, Migration>> {
      return Object.fromEntries(before.map((name) => [name, migrations[name] as Migration]));
    },
  };
  const { error } = await new Migrator({ db, provider }).migrateToLatest();
  if (error !== undefined) throw error;
}

/**
 * Records `name` as applied, as a newer release's migration would be: the database then holds a
 * migration this version does not know (migrationsOfANewerRelease).
 */
export async function recordMigrationOfANewerRelease(db: Kysely<Database>, name: string): Promise<void> {
  await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${name}, ${"2099-01-01T00:00:00.000Z"})`.execute(
    db,
  );
}
