import { decideAfterFailedAttempt, type ExportJob, ok, type Result, type User } from "@superoauth/domain";
import { composeExportReadyMail } from "../../mails.ts";
import type { Dependencies, ExportArchiveEntry, ExportArchiveFile } from "../../ports/index.ts";
import { exportReadme, exportReadmeFile } from "./steps/export-readme.ts";
import { type ExportRecord, type ExportSection, exportSections } from "./steps/export-sections.ts";

/** What one turn of an export worker did. */
export type DataExportRun =
  | { readonly outcome: "idle" }
  /** The archive is complete and the job ready; the owner was mailed. */
  | { readonly outcome: "ready"; readonly exportId: string }
  /** Another worker took the job over (this one stalled past its lease): nothing of this attempt is kept. */
  | { readonly outcome: "lost"; readonly exportId: string }
  /** Stopped by the signal (shutdown): the job is pending again, the attempt given back. */
  | { readonly outcome: "interrupted"; readonly exportId: string }
  /** The attempt failed: the job waits for another (`retry`) or is `failed`. */
  | { readonly outcome: "retry" | "failed"; readonly exportId: string; readonly error: unknown };

/** How often a running export tells the queue it is alive, in records between clock reads. */
const recordsBetweenLeaseChecks = 200;

/** An AbortSignal, as far as the runner reads it. */
export interface StopSignal {
  readonly aborted: boolean;
}

class LeaseLostError extends Error {}
class InterruptedError extends Error {}

/**
 * One turn of an export worker: claims the oldest waiting export (or one whose worker died), writes
 * its archive a record at a time, and marks it ready, renewing the lease as it goes; a worker that
 * finds its lease taken over stops and keeps nothing. Run by the worker loop of every instance
 * (docs/account-export.md): the claim, not the loop, makes each attempt one worker's.
 */
export async function runNextDataExport(
  deps: Dependencies,
  input: { signal?: StopSignal | undefined } = {},
): Promise<Result<DataExportRun, never>> {
  const settings = deps.settings.dataExport;
  const now = deps.clock.now();
  const leaseToken = deps.random.generateId();
  const job = await deps.exportJobs.claimExportJob({
    now,
    leaseToken,
    leaseExpiresAt: new Date(now.getTime() + settings.leaseMs),
    maxAttempts: settings.maxAttempts,
    failedExpiresAt: new Date(now.getTime() + settings.ttlMs),
  });
  if (job === null) return ok({ outcome: "idle" });
  const exportId = job.id;
  try {
    // An earlier attempt that died may have left files; they are not this attempt's.
    if (job.attempts > 1) await deps.exportArchives.removeArchives(exportId);
    const user = await deps.users.findUserById(job.userId);
    if (user === null) throw new Error("the export's user is gone");
    const written = await writeArchive(deps, { job, leaseToken, signal: input.signal });
    const finishedAt = deps.clock.now();
    const completed = await deps.exportJobs.completeExportJob({
      id: exportId,
      leaseToken,
      now: finishedAt,
      fileKey: written.fileKey,
      sizeBytes: written.sizeBytes,
      sha256: written.sha256,
      recordsWritten: written.recordsWritten,
      expiresAt: new Date(finishedAt.getTime() + settings.ttlMs),
    });
    if (completed === "lost") {
      await deps.exportArchives.removeArchive(written.fileKey);
      return ok({ outcome: "lost", exportId });
    }
    await mailOwner(deps, { user, exportId, sha256: written.sha256, finishedAt });
    return ok({ outcome: "ready", exportId });
  } catch (error) {
    if (error instanceof LeaseLostError) return ok({ outcome: "lost", exportId });
    const interrupted = error instanceof InterruptedError;
    const outcome = interrupted
      ? "interrupted"
      : decideAfterFailedAttempt({ attempts: job.attempts, maxAttempts: settings.maxAttempts });
    const releasedAt = deps.clock.now();
    const released = await deps.exportJobs.releaseExportJob({
      id: exportId,
      leaseToken,
      now: releasedAt,
      outcome,
      failedExpiresAt: new Date(releasedAt.getTime() + settings.ttlMs),
    });
    if (released === "lost") return ok({ outcome: "lost", exportId });
    if (outcome === "interrupted") return ok({ outcome: "interrupted", exportId });
    return ok({ outcome: outcome === "retry" ? "retry" : "failed", exportId, error });
  }
}

