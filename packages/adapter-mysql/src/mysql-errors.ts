/** ER_DUP_ENTRY: the same on MySQL and MariaDB. */
const duplicateKeyErrno = 1062;

/**
 * Whether a driver error is a unique-index violation. Decided by errno, never by
 * message: messages change with server version and language.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "errno" in error && error.errno === duplicateKeyErrno;
}
