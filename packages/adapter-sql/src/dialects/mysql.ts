import { DeletedMeanwhileError, StorageUnavailableError } from "@superoauth/application";
import {
  CompiledQuery,
  Kysely,
  type KyselyConfig,
  MysqlDialect,
  type MysqlPool,
  type MysqlPoolConnection,
  type MysqlQueryResult,
  sql,
} from "kysely";
import { createPool, escapeId, type Pool, type PoolConnection } from "mysql2";
import { createConnection } from "mysql2/promise";
import { conflictAttempts, overloadedByConflicts } from "../conflicts.ts";
import type { Database } from "../database.ts";
import type { SQLDialect } from "./dialect.ts";

// Everything that is MySQL's (and MariaDB's) own: the pool and its limits, the errors by errno
// and code, and the statements spelled differently from SQLite.

/** The repositories' view of MySQL and MariaDB (see SQLDialect). */
export const mysqlDialect: SQLDialect = {
  name: "mysql",
  isUniqueViolation: isDuplicateKeyError,
  isRetryableConflict: isDeadlockError,
  forUpdate: (query) => query.forUpdate(),
  insertIgnore: (query) => query.ignore(),
  upsert: (query, { set }) => query.onDuplicateKeyUpdate(set),
  // VALUES(column) in ON DUPLICATE KEY UPDATE: MariaDB's spelling, which MySQL 8 still takes
  // (deprecated since 8.0.20 in favour of a row alias that MariaDB does not know).
  upsertRows: (query, { columns }) =>
    query.onDuplicateKeyUpdate(
      Object.fromEntries(columns.map((column) => [column, sql`VALUES(${sql.ref(column)})`])) as never,
    ),
  limitsWrites: true,
  locksOnlyExistingRows: true,
};

/** Connections lent out of the pool and callers waiting for one, counted by the pool's guard. */
export interface PoolUsageCounter {
  inUse: number;
  waiting: number;
}

/** Connections a pool keeps open unless told otherwise. */
export const defaultMySQLPoolSize = 10;

/**
 * Prepared statements each connection keeps (mysql2 closes the least recently used beyond it).
 * Every statement runs as a prepared statement (COM_STMT_EXECUTE, the binary protocol): the server
 * parses and plans a statement once per connection instead of on every call, and the client
 * neither escapes parameters into the text nor parses rows as text. For `/auth/me`'s one
 * statement that measured 111-162 µs of Node's CPU and 170-192 µs of `mysqld`'s against 168-203 and
 * 268-278 as a text query (docs/performance.md). The bound keeps a pool of instances under the
 * server's `max_prepared_stmt_count` (16,382 by default) however many distinct statements (IN
 * lists of every length) the service makes.
 */
const preparedStatementsPerConnection = 256;

/** Default for both timeouts of createMySQLDatabase. */
const defaultTimeoutMs = 5000;

/**
 * Opens a pooled connection to the database named in `url`
 * (`mysql://user:password@host:port/database`). Every connection works in UTC,
 * so DATETIME values mean the same instant whatever the server's zone.
 *
 * A database that is down, unreachable or hanging fails fast with StorageUnavailableError (the
 * HTTP adapter answers 503) instead of holding requests: a request waits at most
 * `connectTimeoutMs` for a connection (free in the pool or newly opened) and each query at most
 * `queryTimeoutMs`. The pool heals itself: broken connections are dropped and new ones opened on
 * demand, so the service recovers without a restart when the database is back.
 */
