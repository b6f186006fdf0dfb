import type { Kysely, Transaction } from "kysely";
import { conflictAttempts, overloadedByConflicts } from "./conflicts.ts";
import type { Database } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";

/**
 * Runs `work` in a transaction, again when the database gave it up to a concurrent one: InnoDB
 * rolls a deadlock's victim back ("try restarting transaction"), SQLite answers SQLITE_BUSY when
 * the write lock stayed taken past the busy timeout. Such conflicts arise when many first sign-ins
 * of one identity insert the same keys at once, or many attempts lock the same failure counters.
 * Kysely cannot nest transactions, so inside a caller's transaction the work joins it, and undoing
 * or retrying is the caller's. A transaction that lost its last attempt too ends in OverloadedError
 * (the conflict as its cause): the service is busy, which the API answers 503 SERVICE_UNAVAILABLE
 * with Retry-After and the OpenID provider `temporarily_unavailable`, not a 500 that says retrying
 * will not help. The one transaction helper of every repository. (A statement outside any
 * transaction is the driver's to run again: dialects/mysql.ts, dialects/sqlite.ts.)
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
        throw overloadedByConflicts({ what: "transaction", attempts: attempt, cause: error });
      }
    }
  }
}
