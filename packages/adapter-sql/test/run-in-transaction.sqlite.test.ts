import { OverloadedError } from "@superoauth/application";
import { makeUser } from "@superoauth/application/testing";
import { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/database.ts";
import { createSQLiteDialect, sqliteSQLDialect } from "../src/dialects/sqlite.ts";
import { migrateToLatest } from "../src/migrate.ts";
import { runInTransaction } from "../src/run-in-transaction.ts";

// node:sqlite's error for a database another connection kept locked past busy_timeout.
const busy = Object.assign(new Error("database is locked"), { code: "ERR_SQLITE_ERROR", errcode: 5 });
const uniqueViolation = Object.assign(new Error("UNIQUE constraint failed"), {
  code: "ERR_SQLITE_ERROR",
  errcode: 2067,
});

let db: Kysely<Database>;
beforeAll(async () => {
  db = new Kysely<Database>({ dialect: createSQLiteDialect({ path: ":memory:" }) });
  await migrateToLatest(db);
});
afterAll(async () => db.destroy());

/** Inserts a user, failing the first `failures` attempts with `error` after the insert (so it is rolled back). */
async function insertFailingFirst(input: { failures: number; error: Error }) {
  const user = makeUser();
  let attempts = 0;
  const outcome = runInTransaction({ db, dialect: sqliteSQLDialect }, async (trx) => {
    attempts++;
    await trx
      .insertInto("users")
      .values({
        id: user.id,
        email: user.email,
        email_verified: false,
        nickname: user.nickname,
        password_hash: null,
        created_at: user.createdAt,
        updated_at: user.updatedAt,
      })
      .execute();
    if (attempts <= input.failures) throw input.error;
  });
  const settled = await outcome.then(
    () => "committed",
    (error: unknown) => error,
  );
  const rows = await db.selectFrom("users").select("id").where("id", "=", user.id).execute();
  return { settled, attempts, rows: rows.length };
}

describe("runInTransaction on SQLite", () => {
  it("runs a transaction that met a busy database again, and commits it once", async () => {
    expect(await insertFailingFirst({ failures: 2, error: busy })).toEqual({
      settled: "committed",
      attempts: 3,
      rows: 1,
    });
  });

  it("gives up after three attempts, each rolled back, and reports the service busy with the conflict as the cause", async () => {
    const outcome = await insertFailingFirst({ failures: 3, error: busy });
    expect(outcome).toMatchObject({ attempts: 3, rows: 0 });
    expect(outcome.settled).toBeInstanceOf(OverloadedError);
    expect(outcome.settled).toMatchObject({ retryAfterSeconds: 1, cause: busy });
  });

  it("never runs again a transaction that failed for another reason", async () => {
    expect(await insertFailingFirst({ failures: 1, error: uniqueViolation })).toEqual({
      settled: uniqueViolation,
      attempts: 1,
      rows: 0,
    });
  });
});
