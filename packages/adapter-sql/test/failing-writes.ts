import { type Kysely, sql } from "kysely";
import type { Database } from "../src/database.ts";
import { testBackend } from "./test-database.ts";

/** What the database answers a refused write while failWrites holds. */
export const failedWrite = "the process died here";

/** The columns failWrites can refuse a change of, by table. */
type FailableColumn = { users: "password_hash" | "email" | "email_verified"; sessions: "revoked_at" };

/**
 * Makes the database refuse every change of `column` of `table` (a trigger) until the answered
 * function is called: the write that would change it fails after the writes before it in its
 * request, as a crash there would leave them, but for what a transaction takes back.
 */
export async function failWrites<Table extends keyof FailableColumn>(
  db: Kysely<Database>,
  table: Table,
  column: FailableColumn[Table],
): Promise<() => Promise<void>> {
  if (testBackend() === "sqlite") {
    await sql
      .raw(
        `CREATE TRIGGER fail_write BEFORE UPDATE OF ${column} ON ${table}
         WHEN NEW.${column} IS NOT OLD.${column}
         BEGIN SELECT RAISE(ABORT, '${failedWrite}'); END`,
      )
      .execute(db);
  } else {
    await sql
      .raw(
        `CREATE TRIGGER fail_write BEFORE UPDATE ON ${table} FOR EACH ROW
         IF NOT (NEW.${column} <=> OLD.${column}) THEN
           SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${failedWrite}';
         END IF`,
      )
      .execute(db);
  }
  return async () => {
    await sql.raw("DROP TRIGGER fail_write").execute(db);
  };
}