export function createMySQLDatabase(input: {
  url: string;
  poolSize?: number;
  /** Longest wait for a connection, pooled or new. Default 5 s. */
  connectTimeoutMs?: number;
  /**
   * Longest a single query may take. Default 5 s; null for none, for migrations and other
   * administration, where DDL on a large table may rightly run for minutes.
   */
  queryTimeoutMs?: number | null;
  /** Kept up to date as connections are lent and returned (Storage.poolUsage). */
  usage?: PoolUsageCounter;
  /** Kysely's query log (Storage's onQuery). */
  log?: KyselyConfig["log"];
}): Kysely<Database> {
  const connectTimeoutMs = input.connectTimeoutMs ?? defaultTimeoutMs;
  const pool = createPool({
    uri: mysqlDriverURL(input.url),
    connectionLimit: input.poolSize ?? defaultMySQLPoolSize,
    connectTimeout: connectTimeoutMs,
    // mysql2 converts Date parameters and DATETIME results in this zone; "Z" pairs with the session zone below.
    timezone: "Z",
    dateStrings: false,
    supportBigNumbers: true,
    maxPreparedStatements: preparedStatementsPerConnection,
  });
  return new Kysely<Database>({
    ...(input.log === undefined ? {} : { log: input.log }),
    dialect: new MysqlDialect({
      pool: guardPool(pool, input.usage ?? { inUse: 0, waiting: 0 }, {
        acquireTimeoutMs: connectTimeoutMs,
        queryTimeoutMs: input.queryTimeoutMs === undefined ? defaultTimeoutMs : input.queryTimeoutMs,
      }),
      // The session zone governs NOW() and TIMESTAMP columns; pinning it keeps the server's default
      // out of our data. The isolation too: the guarantees that rest on a revoke's DELETE locking
      // the index range it scans (a token saved beside it waits for it; ADR 0017's addendum) need
      // REPEATABLE READ, InnoDB's default, which a server tuned to READ COMMITTED would not give.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw("SET time_zone = '+00:00'"));
        await connection.executeQuery(
          CompiledQuery.raw("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"),
        );
      },
    }),
  });
}

/** What mysql2 passes with an error: no connection (though both libraries' types say there is one). */
const noConnection = undefined as unknown as MysqlPoolConnection;
/** What a timed-out query passes with its error: no result (the types say there is one). */
const noResult = undefined as unknown as MysqlQueryResult;

/**
 * The pool as Kysely sees it, with the limits mysql2 lacks. mysql2 queues a request for a
 * connection without end, and its query timeout reports the timeout but leaves the connection,
 * still waiting for the old answer, to go back to the pool, where the next query would queue
 * behind it without a timer of its own. So: a request for a connection gives up after
 * `acquireTimeoutMs` (a connection that comes later goes straight back); every query carries
 * mysql2's `timeout`; and a connection that failed at connection level is destroyed rather than
 * reused. Connection-level failures become StorageUnavailableError. A statement outside any
 * transaction that InnoDB chose as a deadlock's victim runs again, up to conflictAttempts in all,
 * then ends in OverloadedError (conflicts.ts); every other error (a duplicate key, a deadlock
 * within a transaction) passes unchanged to the repository that handles it. Exported for its
 * tests, which hand it a stand-in for mysql2's pool.
 */
