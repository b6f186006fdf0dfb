import type { EnqueuedExport, ExportAllowanceWindow, ExportJobRepository } from "@superoauth/application";
import { type ExportJob, type ExportStatus, exportStatuses, type UserId } from "@superoauth/domain";
import { type ExpressionBuilder, type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { Database, ExportJobsTable } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";
import { runInTransaction } from "./run-in-transaction.ts";

/** Candidates one claim reads at a time: enough that racing workers each find one they can win. */
const claimCandidates = 8;

/**
 * The ExportJobRepository port over the `export_jobs` table (ADR 0025), portable to both
 * databases. A request reads the active job, counts the allowance and inserts under its user's
 * row lock (enqueueExportJob), and the unique key on `active_user_id` admits one active export per
 * user. Every other decision is one conditional statement: a claim is an UPDATE that succeeds only
 * while the row is still claimable (MySQL re-reads the row under its lock; SQLite has one writer),
 * so of racing workers exactly one changes it; every later change of a running job names its
 * lease token.
 */
export function createExportJobRepository(context: SQLContext): ExportJobRepository {
  const { db, dialect } = context;
  return {
    async enqueueExportJob(job: ExportJob, allowance?: ExportAllowanceWindow): Promise<EnqueuedExport> {
      return runInTransaction(context, async (trx) => {
        // The user's row is the lock every request of theirs takes first (MySQL: FOR UPDATE; SQLite:
        // the transaction's write lock), so the active job, the count and the insert are one step:
        // a request that waited reads what the one before it committed. Without it, two requests at
        // the fifth slot both counted four, and if the first one's job had ended before the second
        // inserted (the unique key then let it in), a sixth export was made. The plain reads below
        // are the transaction's first, so on MySQL their snapshot is taken after the lock.
        const locked = await dialect
          .forUpdate(trx.selectFrom("users").select("id").where("id", "=", job.userId))
          .execute();
        // Deleted before us (a deletion after us waits for the lock, then deletes the job with the account).
        if (locked.length === 0) return { created: false, job: null, accountGone: true };
        const active = await trx
          .selectFrom("export_jobs")
          .selectAll()
          .where("active_user_id", "=", job.userId)
          .executeTakeFirst();
        if (active !== undefined) return { created: false, job: jobOf(active) };
        if (allowance !== undefined) {
          const counted = await countedRequestTimes(trx, {
            userId: job.userId,
            since: allowance.since,
            limit: allowance.max,
          });
          if (counted.length >= allowance.max)
            return { created: false, job: null, countedRequestTimes: counted };
        }
        await trx.insertInto("export_jobs").values(rowOf(job)).execute();
        return { created: true, job };
      });
    },

    async findExportJobOfUser({ id, userId }): Promise<ExportJob | null> {
      const row = await db
        .selectFrom("export_jobs")
        .selectAll()
        .where("id", "=", id)
        .where("user_id", "=", userId)
        .executeTakeFirst();
      return row === undefined ? null : jobOf(row);
    },

    async listExportJobsOfUser({ userId, limit }): Promise<ExportJob[]> {
      // A user has a handful of exports (one at a time, each hours apart): the user_id index finds them.
      const rows = await db
        .selectFrom("export_jobs")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("requested_at", "desc")
        .orderBy("id", "desc")
        .limit(limit)
        .execute();
      return rows.map(jobOf);
    },

    async listExportRequestTimesOfUser(input): Promise<Date[]> {
      return countedRequestTimes(db, input);
    },

    async claimExportJob({ now, leaseToken, leaseExpiresAt, maxAttempts, failedExpiresAt }) {
      // Jobs whose worker died on their last attempt are given up first (decideAfterFailedAttempt).
      await db
        .updateTable("export_jobs")
        .set({
          status: "failed",
          active_user_id: null,
          lease_token: null,
          lease_expires_at: null,
          finished_at: now,
          expires_at: failedExpiresAt,
        })
        .where("status", "=", "running")
        .where("lease_expires_at", "<=", now)
        .where("attempts", ">=", maxAttempts)
        .execute();
      const claimable = (eb: ExpressionBuilder<Database, "export_jobs">) =>
        eb.or([
          eb("status", "=", "pending"),
          eb.and([
            eb("status", "=", "running"),
            eb("lease_expires_at", "<=", now),
            eb("attempts", "<", maxAttempts),
          ]),
        ]);
      for (let round = 0; round < 3; round++) {
        const candidates = await db
          .selectFrom("export_jobs")
          .selectAll()
          .where(claimable)
          .orderBy("requested_at")
          .orderBy("id")
          .limit(claimCandidates)
          .execute();
        if (candidates.length === 0) return null;
        for (const candidate of candidates) {
          const startedAt = candidate.started_at ?? now;
          const result = await db
            .updateTable("export_jobs")
            .set({
              status: "running",
              attempts: sql<number>`attempts + 1`,
              progress: 0,
              records_written: 0,
              lease_token: leaseToken,
              lease_expires_at: leaseExpiresAt,
              started_at: startedAt,
            })
            .where("id", "=", candidate.id)
            .where(claimable)
            .executeTakeFirst();
          if (result.numUpdatedRows !== 1n) continue; // another worker won this one
          return {
            ...jobOf(candidate),
            status: "running",
            attempts: candidate.attempts + 1,
            progress: 0,
            recordsWritten: 0,
            leaseToken,
            leaseExpiresAt,
            startedAt,
          };
        }
      }
      // Lost every race three times over: the other workers have the work in hand.
      return null;
    },

    async renewExportLease({ id, leaseToken, leaseExpiresAt, progress, recordsWritten }) {
      const result = await db
        .updateTable("export_jobs")
        .set({ lease_expires_at: leaseExpiresAt, progress, records_written: recordsWritten })
        .where(leased(id, leaseToken))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n ? "renewed" : "lost";
    },

    async completeExportJob(input) {
      const result = await db
        .updateTable("export_jobs")
        .set({
          status: "ready",
          active_user_id: null,
          progress: 100,
          records_written: input.recordsWritten,
          lease_token: null,
          lease_expires_at: null,
          file_key: input.fileKey,
          size_bytes: input.sizeBytes,
          sha256: input.sha256,
          finished_at: input.now,
          expires_at: input.expiresAt,
        })
        .where(leased(input.id, input.leaseToken))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n ? "completed" : "lost";
    },

    async releaseExportJob({ id, leaseToken, now, outcome, failedExpiresAt }) {
      const cleared = { lease_token: null, lease_expires_at: null };
      const query = db.updateTable("export_jobs").where(leased(id, leaseToken));
      const result = await (outcome === "fail"
        ? query.set({
            ...cleared,
            status: "failed",
            active_user_id: null,
            finished_at: now,
            expires_at: failedExpiresAt,
          })
        : outcome === "interrupted"
          ? query.set({ ...cleared, status: "pending", attempts: sql<number>`attempts - 1` })
          : query.set({ ...cleared, status: "pending" })
      ).executeTakeFirst();
      return result.numUpdatedRows === 1n ? "released" : "lost";
    },

    async listExpiredExportJobs({ now, limit }): Promise<ExportJob[]> {
      const rows = await db
        .selectFrom("export_jobs")
        .selectAll()
        .where("status", "in", ["ready", "failed"])
        .where("expires_at", "<=", now)
        .orderBy("expires_at")
        .orderBy("id")
        .limit(limit)
        .execute();
      return rows.map(jobOf);
    },

    async markExportJobExpired({ id }): Promise<void> {
      await db
        .updateTable("export_jobs")
        .set({ status: "expired", file_key: null })
        .where("id", "=", id)
        .where("status", "in", ["ready", "failed"])
        .execute();
    },

    async listExportJobIdsOfUser(userId): Promise<readonly string[]> {
      const rows = await db.selectFrom("export_jobs").select("id").where("user_id", "=", userId).execute();
      return rows.map((row) => row.id);
    },

    async deleteExportJobs(ids): Promise<void> {
      // The jobs listed, and only those, whose archives the caller has removed. A job queued
      // meanwhile goes with the account's row (its foreign key cascades), before any archive of it
      // can exist.
      if (ids.length > 0)
        await db
          .deleteFrom("export_jobs")
          .where("id", "in", [...ids])
          .execute();
    },

    async findExportJobsOwningFiles(ids): Promise<readonly string[]> {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom("export_jobs")
        .select("id")
        .where("id", "in", [...ids])
        .where("status", "!=", "expired")
        .execute();
      return rows.map((row) => row.id);
    },

    async countActiveExportJobs() {
      // Counted on the (status, requested_at) index: a scrape reads the active jobs' index entries only.
      const rows = await db
        .selectFrom("export_jobs")
        .select(["status", (eb) => eb.fn.countAll<number | string | bigint>().as("count")])
        .where("status", "in", ["pending", "running"])
        .groupBy("status")
        .execute();
      const countOf = (status: ExportStatus) => Number(rows.find((row) => row.status === status)?.count ?? 0);
      return { pending: countOf("pending"), running: countOf("running") };
    },
  };
}

/**
 * The request times the export allowance counts (countsTowardExportAllowance: active, or made an
 * archive; never failed), newest first. A range of the (user_id, requested_at) index read from its
 * newest end: the rows' status and checksum are read for the entries in the window only, a handful.
 */
async function countedRequestTimes(
  db: Kysely<Database> | Transaction<Database>,
  { userId, since, limit }: { userId: UserId; since: Date; limit: number },
): Promise<Date[]> {
  const rows = await db
    .selectFrom("export_jobs")
    .select("requested_at")
    .where("user_id", "=", userId)
    .where("requested_at", ">=", since)
    .where((eb) => eb.or([eb("status", "in", ["pending", "running"]), eb("sha256", "is not", null)]))
    .orderBy("requested_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => row.requested_at);
}

/** The running job `id` while `leaseToken` holds it. */
function leased(id: string, leaseToken: string) {
  return (eb: ExpressionBuilder<Database, "export_jobs">) =>
    eb.and([eb("id", "=", id), eb("status", "=", "running"), eb("lease_token", "=", leaseToken)]);
}

function rowOf(job: ExportJob) {
  return {
    id: job.id,
    user_id: job.userId,
    active_user_id: job.status === "pending" || job.status === "running" ? job.userId : null,
    status: job.status,
    attempts: job.attempts,
    progress: job.progress,
    records_written: job.recordsWritten,
    lease_token: job.leaseToken,
    lease_expires_at: job.leaseExpiresAt,
    file_key: job.fileKey,
    size_bytes: job.sizeBytes,
    sha256: job.sha256,
    requested_at: job.requestedAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    expires_at: job.expiresAt,
  };
}

function jobOf(row: Selectable<ExportJobsTable>): ExportJob {
  if (!(exportStatuses as readonly string[]).includes(row.status)) {
    throw new Error(`export_jobs row ${row.id} has an unknown status`);
  }
  return {
    id: row.id,
    userId: row.user_id as UserId,
    status: row.status as ExportStatus,
    attempts: Number(row.attempts),
    progress: Number(row.progress),
    recordsWritten: Number(row.records_written),
    leaseToken: row.lease_token,
    leaseExpiresAt: row.lease_expires_at,
    fileKey: row.file_key,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    sha256: row.sha256,
    requestedAt: row.requested_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    expiresAt: row.expires_at,
  };
}
