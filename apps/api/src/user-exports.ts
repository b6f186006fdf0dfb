import type { ExportArchiveStore, ExportJobRepository, UserExports } from "@superoauth/application";

/**
 * Deleting an account removes its data exports: their archives first, then the job records. In
 * that order an interrupted removal (a crash, a failing disk) leaves records that still name their
 * archives, and deleting the account again removes both; records first would leave archives no
 * record names, which no prune and no later deletion ever found.
 */
export function userExportsOf(exportJobs: ExportJobRepository, archives: ExportArchiveStore): UserExports {
  return {
    async removeExportsOfUser({ userId }) {
      const ids = await exportJobs.listExportJobIdsOfUser(userId);
      for (const id of ids) await archives.removeArchives(id);
      await exportJobs.deleteExportJobs(ids);
    },
  };
}