export function guardPool(
  pool: Pool,
  usage: PoolUsageCounter,
  limits: { acquireTimeoutMs: number; queryTimeoutMs: number | null },
): MysqlPool {
  // One guard per connection, so Kysely (which caches by connection object) sets each up once.
  const guards = new WeakMap<PoolConnection, MysqlPoolConnection>();
  const guard = (connection: PoolConnection): MysqlPoolConnection => {
    const known = guards.get(connection);
    if (known !== undefined) return known;
    /** Whether the connection is within a transaction Kysely began ("begin" until "commit" or "rollback"). */
    let inTransaction = false;
    /** Runs one statement, prepared, within our timeout; connection-level failures become StorageUnavailableError. */
    const executeOnce = (
      statement: string,
      parameters: Parameters<MysqlPoolConnection["query"]>[1],
      callback: (error: Error | null, result: MysqlQueryResult) => void,
    ): void => {
      // The timeout is ours, not mysql2's: its `timeout` covers the execution but not the prepare
      // that a statement's first use on a connection sends, which a hung server never answers.
      let answered = false;
      const timer =
        limits.queryTimeoutMs === null
          ? undefined
          : setTimeout(() => {
              if (answered) return;
              answered = true;
              // The connection still waits for the old answer: never back to the pool.
              connection.destroy();
              callback(
                new StorageUnavailableError({
                  code: "PROTOCOL_SEQUENCE_TIMEOUT",
                  message: `no answer from the database within ${limits.queryTimeoutMs} ms`,
                }),
                noResult,
              );
            }, limits.queryTimeoutMs);
      connection.execute({ sql: statement }, parameters, (error, result) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        const code = error === null ? null : connectionErrorCode(error);
        // Never hand a broken or still-busy connection back to the pool.
        if (code !== null) connection.destroy();
        callback(
          code !== null
            ? new StorageUnavailableError({ code, message: error?.message ?? code })
            : // A row this write refers to was deleted meanwhile (the account, an app).
              isMissingParentError(error)
              ? new DeletedMeanwhileError({ cause: error })
              : error !== null && isDuplicateKeyError(error)
                ? withoutDuplicatedValue(error)
                : error,
          result as MysqlQueryResult,
        );
      });
    };
    const guarded: MysqlPoolConnection = {
      config: connection.config,
      get threadId() {
        return connection.threadId;
      },
      connect: (callback) => connection.connect(callback),
      destroy: () => connection.destroy(),
      release: () => {
        usage.inUse--;
        connection.release();
      },
      query: (statement, parameters, callback) => {
        // Without a callback (Kysely's streamQuery, as copyStorage reads a table) mysql2 streams the
        // rows; handing it one, it would buffer them all for that callback and stream none.
        if (callback === undefined)
          return connection.query(
            { sql: statement, timeout: limits.queryTimeoutMs ?? undefined },
            parameters,
          );
        const control = transactionControlOf(statement);
        const ownTransaction = !inTransaction && control === null;
        // A COMMIT or ROLLBACK ends the transaction whatever it answers; a BEGIN that failed began none.
        if (control === "end") inTransaction = false;
        // A statement of its own that InnoDB chose as a deadlock's victim was rolled back whole, so
        // it runs again, as runInTransaction runs a transaction again; within a transaction the
        // deadlock passes unchanged for runInTransaction to handle.
        const attempt = (number: number): void =>
          executeOnce(statement, parameters, (error, result) => {
            if (control === "begin" && error === null) inTransaction = true;
            if (error !== null && ownTransaction && isDeadlockError(error)) {
              if (number < conflictAttempts) return attempt(number + 1);
              return callback(
                overloadedByConflicts({ what: "statement", attempts: number, cause: error }),
                noResult,
              );
            }
            callback(error, result);
          });
        attempt(1);
        // Kysely reads the answer from the callback; only a streamed query's return value is used.
        return undefined as unknown as ReturnType<MysqlPoolConnection["query"]>;
      },
    };
    guards.set(connection, guarded);
    return guarded;
  };
  return {
    getConnection(callback) {
      let waiting = true;
      usage.waiting++;
      const timer = setTimeout(() => {
        waiting = false;
        usage.waiting--;
        callback(
          new StorageUnavailableError({
            code: "POOL_ACQUIRE_TIMEOUT",
            message: `no database connection within ${limits.acquireTimeoutMs} ms`,
          }),
          noConnection,
        );
      }, limits.acquireTimeoutMs);
      pool.getConnection((error, connection) => {
        if (!waiting) {
          if (error === null) connection.release();
          return;
        }
        waiting = false;
        usage.waiting--;
        clearTimeout(timer);
        if (error === null) {
          usage.inUse++;
          return callback(null, guard(connection));
        }
        const code = connectionErrorCode(error);
        callback(
          code === null ? error : new StorageUnavailableError({ code, message: error.message }),
          noConnection,
        );
      });
    },
    end: (callback) => pool.end(callback),
  };
}

/**
 * Creates the database named in `url` if it is missing (utf8mb4), connecting to
 * the server without selecting a database. Safe to call on every start.
 */
export async function ensureMySQLDatabaseExists(url: string): Promise<void> {
  const serverURL = new URL(url);
  const database = mysqlDatabaseName(url);
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(database)) {
    throw new Error("The database URL must name a database of 1-64 letters, digits, '_' or '$'");
  }
  serverURL.pathname = "/";
  const connection = await createConnection({ uri: mysqlDriverURL(serverURL.toString()) });
  try {
    // utf8mb4_unicode_ci exists on MySQL 8 and MariaDB alike (MySQL 8's default, 0900_ai_ci, does not);
    // columns whose comparisons matter declare their own binary collation.
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS ${escapeId(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await connection.end();
  }
}

/**
 * The URL as mysql2 reads it. `?ssl=true` asks for TLS with the server's certificate checked
 * against Node's CAs (and NODE_EXTRA_CA_CERTS): mysql2 reads each query value as JSON and wants an
 * object there, so it becomes `ssl={}`, whose defaults check the certificate (mysql2 refuses a bare
 * `true` with "SSL profile must be an object"). Any other `ssl` value, mysql2's own JSON form
 * (`{"rejectUnauthorized":false}`, a CA's PEM), is passed on as written.
 */
export function mysqlDriverURL(url: string): string {
  const parsed = new URL(url);
  if (parsed.searchParams.get("ssl") !== "true") return url;
  parsed.searchParams.set("ssl", "{}");
  return parsed.toString();
}

/**
 * The TLS cipher of the connection the pool lends, or null when it is not encrypted (MySQL and
 * MariaDB alike report it as the session's `Ssl_cipher` status, empty without TLS).
 */
export async function mysqlConnectionCipher(db: Kysely<Database>): Promise<string | null> {
  const { rows } = await sql<{ Value: string }>`SHOW SESSION STATUS LIKE 'Ssl_cipher'`.execute(db);
  const cipher = rows[0]?.Value ?? "";
  return cipher === "" ? null : cipher;
}

/** The server's version as it reports it, e.g. "8.4.3" or "10.11.9-MariaDB". */
export async function mysqlServerVersion(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ version: string }>`SELECT VERSION() AS version`.execute(db);
  return rows[0]?.version ?? "unknown";
}

