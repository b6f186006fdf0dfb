import { closeSync, constants, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { DeletedMeanwhileError, StorageUnavailableError } from "@superoauth/application";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from "kysely";
import { overloadedByConflicts } from "../conflicts.ts";
import type { SQLDialect } from "./dialect.ts";
import {
  fallbackAutoCheckpointPages,
  type SQLiteCheckpointer,
  startSQLiteCheckpointer,
  walSizeLimitBytes,
} from "./sqlite-checkpointer.ts";

/**
 * A Kysely dialect over Node's built-in `node:sqlite` (`DatabaseSync`): no native build, nothing
 * downloaded at install. Kysely's own SqliteDialect targets better-sqlite3; we reuse its adapter,
 * introspector and compiler and supply only the driver. MySQL-only syntax (FOR UPDATE, ON DUPLICATE
 * KEY UPDATE) is not translated here: the repositories ask SQLDialect (sqliteSQLDialect below) for
 * their locking and upserts, and a MySQL-ism that slips through fails as a syntax error in tests.
 */
export interface SQLiteDialectOptions {
  /** A file path (its folder is created if missing) or ":memory:". */
  readonly path: string;
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * Which result columns hold timestamps, to read them back as Dates (SQLite has no date type).
   * Default: names ending in `_at` or `_until` (every datetime column of our migrations).
   */
  readonly isDateColumn?: (column: string) => boolean;
  /**
   * Copy the write-ahead log into the database on a thread of its own (sqlite-checkpointer.ts)
   * instead of within a commit on the event loop every 1,000 pages, as SQLite does by default. For
   * a long-running service (ADR 0040); a file database only. Default false.
   */
  readonly checkpointOnThread?: boolean;
}

const defaultBusyTimeoutMs = 5000;

/** The statements that begin or end a transaction (the driver's BEGIN IMMEDIATE, COMMIT, ROLLBACK; savepoints). */
const transactionControl = /^\s*(begin|commit|end|rollback|savepoint|release)\b/i;

/**
 * How many prepared statements the connection keeps. The repositories compile a bounded set of SQL
 * texts (parameters are bound, never inlined), about a hundred; the bound is for the few whose
 * text varies (`IN (?, ?, ...)` lists), so they cannot grow the cache without limit.
 */
const statementCacheCapacity = 256;

/** Every datetime(3) column of the migrations: `*_at`, plus `login_failures.locked_until`. */
const isTimestampColumnName = (column: string): boolean =>
  column.endsWith("_at") || column.endsWith("_until");

/**
 * The one form a Date is stored in: ISO-8601 UTC with milliseconds, what `Date#toISOString`
 * writes. Fixed width, so text order is time order and `<`, `>`, `ORDER BY` compare correctly.
 * Years outside 0000-9999 (`+275760-...`) are not written by this service.
 */
const storedDatePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Kysely's SqliteAdapter, saying what SQLite does: its DDL is transactional (Kysely's own adapter
 * says it is not). Kysely's Migrator then runs the pending migrations in one transaction, so a
 * start killed among them (SIGKILL, the OOM killer, a power loss) leaves the schema as it was and
 * the next start applies them again; before, a migration of several statements stayed half
 * applied and every later start failed on it (`table "..." already exists`). ADR 0052.
 */
class TransactionalDDLSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export function createSQLiteDialect(options: SQLiteDialectOptions): Dialect {
  return {
    createAdapter: () => new TransactionalDDLSqliteAdapter(),
    createDriver: () => new NodeSQLiteDriver(options),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}

/**
 * One connection for the whole process. SQLite allows one writer at a time and `DatabaseSync`
 * blocks the event loop while a statement runs, so a pool would only add lock contention.
 *
 * Turn-taking is Kysely's: SqliteAdapter says `supportsMultipleConnections: false`, so Kysely's
 * RuntimeDriver holds a mutex from acquireConnection to releaseConnection, i.e. across a whole
 * `db.transaction().execute()`. A second caller waits for the first to release; that is what makes
 * our transactions serial and gives MySQL's single-winner outcomes (sqlite.test.ts proves it with
 * 50 concurrent transactions). We assert the turn-taking rather than duplicate the mutex.
 */
class NodeSQLiteDriver implements Driver {
  readonly #options: SQLiteDialectOptions;
  #database: DatabaseSync | undefined;
  #connection: NodeSQLiteConnection | undefined;
  #checkpointer: SQLiteCheckpointer | undefined;
  #held = false;

