import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { DeletedMeanwhileError, OverloadedError, StorageUnavailableError } from "@superoauth/application";
import { type Generated, Kysely, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import {
  createSQLiteDialect,
  isBusy,
  isForeignKeyViolation,
  isUniqueViolation,
  StatementCache,
  sqliteSQLDialect,
  sqliteVersion,
  unavailableCode,
} from "./sqlite.ts";
import {
  fallbackAutoCheckpointPages,
  startSQLiteCheckpointer,
  walSizeLimitBytes,
} from "./sqlite-checkpointer.ts";

interface TestDatabase {
  accounts: {
    id: Generated<number>;
    email: string;
    verified: number;
    balance: number;
    created_at: Date;
    locked_until: Date | null;
  };
  notes: { id: Generated<number>; account_id: number; body: string };
  /** The checkpoint tests' table (ADR 0040). */
  blobs: { id: number; body: string };
}

const opened: Kysely<TestDatabase>[] = [];
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function temporaryFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "sqlite-dialect-"));
  folders.push(folder);
  return folder;
}

async function openDatabase(path: string, busyTimeoutMs?: number): Promise<Kysely<TestDatabase>> {
  const db = new Kysely<TestDatabase>({ dialect: createSQLiteDialect({ path, busyTimeoutMs }) });
  opened.push(db);
  await sql`CREATE TABLE IF NOT EXISTS accounts (
    id integer PRIMARY KEY AUTOINCREMENT,
    email text NOT NULL UNIQUE,
    verified boolean NOT NULL,
    balance integer NOT NULL,
    created_at datetime(3) NOT NULL,
    locked_until datetime(3)
  )`.execute(db);
  await sql`CREATE TABLE IF NOT EXISTS notes (
    id integer PRIMARY KEY AUTOINCREMENT,
    account_id integer NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    body text NOT NULL
  )`.execute(db);
  return db;
}

const createdAt = new Date("2026-11-30T09:41:02.345Z");

async function insertAccount(
  db: Kysely<TestDatabase>,
  email: string,
  balance = 0,
): Promise<bigint | undefined> {
  const result = await db
    .insertInto("accounts")
    .values({ email, verified: 0, balance, created_at: createdAt, locked_until: null })
    .executeTakeFirstOrThrow();
  return result.insertId;
}

async function pragma(db: Kysely<TestDatabase>, name: string): Promise<unknown> {
  const { rows } = await sql<Record<string, unknown>>`${sql.raw(`PRAGMA ${name}`)}`.execute(db);
  return Object.values(rows[0] ?? {})[0];
}

describe("StatementCache", () => {
  // Statements stand in as numbered objects: the cache's job is which one it hands back.
  function numberedStatements(): (sql: string) => { sql: string; n: number } {
    let n = 0;
    return (text) => ({ sql: text, n: n++ });
  }

  it("prepares each SQL text once and hands back the same statement after", () => {
    const cache = new StatementCache({ capacity: 4, prepare: numberedStatements() });
    const first = cache.get("select 1");

    expect(cache.get("select 2")).toEqual({ sql: "select 2", n: 1 });
    expect(cache.get("select 1")).toBe(first);
    expect(cache.get("select 2")).toEqual({ sql: "select 2", n: 1 });
  });

  it("drops the least recently used statement beyond its capacity, and prepares it afresh when asked again", () => {
    const cache = new StatementCache({ capacity: 2, prepare: numberedStatements() });
    const a = cache.get("a");
    cache.get("b");
    cache.get("a"); // now b is the least recently used
    cache.get("c"); // evicts b

    expect(cache.get("a")).toBe(a);
    expect(cache.get("b")).toEqual({ sql: "b", n: 3 }); // evicts c
    expect(cache.get("c")).toEqual({ sql: "c", n: 4 }); // evicts a
    expect(cache.get("a")).toEqual({ sql: "a", n: 5 });
  });

  it("refuses a capacity below one", () => {
    expect(() => new StatementCache({ capacity: 0, prepare: numberedStatements() })).toThrow(/at least one/);
  });
});

