import { StorageUnavailableError } from "@superoauth/application";
import {
  type ColumnType,
  CompiledQuery,
  type Insertable,
  Kysely,
  MysqlDialect,
  type MysqlPool,
  type MysqlPoolConnection,
  type MysqlQueryResult,
  type Selectable,
  sql,
} from "kysely";
import { createPool, escapeId, type Pool, type PoolConnection } from "mysql2";
import { createConnection } from "mysql2/promise";
import { connectionErrorCode } from "./mysql-errors.ts";

/**
 * The `users` table. BOOLEAN is TINYINT(1) in MySQL and MariaDB: mysql2 reads
 * it back as 0 or 1, so the selected type is a number and the repository maps it.
 */
export interface UsersTable {
  id: string;
  email: string;
  email_verified: ColumnType<number, boolean, boolean>;
  nickname: string;
  password_hash: string | null;
  status: ColumnType<string, string | undefined, string>;
  created_at: Date;
  updated_at: Date;
}

/** The `sessions` table: one sign-in on one device. */
export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: Date;
  last_used_at: Date;
  revoked_at: Date | null;
  user_agent: string | null;
  ip: string | null;
  /** When the session last proved a factor (sign-in or re-authentication). */
  authenticated_at: Date;
}

/**
 * The `refresh_tokens` table. Only the SHA-256 of a token's secret is kept, plus, while the token is
 * live and its predecessor's grace period lasts, the secret AES-GCM encrypted (docs/decisions/0002).
 */
