import { type Kysely, sql } from "kysely";
import type { Database } from "../src/database.ts";
import { testBackend } from "./test-database.ts";

/** What the database answers a write of a user's password hash while failPasswordStores holds. */
export const failedPasswordStore = "the process died here";

/**
 * Makes the database refuse every change of a user's password hash (a trigger) until the answered
 * function is called: the write that would store a new password fails after the writes before it in
 * its request, as a crash there would leave them, but for what a transaction takes back.
 */
export async function failPasswordStores(db: Kysely<Database>): Promise<() => Promise<void>> {
  if (testBackend() === "sqlite") {
    await sql
      .raw(
        `CREATE TRIGGER fail_password_store BEFORE UPDATE OF password_hash ON users
         BEGIN SELECT RAISE(ABORT, '${failedPasswordStore}'); END`,
      )
      .execute(db);
  } else {
    await sql
      .raw(
        `CREATE TRIGGER fail_password_store BEFORE UPDATE ON users FOR EACH ROW
         IF NOT (NEW.password_hash <=> OLD.password_hash) THEN
           SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${failedPasswordStore}';
         END IF`,
      )
      .execute(db);
  }
  return async () => {
    await sql.raw("DROP TRIGGER fail_password_store").execute(db);
  };
}
