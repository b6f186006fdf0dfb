import { err, exportStatusAt, ok, type Result, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";

/** A ready archive to send: its bytes, and what the response says about them. */
export interface DataExportArchive {
  readonly content: AsyncIterable<Uint8Array>;
  readonly fileName: string;
  readonly sizeBytes: number;
  /** SHA-256 (hex) of the archive's bytes, as the status route answered it. */
  readonly sha256: string;
}

/**
 * The archive of one of the caller's exports, once ready and until it expires. Each download is
 * recorded (`data_export_downloaded`, with where it went): the archive is the account's data in
 * one file, and whoever took it is what an incident review asks first.
 */
export async function openDataExportArchive(
  deps: Dependencies,
  input: { userId: UserId; exportId: string; client?: ClientInfo },
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
  await recordSecurityEvent(deps, {
    userId: input.userId,
    type: "data_export_downloaded",
    client: input.client,
    details: { exportId: job.id },
  });
  return ok({
    content,
    fileName: `superoauth-export-${job.id}.zip`,
    sizeBytes: job.sizeBytes,
    sha256: job.sha256,
  });
}

/**
 * The response headers of an archive's download, the same wherever it is served (the API's
 * `/user/export/:id/download` and the account center's page): a ZIP attachment of known length,
 * RFC 9530's digest of the whole representation (no range requests) and the same SHA-256 in hex,
 * as `sha256sum` prints it.
 */
export function dataExportDownloadHeaders(archive: DataExportArchive): Readonly<Record<string, string>> {
  return {
    "Content-Type": "application/zip",
    "Content-Disposition": `attachment; filename="${archive.fileName}"`,
    "Content-Length": String(archive.sizeBytes),
    "Repr-Digest": `sha-256=:${hexToBase64(archive.sha256)}:`,
    "X-Content-SHA256": archive.sha256,
  };
}

const base64Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Hex to padded base64 (RFC 4648), without Node's Buffer: the application layer runs on plain ES. */
function hexToBase64(hex: string): string {
  const bytes = (hex.match(/[0-9a-f]{2}/gi) ?? []).map((pair) => Number.parseInt(pair, 16));
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b, c] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += base64Digits[(n >> 18) & 63];
    out += base64Digits[(n >> 12) & 63];
    out += b === undefined ? "=" : base64Digits[(n >> 6) & 63];
    out += c === undefined ? "=" : base64Digits[n & 63];
  }
  return out;
}
