import { err, exportStatusAt, ok, type Result, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";

/** A ready archive to send: its bytes, and what the response says about them. */
export interface DataExportArchive {
  readonly content: AsyncIterable<Uint8Array>;
  readonly fileName: string;
  readonly sizeBytes: number;
  /** SHA-256 (hex) of the archive's bytes, as the status route answered it. */
  readonly sha256: string;
}

/** The archive of one of the caller's exports, once ready and until it expires. */
export async function openDataExportArchive(
  deps: Dependencies,
  input: { userId: UserId; exportId: string },
): Promise<Result<DataExportArchive, "EXPORT_NOT_FOUND" | "EXPORT_NOT_READY" | "EXPORT_EXPIRED">> {
  const job = await deps.exportJobs.findExportJobOfUser({ id: input.exportId, userId: input.userId });
  if (job === null) return err("EXPORT_NOT_FOUND");
  const status = exportStatusAt(job, deps.clock.now());
  if (status === "expired") return err("EXPORT_EXPIRED");
  if (status !== "ready" || job.fileKey === null || job.sizeBytes === null || job.sha256 === null) {
    return err("EXPORT_NOT_READY", `The data export is ${status}, not ready to download`);
  }
  const content = await deps.exportArchives.openArchive(job.fileKey);
  // Removed behind our back (by hand, a lost volume): as good as expired, and a new export mends it.
  if (content === null) return err("EXPORT_EXPIRED", "The data export's archive is gone; request a new one");
  return ok({
    content,
    fileName: `superoauth-export-${job.id}.zip`,
    sizeBytes: job.sizeBytes,
    sha256: job.sha256,
  });
}