/** The database a `mysql://` URL names. */
export function mysqlDatabaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** ER_DUP_ENTRY: the same on MySQL and MariaDB. */
const duplicateKeyErrno = 1062;

/**
 * Whether a driver error is a unique-index violation. Decided by errno, never by
 * message: messages change with server version and language.
 */
/** ER_NO_REFERENCED_ROW_2 and its older form: a foreign key refused a child row, its parent gone. */
const missingParentErrnos = new Set([1452, 1216]);

function isMissingParentError(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "errno" in error &&
    missingParentErrnos.has(Number(error.errno))
  );
}

function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "errno" in error && error.errno === duplicateKeyErrno;
}

/** The value in ER_DUP_ENTRY's text: `Duplicate entry 'ada@example.com' for key 'users.email'`. */
const duplicatedValue = /(Duplicate entry )'[\s\S]*'( for key )/g;

/**
 * The duplicate-key error with its value taken out of its texts (message, sqlMessage, stack),
 * the key's name kept: the value is an address, a token's hash, a client id. Every unique index
 * the repositories write is caught and mapped by errno, which stays; this holds for one that a
 * future write misses, whose error would be logged whole.
 */
function withoutDuplicatedValue<E extends Error>(error: E): E {
  const scrub = (text: unknown) =>
    typeof text === "string" ? text.replace(duplicatedValue, "$1'[redacted]'$2") : text;
  const fields = error as E & { sqlMessage?: unknown };
  fields.message = scrub(fields.message) as string;
  if (fields.stack !== undefined) fields.stack = scrub(fields.stack) as string;
  if (fields.sqlMessage !== undefined) fields.sqlMessage = scrub(fields.sqlMessage);
  return error;
}

/**
 * Whether a statement begins or ends a transaction: Kysely's MySQL driver sends exactly "begin",
 * "commit" and "rollback" (savepoints come and go within one).
 */
function transactionControlOf(statement: string): "begin" | "end" | null {
  switch (statement) {
    case "begin":
      return "begin";
    case "commit":
    case "rollback":
      return "end";
    default:
      return null;
  }
}

/** ER_LOCK_DEADLOCK: InnoDB rolled the whole transaction back to break a lock cycle. */
const deadlockErrno = 1213;

/** Whether a driver error says the transaction was chosen as a deadlock's victim (safe to run again). */
function isDeadlockError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "errno" in error && error.errno === deadlockErrno;
}

/**
 * Driver and server codes that say the database cannot be reached or did not answer, as opposed
 * to a statement it refused: the network (refused, reset, unreachable, name lookup), mysql2's
 * own protocol states (connection lost, our query timeout), and servers that will not take a
 * connection now (too many connections, shutting down, the connection killed).
 */
const connectionErrorCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
  "ER_CON_COUNT_ERROR",
  "ER_TOO_MANY_USER_CONNECTIONS",
  "ER_SERVER_SHUTDOWN",
  "ER_CONNECTION_KILLED",
]);

/**
 * The code of a driver error that means "the database is unavailable", or null for any other
 * error. By code, never by message. mysql2's `fatal` flag also counts when the driver raised it
 * itself (no SQLSTATE from a server): it marks a connection that cannot be used any more (e.g.
 * "Can't add new command when connection is in closed state"). A server's fatal refusal, such as
 * a wrong password, stays what it is: a configuration problem, reported by its errno.
 */
function connectionErrorCode(error: unknown): string | null {
  if (typeof error !== "object" || error === null) return null;
  const code = "code" in error && typeof error.code === "string" ? error.code : null;
  if (code !== null && connectionErrorCodes.has(code)) return code;
  if ("fatal" in error && error.fatal === true && !("sqlState" in error)) return code ?? "FATAL";
  return null;
}
