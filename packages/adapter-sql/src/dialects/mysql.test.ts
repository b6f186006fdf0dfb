import { OverloadedError } from "@superoauth/application";
import { Kysely, MysqlDialect, sql } from "kysely";
import type { Pool, PoolConnection } from "mysql2";
import { describe, expect, it } from "vitest";
import { guardPool, mysqlDriverURL } from "./mysql.ts";

// The pool guard's handling of deadlocks, against a stand-in for mysql2's pool whose one
// connection answers each statement as the test scripts it. The real thing, a deadlock InnoDB
// breaks on MariaDB, is in test/statement-deadlock.int.test.ts.

const deadlock = Object.assign(
  new Error("Deadlock found when trying to get lock; try restarting transaction"),
  {
    errno: 1213,
    code: "ER_LOCK_DEADLOCK",
  },
);
const duplicate = Object.assign(new Error("Duplicate entry"), { errno: 1062, code: "ER_DUP_ENTRY" });

/** A Kysely over the guarded stand-in; `answer` says how each statement fails (or null: it succeeds). */
function scriptedDatabase(answer: (statement: string, nth: number) => Error | null) {
  const sent: string[] = [];
  const connection = {
    config: {},
    threadId: 1,
    execute(
      options: { sql: string },
      _parameters: unknown,
      callback: (error: Error | null, result: unknown) => void,
    ) {
      sent.push(options.sql);
      const error = answer(options.sql, sent.filter((text) => text === options.sql).length);
      setImmediate(() => callback(error, error === null ? [{ affectedRows: 1, insertId: 0 }] : undefined));
    },
    release() {},
    destroy() {},
  } as unknown as PoolConnection;
  const pool = {
    getConnection: (callback: (error: null, connection: PoolConnection) => void) =>
      callback(null, connection),
    end: (callback: () => void) => callback(),
  } as unknown as Pool;
  const db = new Kysely<Record<string, never>>({
    dialect: new MysqlDialect({
      pool: guardPool(pool, { inUse: 0, waiting: 0 }, { acquireTimeoutMs: 1000, queryTimeoutMs: 1000 }),
    }),
  });
  return { db, sent };
}

const update = "UPDATE counters SET value = value + 1";

describe("a statement of its own that InnoDB chose as a deadlock's victim", () => {
  it("runs again, and succeeds once the deadlock is gone", async () => {
    const { db, sent } = scriptedDatabase((statement, nth) =>
      statement === update && nth <= 2 ? deadlock : null,
    );
    await sql.raw(update).execute(db);
    expect(sent).toEqual([update, update, update]);
  });

  it("ends in OverloadedError after three attempts, the deadlock its cause", async () => {
    const { db, sent } = scriptedDatabase((statement) => (statement === update ? deadlock : null));
    const refused = await sql
      .raw(update)
      .execute(db)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OverloadedError);
    expect(refused).toMatchObject({
      message: "The database gave this statement up to concurrent work 3 times",
      retryAfterSeconds: 1,
      cause: deadlock,
    });
    expect(sent).toEqual([update, update, update]);
  });

  it("is not run again for any other error", async () => {
    const { db, sent } = scriptedDatabase((statement) => (statement === update ? duplicate : null));
    expect(
      await sql
        .raw(update)
        .execute(db)
        .catch((error: unknown) => error),
    ).toBe(duplicate);
    expect(sent).toEqual([update]);
  });
});

describe("a deadlock within a transaction", () => {
  it("passes unchanged, for runInTransaction to run the whole transaction again; statements after it are run again as before", async () => {
    const { db, sent } = scriptedDatabase((statement, nth) =>
      statement === update && nth === 1 ? deadlock : null,
    );
    const refused = await db
      .transaction()
      .execute((trx) => sql.raw(update).execute(trx))
      .catch((error: unknown) => error);
    expect(refused).toBe(deadlock);
    expect(sent).toEqual(["begin", update, "rollback"]);

    // After the rollback the connection is outside a transaction again.
    const { db: second, sent: secondSent } = scriptedDatabase((statement, nth) =>
      statement === update && nth === 2 ? deadlock : null,
    );
    await second.transaction().execute((trx) => sql.raw(update).execute(trx));
    await sql.raw(update).execute(second);
    expect(secondSent).toEqual(["begin", update, "commit", update, update]);
  });

  it("counts a BEGIN that failed as no transaction begun: a deadlock after it is run again", async () => {
    const { db, sent } = scriptedDatabase((statement, nth) => {
      if (statement === "begin" && nth === 1) return Object.assign(new Error("refused"), { errno: 1040 });
      if (statement === update && nth === 1) return deadlock;
      return null;
    });
    await db
      .transaction()
      .execute((trx) => sql.raw(update).execute(trx))
      .catch(() => undefined);
    await sql.raw(update).execute(db);
    expect(sent).toEqual(["begin", update, update]);
  });
});

describe("a duplicate key", () => {
  it("passes with its errno and the key's name, the duplicated value taken out of its message, sqlMessage and stack", async () => {
    const text = "Duplicate entry 'ada@example.com' for key 'users.email'";
    const { db } = scriptedDatabase(() =>
      Object.assign(new Error(text), { errno: 1062, code: "ER_DUP_ENTRY", sqlMessage: text }),
    );
    const error = await sql
      .raw(update)
      .execute(db)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      errno: 1062,
      code: "ER_DUP_ENTRY",
      message: "Duplicate entry '[redacted]' for key 'users.email'",
      sqlMessage: "Duplicate entry '[redacted]' for key 'users.email'",
    });
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain("ada@example.com");
  });
});

describe("mysqlDriverURL", () => {
  it("reads ?ssl=true as TLS with the certificate checked: mysql2's {}", () => {
    const url = new URL(mysqlDriverURL("mysql://app:p%40ss@db.example.com:3306/superoauth?ssl=true"));
    expect(url.searchParams.get("ssl")).toBe("{}");
    expect(JSON.parse(url.searchParams.get("ssl") ?? "")).toEqual({});
    // The rest as written, the password's escape too.
    expect(url.password).toBe("p%40ss");
    expect(url.pathname).toBe("/superoauth");
  });

  it("passes every other URL on as written, mysql2's own JSON form too", () => {
    for (const url of [
      "mysql://app@db.example.com/superoauth",
      "mysql://app@db.example.com/superoauth?ssl=%7B%22rejectUnauthorized%22%3Afalse%7D",
      "mysql://app@db.example.com/superoauth?ssl=false",
    ]) {
      expect(mysqlDriverURL(url)).toBe(url);
    }
  });
});
