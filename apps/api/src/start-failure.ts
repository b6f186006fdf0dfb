import { describeDatabaseProblem, describeHalfAppliedMigration } from "./database-problem.ts";
import { maskURLCredentials } from "./redact.ts";

/** Network and TLS failures of a database connection, by the driver's code (mysql2 names TLS's). */
const connectionCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "HANDSHAKE_NO_SSL_SUPPORT",
  "HANDSHAKE_SSL_ERROR",
]);

/**
 * The one line an operator reads when the start fails for a reason they can fix (the port is taken,
 * the database is unreachable or refuses the login), saying what to do; null for anything else,
 * which is a defect and keeps its stack trace. Decided by error codes, never by messages.
 */
export function describeStartFailure(input: {
  error: unknown;
  stage: "compose" | "listen";
  host: string;
  port: number;
  /** The setting that chose `port`: PORT, or METRICS_PORT for the metrics listener. */
  portVariable?: "PORT" | "METRICS_PORT";
  databaseURL: string;
}): string | null {
  const { error, host, port } = input;
  const variable = input.portVariable ?? "PORT";
  const code = codeOf(error);
  if (input.stage === "listen") {
    switch (code) {
      case "EADDRINUSE":
        return `Port ${port} on ${host} is already in use: find what holds it with \`lsof -i :${port}\` and stop it, or set ${variable} to a free port.`;
      case "EACCES":
        return `Listening on port ${port} needs privileges this process lacks: set ${variable} to 1024 or above.`;
      case "EADDRNOTAVAIL":
        return `HOST=${host} is not an address of this machine: set HOST to one of its addresses (or 0.0.0.0 in a container).`;
      // A HOST that is neither an address nor a name the resolver knows (a typo, 999.1.1.1).
      case "ENOTFOUND":
      case "EAI_AGAIN":
        return `HOST=${host} is not an address, and no name the resolver knows: set HOST to one of this machine's addresses (127.0.0.1, or 0.0.0.0 in a container).`;
      default:
        return null;
    }
  }
  // Their messages say what to do: restore the JWT_SECRET the keys were stored with, or the
  // TOTP_ENCRYPTION_KEY the 2FA secrets were; migrate.
  if (
    (code === "SIGNING_KEY_UNDECRYPTABLE" ||
      code === "SECRET_KEY_MISMATCH" ||
      code === "SCHEMA_NOT_MIGRATED") &&
    error instanceof Error
  )
    return error.message;
  // Run the newer release, or restore the backup (adapter-sql's migrate.ts words it).
  if (code === "SCHEMA_OF_A_NEWER_RELEASE" && error instanceof Error)
    return `the database in DATABASE_URL (${maskURLCredentials(input.databaseURL)}): ${error.message}`;
  // A migration interrupted before on MySQL: what to do, naming it (not "cannot be used").
  const halfApplied = describeHalfAppliedMigration(error);
  if (halfApplied !== null)
    return `the database in DATABASE_URL (${maskURLCredentials(input.databaseURL)}): ${halfApplied}`;
  // A migration that failed because the database could not be used wraps that failure (migrate.ts).
  const failure = [error, causeOf(error), causeOf(causeOf(error))].find(isDatabaseFailure);
  if (failure === undefined) return null;
  return `the database in DATABASE_URL (${maskURLCredentials(input.databaseURL)}) cannot be used: ${describeDatabaseProblem(failure, input.databaseURL)}`;
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}

/** The start's refusal of a database that was never migrated, with MIGRATE_ON_START=false. */
export class SchemaNotMigratedError extends Error {
  override readonly name = "SchemaNotMigratedError";
  readonly code = "SCHEMA_NOT_MIGRATED";
  constructor(input: { databaseURL: string; pending: number }) {
    super(
      `the database in DATABASE_URL (${maskURLCredentials(input.databaseURL)}) has no schema yet (${input.pending} migrations pending) and MIGRATE_ON_START=false: run \`pnpm db:migrate\`, or start with MIGRATE_ON_START=true`,
    );
  }
}

function codeOf(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
}

/** The storage's own unavailability, a MySQL server's refusal (it has an errno and SQL state), or a network failure. */
function isDatabaseFailure(error: unknown): boolean {
  if (error instanceof Error && error.name === "StorageUnavailableError") return true;
  if (typeof error === "object" && error !== null && "sqlState" in error && "errno" in error) return true;
  return connectionCodes.has(codeOf(error));
}
