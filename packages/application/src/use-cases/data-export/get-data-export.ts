import { err, ok, type Result, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { type DataExportSummary, summariseExport } from "./steps/export-summary.ts";

/** One of the caller's exports; another user's id is not found, exactly like an unknown one. */
export async function getDataExport(
  deps: Dependencies,
  input: { userId: UserId; exportId: string },
): Promise<Result<DataExportSummary, "EXPORT_NOT_FOUND">> {
  const job = await deps.exportJobs.findExportJobOfUser({ id: input.exportId, userId: input.userId });
  if (job === null) return err("EXPORT_NOT_FOUND");
  return ok(summariseExport(job, deps.clock.now()));
}