/** Streams every section into the archive, then the manifest; renews the lease as it goes. */
async function writeArchive(
  deps: Dependencies,
  input: { job: ExportJob; leaseToken: string; signal: StopSignal | undefined },
): Promise<{ fileKey: string; sizeBytes: number; sha256: string; recordsWritten: number }> {
  const { job, leaseToken, signal } = input;
  const { leaseMs } = deps.settings.dataExport;
  let recordsWritten = 0;
  let sectionsDone = 0;
  let renewedAt = deps.clock.now().getTime();
  const recordsPerFile = new Map<string, number>();

  const renew = async (): Promise<void> => {
    const now = deps.clock.now();
    const renewed = await deps.exportJobs.renewExportLease({
      id: job.id,
      leaseToken,
      leaseExpiresAt: new Date(now.getTime() + leaseMs),
      progress: Math.floor((100 * sectionsDone) / exportSections.length),
      recordsWritten,
    });
    if (renewed === "lost") throw new LeaseLostError("the export's lease was taken over");
    renewedAt = now.getTime();
  };
  const checkpoint = async (): Promise<void> => {
    if (signal?.aborted) throw new InterruptedError("the export worker is stopping");
    // A third of the lease: two renewals may be slow or fail before another worker takes over.
    if (deps.clock.now().getTime() - renewedAt >= leaseMs / 3) await renew();
  };

  async function* contentOf(section: ExportSection): AsyncIterable<string> {
    let count = 0;
    const records = section.records(deps, { userId: job.userId });
    if (section.shape === "object") {
      for await (const record of records) {
        yield `${JSON.stringify(record, null, 2)}\n`;
        count += 1;
      }
    } else {
      yield "[";
      for await (const record of records) {
        yield `${count === 0 ? "\n" : ",\n"}${JSON.stringify(record)}`;
        count += 1;
        recordsWritten += 1;
        if (count % recordsBetweenLeaseChecks === 0) await checkpoint();
      }
      yield count === 0 ? "]\n" : "\n]\n";
    }
    recordsPerFile.set(section.file, count);
    sectionsDone += 1;
    await renew();
  }

  const entries: ExportArchiveEntry[] = [
    ...exportSections.map((section) => ({ name: section.file, content: contentOf(section) })),
    // What each file holds, in words: checksummed in the manifest like the data it explains.
    { name: exportReadmeFile, content: once(exportReadme(deps.settings.brand.name)) },
  ];
  const archive = await deps.exportArchives.writeArchive({
    exportId: job.id,
    entries,
    closingEntries: (files) => closingEntries({ job, files, recordsPerFile, generatedAt: deps.clock.now() }),
  });
  return { ...archive, recordsWritten };
}

/**
 * The manifest (format, account, and each file's SHA-256, size and record count) and the same
 * hashes in `sha256sum -c` form. The archive's own hash cannot be inside it: the status route and
 * the download's headers give it.
 */
function closingEntries(input: {
  job: ExportJob;
  files: readonly ExportArchiveFile[];
  recordsPerFile: ReadonlyMap<string, number>;
  generatedAt: Date;
}): ExportArchiveEntry[] {
  const { job, files } = input;
  const manifest: ExportRecord = {
    format: "superoauth-account-export",
    version: 1,
    exportId: job.id,
    userId: job.userId,
    requestedAt: job.requestedAt.toISOString(),
    generatedAt: input.generatedAt.toISOString(),
    files: files.map((file) => ({
      name: file.name,
      sha256: file.sha256,
      sizeBytes: file.sizeBytes,
      records: input.recordsPerFile.get(file.name) ?? 0,
    })),
  };
  const sums = files.map((file) => `${file.sha256}  ${file.name}\n`).join("");
  return [
    { name: "manifest.json", content: once(`${JSON.stringify(manifest, null, 2)}\n`) },
    { name: "SHA256SUMS", content: once(sums) },
  ];
}

async function* once(text: string): AsyncIterable<string> {
  yield text;
}

async function mailOwner(
  deps: Dependencies,
  input: { user: User; exportId: string; sha256: string; finishedAt: Date },
): Promise<void> {
  await deps.mailer.sendMail(
    composeExportReadyMail({
      to: input.user.email,
      nickname: input.user.nickname,
      appURL: deps.settings.appURL,
      brand: deps.settings.brand,
      accountMark: deps.accountLinkMark(input.user.id),
      sha256: input.sha256,
      expiresAt: new Date(input.finishedAt.getTime() + deps.settings.dataExport.ttlMs),
    }),
  );
}
