import { statfs } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type {
  ExportJobRepository,
  SigningKeyStore,
  TransactionalRepositories,
  Transactions,
} from "@superoauth/application";
import { Kysely, type KyselyConfig, type LogEvent, sql } from "kysely";
import { createAccountAdministration } from "./account-administration.ts";
import { createAppAuthorizationRepository, createAppRepository } from "./app-repository.ts";
import type { Database } from "./database.ts";
import type { SQLContext, SQLDialect } from "./dialects/dialect.ts";
import {
  createMySQLDatabase,
  defaultMySQLPoolSize,
  ensureMySQLDatabaseExists,
  mysqlConnectionCipher,
  mysqlDatabaseName,
  mysqlDialect,
  mysqlServerVersion,
} from "./dialects/mysql.ts";
import { createGuardedSQLiteDialect, sqliteSQLDialect, sqliteVersion } from "./dialects/sqlite.ts";
import { createEmailTokenRepository } from "./email-token-repository.ts";
import { createExportJobRepository } from "./export-job-repository.ts";
import { createLinkedProviderRepository } from "./linked-provider-repository.ts";
import { createLockoutRepository } from "./lockout-repository.ts";
import { createMaintenanceNotices } from "./maintenance-notices.ts";
import {
  type MigrationState,
  migrateToLatest,
  migrationStatus,
  migrationsOfANewerRelease,
} from "./migrate.ts";
import { createOAuthFlowRepository } from "./oauth-flow-repository.ts";
import { createOIDCModelStore } from "./oidc-model-store.ts";
import { type PrunedRecords, type PruneInput, pruneExpiredRecords } from "./prune-expired-records.ts";
import { runInTransaction } from "./run-in-transaction.ts";
import { createRunningInstances, type RunningInstances } from "./running-instances.ts";
import { createSecurityEventLog } from "./security-event-log.ts";
import { createSessionRepository } from "./session-repository.ts";
import { createSigningKeyStore } from "./signing-key-store.ts";
import { createThirdPartyGrants } from "./third-party-grants.ts";
import { createTwoFactorRepository } from "./two-factor-repository.ts";
import { createUserRepository } from "./user-repository.ts";

/** The repositories the application's use cases take from storage. */
export type StorageRepositories = TransactionalRepositories;

/** The Transactions port over SQL: `work` is handed every repository, bound to the transaction. */
export interface StorageTransactions extends Transactions {
  run<T>(work: (repositories: StorageRepositories) => Promise<T>): Promise<T>;
}

/** What `pnpm db:status` prints about a storage. */
export interface StorageDescription {
  readonly dialect: SQLDialect["name"];
  /** The server's version (MySQL/MariaDB) or the SQLite library's. */
  readonly version: string;
  /** The database's name on its server, or the SQLite file's path (":memory:" for none). */
  readonly location: string;
  /** MySQL: the connection's TLS cipher, null when it is not encrypted; SQLite has no connection. */
  readonly tlsCipher?: string | null;
}

/**
 * Everything SuperOAuth keeps, behind one seam: the repositories, and the administration of the
 * database under them. One per backend, opened by URL with openStorage; the composition root and
 * the command-line tools know nothing else of the database.
 */
export interface Storage extends StorageRepositories {
  /** The connection itself, for tests and tools that read tables directly. */
  readonly db: Kysely<Database>;
  /** The repositories above bound to one transaction, for writes that land together (ADR 0056). */
  readonly transactions: StorageTransactions;
  /** The keys that sign our tokens (ADR 0021). */
  readonly signingKeys: SigningKeyStore;
  /** Data exports' job queue (ADR 0025). */
  readonly exportJobs: ExportJobRepository;
  /** The instances serving this database, and the digests of their must-match settings. */
  readonly runningInstances: RunningInstances;
  /**
   * Creates the database if it is missing (MySQL) and applies every pending migration, without the
   * query timeout (a migration's DDL may rightly run for minutes); answers the names it applied.
   */
  migrate(): Promise<readonly string[]>;
  /** Every known migration, in order, with when it was applied. */
  migrationStatus(): Promise<readonly MigrationState[]>;
  /** Applied migrations this version does not know (a newer release migrated the database), in order. */
  migrationsOfANewerRelease(): Promise<readonly string[]>;
  /** Deletes the records that can no longer matter (pruneExpiredRecords). */
  prune(input: PruneInput): Promise<PrunedRecords>;
  /** Resolves when the database answers; rejects (StorageUnavailableError when unreachable) otherwise. */
  ping(): Promise<void>;
  describe(): Promise<StorageDescription>;
  /** The database server's clock, to the millisecond (`pnpm doctor` compares it with this machine's). */
  databaseTime(): Promise<Date>;
  /** The connection pool right now (metrics); null for SQLite, which has one connection and no pool. */
  poolUsage(): PoolUsage | null;
  /**
   * Room left on the file system holding the SQLite file (/ready, /status, metrics): a full disk
   * refuses every write. Null for MySQL, whose disk is its server's to watch, and for `:memory:`.
   */
  diskSpace(): Promise<DiskSpace | null>;
  /** Closes the connections; the storage is unusable after. */
  close(): Promise<void>;
}