describe("createSQLiteDialect", () => {
  it("creates, inserts and selects through Kysely on an in-memory database", async () => {
    const db = await openDatabase(":memory:");
    expect(await insertAccount(db, "ada@example.com", 10)).toBe(1n);
    expect(await insertAccount(db, "grace@example.com", 20)).toBe(2n);

    const rows = await db.selectFrom("accounts").select(["email", "balance"]).orderBy("id").execute();

    expect(rows).toEqual([
      { email: "ada@example.com", balance: 10 },
      { email: "grace@example.com", balance: 20 },
    ]);
    expect(await pragma(db, "journal_mode")).toBe("memory");
    expect(await sqliteVersion(db)).toMatch(/^3\.\d+\.\d+$/);
  });

  it("opens a file in a missing folder in WAL mode with foreign keys, busy timeout and synchronous NORMAL", async () => {
    const path = join(temporaryFolder(), "nested", "folder", "test.db");
    const db = await openDatabase(path);
    await insertAccount(db, "ada@example.com");

    expect(await db.selectFrom("accounts").select("email").execute()).toEqual([{ email: "ada@example.com" }]);
    expect(await pragma(db, "journal_mode")).toBe("wal");
    expect(await pragma(db, "foreign_keys")).toBe(1);
    expect(await pragma(db, "busy_timeout")).toBe(5000);
    expect(await pragma(db, "synchronous")).toBe(1); // NORMAL
  });

  it("creates a missing folder 0700 and the file 0600, so other users of the machine cannot read it, nor its -wal and -shm", async () => {
    const folder = join(temporaryFolder(), "new");
    const path = join(folder, "private.db");
    const db = await openDatabase(path);
    await insertAccount(db, "private@example.com");

    const mode = (file: string) => statSync(file).mode & 0o777;
    expect(mode(folder)).toBe(0o700);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file)).toBe(0o600);
  });

  it("leaves an existing file's mode as it is", async () => {
    const path = join(temporaryFolder(), "existing.db");
    writeFileSync(path, "");
    chmodSync(path, 0o640);
    await insertAccount(await openDatabase(path), "existing@example.com");

    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it("reuses one prepared statement with new parameters each time, and after a migration changes the table", async () => {
    const db = await openDatabase(":memory:");
    await insertAccount(db, "ada@example.com", 10);
    await insertAccount(db, "grace@example.com", 20);
    const balanceOf = async (email: string) =>
      (await db.selectFrom("accounts").selectAll().where("email", "=", email).executeTakeFirst())?.balance;
    const notes = () => db.selectFrom("notes").selectAll().execute();

    expect(await balanceOf("ada@example.com")).toBe(10);
    expect(await balanceOf("grace@example.com")).toBe(20);
    expect(await balanceOf("nobody@example.com")).toBeUndefined();
    expect(await notes()).toEqual([]);
    // The cached `select * from notes` was compiled for three columns; SQLite re-compiles it for four.
    await sql`ALTER TABLE notes ADD COLUMN pinned integer NOT NULL DEFAULT 0`.execute(db);
    await db.insertInto("notes").values({ account_id: 1, body: "hello" }).execute();

    expect(await notes()).toEqual([{ id: 1, account_id: 1, body: "hello", pinned: 0 }]);
    expect(await balanceOf("ada@example.com")).toBe(10);
  });

  it("round-trips Dates exactly to the millisecond, stored as sortable ISO-8601 UTC text", async () => {
    const db = await openDatabase(":memory:");
    const lockedUntil = new Date("2026-12-01T00:00:00.001Z");
    await db
      .insertInto("accounts")
      .values({
        email: "ada@example.com",
        verified: 0,
        balance: 0,
        created_at: createdAt,
        locked_until: lockedUntil,
      })
      .execute();
    await db
      .insertInto("accounts")
      .values({
        email: "earlier@example.com",
        verified: 0,
        balance: 0,
        created_at: new Date("2026-11-30T09:41:02.344Z"),
        locked_until: null,
      })
      .execute();

    const row = await db
      .selectFrom("accounts")
      .select(["created_at", "locked_until"])
      .where("email", "=", "ada@example.com")
      .executeTakeFirstOrThrow();
    const stored = await sql<{ text: string; type: string }>`
      SELECT created_at AS text, typeof(created_at) AS type FROM accounts WHERE email = 'ada@example.com'`.execute(
      db,
    );
    const newer = await db
      .selectFrom("accounts")
      .select("email")
      .where("created_at", ">", new Date("2026-11-30T09:41:02.344Z"))
      .execute();

    expect(row.created_at).toBeInstanceOf(Date);
    expect(row.created_at.getTime()).toBe(createdAt.getTime());
    expect(row.locked_until?.getTime()).toBe(lockedUntil.getTime());
    expect(stored.rows).toEqual([{ text: "2026-11-30T09:41:02.345Z", type: "text" }]);
    expect(newer).toEqual([{ email: "ada@example.com" }]);
  });

  it("refuses to guess at date-column text not written in the stored form", async () => {
    const db = await openDatabase(":memory:");
    await sql`INSERT INTO accounts (email, verified, balance, created_at) VALUES ('a@example.com', 0, 0, '2026-11-30 09:41:02')`.execute(
      db,
    );

    await expect(db.selectFrom("accounts").select("created_at").execute()).rejects.toThrow(
      /created_at holds "2026-11-30 09:41:02"/,
    );
  });

  it("stores booleans as 1/0 and reads them back as numbers, like MySQL's BOOLEAN", async () => {
    const db = await openDatabase(":memory:");
    await insertAccount(db, "ada@example.com");

    await db
      .updateTable("accounts")
      .set({ verified: sql<number>`${true}` })
      .execute();
    const row = await db
      .selectFrom("accounts")
      .select("verified")
      .where("verified", "=", sql<number>`${true}`)
      .executeTakeFirst();

    expect(row).toEqual({ verified: 1 });
  });

  it("reports affected rows as bigint, counting rows matched like mysql2 (FOUND_ROWS)", async () => {
    const db = await openDatabase(":memory:");
    await insertAccount(db, "ada@example.com");
    await insertAccount(db, "grace@example.com");

    const updated = await db.updateTable("accounts").set({ balance: 0 }).executeTakeFirstOrThrow();
    const none = await db
      .updateTable("accounts")
      .set({ balance: 1 })
      .where("id", "=", 99)
      .executeTakeFirstOrThrow();
    const deleted = await db.deleteFrom("accounts").where("id", "=", 1).executeTakeFirstOrThrow();

    expect(updated.numUpdatedRows).toBe(2n);
    expect(none.numUpdatedRows).toBe(0n);
    expect(deleted.numDeletedRows).toBe(1n);
  });

  it("rolls back a transaction that throws", async () => {
    const db = await openDatabase(":memory:");
    await insertAccount(db, "ada@example.com", 10);

    await expect(
      db.transaction().execute(async (trx) => {
        await trx.updateTable("accounts").set({ balance: 99 }).execute();
        await insertAccount(trx, "grace@example.com");
        throw new Error("abandon");
      }),
    ).rejects.toThrow("abandon");

    expect(await db.selectFrom("accounts").select(["email", "balance"]).execute()).toEqual([
      { email: "ada@example.com", balance: 10 },
    ]);
  });

  for (const where of [":memory:", "file"] as const) {
    it(`gives exactly one winner among 50 concurrent read-then-update transactions (${where})`, async () => {
      const db = await openDatabase(where === "file" ? join(temporaryFolder(), "race.db") : ":memory:");
      await insertAccount(db, "ada@example.com", 1);

      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, attempt) =>
          db.transaction().execute(async (trx) => {
            // No FOR UPDATE: BEGIN IMMEDIATE already holds the write lock (sqliteSQLDialect.forUpdate).
            const { balance } = await trx
              .selectFrom("accounts")
              .select("balance")
              .where("id", "=", 1)
              .executeTakeFirstOrThrow();
            // Yield to the other 49 between the read and the write: without turn-taking they
            // would all read balance 1 here and all win.
            await new Promise((resolve) => setTimeout(resolve, 1));
            if (balance !== 1) return "lost";
            await trx
              .updateTable("accounts")
              .set({ balance: 0, email: `winner-${attempt}@example.com` })
              .where("id", "=", 1)
              .execute();
            return "won";
          }),
        ),
      );

      expect(outcomes.filter((outcome) => outcome === "won")).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === "lost")).toHaveLength(49);
      expect(await db.selectFrom("accounts").select("balance").executeTakeFirst()).toEqual({ balance: 0 });
    });
  }

  it("starts transactions with BEGIN IMMEDIATE, and the dialect's row lock adds nothing to the query", async () => {
    const statements: string[] = [];
    const db = new Kysely<TestDatabase>({
      dialect: createSQLiteDialect({ path: ":memory:" }),
      log: (event) => {
        statements.push(event.query.sql);
      },
    });
    opened.push(db);
    await sql`CREATE TABLE accounts (id integer PRIMARY KEY, email text, balance integer)`.execute(db);

    await db.transaction().execute(async (trx) => {
      await sqliteSQLDialect.forUpdate(trx.selectFrom("accounts").selectAll().where("id", "=", 1)).execute();
    });

    expect(statements.slice(1)).toEqual([
      "BEGIN IMMEDIATE",
      'select * from "accounts" where "id" = ?',
      "COMMIT",
    ]);
  });

  it("classifies unique and primary-key violations by result code", async () => {
    const db = await openDatabase(":memory:");
    await insertAccount(db, "ada@example.com");

    const duplicateEmail = await insertAccount(db, "ada@example.com").catch((error: unknown) => error);
    const duplicateId = await db
      .insertInto("accounts")
      .values({ id: 1, email: "grace@example.com", verified: 0, balance: 0, created_at: createdAt })
      .execute()
      .catch((error: unknown) => error);

    expect(isUniqueViolation(duplicateEmail)).toBe(true);
    expect(isUniqueViolation(duplicateId)).toBe(true);
    expect(isForeignKeyViolation(duplicateEmail)).toBe(false);
    expect(isBusy(duplicateEmail)).toBe(false);
    expect(isUniqueViolation(new Error("UNIQUE constraint failed: accounts.email"))).toBe(false);
  });

  it("enforces foreign keys and classifies their violation", async () => {
    const db = await openDatabase(":memory:");
    await insertAccount(db, "ada@example.com");
    await db.insertInto("notes").values({ account_id: 1, body: "kept until the account goes" }).execute();

    const orphan = await db
      .insertInto("notes")
      .values({ account_id: 42, body: "no such account" })
      .execute()
      .catch((error: unknown) => error);
    await db.deleteFrom("accounts").where("id", "=", 1).execute();

    // Reported as what it means to the service (a row it refers to is gone), SQLite's code its cause.
    expect(orphan).toBeInstanceOf(DeletedMeanwhileError);
    const cause = (orphan as Error).cause;
    expect(isForeignKeyViolation(cause)).toBe(true);
    expect(isUniqueViolation(cause)).toBe(false);
    expect(await db.selectFrom("notes").selectAll().execute()).toEqual([]);
  });

  it("waits busy_timeout for a second connection's write lock; a statement of its own then ends in OverloadedError, SQLITE_BUSY its cause", async () => {
    const path = join(temporaryFolder(), "shared.db");
    const first = await openDatabase(path);
    const second = await openDatabase(path, 200);
    let releaseFirst = (): void => {};
    const firstHolds = new Promise<void>((resolve) => {
      const firstDone = first.transaction().execute(async (trx) => {
        await insertAccount(trx, "first@example.com");
        resolve();
        await new Promise<void>((release) => {
          releaseFirst = release;
        });
      });
      void firstDone;
    });
    await firstHolds;

    const started = performance.now();
    const refused = await insertAccount(second, "second@example.com").catch((error: unknown) => error);
    const waitedMs = performance.now() - started;
    releaseFirst();

    // Not a 500 that says retrying will not help: the service is busy (503 with Retry-After).
    expect(refused).toBeInstanceOf(OverloadedError);
    expect(refused).toMatchObject({
      message: "The database gave this statement up to concurrent work 1 time",
      retryAfterSeconds: 1,
    });
    expect(isBusy((refused as OverloadedError).cause)).toBe(true);
    expect(waitedMs).toBeGreaterThanOrEqual(150);
  });

  it("surfaces another connection's write lock at BEGIN IMMEDIATE, before the work runs, as SQLITE_BUSY for runInTransaction to retry, and recovers after", async () => {
    const path = join(temporaryFolder(), "shared.db");
    const first = await openDatabase(path);
    const second = await openDatabase(path, 100);
    let releaseFirst = (): void => {};
    let firstDone: Promise<void> = Promise.resolve();
    await new Promise<void>((resolve) => {
      firstDone = first.transaction().execute(async (trx) => {
        await trx.selectFrom("accounts").selectAll().execute();
        resolve();
        await new Promise<void>((release) => {
          releaseFirst = release;
        });
      });
    });

    let workRan = false;
    const refused = await second
      .transaction()
      .execute(async (trx) => {
        workRan = true;
        await insertAccount(trx, "second@example.com");
      })
      .catch((error: unknown) => error);
    releaseFirst();
    await firstDone;
    await second.transaction().execute((trx) => insertAccount(trx, "second@example.com"));

    expect(isBusy(refused)).toBe(true);
    expect(workRan).toBe(false);
    expect(await first.selectFrom("accounts").select("email").execute()).toEqual([
      { email: "second@example.com" },
    ]);
  });

  it("answers a full disk as StorageUnavailableError (503), in a transaction or not, and recovers once there is room", async () => {
    const db = await openDatabase(join(temporaryFolder(), "full.db"));
    await insertAccount(db, "before@example.com");
    // A disk with no room left: the file may not grow past the pages it has (SQLITE_FULL, as a full disk gives).
    const pages = Number(await pragma(db, "page_count"));
    await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(db);
    const big = "x".repeat(100_000);
    const insertNote = (executor: Kysely<TestDatabase>) =>
      executor.insertInto("notes").values({ account_id: 1, body: big }).execute();

    const alone = await insertNote(db).catch((error: unknown) => error);
    // SQLite rolls such a transaction back itself: the error that ended it must reach the caller,
    // not "cannot rollback - no transaction is active" from Kysely's ROLLBACK after it.
    const inTransaction = await db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable("accounts").set({ balance: 7 }).execute();
        await insertNote(trx);
      })
      .catch((error: unknown) => error);

    for (const refused of [alone, inTransaction]) {
      expect(refused).toBeInstanceOf(StorageUnavailableError);
      expect(refused).toMatchObject({ code: "SQLITE_FULL" });
    }
    // Nothing of the failed transaction stayed.
    expect(await db.selectFrom("accounts").select("balance").execute()).toEqual([{ balance: 0 }]);

    await sql.raw(`PRAGMA max_page_count = ${pages * 100}`).execute(db);
    await db.transaction().execute((trx) => insertNote(trx));
    expect(await db.selectFrom("notes").select("account_id").execute()).toEqual([{ account_id: 1 }]);
  });

  it("names the unavailable conditions by primary result code, and nothing else", () => {
    const sqliteError = (errcode: number) =>
      Object.assign(new Error("x"), { code: "ERR_SQLITE_ERROR", errcode });
    expect(unavailableCode(sqliteError(13))).toBe("SQLITE_FULL");
    expect(unavailableCode(sqliteError(8))).toBe("SQLITE_READONLY");
    expect(unavailableCode(sqliteError(1032))).toBe("SQLITE_READONLY"); // READONLY_DBMOVED
    expect(unavailableCode(sqliteError(10))).toBe("SQLITE_IOERR");
    expect(unavailableCode(sqliteError(3338))).toBe("SQLITE_IOERR"); // IOERR_FSYNC
    expect(unavailableCode(sqliteError(14))).toBe("SQLITE_CANTOPEN");
    expect(unavailableCode(sqliteError(2067))).toBeNull(); // a unique violation
    expect(unavailableCode(sqliteError(5))).toBeNull(); // busy: retried, not unavailable
    expect(unavailableCode(new Error("database or disk is full"))).toBeNull();
  });

  it("lets a second process's writer through once the lock holder commits within busy_timeout", async () => {
    const path = join(temporaryFolder(), "shared.db");
    const db = await openDatabase(path);
    // Another process's worth: its own DatabaseSync on another thread, holding the write lock
    // for 300 ms (the main thread blocks in SQLite's busy handler meanwhile, so the holder must
    // not need our event loop to let go).
    const holder = new Worker(
      `const { DatabaseSync } = require("node:sqlite");
       const { parentPort, workerData } = require("node:worker_threads");
       const db = new DatabaseSync(workerData);
       db.exec("BEGIN IMMEDIATE");
       db.exec("INSERT INTO accounts (email, verified, balance, created_at) VALUES ('holder@example.com', 0, 0, '2026-11-30T09:41:02.345Z')");
       parentPort.postMessage("locked");
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
       db.exec("COMMIT");
       db.close();`,
      { eval: true, workerData: path },
    );
    const exited = new Promise((resolve) => holder.once("exit", resolve));
    await new Promise((resolve) => holder.once("message", resolve));

    const started = performance.now();
    await insertAccount(db, "waiter@example.com");
    const waitedMs = performance.now() - started;
    await exited;

    expect(waitedMs).toBeGreaterThanOrEqual(200);
    expect(await db.selectFrom("accounts").select("email").orderBy("id").execute()).toEqual([
      { email: "holder@example.com" },
      { email: "waiter@example.com" },
    ]);
  });
});

