import type { UserId } from "./user.ts";

/**
 * Where a data export is (docs/account-export.md): `pending` until a worker claims it, `running`
 * while one holds its lease, `ready` to download until it expires, then `expired` (its archive
 * removed); `failed` when every attempt failed or lapsed.
 */
export const exportStatuses = ["pending", "running", "ready", "failed", "expired"] as const;
export type ExportStatus = (typeof exportStatuses)[number];

/** One request for a copy of an account's data, and the archive it produced. */
export interface ExportJob {
  readonly id: string;
  readonly userId: UserId;
  readonly status: ExportStatus;
  /** Attempts started (claims), the interrupted ones given back; at most `maxAttempts`. */
  readonly attempts: number;
  /** 0 to 100, by sections written. */
  readonly progress: number;
  /** Records written so far by the current (or last) attempt. */
  readonly recordsWritten: number;
  /** The worker holding the job while it runs, and until when (extended while it makes progress). */
  readonly leaseToken: string | null;
  readonly leaseExpiresAt: Date | null;
  /** The archive, once ready: the storage's key, its size and its SHA-256 (hex). */
  readonly fileKey: string | null;
  readonly sizeBytes: number | null;
  readonly sha256: string | null;
  readonly requestedAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  /** When a ready (or failed) export's files are removed. */
  readonly expiresAt: Date | null;
}

/** A new export, queued: nothing run, nothing written. */
export function createExportJob(input: { id: string; userId: UserId; requestedAt: Date }): ExportJob {
  return {
    ...input,
    status: "pending",
    attempts: 0,
    progress: 0,
    recordsWritten: 0,
    leaseToken: null,
    leaseExpiresAt: null,
    fileKey: null,
    sizeBytes: null,
    sha256: null,
    startedAt: null,
    finishedAt: null,
    expiresAt: null,
  };
}

/** How many times a job is started before it is given up as `failed` (a crash counts as one). */
export const defaultExportMaxAttempts = 3;

/** Pending or running: a user has at most one such export at a time. */
export function isActiveExport(status: ExportStatus): boolean {
  return status === "pending" || status === "running";
}

/**
 * The status a reader is told at `now`: a ready or failed export past its expiry is `expired` even
 * before the prune has removed its files, so nobody downloads an archive past its lifetime.
 */
export function exportStatusAt(job: Pick<ExportJob, "status" | "expiresAt">, now: Date): ExportStatus {
  if ((job.status === "ready" || job.status === "failed") && job.expiresAt !== null && job.expiresAt <= now) {
    return "expired";
  }
  return job.status;
}

/**
 * What becomes of a job whose attempt ended without an archive (an error, or a lease that lapsed
 * because its worker died): another attempt while some are left, `failed` after the last. Bounded,
 * so an account whose export crashes the worker every time cannot keep every worker busy forever.
 */
export function decideAfterFailedAttempt(input: { attempts: number; maxAttempts: number }): "retry" | "fail" {
  return input.attempts < input.maxAttempts ? "retry" : "fail";
}

/** A job's lease has lapsed at `now`: its worker stopped renewing it (it died, or lost the database). */
export function leaseHasLapsed(job: Pick<ExportJob, "status" | "leaseExpiresAt">, now: Date): boolean {
  return job.status === "running" && job.leaseExpiresAt !== null && job.leaseExpiresAt <= now;
}

/**
 * The export allowance: at most `maxExportsPerWindow` exports started by one account within
 * `exportAllowanceWindowMs` (a day), counted by the jobs' request times. Each export is a ZIP kept
 * EXPORT_TTL on disk, a mail and a row: without it one signed-in account could make them without end.
 * Only the exports that cost that count (countsTowardExportAllowance): one that failed on our side
 * made no archive, and its owner may try again.
 */
export const maxExportsPerWindow = 5;
export const exportAllowanceWindowMs = 24 * 3600_000;

/**
 * Whether an export counts toward the allowance: an active one (it will make an archive), or one
 * that made an archive (ready, or expired since). A failed one does not, before or after its expiry
 * (it never has a checksum: only a completed attempt sets it), so a failure of ours costs nothing.
 */
export function countsTowardExportAllowance(job: Pick<ExportJob, "status" | "sha256">): boolean {
  return isActiveExport(job.status) || job.sha256 !== null;
}

/**
 * An expired export's job row is kept this long after its expiry, so its status and download keep
 * answering `expired` (410 EXPORT_EXPIRED) for a month; the hourly prune deletes it then (404
 * EXPORT_NOT_FOUND after).
 */
export const expiredExportKeptMs = 30 * 24 * 3600_000;

/**
 * The earliest request time counted by the allowance at `now`: an export requested at or after it
 * is within the window (one requested exactly `exportAllowanceWindowMs` before `now` has left it).
 */
export function exportAllowanceSince(now: Date): Date {
  return new Date(now.getTime() - exportAllowanceWindowMs + 1);
}

/**
 * Whether the account may start another export at `now`, given the request times of its latest
 * exports within the window (newest first; `maxExportsPerWindow` of them suffice): when it may
 * not, how long (ms) until the oldest of the counted ones leaves the window and one may start.
 */
export function exportAllowanceAt(
  requestTimes: readonly Date[],
  now: Date,
): { readonly allowed: true } | { readonly allowed: false; readonly waitMs: number } {
  const counted = requestTimes.filter((time) => time >= exportAllowanceSince(now));
  const oldestCounted = counted[maxExportsPerWindow - 1];
  if (oldestCounted === undefined) return { allowed: true };
  return { allowed: false, waitMs: oldestCounted.getTime() + exportAllowanceWindowMs - now.getTime() };
}
