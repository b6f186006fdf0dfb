import { describe, expect, it } from "vitest";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";
import { useSQLiteTestDatabase } from "./sqlite-test-database.ts";

const mysql = useMySQLTestDatabase();
const sqlite = useSQLiteTestDatabase();

for (const [name, database] of [
  ["MySQL", mysql],
  ["SQLite", sqlite],
] as const) {
  describe(`${name} two-factor tables`, () => {
    it("stores the TOTP secret as given (ciphertext) and deleting the user removes factor and codes", async () => {
      const users = database.storage().users;
      const twoFactor = database.storage().twoFactor;
      const { makeUser, t0 } = await import("@superoauth/application/testing");
      const user = makeUser();
      await users.insertUser(user);
      await twoFactor.savePendingTOTPFactor({ userId: user.id, encryptedSecret: "v1.a.b.c", now: t0 });
      await twoFactor.enableTOTPFactor({
        userId: user.id,
        confirmedSecret: "v1.a.b.c",
        usedStep: 1,
        backupCodes: [
          {
            id: "0190a000-0000-7000-8000-0000000000c1",
            userId: user.id,
            lookupId: "ab",
            codeHash: "$argon2id$x",
            usedAt: null,
          },
        ],
        now: t0,
      });
      const row = await database
        .db()
        .selectFrom("totp_factors")
        .select("encrypted_secret")
        .where("user_id", "=", user.id)
        .executeTakeFirstOrThrow();
      expect(row.encrypted_secret).toBe("v1.a.b.c");
      await database.db().deleteFrom("users").where("id", "=", user.id).execute();
      expect(await twoFactor.findTOTPFactor(user.id)).toBeNull();
      expect(await twoFactor.listUnusedBackupCodes(user.id)).toEqual([]);
    });

    it("keeps a completed MFA challenge until the prune after its token expired, and deleting the user removes it", async () => {
      const users = database.storage().users;
      const twoFactor = database.storage().twoFactor;
      const { at, makeUser, t0, testId } = await import("@superoauth/application/testing");
      const user = makeUser();
      await users.insertUser(user);
      const expired = testId();
      const live = testId();
      await twoFactor.completeMFAChallenge({
        challengeId: expired,
        userId: user.id,
        expiresAt: at(1000),
        now: t0,
      });
      await twoFactor.completeMFAChallenge({
        challengeId: live,
        userId: user.id,
        expiresAt: at(600_000),
        now: t0,
      });
      await database.storage().prune({
        now: at(2000),
        loginFailureWindowMs: 60_000,
        knownSourceLifetimeMs: 60_000,
        refreshTokenTtlMs: 7 * 24 * 3600_000,
        sessionMaxAgeMs: 30 * 24 * 3600_000,
        securityLogRetentionMs: 365 * 24 * 3600_000,
      });
      const ids = async () =>
        (
          await database
            .db()
            .selectFrom("completed_mfa_challenges")
            .select("id")
            .where("user_id", "=", user.id)
            .execute()
        ).map((r) => r.id);
      expect(await ids()).not.toContain(expired);
      expect(await ids()).toContain(live);
      await database.db().deleteFrom("users").where("id", "=", user.id).execute();
      expect(await ids()).toEqual([]);
    });
  });
}