export interface RefreshTokensTable {
  id: string;
  session_id: string;
  secret_hash: string;
  parent_id: string | null;
  replaced_by_id: string | null;
  created_at: Date;
  expires_at: Date;
  rotated_at: Date | null;
  encrypted_secret: ColumnType<string | null, string | null | undefined, string | null>;
  encrypted_secret_expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** The `security_events` table: an append-only log per user. `details` is JSON text. */
export interface SecurityEventsTable {
  id: string;
  user_id: string;
  type: string;
  occurred_at: Date;
  ip: string | null;
  user_agent: string | null;
  details: string;
}

/** The `email_tokens` table: single-use tokens sent by mail. Only the SHA-256 of a secret is kept. */
export interface EmailTokensTable {
  id: string;
  user_id: string;
  purpose: string;
  secret_hash: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

/** The `linked_providers` table: provider identities of users. */
export interface LinkedProvidersTable {
  user_id: string;
  provider: string;
  subject: string;
  email: string | null;
  display_name: string | null;
  linked_at: Date;
}

/** The `oauth_authorizations` table: single-use OAuth states, by SHA-256 of the state. */
export interface OAuthAuthorizationsTable {
  state_hash: string;
  provider: string;
  link_user_id: string | null;
  code_challenge_hash: string | null;
  reauthenticate_session_id: string | null;
  created_at: Date;
  expires_at: Date;
}

/** The `oauth_login_codes` table: single-use login codes, by SHA-256 of the code. */
export interface OAuthLoginCodesTable {
  code_hash: string;
  user_id: string;
  provider: string;
  code_challenge_hash: string;
  created_at: Date;
  expires_at: Date;
}

/** The `totp_factors` table: one TOTP factor per user, its secret encrypted. */
export interface TOTPFactorsTable {
  user_id: string;
  encrypted_secret: string;
  status: string;
  /** BIGINT: mysql2 returns it as a number or, past 2^53, a string (supportBigNumbers). */
  last_used_step: ColumnType<number | string | null, number | null, number | null>;
  created_at: Date;
  enabled_at: Date | null;
}

/** The `backup_codes` table: argon2id hashes of single-use codes. */
export interface BackupCodesTable {
  id: string;
  user_id: string;
  /** Null for codes issued before lookup ids (ADR 0010). */
  lookup_id: string | null;
  code_hash: string;
  used_at: Date | null;
}

/** The `login_failures` table: failed sign-in counters per account and source (ADR 0008). */
export interface LoginFailuresTable {
  account: string;
  source: string;
  failure_count: number;
  window_started_at: Date;
  locked_until: Date | null;
}

/** The `known_sign_in_sources` table: devices and IPs users signed in from. */
export interface KnownSignInSourcesTable {
  user_id: string;
  source: string;
  last_seen_at: Date;
}

/** The `completed_mfa_challenges` table: MFA tokens (by jti) that completed a sign-in, kept until they expire. */
export interface CompletedMFAChallengesTable {
  id: string;
  user_id: string;
  expires_at: Date;
}

/** Every table the adapter knows, as Kysely sees them. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  security_events: SecurityEventsTable;
  linked_providers: LinkedProvidersTable;
  oauth_authorizations: OAuthAuthorizationsTable;
  oauth_login_codes: OAuthLoginCodesTable;
  email_tokens: EmailTokensTable;
  totp_factors: TOTPFactorsTable;
  backup_codes: BackupCodesTable;
  login_failures: LoginFailuresTable;
  known_sign_in_sources: KnownSignInSourcesTable;
  completed_mfa_challenges: CompletedMFAChallengesTable;
}

/** A connection pool to the SuperOAuth schema, as the composition root holds it. */
export type DatabaseConnection = Kysely<Database>;

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type NewSessionRow = Insertable<SessionsTable>;
export type RefreshTokenRow = Selectable<RefreshTokensTable>;
export type NewRefreshTokenRow = Insertable<RefreshTokensTable>;

/** Default for both timeouts of createDatabase. */
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
export function createDatabase(input: {
  url: string;
  poolSize?: number;
  /** Longest wait for a connection, pooled or new. Default 5 s. */
  connectTimeoutMs?: number;
  /**
   * Longest a single query may take. Default 5 s; null for none, for migrations and other
   * administration, where DDL on a large table may rightly run for minutes.
   */
  queryTimeoutMs?: number | null;
}): Kysely<Database> {
  const connectTimeoutMs = input.connectTimeoutMs ?? defaultTimeoutMs;
  const pool = createPool({
    uri: input.url,
    connectionLimit: input.poolSize ?? 10,
    connectTimeout: connectTimeoutMs,
    // mysql2 converts Date parameters and DATETIME results in this zone; "Z" pairs with the session zone below.
    timezone: "Z",
    dateStrings: false,
    supportBigNumbers: true,
  });
  return new Kysely<Database>({
    dialect: new MysqlDialect({
      pool: guardPool(pool, {
        acquireTimeoutMs: connectTimeoutMs,
        queryTimeoutMs: input.queryTimeoutMs === undefined ? defaultTimeoutMs : input.queryTimeoutMs,
      }),
      // The session zone governs NOW() and TIMESTAMP columns; pinning it keeps the server's default out of our data.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw("SET time_zone = '+00:00'"));
      },
    }),
  });
}

/** What mysql2 passes with an error: no connection (though both libraries' types say there is one). */
const noConnection = undefined as unknown as MysqlPoolConnection;

/**
 * The pool as Kysely sees it, with the limits mysql2 lacks. mysql2 queues a request for a
 * connection without end, and its query timeout reports the timeout but leaves the connection,
 * still waiting for the old answer, to go back to the pool, where the next query would queue
 * behind it without a timer of its own. So: a request for a connection gives up after
 * `acquireTimeoutMs` (a connection that comes later goes straight back); every query carries
 * mysql2's `timeout`; and a connection that failed at connection level is destroyed rather than
 * reused. Connection-level failures become StorageUnavailableError; every other error (a
 * duplicate key, a deadlock) passes unchanged to the repository that handles it.
 */
function guardPool(
  pool: Pool,
  limits: { acquireTimeoutMs: number; queryTimeoutMs: number | null },
): MysqlPool {
  // One guard per connection, so Kysely (which caches by connection object) sets each up once.
  const guards = new WeakMap<PoolConnection, MysqlPoolConnection>();
  const guard = (connection: PoolConnection): MysqlPoolConnection => {
    const known = guards.get(connection);
    if (known !== undefined) return known;
    const guarded: MysqlPoolConnection = {
      config: connection.config,
      get threadId() {
        return connection.threadId;
      },
      connect: (callback) => connection.connect(callback),
      destroy: () => connection.destroy(),
      release: () => connection.release(),
      query: (statement, parameters, callback) =>
        connection.query(
          { sql: statement, timeout: limits.queryTimeoutMs ?? undefined },
          parameters,
          (error, result) => {
            const code = error === null ? null : connectionErrorCode(error);
            // Never hand a broken or still-busy connection back to the pool.
            if (code !== null) connection.destroy();
            callback?.(
              code === null ? error : new StorageUnavailableError({ code, message: error?.message ?? code }),
              result as MysqlQueryResult,
            );
          },
        ),
    };
    guards.set(connection, guarded);
    return guarded;
  };
  return {
    getConnection(callback) {
      let waiting = true;
      const timer = setTimeout(() => {
        waiting = false;
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
        clearTimeout(timer);
        if (error === null) return callback(null, guard(connection));
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
export async function ensureDatabaseExists(url: string): Promise<void> {
  const serverURL = new URL(url);
  const database = decodeURIComponent(serverURL.pathname.slice(1));
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(database)) {
    throw new Error("The database URL must name a database of 1-64 letters, digits, '_' or '$'");
  }
  serverURL.pathname = "/";
  const connection = await createConnection({ uri: serverURL.toString() });
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

/** Resolves when the database answers a trivial query; rejects with the driver's error otherwise. */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`SELECT 1`.execute(db);
}
