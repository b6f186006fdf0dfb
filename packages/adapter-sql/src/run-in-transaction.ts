import { OverloadedError } from "@superoauth/application";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";

/** How often a transaction that lost a conflict is run again before the service reports itself busy. */
const conflictAttempts = 3;

/** What a client is asked to wait once the attempts are spent: the contention is usually a burst. */
const conflictRetryAfterSeconds = 1;

/**
 * Runs `work` in a transaction, again when the database gave it up to a concurrent one: InnoDB
 * rolls a deadlock's victim back ("try restarting transaction"), SQLite answers SQLITE_BUSY when
 * the write lock stayed taken past the busy timeout. Such conflicts arise when many first sign-ins
 * of one identity insert the same keys at once, or many attempts lock the same failure counters.
 * Kysely cannot nest transactions, so inside a caller's transaction the work joins it, and undoing
 * or retrying is the caller's. A transaction that lost its last attempt too ends in OverloadedError
 * (the conflict as its cause): the service is busy, which the API answers 503 SERVICE_UNAVAILABLE
 * with Retry-After and the OpenID provider `temporarily_unavailable`, not a 500 that says retrying
 * will not help. The one transaction helper of every repository.
 */
export async function runInTransaction<T>(
  { db, dialect }: SQLContext,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  // Asked of Kysely rather than by `instanceof`, which fails when two copies of kysely are installed.
  if (db.isTransaction) return work(db as Transaction<Database>);
  for (let attempt = 1; ; attempt++) {
    try {
      return await (db as Kysely<Database>).transaction().execute(work);
    } catch (error) {
      if (!dialect.isRetryableConflict(error)) throw error;
      if (attempt >= conflictAttempts) {
        throw new OverloadedError({
          message: `The database gave this transaction up to concurrent ones ${conflictAttempts} times`,
          retryAfterSeconds: conflictRetryAfterSeconds,
          cause: error,
        });
      }
    }
  }
}
