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
  return deps.transactions.run((repositories) => work({ ...deps, ...repositories }));
}

/**
 * inOneTransaction for work that may find it has lost a race (a compare-and-set that wrote
 * nothing): when `work` answers `false`, everything it wrote before is rolled back (in memory,
 * where nothing rolls back, it stays) and `false` is answered.
 */
export async function inOneTransactionUnlessLost(
  deps: Dependencies,
  work: (deps: Dependencies) => Promise<boolean>,
): Promise<boolean> {
  const lost = new Error("the work lost its race; its writes are rolled back");
  try {
    return await inOneTransaction(deps, async (deps) => {
      if (await work(deps)) return true;
      throw lost;
    });
  } catch (error) {
    if (error === lost) return false;
    throw error;
  }
}
