import type { ExportJob, UserId } from "@superoauth/domain";

/**
 * The durable queue of data exports (docs/decisions/0025-data-export-jobs.md). Every state change
 * of a running job is conditional on the lease token its claim handed out, so a worker that lost
 * its lease (it stalled past the lease, and another worker took the job over) changes nothing.
 */
export interface ExportJobRepository {
  /**
   * Stores a new pending job unless its user has an active (pending or running) one, which is
   * answered instead. With `allowance`, and no active job, the user's jobs requested at or after
   * `since` that count (countsTowardExportAllowance) are counted too, and at `max` nothing is
   * written: the answer is their request times (newest first, `max` of them). The active job, the
   * count and the insert are one step per user, so of concurrent requests one creates the job and
   * the others are answered that one or, once it ended and the count is reached, refused: never
   * one job past `max`.
   */
  enqueueExportJob(job: ExportJob, allowance?: ExportAllowanceWindow): Promise<EnqueuedExport>;
  /** The job if it is this user's; null for an unknown id or another user's. */
  findExportJobOfUser(input: { id: string; userId: UserId }): Promise<ExportJob | null>;
  /** The user's latest `limit` jobs, whatever their status, newest request first (ties: by id, descending). */
  listExportJobsOfUser(input: { userId: UserId; limit: number }): Promise<ExportJob[]>;
  /**
   * When the user's jobs requested at or after `since` that count toward the export allowance
   * (countsTowardExportAllowance: not the failed ones) were requested, newest first, at most
   * `limit` of them: what the export allowance counts (maxExportsPerWindow).
   */
  listExportRequestTimesOfUser(input: { userId: UserId; since: Date; limit: number }): Promise<Date[]>;
  /**
   * Takes the oldest claimable job for one attempt and answers it (`running`, `attempts` counted,
   * leased to `leaseToken` until `leaseExpiresAt`), or null when none is claimable. Claimable: a
   * pending job, or a running one whose lease lapsed with attempts left (its worker died). A lapsed
   * job without attempts left is marked `failed` (expiring at `failedExpiresAt`) on the way. Of
   * concurrent claims, each job goes to exactly one caller.
   */
  claimExportJob(input: {
    now: Date;
    leaseToken: string;
    leaseExpiresAt: Date;
    maxAttempts: number;
    failedExpiresAt: Date;
  }): Promise<ExportJob | null>;
  /** Extends the lease and records progress; "lost" when the lease is no longer this token's. */
  renewExportLease(input: {
    id: string;
    leaseToken: string;
    leaseExpiresAt: Date;
    progress: number;
    recordsWritten: number;
  }): Promise<"renewed" | "lost">;
  /** Marks the job `ready` with its archive; "lost" (nothing changed) when the lease is no longer this token's. */
  completeExportJob(input: {
    id: string;
    leaseToken: string;
    now: Date;
    fileKey: string;
    sizeBytes: number;
    sha256: string;
    recordsWritten: number;
    expiresAt: Date;
  }): Promise<"completed" | "lost">;
  /**
   * Ends this token's attempt without an archive: `retry` makes the job pending again, `interrupted`
   * too and gives the attempt back (the worker is shutting down, the job did nothing wrong), `fail`
   * marks it failed, expiring at `failedExpiresAt`. "lost" when the lease is no longer this token's.
   */
  releaseExportJob(input: {
    id: string;
    leaseToken: string;
    now: Date;
    outcome: "retry" | "interrupted" | "fail";
    failedExpiresAt: Date;
  }): Promise<"released" | "lost">;
  /** Ready or failed jobs whose expiry has come, oldest first, at most `limit`. */
  listExpiredExportJobs(input: { now: Date; limit: number }): Promise<ExportJob[]>;
  /**
   * Marks a ready or failed job `expired` (its files are gone); a job in another state is left
   * alone. The row stays (EXPORT_EXPIRED is answered for it) until the prune deletes it,
   * `expiredExportKeptMs` after its expiry.
   */
  markExportJobExpired(input: { id: string; now: Date }): Promise<void>;
  /**
   * The ids of every job of the user, whatever its status (deleting the account): their archives
   * go first, then the jobs (deleteExportJobs), so an interrupted deletion leaves jobs that name
   * their archives and deleting the account again removes both.
   */
  listExportJobIdsOfUser(userId: UserId): Promise<readonly string[]>;
  /** Deletes these jobs, whatever their status; an id with no job is passed over. */
  deleteExportJobs(ids: readonly string[]): Promise<void>;
  /**
   * Of these ids, those of jobs that may still own files in the archive store: a job of any status
   * but `expired` (whose files the expiry removed). An id with no job is left out: what the sweep
   * of orphaned archives removes (sweepOrphanedExportArchives).
   */
  findExportJobsOwningFiles(ids: readonly string[]): Promise<readonly string[]>;
  /**
   * How many jobs are queued (`pending`) and claimed (`running`, a lapsed lease included) right
   * now, across every instance: the queue depth the metrics report.
   */
  countActiveExportJobs(): Promise<{ readonly pending: number; readonly running: number }>;
}