function open(path: string, checkpointOnThread: boolean): Kysely<TestDatabase> {
  const db = new Kysely<TestDatabase>({ dialect: createSQLiteDialect({ path, checkpointOnThread }) });
  opened.push(db);
  return db;
}

/** About 300 pages of 4 KiB: under SQLite's own automatic checkpoint (1,000 pages). */
async function writeRows(db: Kysely<TestDatabase>): Promise<void> {
  await sql`CREATE TABLE blobs (id integer PRIMARY KEY, body text NOT NULL)`.execute(db);
  for (let id = 1; id <= 300; id++) {
    await db
      .insertInto("blobs")
      .values({ id, body: "x".repeat(3500) })
      .execute();
  }
}

/** The database file itself (not its write-ahead log) holds the rows once a checkpoint copied them. */
async function fileHoldsRows(path: string, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (statSync(path).size >= 300 * 3500) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function autoCheckpointPages(db: Kysely<TestDatabase>): Promise<number> {
  const { rows } = await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(db);
  return Number(rows[0]?.wal_autocheckpoint);
}

describe("SQLite checkpoints on a thread of their own (ADR 0040)", () => {
  it("copies committed pages into the database file while the service's connection only commits", async () => {
    const path = join(temporaryFolder(), "service.sqlite");
    const db = open(path, true);
    await writeRows(db);
    // The service's connection checkpoints only past the fallback, far above what was written.
    expect(await autoCheckpointPages(db)).toBe(fallbackAutoCheckpointPages);
    expect(await fileHoldsRows(path, 3000)).toBe(true);
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM blobs`.execute(db);
    expect(Number(rows[0]?.n)).toBe(300);
  });

  it("without it, SQLite's default: the rows stay in the log until 1,000 pages (the control)", async () => {
    const path = join(temporaryFolder(), "tool.sqlite");
    const db = open(path, false);
    await writeRows(db);
    expect(await autoCheckpointPages(db)).toBe(1000);
    expect(await fileHoldsRows(path, 600)).toBe(false);
  });

  it("shrinks the log's file back to the fallback's size once a large write has been copied", async () => {
    const path = join(temporaryFolder(), "large-write.sqlite");
    const db = open(path, true);
    await sql`CREATE TABLE blobs (id integer PRIMARY KEY, body text NOT NULL)`.execute(db);
    // One transaction past the limit, as a prune of months of security events writes.
    const rows = Math.ceil((walSizeLimitBytes * 1.2) / 4000);
    await db.transaction().execute(async (trx) => {
      for (let id = 1; id <= rows; id++)
        await trx
          .insertInto("blobs")
          .values({ id, body: "x".repeat(3900) })
          .execute();
    });
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(walSizeLimitBytes);
    // Once the thread has copied it all, the next commit starts the log over and truncates it.
    const deadline = Date.now() + 15_000;
    for (let id = rows + 1; statSync(`${path}-wal`).size > walSizeLimitBytes && Date.now() < deadline; id++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await db.insertInto("blobs").values({ id, body: "y" }).execute();
    }

    expect(statSync(`${path}-wal`).size).toBeLessThanOrEqual(walSizeLimitBytes);
  });

  it("stops with the connection: its last checkpoint leaves the rows in the file, and the thread ends", async () => {
    const path = join(temporaryFolder(), "stopped.sqlite");
    const db = open(path, true);
    await writeRows(db);
    await db.destroy();
    opened.splice(opened.indexOf(db), 1);
    expect(statSync(path).size).toBeGreaterThanOrEqual(300 * 3500);
    // Reopened without the thread, the rows are all there.
    const again = open(path, false);
    const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM blobs`.execute(again);
    expect(Number(rows[0]?.n)).toBe(300);
  });

  it("is not started for an in-memory database (no log to copy)", async () => {
    const db = open(":memory:", true);
    const { rows } = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db);
    expect(rows[0]?.journal_mode).toBe("memory");
    expect(await autoCheckpointPages(db)).toBe(1000);
  });

  it("refuses to start on a file it cannot open, and can be stopped twice", async () => {
    const folder = temporaryFolder();
    await expect(
      startSQLiteCheckpointer({ path: join(folder, "missing-folder", "x.sqlite"), busyTimeoutMs: 100 }),
    ).rejects.toThrow(/unable to open database file/);
    const path = join(folder, "ok.sqlite");
    const db = open(path, false);
    await writeRows(db);
    const checkpointer = await startSQLiteCheckpointer({ path, busyTimeoutMs: 100, intervalMs: 10 });
    expect(await fileHoldsRows(path, 3000)).toBe(true);
    await checkpointer.stop();
    await checkpointer.stop();
  });
});
