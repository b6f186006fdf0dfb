import { makeUser, t0, testId } from "@superoauth/application/testing";
import { createExportJob, type UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { mysqlDialect } from "../src/dialects/mysql.ts";
import { sqliteSQLDialect } from "../src/dialects/sqlite.ts";
import { createExportJobRepository } from "../src/export-job-repository.ts";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";
import { useSQLiteTestDatabase } from "./sqlite-test-database.ts";

const mysql = useMySQLTestDatabase();
const sqlite = useSQLiteTestDatabase();

const at = (ms: number) => new Date(t0.getTime() + ms);
const makeJob = (userId: UserId, requestedAt: Date) => createExportJob({ id: testId(), userId, requestedAt });

for (const [name, database, dialect] of [
  ["MySQL", mysql, mysqlDialect],
  ["SQLite", sqlite, sqliteSQLDialect],
] as const) {
  describe(`${name} export allowance`, () => {
    it("a request waiting on another for the last slot reads what it committed, though its job ended at once: refused, no sixth export", async () => {
      const { users, exportJobs } = database.storage();
      const user = makeUser();
      await users.insertUser(user);
      const allowance = { since: at(0), max: 5 };
      const finish = async (jobs: typeof exportJobs, requestedAt: Date, token: string) => {
        const job = makeJob(user.id, requestedAt);
        expect((await jobs.enqueueExportJob(job, allowance)).created).toBe(true);
        expect(
          (
            await jobs.claimExportJob({
              now: requestedAt,
              leaseToken: token,
              leaseExpiresAt: at(3600_000),
              maxAttempts: 3,
              failedExpiresAt: at(3600_000),
            })
          )?.id,
        ).toBe(job.id);
        expect(
          await jobs.completeExportJob({
            id: job.id,
            leaseToken: token,
            now: requestedAt,
            fileKey: `${job.id}.zip`,
            sizeBytes: 1,
            sha256: "ab".repeat(32),
            recordsWritten: 1,
            expiresAt: at(3600_000),
          }),
        ).toBe("completed");
      };
      for (let i = 0; i < 4; i++) await finish(exportJobs, at(i), `w${i}`);

      let second: ReturnType<typeof exportJobs.enqueueExportJob> | undefined;
      await database
        .db()
        .transaction()
        .execute(async (trx) => {
          // The first request for the fifth slot, under the user's row lock, as enqueueExportJob
          // takes it; the second starts meanwhile (on MySQL on another connection of the pool).
          await dialect.forUpdate(trx.selectFrom("users").select("id").where("id", "=", user.id)).execute();
          second = exportJobs.enqueueExportJob(makeJob(user.id, at(20)), allowance);
          await new Promise((resolve) => setTimeout(resolve, 200));
          // Its job is queued, claimed and finished before the second request gets its turn.
          await finish(createExportJobRepository({ db: trx, dialect }), at(10), "first");
        });
      expect(await second).toEqual({
        created: false,
        job: null,
        countedRequestTimes: [at(10), at(3), at(2), at(1), at(0)],
      });
      expect(await exportJobs.listExportJobsOfUser({ userId: user.id, limit: 10 })).toHaveLength(5);
    });

    it("a request for an account deleted before it took the lock answers accountGone and inserts nothing (the foreign key's error was a 500)", async () => {
      const { users, exportJobs } = database.storage();
      const user = makeUser();
      await users.insertUser(user);
      await database.db().deleteFrom("users").where("id", "=", user.id).execute();
      expect(await exportJobs.enqueueExportJob(makeJob(user.id, at(0)), { since: at(0), max: 5 })).toEqual({
        created: false,
        job: null,
        accountGone: true,
      });
      expect(await exportJobs.listExportJobsOfUser({ userId: user.id, limit: 10 })).toEqual([]);
    });
  });
}
