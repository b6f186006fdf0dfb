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