/** The file system under the database file: bytes an unprivileged process may still write, and its size. */
export interface DiskSpace {
  readonly availableBytes: number;
  readonly totalBytes: number;
}

/** Connections the pool may open (`max`), those lent out, and callers waiting for one. */
export interface PoolUsage {
  readonly max: number;
  readonly inUse: number;
  readonly waiting: number;
}

/** How to reach the database: its URL, and the limits that keep a request from waiting on it for long. */
export interface StorageOptions {
  /** `mysql://user:password@host:port/database`, `sqlite:<path>` or `sqlite::memory:`. */
  readonly url: string;
  /** Connections kept open (MySQL). Default 10. */
  readonly poolSize?: number;
  /** Longest wait for a connection, pooled or new (SQLite: for another process's write lock). Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Longest a single query may take (MySQL). Default 5 s; null for none (administration). */
  readonly queryTimeoutMs?: number | null;
  /**
   * Told of every statement (DEBUG=superoauth:db): its SQL with placeholders, never the values
   * (password hashes, token hashes, emails), and how long it took.
   */
  readonly onQuery?: (query: ExecutedQuery) => void;
  /**
   * SQLite: copy the write-ahead log into the database on a thread of its own rather than on the
   * event loop within a commit (ADR 0040). For the service; tools that run a few statements and
   * exit keep SQLite's default. Default false.
   */
  readonly checkpointOnThread?: boolean;
}

/** One statement the storage ran, as onQuery is told of it. */
export interface ExecutedQuery {
  readonly sql: string;
  readonly durationMs: number;
  readonly failed: boolean;
}

/** Kysely's query log, handing on only what ExecutedQuery holds. */
function queryLog(onQuery: ((query: ExecutedQuery) => void) | undefined): KyselyConfig["log"] {
  if (onQuery === undefined) return undefined;
  return (event: LogEvent) =>
    onQuery({
      sql: event.query.sql,
      durationMs: Math.round(event.queryDurationMillis * 1000) / 1000,
      failed: event.level === "error",
    });
}

/**
 * Opens the storage a URL names, choosing the backend by its scheme. Nothing is read or written
 * until the first call: a database that is down shows as StorageUnavailableError then.
 */
export async function openStorage(options: StorageOptions): Promise<Storage> {
  const scheme = options.url.slice(0, Math.max(0, options.url.indexOf(":"))).toLowerCase();
  switch (scheme) {
    case "mysql":
      return openMySQLStorage(options);
    case "sqlite":
      return openSQLiteStorage(options);
    default:
      throw new Error(`Unsupported database URL scheme "${scheme}:": use mysql:// or sqlite:`);
  }
}

function openMySQLStorage(options: StorageOptions): Storage {
  const usage = { inUse: 0, waiting: 0 };
  const max = options.poolSize ?? defaultMySQLPoolSize;
  const db = createMySQLDatabase({ ...options, poolSize: max, usage, log: queryLog(options.onQuery) });
  return assembleStorage({
    db,
    dialect: mysqlDialect,
    poolUsage: () => ({ max, inUse: usage.inUse, waiting: usage.waiting }),
    diskSpace: async () => null,
    async migrate() {
      await ensureMySQLDatabaseExists(options.url);
      // A pool of its own without the query timeout.
      const administration = createMySQLDatabase({ url: options.url, queryTimeoutMs: null });
      try {
        return await migrateToLatest(administration);
      } finally {
        await administration.destroy();
      }
    },
    async describe() {
      return {
        dialect: "mysql",
        version: await mysqlServerVersion(db),
        location: mysqlDatabaseName(options.url),
        tlsCipher: await mysqlConnectionCipher(db),
      };
    },
  });
}

