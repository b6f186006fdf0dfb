/** ER_DUP_ENTRY: the same on MySQL and MariaDB. */
const duplicateKeyErrno = 1062;

/**
 * Whether a driver error is a unique-index violation. Decided by errno, never by
 * message: messages change with server version and language.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "errno" in error && error.errno === duplicateKeyErrno;
}

/** ER_LOCK_DEADLOCK: InnoDB rolled the whole transaction back to break a lock cycle. */
const deadlockErrno = 1213;

/** Whether a driver error says the transaction was chosen as a deadlock's victim (safe to run again). */
export function isDeadlockError(error: unknown): boolean {
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
export function connectionErrorCode(error: unknown): string | null {
  if (typeof error !== "object" || error === null) return null;
  const code = "code" in error && typeof error.code === "string" ? error.code : null;
  if (code !== null && connectionErrorCodes.has(code)) return code;
  if ("fatal" in error && error.fatal === true && !("sqlState" in error)) return code ?? "FATAL";
  return null;
}