  constructor(options: SQLiteDialectOptions) {
    this.#options = options;
  }

  async init(): Promise<void> {
    const { path } = this.#options;
    const inMemory = path === ":memory:";
    if (!inMemory) createPrivately(path);
    const database = new DatabaseSync(path);
    try {
      if (!inMemory) {
        // WAL: readers never block the writer nor the writer readers, and a commit is one append.
        // (An in-memory database has no file to log to, so it keeps its "memory" journal.)
        const mode = database.prepare("PRAGMA journal_mode = WAL").get();
        if (mode?.journal_mode !== "wal") {
          throw new Error(
            `SQLite refused WAL mode for ${path} (journal_mode is ${String(mode?.journal_mode)})`,
          );
        }
      }
      // Wait for another process's lock (a migration, a second instance, a backup) instead of failing
      // at once with SQLITE_BUSY. Applies to BEGIN IMMEDIATE too.
      database.exec(
        `PRAGMA busy_timeout = ${integerPragma(this.#options.busyTimeoutMs ?? defaultBusyTimeoutMs)}`,
      );
      // Off by default in SQLite for backward compatibility; our schema relies on its REFERENCES.
      database.exec("PRAGMA foreign_keys = ON");
      // In WAL mode, NORMAL syncs at checkpoints rather than at every commit: a commit survives the
      // application crashing or being killed (it is in the WAL file, in the OS's cache), but the last
      // commits before a power loss or OS crash may be rolled back (never corrupted). FULL would fsync
      // every commit for that last case; sessions and tokens lost to a power cut cost a sign-in, and
      // NORMAL is what SQLite recommends for WAL (https://www.sqlite.org/pragma.html#pragma_synchronous).
      database.exec("PRAGMA synchronous = NORMAL");
      if (this.#options.checkpointOnThread === true && !inMemory) {
        // The fallback first: nothing after the thread's start can fail and leave it running.
        database.exec(`PRAGMA wal_autocheckpoint = ${integerPragma(fallbackAutoCheckpointPages)}`);
        // And the log's file shrinks back to that size once it has been copied, or it keeps its
        // largest size until the next restart.
        database.exec(`PRAGMA journal_size_limit = ${integerPragma(walSizeLimitBytes)}`);
        this.#checkpointer = await startSQLiteCheckpointer({
          path,
          busyTimeoutMs: this.#options.busyTimeoutMs ?? defaultBusyTimeoutMs,
        });
      }
    } catch (error) {
      database.close();
      throw error;
    }
    this.#database = database;
    this.#connection = new NodeSQLiteConnection(
      database,
      this.#options.isDateColumn ?? isTimestampColumnName,
    );
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#connection === undefined) throw new Error("The SQLite driver is not initialised");
    // Kysely's mutex (see the class comment) guarantees this; if a Kysely upgrade dropped it,
    // transactions would interleave on the one connection, so fail loudly instead.
    if (this.#held)
      throw new Error("The SQLite connection was acquired twice: Kysely's connection mutex is missing");
    this.#held = true;
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#held = false;
  }

  /**
   * BEGIN IMMEDIATE takes the write lock at the start, as MySQL's SELECT ... FOR UPDATE would.
   * A deferred BEGIN would read under a shared lock and upgrade at the first write; in WAL mode
   * that upgrade fails at once with SQLITE_BUSY_SNAPSHOT (no busy wait) if another connection wrote
   * meanwhile. Starting immediate, contention surfaces at BEGIN, where busy_timeout waits it out.
   * Isolation settings are ignored: every SQLite transaction is serializable.
   */
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("BEGIN IMMEDIATE"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("COMMIT"));
  }

  /**
   * SQLite rolls a transaction back by itself after some errors (SQLITE_FULL, SQLITE_IOERR,
   * SQLITE_NOMEM, https://www.sqlite.org/lang_transaction.html#response_to_errors_within_a_transaction):
   * a ROLLBACK then fails with "cannot rollback - no transaction is active", and Kysely would throw
   * that instead of the error that ended the transaction.
   */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#database?.isTransaction === false) return;
    await connection.executeQuery(CompiledQuery.raw("ROLLBACK"));
  }

  async destroy(): Promise<void> {
    // Its last checkpoint runs before the service's connection closes (which checkpoints too).
    await this.#checkpointer?.stop();
    this.#checkpointer = undefined;
    this.#database?.close();
    this.#database = undefined;
    this.#connection = undefined;
  }
}

