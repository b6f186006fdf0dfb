import { ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";

const batchSize = 100;

/**
 * Removes the files of exports past their lifetime (EXPORT_TTL) and marks them expired; run by the
 * scheduled prune. Files first, then the mark: a crash in between leaves a job that is removed
 * again next time (removing is idempotent), never a mark over files still on disk.
 */
export async function expireDataExports(
  deps: Dependencies,
  _input: Record<string, never> = {},
): Promise<Result<{ expired: number }, never>> {
  const now = deps.clock.now();
  let expired = 0;
  for (;;) {
    const jobs = await deps.exportJobs.listExpiredExportJobs({ now, limit: batchSize });
    for (const job of jobs) {
      await deps.exportArchives.removeArchives(job.id);
      await deps.exportJobs.markExportJobExpired({ id: job.id, now });
    }
    expired += jobs.length;
    if (jobs.length < batchSize) return ok({ expired });
  }
}
