import { type Kysely, sql } from "kysely";
import type { Database } from "../src/database.ts";
import { testBackend } from "./test-database.ts";

/** What the database answers a refused write while failUserWrites holds. */
export const failedUserWrite = "the process died here";

/**
 * Makes the database refuse every change of `column` of a user (a trigger) until the answered
 * function is called: the write that would change it fails after the writes before it in its
 * request, as a crash there would leave them, but for what a transaction takes back.
 */
export async function failUserWrites(
  db: Kysely<Database>,
  column: "password_hash" | "email",
): Promise<() => Promise<void>> {
  if (testBackend() === "sqlite") {
    await sql
      .raw(
        `CREATE TRIGGER fail_user_write BEFORE UPDATE OF ${column} ON users
         WHEN NEW.${column} IS NOT OLD.${column}
         BEGIN SELECT RAISE(ABORT, '${failedUserWrite}'); END`,
      )
      .execute(db);
  } else {
    await sql
      .raw(
        `CREATE TRIGGER fail_user_write BEFORE UPDATE ON users FOR EACH ROW
         IF NOT (NEW.${column} <=> OLD.${column}) THEN
           SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${failedUserWrite}';
         END IF`,
      )
      .execute(db);
  }
  return async () => {
    await sql.raw("DROP TRIGGER fail_user_write").execute(db);
  };
}
