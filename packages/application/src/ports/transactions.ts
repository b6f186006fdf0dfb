import type { Dependencies, StorageRepositoryName } from "./dependencies.ts";

/** The repositories a transaction binds: every one storage provides. */
export type TransactionalRepositories = Pick<Dependencies, StorageRepositoryName>;

/**
 * Writes through several repositories that land together or not at all (ADR 0056): `run` hands
 * `work` repositories bound to one transaction, which commits when `work` resolves and rolls back
 * when it throws, or when the process dies before the commit. While it runs, `work` uses only what
 * it is handed (on SQLite the one connection is the transaction's, and anything else would wait for
 * it for ever), and does nothing else: it may be run again from the start when the database gives
 * the transaction up to a concurrent one (a deadlock), so no mail, no background task, no slow
 * hashing inside. The in-memory store has no transactions: it hands no repository (`work` keeps the
 * dependencies' own) and rolls nothing back, so what atomicity gives is tested on SQL.
 */
export interface Transactions {
  run<T>(work: (repositories: Partial<TransactionalRepositories>) => Promise<T>): Promise<T>;
}
