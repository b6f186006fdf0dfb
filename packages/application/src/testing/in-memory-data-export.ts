import {
  countsTowardExportAllowance,
  type ExportJob,
  isActiveExport,
  leaseHasLapsed,
} from "@superoauth/domain";
import type {
  EnqueuedExport,
  ExportAllowanceWindow,
  ExportArchiveEntry,
  ExportArchiveFile,
  ExportArchiveStore,
  ExportJobRepository,
  ExportWorkerSignal,
  StoredExportArchive,
} from "../ports/index.ts";

/** The export queue in memory: the SQL store's conditions, one map. */
export class InMemoryExportJobRepository implements ExportJobRepository {
  readonly #jobs = new Map<string, ExportJob>();

  async enqueueExportJob(job: ExportJob, allowance?: ExportAllowanceWindow): Promise<EnqueuedExport> {
    // No await before the insert: the check and the insert are one step, as the SQL store's lock makes them.
    const active = [...this.#jobs.values()].find((j) => j.userId === job.userId && isActiveExport(j.status));
    if (active !== undefined) return { created: false, job: active };
    if (allowance !== undefined) {
      const counted = this.#countedRequestTimes({
        userId: job.userId,
        since: allowance.since,
        limit: allowance.max,
      });
      if (counted.length >= allowance.max) return { created: false, job: null, countedRequestTimes: counted };
    }
    this.#jobs.set(job.id, job);
    return { created: true, job };
  }

  async findExportJobOfUser(input: { id: string; userId: string }): Promise<ExportJob | null> {
    const job = this.#jobs.get(input.id);
    return job !== undefined && job.userId === input.userId ? job : null;
  }

  async listExportJobsOfUser(input: { userId: string; limit: number }): Promise<ExportJob[]> {
    return [...this.#jobs.values()]
      .filter((job) => job.userId === input.userId)
      .sort(
        (a, b) =>
          b.requestedAt.getTime() - a.requestedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      )
      .slice(0, input.limit);
  }

  async listExportRequestTimesOfUser(input: { userId: string; since: Date; limit: number }): Promise<Date[]> {
    return this.#countedRequestTimes(input);
  }

  #countedRequestTimes(input: { userId: string; since: Date; limit: number }): Date[] {
    return [...this.#jobs.values()]
      .filter(
        (job) =>
          job.userId === input.userId && job.requestedAt >= input.since && countsTowardExportAllowance(job),
      )
      .map((job) => job.requestedAt)
      .sort((a, b) => b.getTime() - a.getTime())
      .slice(0, input.limit);
  }

  async claimExportJob(
    input: Parameters<ExportJobRepository["claimExportJob"]>[0],
  ): Promise<ExportJob | null> {
    const { now } = input;
    for (const job of this.#jobs.values()) {
      if (leaseHasLapsed(job, now) && job.attempts >= input.maxAttempts) {
        this.#set({
          ...job,
          status: "failed",
          leaseToken: null,
          leaseExpiresAt: null,
          finishedAt: now,
          expiresAt: input.failedExpiresAt,
        });
      }
    }
    const next = [...this.#jobs.values()]
      .filter((job) => job.status === "pending" || leaseHasLapsed(job, now))
      .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime() || (a.id < b.id ? -1 : 1))[0];
    if (next === undefined) return null;
    return this.#set({
      ...next,
      status: "running",
      attempts: next.attempts + 1,
      progress: 0,
      recordsWritten: 0,
      leaseToken: input.leaseToken,
      leaseExpiresAt: input.leaseExpiresAt,
      startedAt: next.startedAt ?? now,
    });
  }

  async renewExportLease(
    input: Parameters<ExportJobRepository["renewExportLease"]>[0],
  ): Promise<"renewed" | "lost"> {
    const job = this.#leased(input);
    if (job === null) return "lost";
    this.#set({
      ...job,
      leaseExpiresAt: input.leaseExpiresAt,
      progress: input.progress,
      recordsWritten: input.recordsWritten,
    });
    return "renewed";
  }

  async completeExportJob(
    input: Parameters<ExportJobRepository["completeExportJob"]>[0],
  ): Promise<"completed" | "lost"> {
    const job = this.#leased(input);
    if (job === null) return "lost";
    this.#set({
      ...job,
      status: "ready",
      progress: 100,
      recordsWritten: input.recordsWritten,
      leaseToken: null,
      leaseExpiresAt: null,
      fileKey: input.fileKey,
      sizeBytes: input.sizeBytes,
      sha256: input.sha256,
      finishedAt: input.now,
      expiresAt: input.expiresAt,
    });
    return "completed";
  }

  async releaseExportJob(
    input: Parameters<ExportJobRepository["releaseExportJob"]>[0],
  ): Promise<"released" | "lost"> {
    const job = this.#leased(input);
    if (job === null) return "lost";
    const cleared = { ...job, leaseToken: null, leaseExpiresAt: null };
    if (input.outcome === "fail") {
      this.#set({ ...cleared, status: "failed", finishedAt: input.now, expiresAt: input.failedExpiresAt });
    } else {
      const attempts = input.outcome === "interrupted" ? job.attempts - 1 : job.attempts;
      this.#set({ ...cleared, status: "pending", attempts });
    }
    return "released";
  }

  async listExpiredExportJobs(input: { now: Date; limit: number }): Promise<ExportJob[]> {
    return [...this.#jobs.values()]
      .filter(
        (job) =>
          (job.status === "ready" || job.status === "failed") &&
          job.expiresAt !== null &&
          job.expiresAt <= input.now,
      )
      .sort((a, b) => (a.expiresAt?.getTime() ?? 0) - (b.expiresAt?.getTime() ?? 0))
      .slice(0, input.limit);
  }

  async markExportJobExpired(input: { id: string; now: Date }): Promise<void> {
    const job = this.#jobs.get(input.id);
    if (job === undefined || (job.status !== "ready" && job.status !== "failed")) return;
    this.#set({ ...job, status: "expired", fileKey: null });
  }

  async listExportJobIdsOfUser(userId: string): Promise<readonly string[]> {
    return [...this.#jobs.values()].filter((job) => job.userId === userId).map((job) => job.id);
  }

  async deleteExportJobs(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#jobs.delete(id);
  }

  async findExportJobsOwningFiles(ids: readonly string[]): Promise<readonly string[]> {
    return ids.filter((id) => {
      const job = this.#jobs.get(id);
      return job !== undefined && job.status !== "expired";
    });
  }

  async countActiveExportJobs(): Promise<{ pending: number; running: number }> {
    const jobs = [...this.#jobs.values()];
    return {
      pending: jobs.filter((job) => job.status === "pending").length,
      running: jobs.filter((job) => job.status === "running").length,
    };
  }

  /** Test helper: a job by id, whoever owns it. */
  get(id: string): ExportJob | undefined {
    return this.#jobs.get(id);
  }

  #leased(input: { id: string; leaseToken: string }): ExportJob | null {
    const job = this.#jobs.get(input.id);
    return job !== undefined && job.status === "running" && job.leaseToken === input.leaseToken ? job : null;
  }

  #set(job: ExportJob): ExportJob {
    this.#jobs.set(job.id, job);
    return job;
  }
}

