import { ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";

/**
 * Files younger than this are left alone whatever the jobs say. No job's file should ever lack its
 * row (a row is written before its job is claimed, and an archive only by the attempt holding it),
 * so the margin guards only against what that reasoning missed, at the cost of an hour's delay.
 */
export const orphanedArchiveGraceMs = 60 * 60_000;

/** Ids checked against the jobs in one query. */
const batchSize = 500;

/**
 * Removes the files of the archive store that no export job owns any more: run by the scheduled
 * prune, after the expiry. Every path that deletes a job or marks it expired removes its files
 * first, but a process killed in between by an earlier release (account deletion removed the jobs
 * before their archives until 2026-12-03), a lost-lease attempt killed before it removed its
 * archive from an expired job, or a database restored from a backup older than the directory left
 * files that nothing else would ever remove: a person's data kept past their account. A file of a
 * job with no row, or of an expired job, is removed once it is more than an hour old
 * (orphanedArchiveGraceMs).
 */
export async function sweepOrphanedExportArchives(
  deps: Dependencies,
  _input: Record<string, never> = {},
): Promise<Result<{ removed: number }, never>> {
  const writtenBefore = new Date(deps.clock.now().getTime() - orphanedArchiveGraceMs);
  const ids = await deps.exportArchives.listArchivedExportIds({ writtenBefore });
  let removed = 0;
  for (let start = 0; start < ids.length; start += batchSize) {
    const batch = ids.slice(start, start + batchSize);
    const owned = new Set(await deps.exportJobs.findExportJobsOwningFiles(batch));
    for (const id of batch) {
      if (owned.has(id)) continue;
      await deps.exportArchives.removeArchives(id);
      removed += 1;
    }
  }
  return ok({ removed });
}
