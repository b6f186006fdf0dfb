import type { Dependencies } from "../ports/index.ts";

/**
 * Runs `work` with the dependencies' repositories bound to one transaction (Transactions, ADR
 * 0056): its writes land together, or none does when it throws or the process dies first. `work`
 * must use the dependencies it is handed, not the caller's, and only read and write through them:
 * it may run again from the start after a deadlock, so a mail, a background task or a hash belongs
 * before or after it.
 */
export function inOneTransaction<T>(
  deps: Dependencies,
  work: (deps: Dependencies) => Promise<T>,
): Promise<T> {
  return deps.transactions.run((repositories) =>
    work({
      ...deps,
      ...repositories,
      // One asked for within joins this one, as a repository's own transaction does: the port
      // would open a second (on SQLite waiting for ever on the connection this one holds).
      transactions: { run: (nested) => nested(repositories) },
    }),
  );
}