class NodeSQLiteConnection implements DatabaseConnection {
  readonly #database: DatabaseSync;
  readonly #isDateColumn: (column: string) => boolean;
  /**
   * Compiling a statement costs several times what running a primary-key read does (a join like
   * findSessionWithUser's: 17 µs compiled and run, 3 µs run from a kept statement), and the hot
   * paths (/auth/me, refresh) run the same few statements on every request: prepare each SQL text
   * once (docs/performance.md, "Changes measured").
   * SQLite re-compiles a cached statement itself when a migration changes the schema
   * (sqlite3_prepare_v2, https://www.sqlite.org/c3ref/prepare.html).
   */
  readonly #statements: StatementCache<{ statement: StatementSync; yieldsRows: boolean }>;

  constructor(database: DatabaseSync, isDateColumn: (column: string) => boolean) {
    this.#database = database;
    this.#isDateColumn = isDateColumn;
    this.#statements = new StatementCache({
      capacity: statementCacheCapacity,
      prepare: (text) => {
        const statement = database.prepare(text);
        // A statement that yields columns (SELECT, PRAGMA, ... RETURNING) is read; others report counts.
        return { statement, yieldsRows: statement.columns().length > 0 };
      },
    });
  }

  /**
   * A statement of its own (outside any transaction, not BEGIN) that met the write lock taken past
   * busy_timeout ends in OverloadedError, as a transaction does once runInTransaction has spent its
   * attempts; it is not run again, busy_timeout has waited already. Within a transaction the busy
   * error passes unchanged: runInTransaction runs the whole transaction again. A foreign key's
   * refusal ends in DeletedMeanwhileError, in a transaction or not.
   */
  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // Asked before the statement runs: a failed one may end the transaction it was in.
    const inTransaction = this.#database.isTransaction;
    try {
      return this.#execute(compiledQuery);
    } catch (error) {
      if (!inTransaction && isBusy(error) && !transactionControl.test(compiledQuery.sql))
        throw overloadedByConflicts({ what: "statement", attempts: 1, cause: error });
      // The file cannot take the write (disk full, read-only, I/O error): infrastructure, like a
      // MySQL server that went away, so 503 with Retry-After rather than a 500 (ADR 0011).
      const unavailable = unavailableCode(error);
      if (unavailable !== null)
        throw new StorageUnavailableError({ code: unavailable, message: errorMessage(error) });
      // A row this write refers to was deleted meanwhile (the account, an app).
      if (isForeignKeyViolation(error)) throw new DeletedMeanwhileError({ cause: error });
      throw error;
    }
  }

  #execute<R>(compiledQuery: CompiledQuery): QueryResult<R> {
    const { statement, yieldsRows } = this.#statements.get(compiledQuery.sql);
    const parameters = compiledQuery.parameters.map(toSQLiteValue);
    if (yieldsRows) return { rows: this.#readRows(statement.all(...parameters)) as R[] };
    const { changes, lastInsertRowid } = statement.run(...parameters);
    // bigint like Kysely's MySQL driver, so repositories compare `numUpdatedRows !== 1n` on both.
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  /**
   * Not from the cache: the iterator stays open across awaits, and a cached statement run meanwhile
   * by another query would reset it under the iterator.
   */
  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const statement = this.#database.prepare(compiledQuery.sql);
    for (const row of statement.iterate(...compiledQuery.parameters.map(toSQLiteValue))) {
      yield { rows: this.#readRows([row]) as R[] };
    }
  }

  #readRows(rows: Record<string, unknown>[]): Record<string, unknown>[] {
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (typeof value === "string" && this.#isDateColumn(column))
          row[column] = parseStoredDate(column, value);
      }
    }
    return rows;
  }
}

