import { sql } from "kysely";
import { createConnection } from "mysql2/promise";
import { beforeEach, describe, expect, it } from "vitest";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";

// A deadlock InnoDB breaks by rolling back a statement made outside any transaction (an autocommit
// UPDATE such as clearing the lockout counters): the pool's guard runs it again, and it is applied
// once (dialects/mysql.ts). Within a transaction the error passes to runInTransaction instead.

const database = useMySQLTestDatabase();

/**
 * Locks row 2, then row 1: the opposite order of the holder below. An upsert takes its rows in
 * the order they are listed, as the service's own autocommit upserts (the sign-in sources) do.
 */
const bothRowsBackwards =
  "INSERT INTO deadlock_probe (id, value) VALUES (2, 10), (1, 10) ON DUPLICATE KEY UPDATE value = value + 10";

beforeEach(async () => {
  const db = database.db();
  await sql`DROP TABLE IF EXISTS deadlock_probe`.execute(db);
  await sql`DROP TABLE IF EXISTS deadlock_ballast`.execute(db);
  await sql`CREATE TABLE deadlock_probe (id INT PRIMARY KEY, value INT NOT NULL)`.execute(db);
  await sql`CREATE TABLE deadlock_ballast (id INT PRIMARY KEY)`.execute(db);
  await sql`INSERT INTO deadlock_probe VALUES (1, 0), (2, 0)`.execute(db);
});

/**
 * Runs `statement` (not awaited here) into a deadlock with another transaction: the holder updates
 * row 1 and inserts ballast (InnoDB rolls back the transaction that changed fewer rows, so the
 * statement is the victim); once the statement holds row 2 and waits for row 1, the holder asks for
 * row 2. The holder then commits. Resolves with what the statement settled with.
 */
async function intoDeadlock(statement: () => Promise<unknown>): Promise<unknown> {
  const holder = await createConnection({ uri: database.url() });
  try {
    await holder.query("BEGIN");
    await holder.query("UPDATE deadlock_probe SET value = value + 1 WHERE id = 1");
    const ballast = Array.from({ length: 200 }, (_, i) => [i + 1]);
    await holder.query("INSERT INTO deadlock_ballast (id) VALUES ?", [ballast]);
    const settled = statement().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    // InnoDB refreshes this table's snapshot only when nobody read it for 100 ms, so each read
    // comes 150 ms after the last (the first too: the test before may have read it).
    for (let waited = 0; ; waited += 150) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const [rows] = await holder.query(
        "SELECT COUNT(*) AS waiting FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT' AND trx_query = ?",
        [bothRowsBackwards],
      );
      if (Number((rows as { waiting: number }[])[0]?.waiting) > 0) break;
      if (waited > 5_000) throw new Error("the statement never waited for the holder's lock");
    }
    await holder.query("UPDATE deadlock_probe SET value = value + 1 WHERE id = 2");
    await holder.query("COMMIT");
    return await settled;
  } finally {
    await holder.end();
  }
}

async function values(): Promise<number[]> {
  const { rows } = await sql<{ value: number }>`SELECT value FROM deadlock_probe ORDER BY id`.execute(
    database.db(),
  );
  return rows.map((row) => row.value);
}

describe("a statement of its own chosen as a deadlock's victim on MySQL", () => {
  it("fails with ER_LOCK_DEADLOCK on a plain connection (the control: the set-up deadlocks)", async () => {
    const plain = await createConnection({ uri: database.url() });
    try {
      const settled = await intoDeadlock(() => plain.query(bothRowsBackwards));
      expect(settled).toMatchObject({ error: { errno: 1213 } });
      expect(await values()).toEqual([1, 1]);
    } finally {
      await plain.end();
    }
  });

  it("runs again through the service's pool and is applied exactly once", async () => {
    const settled = await intoDeadlock(() => sql.raw(bothRowsBackwards).execute(database.db()));
    // MySQL counts an upserted row that changed twice.
    expect(settled).toMatchObject({ value: { numAffectedRows: 4n } });
    expect(await values()).toEqual([11, 11]);
  });
});
