import type { Kysely, Transaction } from "kysely";
import type { Database } from "./database.ts";
import { isDeadlockError } from "./mysql-errors.ts";

/** How often a transaction chosen as a deadlock's victim is run again before the error stands. */
const deadlockAttempts = 3;

/**
 * Runs `work` in a transaction, again when InnoDB rolled it back to break a
 * deadlock (its advice: "try restarting transaction"). Such cycles arise when
 * many first sign-ins of one identity insert the same keys at once, or many
 * attempts lock the same failure counters. Kysely cannot nest transactions, so
 * inside a caller's transaction the work joins it, and undoing or retrying is
 * the caller's.
 */
export async function runInTransaction<T>(
  db: Kysely<Database> | Transaction<Database>,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  // Asked of Kysely rather than by `instanceof`, which fails when two copies of kysely are installed.
  if (db.isTransaction) return work(db as Transaction<Database>);
  for (let attempt = 1; ; attempt++) {
    try {
      return await (db as Kysely<Database>).transaction().execute(work);
    } catch (error) {
      if (!isDeadlockError(error) || attempt >= deadlockAttempts) throw error;
    }
  }
}