/**
 * Prepared statements by SQL text, at most `capacity` of them: the least recently used is dropped
 * (and left to the garbage collector, which finalizes it) when a new text would exceed it.
 */
export class StatementCache<S> {
  readonly #capacity: number;
  readonly #prepare: (sql: string) => S;
  /** A Map iterates in insertion order; a hit is moved to the end, so the first key is the eldest. */
  readonly #statements = new Map<string, S>();

  constructor(input: { capacity: number; prepare: (sql: string) => S }) {
    if (!Number.isSafeInteger(input.capacity) || input.capacity < 1)
      throw new Error(`A statement cache holds at least one statement, not ${input.capacity}`);
    this.#capacity = input.capacity;
    this.#prepare = input.prepare;
  }

  /** The statement for this text, prepared on first use. */
  get(sql: string): S {
    const cached = this.#statements.get(sql);
    if (cached !== undefined) {
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = this.#prepare(sql);
    if (this.#statements.size >= this.#capacity) {
      const eldest = this.#statements.keys().next();
      if (eldest.done !== true) this.#statements.delete(eldest.value);
    }
    this.#statements.set(sql, statement);
    return statement;
  }
}

/**
 * Kysely parameters as node:sqlite binds them. Dates become their stored form (see
 * storedDatePattern); booleans 1/0, as MySQL's BOOLEAN (TINYINT(1)) stores them, and they read back
 * as 0/1 on both databases (database.ts types `email_verified` as a number on read).
 */
function toSQLiteValue(value: unknown): SQLInputValue {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value === undefined) return null;
  // node:sqlite itself rejects anything else it cannot bind (ERR_INVALID_ARG_TYPE).
  return value as SQLInputValue;
}

/** A stored timestamp back as a Date; any other text in a date column is a bug, not a value to guess at. */
function parseStoredDate(column: string, value: string): Date {
  if (!storedDatePattern.test(value)) {
    throw new Error(`Column ${column} holds "${value}", not a timestamp written as YYYY-MM-DDTHH:MM:SS.sssZ`);
  }
  return new Date(value);
}

/**
 * Creates the database's folder (0700) and an empty file (0600) if missing, before SQLite opens
 * it: SQLite would create the file 0644 less the umask, readable by every user of the machine, and
 * it holds password hashes, addresses, sign-in IPs and the encrypted TOTP secrets. Its `-wal` and
 * `-shm` files take the database file's mode. An existing folder or file keeps the mode it has.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
  } catch (error) {
    if (!(typeof error === "object" && error !== null && "code" in error && error.code === "EEXIST"))
      throw error;
  }
}

function integerPragma(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`busyTimeoutMs must be a whole number ≥ 0, not ${value}`);
  return value;
}

/** SQLite's extended result codes (https://www.sqlite.org/rescode.html), as node:sqlite's `errcode`. */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/** node:sqlite errors: `code: "ERR_SQLITE_ERROR"` and the extended result code in `errcode`. */
function sqliteErrorCode(error: unknown): number | null {
  if (typeof error !== "object" || error === null) return null;
  if (!("code" in error) || error.code !== "ERR_SQLITE_ERROR") return null;
  return "errcode" in error && typeof error.errcode === "number" ? error.errcode : null;
}

/**
 * Primary result codes of a file that cannot take a read or write right now: a full disk, a
 * read-only file or folder, an I/O error, a file that cannot be opened. Not the request's fault
 * nor a bug; they clear when the operator frees space or fixes the permissions.
 */
const unavailablePrimaryCodes: ReadonlyMap<number, string> = new Map([
  [8, "SQLITE_READONLY"],
  [10, "SQLITE_IOERR"],
  [13, "SQLITE_FULL"],
  [14, "SQLITE_CANTOPEN"],
]);

