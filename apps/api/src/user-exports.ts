import type { ExportArchiveStore, ExportJobRepository, UserExports } from "@superoauth/application";

/**
 * Deleting an account removes its data exports: their archives first, then the job records, then
 * the archives again. In that order an interrupted removal (a crash, a failing disk) leaves records
 * that still name their archives, and deleting the account again removes both; records first would
 * leave archives no record names, which no prune and no later deletion ever found. The second pass
 * is for a worker finishing meanwhile: one that completes its job before the records go kept the
 * archive it published after the first pass; one that completes after finds its job gone ("lost")
 * and removes its archive itself.
 */
export function userExportsOf(exportJobs: ExportJobRepository, archives: ExportArchiveStore): UserExports {
  return {
    async removeExportsOfUser({ userId }) {
      const ids = await exportJobs.listExportJobIdsOfUser(userId);
      for (const id of ids) await archives.removeArchives(id);
      await exportJobs.deleteExportJobs(ids);
      for (const id of ids) await archives.removeArchives(id);
    },
  };
}
