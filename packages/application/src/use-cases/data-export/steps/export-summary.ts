import { type ExportJob, type ExportStatus, exportStatusAt } from "@superoauth/domain";

/** An export as its owner sees it (GET /user/export/:id). */
export interface DataExportSummary {
  readonly exportId: string;
  readonly status: ExportStatus;
  /** 0 to 100. */
  readonly progress: number;
  readonly recordsWritten: number;
  readonly requestedAt: Date;
  readonly finishedAt: Date | null;
  /** Size and SHA-256 (hex) of the archive, once ready. */
  readonly sizeBytes: number | null;
  readonly sha256: string | null;
  /** When the archive is (or was) removed. */
  readonly expiresAt: Date | null;
}

/** What the owner is told about a job at `now`: its archive's facts only while it can be downloaded. */
export function summariseExport(job: ExportJob, now: Date): DataExportSummary {
  const status = exportStatusAt(job, now);
  const ready = status === "ready";
  return {
    exportId: job.id,
    status,
    progress: job.progress,
    recordsWritten: job.recordsWritten,
    requestedAt: job.requestedAt,
    finishedAt: job.finishedAt,
    sizeBytes: ready ? job.sizeBytes : null,
    sha256: ready ? job.sha256 : null,
    expiresAt: job.expiresAt,
  };
}