/** The name of the unavailable condition (SQLITE_FULL, ...) this error reports, or null. */
export function unavailableCode(error: unknown): string | null {
  const code = sqliteErrorCode(error);
  if (code === null) return null;
  return unavailablePrimaryCodes.get(code & 0xff) ?? null;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A unique index or primary key refused a row. By result code, never by message. */
export function isUniqueViolation(error: unknown): boolean {
  const code = sqliteErrorCode(error);
  return code === SQLITE_CONSTRAINT_UNIQUE || code === SQLITE_CONSTRAINT_PRIMARYKEY;
}

/** A REFERENCES constraint refused a row (foreign_keys is on for every connection). */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqliteErrorCode(error) === SQLITE_CONSTRAINT_FOREIGNKEY;
}

/**
 * Another connection held the lock past busy_timeout (SQLITE_BUSY and its extended codes such as
 * BUSY_SNAPSHOT), or a table was locked (SQLITE_LOCKED): safe to retry the whole transaction.
 */
export function isBusy(error: unknown): boolean {
  const code = sqliteErrorCode(error);
  if (code === null) return false;
  // The low byte of an extended result code is its primary code.
  const primary = code & 0xff;
  return primary === SQLITE_BUSY || primary === SQLITE_LOCKED;
}

/** The SQLite library's version, e.g. "3.53.4", for `db:status`. */
export async function sqliteVersion<DB>(db: Kysely<DB>): Promise<string> {
  const { rows } = await sql<{ version: string }>`select sqlite_version() as version`.execute(db);
  const version = rows[0]?.version;
  if (version === undefined) throw new Error("select sqlite_version() returned no row");
  return version;
}

/**
 * The repositories' view of SQLite (see SQLDialect). A busy database is retried like a MySQL
 * deadlock; no row locks (the transaction's BEGIN IMMEDIATE holds the write lock); upserts and
 * ignored inserts in SQLite's ON CONFLICT spelling; no LIMIT on writes.
 */
export const sqliteSQLDialect: SQLDialect = {
  name: "sqlite",
  isUniqueViolation,
  isRetryableConflict: isBusy,
  forUpdate: (query) => query,
  insertIgnore: (query) => query.orIgnore(),
  upsert: (query, { key, set }) =>
    // `set` holds plain column values of the table; Kysely types ON CONFLICT's view of the table
    // (which adds `excluded`) apart from UPDATE's, and a generic table cannot be narrowed to it.
    query.onConflict((conflict) => conflict.columns(key).doUpdateSet(set as never)),
  upsertRows: (query, { key, columns }) =>
    query.onConflict((conflict) =>
      conflict
        .columns(key)
        .doUpdateSet(
          Object.fromEntries(columns.map((column) => [column, sql.ref(`excluded.${column}`)])) as never,
        ),
    ),
  limitsWrites: false,
  locksOnlyExistingRows: false,
};

/**
 * The SQLite dialect, with a file that cannot be opened (a missing permission, a folder in the
 * way) reported as StorageUnavailableError on first use, like a MySQL server that does not answer.
 */
export function createGuardedSQLiteDialect(options: SQLiteDialectOptions): Dialect {
  const dialect = createSQLiteDialect(options);
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => {
      const driver = dialect.createDriver();
      return {
        async init() {
          try {
            await driver.init();
          } catch (error) {
            const code =
              unavailableCode(error) ??
              (typeof error === "object" &&
              error !== null &&
              "code" in error &&
              typeof error.code === "string"
                ? error.code
                : "SQLITE_CANTOPEN");
            const reason = error instanceof Error ? error.message : String(error);
            throw new StorageUnavailableError({
              code,
              message: `cannot open the SQLite database ${options.path}: ${reason}`,
            });
          }
        },
        acquireConnection: () => driver.acquireConnection(),
        beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
        commitTransaction: (connection) => driver.commitTransaction(connection),
        rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
        releaseConnection: (connection) => driver.releaseConnection(connection),
        destroy: () => driver.destroy(),
      };
    },
  };
}