/** The export allowance's window and count: at most `max` counted jobs requested at or after `since`. */
export interface ExportAllowanceWindow {
  readonly since: Date;
  readonly max: number;
}

/**
 * What a request to queue an export came to: the job created, the user's active job answered
 * instead, or (job null) the allowance spent, with the request times that spent it.
 */
export type EnqueuedExport =
  | { readonly created: boolean; readonly job: ExportJob }
  | { readonly created: false; readonly job: null; readonly countedRequestTimes: readonly Date[] }
  /** The user's row is gone: the account was deleted while the request was on its way. */
  | { readonly created: false; readonly job: null; readonly accountGone: true };

/** One file of an export archive: its name in the archive and its content, produced as it is read. */
export interface ExportArchiveEntry {
  readonly name: string;
  readonly content: AsyncIterable<string>;
}

/** A file as written into an archive: what the manifest lists. */
export interface ExportArchiveFile {
  readonly name: string;
  /** SHA-256 (hex) of the file's bytes (UTF-8). */
  readonly sha256: string;
  readonly sizeBytes: number;
}

/** A complete archive in the store. */
export interface StoredExportArchive {
  readonly fileKey: string;
  readonly sizeBytes: number;
  /** SHA-256 (hex) of the archive's bytes. */
  readonly sha256: string;
}

/**
 * Where export archives are written and read (a local directory today, EXPORT_DIR). An archive is
 * a ZIP of the entries, streamed: an entry's content is read only while that entry is written.
 */
export interface ExportArchiveStore {
  /**
   * Writes the entries, then the closing ones (built from the files written: the manifest), to a
   * temporary file that becomes the archive only once complete. If reading an entry throws, the
   * write rejects with that error and leaves nothing behind.
   */
  writeArchive(input: {
    exportId: string;
    entries: readonly ExportArchiveEntry[];
    closingEntries(files: readonly ExportArchiveFile[]): readonly ExportArchiveEntry[];
  }): Promise<StoredExportArchive>;
  /** The archive's bytes, or null when it is gone. */
  openArchive(fileKey: string): Promise<AsyncIterable<Uint8Array> | null>;
  /** Removes one archive (an attempt's whose lease was lost); nothing when it is gone. */
  removeArchive(fileKey: string): Promise<void>;
  /** Removes every file of the export (its archive, and what an attempt that died left behind). */
  removeArchives(exportId: string): Promise<void>;
  /**
   * The export ids of the files in the store last written before `writtenBefore` (archives, and
   * what an attempt that died left behind), each once. Files the store did not write are not listed.
   */
  listArchivedExportIds(input: { writtenBefore: Date }): Promise<readonly string[]>;
}

/** Tells the export workers of this process that a job is waiting, so they need not wait for their next poll. */
export interface ExportWorkerSignal {
  jobQueued(): void;
}
