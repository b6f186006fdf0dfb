import { exportAllowanceSince, maxExportsPerWindow, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import type { AllowanceSpent } from "../allowance-spent.ts";
import { spentExportAllowance } from "./steps/export-allowance.ts";

/**
 * Whether the caller may start another export now: null when they may, else the refusal a request
 * would get (its message says when the next one can start). The export page shows it in place of
 * the request button. Only a hint: the request itself decides again (requestDataExport).
 */
export async function getDataExportAllowance(
  deps: Dependencies,
  input: { userId: UserId },
): Promise<AllowanceSpent | null> {
  const now = deps.clock.now();
  const requestTimes = await deps.exportJobs.listExportRequestTimesOfUser({
    userId: input.userId,
    since: exportAllowanceSince(now),
    limit: maxExportsPerWindow,
  });
  return spentExportAllowance(requestTimes, now);
}
