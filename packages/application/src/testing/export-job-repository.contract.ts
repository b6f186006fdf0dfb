import { createExportJob, type ExportJob, type UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { ExportJobRepository, UserRepository } from "../ports/index.ts";
import { at, makeUser, testId } from "./fixtures.ts";

/**
 * The behaviour every ExportJobRepository must have: one active export per user, each attempt
 * claimed by exactly one worker however many race, a lapsed lease taken over with a bounded number
 * of attempts, and every change of a running job conditional on its lease.
 */
export function exportJobRepositoryContract(
  name: string,
  makeStores: () => Promise<{ jobs: ExportJobRepository; users: UserRepository }>,
): void {
  const lease = 60_000;
  const ttl = 7 * 24 * 3600_000;
  /** Far past every time these tests use: what the drain claims stays out of their way. */
  const farFuture = at(100 * 365 * 24 * 3600_000);

  async function withUser() {
    const stores = await makeStores();
    const user = makeUser();
    await stores.users.insertUser(user);
    // The queue is shared by every test on this store: take whatever earlier tests left claimable.
    while (
      (await stores.jobs.claimExportJob({
        now: farFuture,
        leaseToken: "drain",
        // Beyond the drain's own `now`, or it would take the same jobs again forever.
        leaseExpiresAt: new Date(farFuture.getTime() + 365 * 24 * 3600_000),
        maxAttempts: 1_000_000,
        failedExpiresAt: farFuture,
      })) !== null
    );
    return { ...stores, userId: user.id };
  }

  const makeJob = (userId: UserId, overrides: Partial<ExportJob> = {}): ExportJob => ({
    ...createExportJob({ id: testId(), userId, requestedAt: at(0) }),
    ...overrides,
  });

  const claimAt = (jobs: ExportJobRepository, now: Date, leaseToken: string, maxAttempts = 3) =>
    jobs.claimExportJob({
      now,
      leaseToken,
      leaseExpiresAt: new Date(now.getTime() + lease),
      maxAttempts,
      failedExpiresAt: new Date(now.getTime() + ttl),
    });

  const complete = (jobs: ExportJobRepository, job: ExportJob, leaseToken: string, now: Date) =>
    jobs.completeExportJob({
      id: job.id,
      leaseToken,
      now,
      fileKey: `${job.id}.a.zip`,
      sizeBytes: 1234,
      sha256: "ab".repeat(32),
      recordsWritten: 42,
      expiresAt: new Date(now.getTime() + ttl),
    });

  /** Gives the job up after its last attempt: `failed` (a fault of ours), expiring at once. */
  const fail = (jobs: ExportJobRepository, job: ExportJob, leaseToken: string, now: Date) =>
    jobs.releaseExportJob({ id: job.id, leaseToken, now, outcome: "fail", failedExpiresAt: now });

  describe(`ExportJobRepository contract: ${name}`, () => {
    it("stores a pending job and gives it back, field for field, to its owner only", async () => {
      const { jobs, users, userId } = await withUser();
      const job = makeJob(userId);
      expect(await jobs.enqueueExportJob(job)).toEqual({ created: true, job });
      expect(await jobs.findExportJobOfUser({ id: job.id, userId })).toEqual(job);
      const other = makeUser();
      await users.insertUser(other);
      expect(await jobs.findExportJobOfUser({ id: job.id, userId: other.id })).toBeNull();
      expect(await jobs.findExportJobOfUser({ id: testId(), userId })).toBeNull();
    });

    it("lists a user's job ids, whatever their status, deletes those jobs, and leaves no one else's", async () => {
      const { jobs, users, userId } = await withUser();
      const other = makeUser();
      await users.insertUser(other);
      const first = makeJob(userId, { requestedAt: at(0) });
      await jobs.enqueueExportJob(first);
      await claimAt(jobs, at(10), "w1");
      expect(await complete(jobs, first, "w1", at(20))).toBe("completed");
      const second = makeJob(userId, { requestedAt: at(30) });
      await jobs.enqueueExportJob(second);
      const theirs = makeJob(other.id, { requestedAt: at(40) });
      await jobs.enqueueExportJob(theirs);

      const ids = await jobs.listExportJobIdsOfUser(userId);
      expect([...ids].sort()).toEqual([first.id, second.id].sort());
      // Listing deletes nothing: the archives go first, then the jobs.
      expect(await jobs.listExportJobsOfUser({ userId, limit: 10 })).toHaveLength(2);
      await jobs.deleteExportJobs(ids);
      expect(await jobs.listExportJobsOfUser({ userId, limit: 10 })).toEqual([]);
      expect(await jobs.findExportJobOfUser({ id: theirs.id, userId: other.id })).toEqual(theirs);
      expect(await jobs.listExportJobIdsOfUser(userId)).toEqual([]);
      await jobs.deleteExportJobs([]);
      await jobs.deleteExportJobs([first.id]);
      expect(await jobs.findExportJobOfUser({ id: theirs.id, userId: other.id })).toEqual(theirs);
    });

    it("answers which of some ids are jobs that may still own files: every status but expired, no unknown id", async () => {
      const { jobs, users, userId } = await withUser();
      const other = makeUser();
      await users.insertUser(other);
      const ready = makeJob(userId, { requestedAt: at(0) });
      await jobs.enqueueExportJob(ready);
      await claimAt(jobs, at(10), "w1");
      expect(await complete(jobs, ready, "w1", at(20))).toBe("completed");
      const failed = makeJob(userId, { requestedAt: at(30) });
      await jobs.enqueueExportJob(failed);
      await claimAt(jobs, at(40), "w2");
      expect(await fail(jobs, failed, "w2", at(50))).toBe("released");
      const expired = makeJob(userId, { requestedAt: at(60) });
      await jobs.enqueueExportJob(expired);
      await claimAt(jobs, at(70), "w3");
      expect(await complete(jobs, expired, "w3", at(80))).toBe("completed");
      await jobs.markExportJobExpired({ id: expired.id, now: at(90) });
      const running = makeJob(userId, { requestedAt: at(100) });
      await jobs.enqueueExportJob(running);
      expect((await claimAt(jobs, at(110), "w4"))?.id).toBe(running.id);
      const pending = makeJob(other.id, { requestedAt: at(120) });
      await jobs.enqueueExportJob(pending);
      const unknown = testId();

      const ids = [ready, failed, expired, running, pending].map((job) => job.id);
      expect([...(await jobs.findExportJobsOwningFiles([...ids, unknown]))].sort()).toEqual(
        [ready.id, failed.id, running.id, pending.id].sort(),
      );
      expect(await jobs.findExportJobsOwningFiles([expired.id, unknown])).toEqual([]);
      expect(await jobs.findExportJobsOwningFiles([])).toEqual([]);
    });

    it("lists a user's jobs newest first, whatever their status, at most as many as asked, and no one else's", async () => {
      const { jobs, users, userId } = await withUser();
      const other = makeUser();
      await users.insertUser(other);
      expect(await jobs.listExportJobsOfUser({ userId, limit: 10 })).toEqual([]);
      const first = makeJob(userId, { requestedAt: at(0) });
      await jobs.enqueueExportJob(first);
      await jobs.enqueueExportJob(makeJob(other.id, { requestedAt: at(5) }));
      await claimAt(jobs, at(10), "w1");
      await claimAt(jobs, at(10), "w2");
      expect(await complete(jobs, first, "w1", at(20))).toBe("completed");
      const second = makeJob(userId, { requestedAt: at(30) });
      await jobs.enqueueExportJob(second);

      const listed = await jobs.listExportJobsOfUser({ userId, limit: 10 });
      expect(listed.map((job) => [job.id, job.status])).toEqual([
        [second.id, "pending"],
        [first.id, "ready"],
      ]);
      expect(listed[1]).toEqual(await jobs.findExportJobOfUser({ id: first.id, userId }));
      expect(await jobs.listExportJobsOfUser({ userId, limit: 1 })).toEqual([second]);
    });

    it("answers the request times of a user's jobs since a time, newest first, at most as many as asked, the failed ones left out", async () => {
      const { jobs, users, userId } = await withUser();
      const other = makeUser();
      await users.insertUser(other);
      const since = at(100);
      expect(await jobs.listExportRequestTimesOfUser({ userId, since, limit: 5 })).toEqual([]);
      // Before the window, at its first millisecond, then inside it: each finished before the next.
      const requested = [at(0), at(99), at(100), at(200), at(300)];
      for (const [i, requestedAt] of requested.entries()) {
        const job = makeJob(userId, { requestedAt });
        await jobs.enqueueExportJob(job);
        const claimed = await claimAt(jobs, requestedAt, `w${i}`);
        expect(claimed?.id).toBe(job.id);
        if (i % 2 === 0) expect(await complete(jobs, job, `w${i}`, requestedAt)).toBe("completed");
        else expect(await fail(jobs, job, `w${i}`, requestedAt)).toBe("released");
      }
      // The newest two expire: at(300), which was ready, and at(200), which had failed.
      for (const expiring of await jobs.listExportJobsOfUser({ userId, limit: 2 })) {
        await jobs.markExportJobExpired({ id: expiring.id, now: at(400) });
      }
      // The active one counts too; another user's does not.
      await jobs.enqueueExportJob(makeJob(userId, { requestedAt: at(400) }));
      await jobs.enqueueExportJob(makeJob(other.id, { requestedAt: at(350) }));

      // at(200) failed on our side and is not counted, nor after its expiry; at(100) and at(300)
      // made an archive (at(300)'s expired since) and are.
      expect(await jobs.listExportRequestTimesOfUser({ userId, since, limit: 5 })).toEqual([
        at(400),
        at(300),
        at(100),
      ]);
      expect(await jobs.listExportRequestTimesOfUser({ userId, since, limit: 2 })).toEqual([
        at(400),
        at(300),
      ]);
      expect(await jobs.listExportRequestTimesOfUser({ userId, since: at(401), limit: 5 })).toEqual([]);
      expect(await jobs.listExportRequestTimesOfUser({ userId: other.id, since, limit: 5 })).toEqual([
        at(350),
      ]);
    });

    it("answers the active job instead of queuing a second one for the same user", async () => {
      const { jobs, userId } = await withUser();
      const first = makeJob(userId);
      await jobs.enqueueExportJob(first);
      const second = await jobs.enqueueExportJob(makeJob(userId, { requestedAt: at(5) }));
      expect(second).toEqual({ created: false, job: first });
      // Still active while it runs.
      expect(await claimAt(jobs, at(10), "w1")).toMatchObject({ id: first.id });
      const third = await jobs.enqueueExportJob(makeJob(userId));
      expect(third.created).toBe(false);
      expect(third.job).toMatchObject({ id: first.id, status: "running" });
    });

    it("of concurrent requests of one user exactly one queues a job, and all are answered it", async () => {
      const { jobs, userId } = await withUser();
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => jobs.enqueueExportJob(makeJob(userId))),
      );
      expect(answers.filter((a) => a.created)).toHaveLength(1);
      expect(new Set(answers.map((a) => a.job?.id)).size).toBe(1);
    });

    it("with an allowance, answers the active job first, counts the others but the failed, and at the count writes nothing", async () => {
      const { jobs, userId } = await withUser();
      const allowance = { since: at(0), max: 3 };
      // One before the window, one failed inside it: neither counted.
      for (const [i, requestedAt] of [at(-1), at(10), at(20), at(30)].entries()) {
        const job = makeJob(userId, { requestedAt });
        expect(await jobs.enqueueExportJob(job, allowance)).toEqual({ created: true, job });
        expect((await claimAt(jobs, requestedAt, `w${i}`))?.id).toBe(job.id);
        if (i === 1) expect(await fail(jobs, job, `w${i}`, requestedAt)).toBe("released");
        else expect(await complete(jobs, job, `w${i}`, requestedAt)).toBe("completed");
      }
      // Two counted: the third is created, and while it is active it is answered, not refused.
      const third = makeJob(userId, { requestedAt: at(40) });
      expect(await jobs.enqueueExportJob(third, allowance)).toEqual({ created: true, job: third });
      expect(await jobs.enqueueExportJob(makeJob(userId, { requestedAt: at(41) }), allowance)).toEqual({
        created: false,
        job: third,
      });
      expect((await claimAt(jobs, at(50), "w9"))?.id).toBe(third.id);
      expect(await complete(jobs, third, "w9", at(50))).toBe("completed");
      const refused = makeJob(userId, { requestedAt: at(60) });
      expect(await jobs.enqueueExportJob(refused, allowance)).toEqual({
        created: false,
        job: null,
        countedRequestTimes: [at(40), at(30), at(20)],
      });
      expect(await jobs.findExportJobOfUser({ id: refused.id, userId })).toBeNull();
      // Without an allowance nothing is counted.
      expect((await jobs.enqueueExportJob(refused)).created).toBe(true);
    });

    it("of concurrent requests at the last slot of the allowance, one creates a job, however fast it ends, and the others get it or the refusal", async () => {
      const { jobs, userId } = await withUser();
      const max = 5;
      const allowance = { since: at(0), max };
      for (let i = 0; i < max - 1; i++) {
        const job = makeJob(userId, { requestedAt: at(i) });
        await jobs.enqueueExportJob(job, allowance);
        expect((await claimAt(jobs, at(i), `w${i}`))?.id).toBe(job.id);
        expect(await complete(jobs, job, `w${i}`, at(i))).toBe("completed");
      }
      // A worker finishes whatever is queued as soon as it is: the fifth job may have ended
      // before another request inserts, which is when a count outside the insert let a sixth in.
      let requesting = true;
      const worker = (async () => {
        for (let round = 0; requesting; round++) {
          const claimed = await claimAt(jobs, at(100), `race${round}`);
          if (claimed !== null) await complete(jobs, claimed, `race${round}`, at(100));
          else await Promise.resolve();
        }
      })();
      // Started a few turns apart, so that requests meet the fifth job at each of its stages.
      const answers = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          for (let turn = 0; turn < i; turn++) await Promise.resolve();
          return jobs.enqueueExportJob(makeJob(userId, { requestedAt: at(10 + i) }), allowance);
        }),
      ).finally(() => {
        requesting = false;
      });
      await worker;
      const created = answers.filter((answer) => answer.created);
      expect(created).toHaveLength(1);
      const createdId = created[0]?.job?.id;
      for (const answer of answers) {
        if (answer.created) continue;
        if (answer.job === null) expect(answer).toMatchObject({ countedRequestTimes: { length: max } });
        else expect(answer.job.id).toBe(createdId);
      }
      const all = await jobs.listExportJobsOfUser({ userId, limit: 20 });
      expect(all).toHaveLength(max);
      expect(await jobs.listExportRequestTimesOfUser({ userId, since: at(0), limit: 20 })).toHaveLength(max);
    });

    it("queues a new job once the previous one is ready", async () => {
      const { jobs, userId } = await withUser();
      const first = makeJob(userId);
      await jobs.enqueueExportJob(first);
      const claimed = await claimAt(jobs, at(10), "w1");
      expect(claimed?.id).toBe(first.id);
      expect(await complete(jobs, first, "w1", at(20))).toBe("completed");
      const next = makeJob(userId, { requestedAt: at(30) });
      expect(await jobs.enqueueExportJob(next)).toEqual({ created: true, job: next });
    });

    it("claims the oldest pending job for one attempt, leased to the claimant", async () => {
      const { jobs, userId, users } = await withUser();
      const other = makeUser();
      await users.insertUser(other);
      const older = makeJob(other.id, { requestedAt: at(0) });
      const newer = makeJob(userId, { requestedAt: at(1) });
      await jobs.enqueueExportJob(newer);
      await jobs.enqueueExportJob(older);
      const claimed = await claimAt(jobs, at(100), "w1");
      expect(claimed).toEqual({
        ...older,
        status: "running",
        attempts: 1,
        leaseToken: "w1",
        leaseExpiresAt: at(100 + lease),
        startedAt: at(100),
      });
      expect(await jobs.findExportJobOfUser({ id: older.id, userId: other.id })).toEqual(claimed);
      expect((await claimAt(jobs, at(100), "w2"))?.id).toBe(newer.id);
      expect(await claimAt(jobs, at(100), "w3")).toBeNull();
    });

    it("of workers claiming concurrently, each job goes to exactly one", async () => {
      const { jobs, users } = await withUser();
      const queued: string[] = [];
      for (let i = 0; i < 6; i++) {
        const user = makeUser();
        await users.insertUser(user);
        const job = makeJob(user.id, { requestedAt: at(i) });
        await jobs.enqueueExportJob(job);
        queued.push(job.id);
      }
      const claimedBy = new Map<string, string[]>();
      const worker = async (token: string) => {
        // Each worker keeps claiming until the queue is empty, as the worker loop does.
        for (;;) {
          const job = await claimAt(jobs, at(1000), token);
          if (job === null) return;
          claimedBy.set(job.id, [...(claimedBy.get(job.id) ?? []), token]);
          expect(job.leaseToken).toBe(token);
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, i) => worker(`w${i}`)));
      expect([...claimedBy.keys()].sort()).toEqual([...queued].sort());
      for (const claimants of claimedBy.values()) expect(claimants).toHaveLength(1);
    });

    it("retakes a running job whose lease lapsed, and its first worker's changes are then lost", async () => {
      const { jobs, userId } = await withUser();
      const job = makeJob(userId);
      await jobs.enqueueExportJob(job);
      await claimAt(jobs, at(0), "dead");
      expect(await claimAt(jobs, at(lease - 1), "w2")).toBeNull();
      const retaken = await claimAt(jobs, at(lease), "w2");
      expect(retaken).toMatchObject({ id: job.id, status: "running", attempts: 2, leaseToken: "w2" });
      expect(retaken?.startedAt).toEqual(at(0));
      const renewal = { id: job.id, leaseExpiresAt: at(10 * lease), progress: 50, recordsWritten: 7 };
      expect(await jobs.renewExportLease({ ...renewal, leaseToken: "dead" })).toBe("lost");
      expect(await complete(jobs, job, "dead", at(lease + 1))).toBe("lost");
      const release = { id: job.id, now: at(lease + 1), failedExpiresAt: at(ttl) };
      expect(await jobs.releaseExportJob({ ...release, leaseToken: "dead", outcome: "fail" })).toBe("lost");
      expect(await jobs.findExportJobOfUser({ id: job.id, userId })).toEqual(retaken);
      expect(await jobs.renewExportLease({ ...renewal, leaseToken: "w2" })).toBe("renewed");
      expect(await jobs.findExportJobOfUser({ id: job.id, userId })).toMatchObject({
        progress: 50,
        recordsWritten: 7,
        leaseExpiresAt: at(10 * lease),
      });
    });

    it("fails a job whose lease lapsed on its last attempt instead of retaking it", async () => {
      const { jobs, userId } = await withUser();
      const job = makeJob(userId);
      await jobs.enqueueExportJob(job);
      await claimAt(jobs, at(0), "a", 2);
      await claimAt(jobs, at(lease), "b", 2);
      expect(await claimAt(jobs, at(2 * lease), "c", 2)).toBeNull();
      expect(await jobs.findExportJobOfUser({ id: job.id, userId })).toMatchObject({
        status: "failed",
        attempts: 2,
        leaseToken: null,
        leaseExpiresAt: null,
        finishedAt: at(2 * lease),
        expiresAt: at(2 * lease + ttl),
      });
      // No longer active: a new request queues a new job.
      expect((await jobs.enqueueExportJob(makeJob(userId))).created).toBe(true);
    });

    it("marks a job ready with its archive, ending its lease", async () => {
      const { jobs, userId } = await withUser();
      const job = makeJob(userId);
      await jobs.enqueueExportJob(job);
      await claimAt(jobs, at(0), "w1");
      expect(await complete(jobs, job, "w1", at(500))).toBe("completed");
      expect(await jobs.findExportJobOfUser({ id: job.id, userId })).toEqual({
        ...job,
        status: "ready",
        attempts: 1,
        progress: 100,
        recordsWritten: 42,
        fileKey: `${job.id}.a.zip`,
        sizeBytes: 1234,
        sha256: "ab".repeat(32),
        startedAt: at(0),
        finishedAt: at(500),
        expiresAt: at(500 + ttl),
      });
      expect(await complete(jobs, job, "w1", at(600))).toBe("lost");
      expect(await claimAt(jobs, at(10 * lease), "w2")).toBeNull();
    });

    it("releases an attempt: retry keeps it counted, interrupted gives it back, fail ends the job", async () => {
      const { jobs, userId } = await withUser();
      const job = makeJob(userId);
      await jobs.enqueueExportJob(job);
      const release = (leaseToken: string, outcome: "retry" | "interrupted" | "fail") =>
        jobs.releaseExportJob({ id: job.id, leaseToken, now: at(50), outcome, failedExpiresAt: at(ttl) });
      await claimAt(jobs, at(0), "w1");
      expect(await release("w1", "retry")).toBe("released");
      expect(await jobs.findExportJobOfUser({ id: job.id, userId })).toMatchObject({
        status: "pending",
        attempts: 1,
        leaseToken: null,
      });
      await claimAt(jobs, at(100), "w2");
      expect(await release("w2", "interrupted")).toBe("released");
      expect(await jobs.findExportJobOfUser({ id: job.id, userId })).toMatchObject({
        status: "pending",
        attempts: 1,
      });
      await claimAt(jobs, at(200), "w3");
      expect(await release("w3", "fail")).toBe("released");
      expect(await release("w3", "fail")).toBe("lost");
      expect(await jobs.findExportJobOfUser({ id: job.id, userId })).toMatchObject({
        status: "failed",
        attempts: 2,
        finishedAt: at(50),
        expiresAt: at(ttl),
      });
    });

    it("counts the pending and running jobs: a queued job is pending, a claimed one running, a finished one neither", async () => {
      const { jobs, userId, users } = await withUser();
      // Earlier tests (and the drain) leave jobs behind on a shared store: count from here on.
      const base = await jobs.countActiveExportJobs();
      const other = makeUser();
      await users.insertUser(other);
      const first = makeJob(userId, { requestedAt: at(0) });
      await jobs.enqueueExportJob(first);
      await jobs.enqueueExportJob(makeJob(other.id, { requestedAt: at(1) }));
      expect(await jobs.countActiveExportJobs()).toEqual({
        pending: base.pending + 2,
        running: base.running,
      });
      expect((await claimAt(jobs, at(10), "w1"))?.id).toBe(first.id);
      expect(await jobs.countActiveExportJobs()).toEqual({
        pending: base.pending + 1,
        running: base.running + 1,
      });
      expect(await complete(jobs, first, "w1", at(20))).toBe("completed");
      expect(await jobs.countActiveExportJobs()).toEqual({
        pending: base.pending + 1,
        running: base.running,
      });
    });

    it("lists ready and failed jobs from their expiry on, and marks them expired once", async () => {
      const { jobs, users, userId } = await withUser();
      const ready = makeJob(userId);
      await jobs.enqueueExportJob(ready);
      await claimAt(jobs, at(0), "w1");
      await complete(jobs, ready, "w1", at(0));
      const other = makeUser();
      await users.insertUser(other);
      const failed = makeJob(other.id);
      await jobs.enqueueExportJob(failed);
      await claimAt(jobs, at(0), "w2");
      await jobs.releaseExportJob({
        id: failed.id,
        leaseToken: "w2",
        now: at(0),
        outcome: "fail",
        failedExpiresAt: at(ttl + 1),
      });
      const pending = makeJob(userId, { requestedAt: at(1) });
      await jobs.enqueueExportJob(pending);
      const expiredIds = async (now: Date) =>
        (await jobs.listExpiredExportJobs({ now, limit: 1000 }))
          .map((j) => j.id)
          .filter((id) => [ready.id, failed.id, pending.id].includes(id));
      expect(await expiredIds(at(ttl - 1))).toEqual([]);
      expect(await expiredIds(at(ttl))).toEqual([ready.id]);
      expect(await expiredIds(at(ttl + 1))).toEqual([ready.id, failed.id]);
      await jobs.markExportJobExpired({ id: ready.id, now: at(ttl + 1) });
      await jobs.markExportJobExpired({ id: failed.id, now: at(ttl + 1) });
      await jobs.markExportJobExpired({ id: pending.id, now: at(ttl + 1) });
      expect(await expiredIds(at(ttl + 2))).toEqual([]);
      expect(await jobs.findExportJobOfUser({ id: ready.id, userId })).toMatchObject({
        status: "expired",
        fileKey: null,
      });
      expect(await jobs.findExportJobOfUser({ id: pending.id, userId })).toMatchObject({ status: "pending" });
    });
  });
}