/** An archive as the in-memory store keeps it: its files, by name, in order. */
export type InMemoryArchive = ReadonlyMap<string, string>;

/**
 * Archives in memory, as the files they hold (no ZIP: the ZIP and its hashes are the file store's
 * own tests). An archive appears only once every entry was read, as the real store renames its
 * temporary file only then. Hashes here are a stand-in, not SHA-256 (the test kit has no crypto).
 */
export class InMemoryExportArchiveStore implements ExportArchiveStore {
  readonly #archives = new Map<string, InMemoryArchive>();
  /** When each archive was written, by the clock given (the dependencies' clock in makeDeps). */
  readonly #writtenAt = new Map<string, Date>();
  readonly #clock: { now(): Date };
  #written = 0;
  constructor(clock: { now(): Date } = { now: () => new Date() }) {
    this.#clock = clock;
  }
  /** Test hook: awaited before each entry is read (hold a worker mid-export, or fail one). */
  beforeEntry: ((name: string) => Promise<void>) | undefined;

  async writeArchive(input: Parameters<ExportArchiveStore["writeArchive"]>[0]): Promise<StoredExportArchive> {
    const files = new Map<string, string>();
    const written: ExportArchiveFile[] = [];
    const read = async (entry: ExportArchiveEntry): Promise<string> => {
      await this.beforeEntry?.(entry.name);
      let text = "";
      for await (const chunk of entry.content) text += chunk;
      files.set(entry.name, text);
      return text;
    };
    for (const entry of input.entries) {
      const text = await read(entry);
      written.push({ name: entry.name, sha256: standInHash(text), sizeBytes: byteLength(text) });
    }
    for (const entry of input.closingEntries(written)) await read(entry);
    this.#written += 1;
    const fileKey = `${input.exportId}.${this.#written}.zip`;
    this.#archives.set(fileKey, files);
    this.#writtenAt.set(fileKey, this.#clock.now());
    const all = [...files.values()].join("");
    return { fileKey, sizeBytes: byteLength(all), sha256: standInHash(all) };
  }

  async openArchive(fileKey: string): Promise<AsyncIterable<Uint8Array> | null> {
    const archive = this.#archives.get(fileKey);
    if (archive === undefined) return null;
    const bytes = utf8([...archive.values()].join(""));
    return (async function* () {
      yield bytes;
    })();
  }

  async removeArchive(fileKey: string): Promise<void> {
    this.#archives.delete(fileKey);
    this.#writtenAt.delete(fileKey);
  }

  async removeArchives(exportId: string): Promise<void> {
    for (const key of [...this.#archives.keys()]) {
      if (key.startsWith(`${exportId}.`)) await this.removeArchive(key);
    }
  }

  async listArchivedExportIds(input: { writtenBefore: Date }): Promise<readonly string[]> {
    const ids = new Set<string>();
    for (const [key, writtenAt] of this.#writtenAt) {
      if (writtenAt < input.writtenBefore) ids.add(key.slice(0, key.indexOf(".")));
    }
    return [...ids];
  }

  /** Test helper: the files of an archive, or undefined when it is gone. */
  archive(fileKey: string): InMemoryArchive | undefined {
    return this.#archives.get(fileKey);
  }

  /** Test helper: the keys of every archive kept. */
  keys(): string[] {
    return [...this.#archives.keys()];
  }
}

/** Counts the nudges a worker would get. */
export class CountingExportWorkerSignal implements ExportWorkerSignal {
  queued = 0;
  jobQueued(): void {
    this.queued += 1;
  }
}

function byteLength(text: string): number {
  return utf8(text).length;
}

/** UTF-8 bytes of a text (the test kit has no TextEncoder in its types). */
function utf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000)
      bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else {
      bytes.push(
        0xf0 | (code >> 18),
        0x80 | ((code >> 12) & 0x3f),
        0x80 | ((code >> 6) & 0x3f),
        0x80 | (code & 0x3f),
      );
    }
  }
  return Uint8Array.from(bytes);
}

/** 64 hex characters derived from the text (FNV-1a, repeated): stable and distinct enough for tests. */
function standInHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0").repeat(8);
}
