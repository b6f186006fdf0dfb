import type { Kysely } from "kysely";
import type { Database } from "../src/database.ts";
import type { Storage } from "../src/storage.ts";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";
import { useSQLiteTestDatabase } from "./sqlite-test-database.ts";

export { failedWrite, failInserts, failWrites } from "./failing-writes.ts";
export { recordMigrationOfANewerRelease, sqliteJustBefore } from "./migrate-before.ts";
export type { TestDatabase } from "./mysql-test-database.ts";
export {
  buildDatabaseURL,
  createTestDatabase,
  dropDatabase,
  useMySQLTestDatabase,
} from "./mysql-test-database.ts";
export { useSQLiteTestDatabase } from "./sqlite-test-database.ts";

/** The backends a test run can use; `TEST_DATABASE` picks one (vitest.workspace.ts runs both). */
export type TestBackend = "mysql" | "sqlite";

/** The backend this test process runs on: `TEST_DATABASE=sqlite`, otherwise MySQL. */
export function testBackend(): TestBackend {
  return process.env.TEST_DATABASE === "sqlite" ? "sqlite" : "mysql";
}

/**
 * Gives the calling test file its own migrated database on the backend of this run (testBackend):
 * the HTTP-level tests run unchanged on MySQL and on SQLite. MySQL still fails, never skips, when
 * no server is found.
 */
export function useTestDatabase(): { storage(): Storage; db(): Kysely<Database>; url(): string } {
  return testBackend() === "sqlite" ? useSQLiteTestDatabase() : useMySQLTestDatabase();
}