/** The file a `sqlite:` URL names, made absolute against the working directory; ":memory:" for none. */
export function sqlitePathOf(url: string): string {
  const rest = url.slice("sqlite:".length);
  if (rest === ":memory:") return rest;
  // sqlite:///var/lib/x.db (URL style) and sqlite:/var/lib/x.db name the same absolute file.
  return resolve(rest.startsWith("//") ? rest.slice(2) : rest);
}

/**
 * One connection to one file, in WAL mode, taking turns (see dialects/sqlite.ts). One instance of
 * the service per file: SQLite serialises writers within a process through that connection, and
 * other processes (a migration, a backup) wait up to the busy timeout.
 */
function openSQLiteStorage(options: StorageOptions): Storage {
  const path = sqlitePathOf(options.url);
  const log = queryLog(options.onQuery);
  const db = new Kysely<Database>({
    ...(log === undefined ? {} : { log }),
    dialect: createGuardedSQLiteDialect({
      path,
      ...(options.connectTimeoutMs === undefined ? {} : { busyTimeoutMs: options.connectTimeoutMs }),
      ...(options.checkpointOnThread === undefined ? {} : { checkpointOnThread: options.checkpointOnThread }),
    }),
  });
  return assembleStorage({
    db,
    dialect: sqliteSQLDialect,
    poolUsage: () => null,
    async diskSpace() {
      if (path === ":memory:") return null;
      // The folder: it exists once the service has started (the file is created in it on first use).
      const stats = await statfs(dirname(path));
      return { availableBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
    },
    // The file and its folder are created on first use; no query timeout applies to SQLite.
    migrate: () => migrateToLatest(db),
    async describe() {
      return { dialect: "sqlite", version: await sqliteVersion(db), location: path };
    },
  });
}

/** The use cases' repositories over one connection, or over one transaction (Storage.transactions). */
function createRepositories(context: SQLContext): StorageRepositories {
  return {
    users: createUserRepository(context),
    sessions: createSessionRepository(context),
    securityEvents: createSecurityEventLog(context),
    linkedProviders: createLinkedProviderRepository(context),
    oauthFlows: createOAuthFlowRepository(context),
    emailTokens: createEmailTokenRepository(context),
    twoFactor: createTwoFactorRepository(context),
    lockout: createLockoutRepository(context),
    accountAdministration: createAccountAdministration(context),
    thirdPartyGrants: createThirdPartyGrants(context),
    maintenanceNotices: createMaintenanceNotices(context),
    oidcModels: createOIDCModelStore(context),
    apps: createAppRepository(context),
    appAuthorizations: createAppAuthorizationRepository(context),
  };
}

/** The repositories and the portable half of the administration over one connection and dialect. */
function assembleStorage(input: {
  db: Kysely<Database>;
  dialect: SQLDialect;
  migrate(): Promise<readonly string[]>;
  describe(): Promise<StorageDescription>;
  poolUsage(): PoolUsage | null;
  diskSpace(): Promise<DiskSpace | null>;
}): Storage {
  const { db, dialect } = input;
  const context = { db, dialect };
  return {
    db,
    ...createRepositories(context),
    transactions: {
      run: (work) => runInTransaction(context, (trx) => work(createRepositories({ db: trx, dialect }))),
    },
    signingKeys: createSigningKeyStore(context),
    runningInstances: createRunningInstances(context),
    exportJobs: createExportJobRepository(context),
    migrate: input.migrate,
    migrationStatus: () => migrationStatus(db),
    migrationsOfANewerRelease: () => migrationsOfANewerRelease(db),
    prune: (pruneInput) => pruneExpiredRecords(context, pruneInput),
    async ping() {
      await sql`SELECT 1`.execute(db);
    },
    describe: input.describe,
    async databaseTime() {
      // Epoch milliseconds on both: MySQL's DECIMAL arrives as text, SQLite's as a number.
      const query =
        dialect.name === "mysql"
          ? sql<{ ms: string | number }>`SELECT ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS ms`
          : sql<{
              ms: string | number;
            }>`SELECT CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER) AS ms`;
      const { rows } = await query.execute(db);
      return new Date(Number(rows[0]?.ms));
    },
    poolUsage: input.poolUsage,
    diskSpace: input.diskSpace,
    close: () => db.destroy(),
  };
}
