import { type Kysely, sql } from "kysely";
import type { Database } from "../src/database.ts";
import { testBackend } from "./test-database.ts";

/** What the database answers a refused write while failWrites or failInserts holds. */
export const failedWrite = "the process died here";

/** The columns failWrites can refuse a change of, by table. */
type FailableColumn = {
  users: "password_hash" | "email" | "email_verified" | "two_factor_enabled";
  sessions: "revoked_at" | "authenticated_at";
};

/** The tables failInserts can refuse a new row of. */
type FailableInsert = "sessions" | "known_sign_in_sources" | "backup_codes" | "email_tokens";

/**
 * Makes the database refuse every change of `column` of `table` (a trigger) until the answered
 * function is called: the write that would change it fails after the writes before it in its
 * request, as a crash there would leave them, but for what a transaction takes back.
 */
export function failWrites<Table extends keyof FailableColumn>(
  db: Kysely<Database>,
  table: Table,
  column: FailableColumn[Table],
): Promise<() => Promise<void>> {
  return refuseUntilUndone(db, {
    sqlite: `BEFORE UPDATE OF ${column} ON ${table} WHEN NEW.${column} IS NOT OLD.${column}`,
    mysql: `BEFORE UPDATE ON ${table} FOR EACH ROW IF NOT (NEW.${column} <=> OLD.${column}) THEN`,
  });
}

/** As failWrites, for every new row of `table`. */
export function failInserts(db: Kysely<Database>, table: FailableInsert): Promise<() => Promise<void>> {
  return refuseUntilUndone(db, {
    sqlite: `BEFORE INSERT ON ${table}`,
    mysql: `BEFORE INSERT ON ${table} FOR EACH ROW IF TRUE THEN`,
  });
}

/** The trigger `fail_write`, refusing the writes its heading names; the answer drops it. */
async function refuseUntilUndone(
  db: Kysely<Database>,
  heading: { sqlite: string; mysql: string },
): Promise<() => Promise<void>> {
  const trigger =
    testBackend() === "sqlite"
      ? `CREATE TRIGGER fail_write ${heading.sqlite} BEGIN SELECT RAISE(ABORT, '${failedWrite}'); END`
      : `CREATE TRIGGER fail_write ${heading.mysql}
           SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${failedWrite}';
         END IF`;
  await sql.raw(trigger).execute(db);
  return async () => {
    await sql.raw("DROP TRIGGER fail_write").execute(db);
  };
}
