/**
 * One sentence on why the database at `url` cannot be used, and what to do,
 * for the CLI commands. Decided by the driver's error code and errno (the same
 * on MySQL and MariaDB), never by message; unknown failures keep the driver's message.
 */
export function describeDatabaseProblem(error: unknown, url: string): string {
  const halfApplied = describeHalfAppliedMigration(error);
  if (halfApplied !== null) return halfApplied;
  const { host, port, user, database } = partsOf(url);
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const errno = typeof error === "object" && error !== null && "errno" in error ? Number(error.errno) : 0;
  switch (true) {
    case code === "ECONNREFUSED":
      return `Nothing answers at ${host}:${port}: is MySQL running there, and do host and port in DATABASE_URL point at it?`;
    case code === "ENOTFOUND" || code === "EAI_AGAIN":
      return `The host "${host}" in DATABASE_URL cannot be resolved: check its spelling.`;
    case code === "ETIMEDOUT":
      return `Connecting to ${host}:${port} timed out: is a firewall in the way, or the server overloaded?`;
    // ER_ACCESS_DENIED_ERROR, and MariaDB's unix_socket refusal of a password-less login.
    case errno === 1045 || errno === 1698:
      return `MySQL at ${host}:${port} refused the login of user "${user}": check the user and password in DATABASE_URL.`;
    // ER_DBACCESS_DENIED_ERROR
    case errno === 1044:
      return `User "${user}" may not use the database "${database}": grant it access, or pick another database in DATABASE_URL.`;
    // ER_BAD_DB_ERROR
    case errno === 1049:
      return `MySQL at ${host}:${port} answers, but the database "${database}" does not exist yet: pnpm db:migrate creates it (so does pnpm start, unless MIGRATE_ON_START=false).`;
    // mysql2's codes for `?ssl=...` (a server without TLS, a certificate Node does not trust, a
    // name it does not cover): the driver's reason, with what to change.
    case code === "HANDSHAKE_NO_SSL_SUPPORT":
      return `MySQL at ${host}:${port} offers no TLS, and DATABASE_URL asks for it (ssl): turn TLS on at the server, or remove ssl from DATABASE_URL for a server on this machine.`;
    case code === "HANDSHAKE_SSL_ERROR":
      return `The TLS connection to MySQL at ${host}:${port} failed (${messageWithCauses(error)}): for a certificate from a private CA (Amazon RDS, Azure) give Node that CA with NODE_EXTRA_CA_CERTS=/path/ca.pem, and make the host in DATABASE_URL a name the certificate covers (docs/operations.md, "Which database").`;
    // The SQLite driver's StorageUnavailableError codes (adapter-sql's dialects/sqlite.ts).
    case code === "SQLITE_READONLY":
      return `The SQLite file ${sqlitePath(url)} cannot be written by this process: give the user the service runs as write access to the file and its folder (SQLite writes its -wal and -shm files beside it), e.g. chown both to that user.`;
    case code === "SQLITE_FULL":
      return `The disk holding the SQLite file ${sqlitePath(url)} is full: free some space, then try again.`;
    default:
      // With its causes: a failed migration names the statement, its cause the database's reason.
      return messageWithCauses(error);
  }
}

function sqlitePath(url: string): string {
  return url.startsWith("sqlite:") ? url.slice("sqlite:".length) : url;
}

function partsOf(url: string): { host: string; port: string; user: string; database: string } {
  try {
    const parsed = new URL(url);
    return {
      host: parsed.hostname,
      port: parsed.port === "" ? "3306" : parsed.port,
      user: decodeURIComponent(parsed.username),
      database: decodeURIComponent(parsed.pathname.slice(1)),
    };
  } catch {
    return { host: "?", port: "?", user: "?", database: "?" };
  }
}

/**
 * MySQL's errors for a statement whose work is already there: ER_TABLE_EXISTS_ERROR,
 * ER_DUP_FIELDNAME, ER_DUP_KEYNAME, and ER_CANT_DROP_FIELD_OR_KEY for one already gone.
 */
const alreadyDoneErrnos = new Set([1050, 1060, 1061, 1091]);

/**
 * A migration (adapter-sql's MigrationFailedError) that failed on MySQL because part of it is
 * already in place: a start or `pnpm db:migrate` killed while it ran (MySQL commits each DDL
 * statement by itself, ADR 0052). What to do, naming the migration; null for any other failure.
 */
export function describeHalfAppliedMigration(error: unknown): string | null {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== "MIGRATION_FAILED") return null;
  const cause = error.cause;
  const errno =
    typeof cause === "object" && cause !== null && "errno" in cause ? Number(cause.errno) : Number.NaN;
  if (!alreadyDoneErrnos.has(errno)) return null;
  const migration = (error as { migration?: unknown }).migration;
  const name = typeof migration === "string" ? migration : "a migration";
  return `${messageWithCauses(error)}. Part of ${name} is already in place: a start or pnpm db:migrate killed while it ran leaves a migration half applied on MySQL, which commits each statement by itself. Restore the backup taken before the upgrade, or undo what it added (packages/adapter-sql/migrations/${name}.ts), then migrate again (docs/operations.md, "A migration left half applied").`;
}

/** The message of an error and of each cause under it ("Migration x failed: Table 'y' already exists"). */
export function messageWithCauses(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && messages.length < 5) {
    messages.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return messages.join(": ");
}
