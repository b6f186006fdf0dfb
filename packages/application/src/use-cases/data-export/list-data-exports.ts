import type { UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { type DataExportSummary, summariseExport } from "./steps/export-summary.ts";

/**
 * How many of a person's exports are listed: far more than anyone keeps (one runs at a time, and
 * each ready one expires after EXPORT_TTL), few enough for one page.
 */
export const listedDataExportsLimit = 20;

/** The caller's latest exports, newest first: the ones still to download, and what became of the others. */
export async function listDataExports(
  deps: Dependencies,
  input: { userId: UserId },
): Promise<DataExportSummary[]> {
  const jobs = await deps.exportJobs.listExportJobsOfUser({
    userId: input.userId,
    limit: listedDataExportsLimit,
  });
  const now = deps.clock.now();
  return jobs.map((job) => summariseExport(job, now));
}
