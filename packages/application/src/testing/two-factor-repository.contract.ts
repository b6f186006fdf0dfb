import type { BackupCode, UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { TwoFactorRepository, UserRepository } from "../ports/index.ts";
import { at, makeUser, t0, testId } from "./fixtures.ts";

/** The behaviour every TwoFactorRepository must have, including the atomic single-use rules. */
export function twoFactorRepositoryContract(
  name: string,
  makeStores: () => Promise<{ twoFactor: TwoFactorRepository; users: UserRepository }>,
): void {
  async function withUser() {
    const stores = await makeStores();
    const user = makeUser();
    await stores.users.insertUser(user);
    return { ...stores, userId: user.id };
  }
  const codes = (userId: UserId, count = 3): BackupCode[] =>
    Array.from({ length: count }, (_, index) => ({
      id: testId(),
      userId,
      lookupId: `l${index}`,
      codeHash: `hash-${testId()}`,
      usedAt: null,
    }));

  async function withEnabledFactor() {
    const stores = await withUser();
    await stores.twoFactor.savePendingTOTPFactor({
      userId: stores.userId,
      encryptedSecret: "sealed-1",
      now: t0,
    });
    const backupCodes = codes(stores.userId);
    await stores.twoFactor.enableTOTPFactor({
      userId: stores.userId,
      confirmedSecret: "sealed-1",
      usedStep: 100,
      backupCodes,
      now: at(1000),
    });
    return { ...stores, backupCodes };
  }

  describe(`TwoFactorRepository contract: ${name}`, () => {
    it("stores a pending factor and replaces it while it is pending", async () => {
      const { twoFactor, userId } = await withUser();
      expect(await twoFactor.findTOTPFactor(userId)).toBeNull();
      expect(await twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: "sealed-1", now: t0 })).toBe(
        "saved",
      );
      expect(await twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: "sealed-2", now: at(5) })).toBe(
        "saved",
      );
      expect(await twoFactor.findTOTPFactor(userId)).toEqual({
        userId,
        encryptedSecret: "sealed-2",
        status: "pending",
        lastUsedStep: null,
        createdAt: at(5),
        enabledAt: null,
      });
      expect(await twoFactor.findTwoFactorStatus(userId)).toEqual({
        enabled: false,
        backupCodesRemaining: 0,
      });
    });

    it("with `over`, saves only over the state read (the pending secret, or none), else answers changed and writes nothing", async () => {
      const { twoFactor, userId } = await withUser();
      const save = (encryptedSecret: string, over: string | null) =>
        twoFactor.savePendingTOTPFactor({ userId, encryptedSecret, now: at(encryptedSecret.length), over });
      expect(await save("sealed-a", "sealed-none")).toBe("changed");
      expect(await twoFactor.findTOTPFactor(userId)).toBeNull();
      expect(await save("sealed-a", null)).toBe("saved");
      expect(await save("sealed-b", null)).toBe("changed");
      expect(await save("sealed-b", "sealed-stale")).toBe("changed");
      expect(await twoFactor.findTOTPFactor(userId)).toMatchObject({ encryptedSecret: "sealed-a" });
      expect(await save("sealed-bb", "sealed-a")).toBe("saved");
      expect(await twoFactor.findTOTPFactor(userId)).toMatchObject({
        encryptedSecret: "sealed-bb",
        status: "pending",
        createdAt: at(9),
      });
      await twoFactor.enableTOTPFactor({
        userId,
        confirmedSecret: "sealed-bb",
        usedStep: 1,
        backupCodes: [],
        now: at(10),
      });
      expect(await save("sealed-c", "sealed-bb")).toBe("already-enabled");
      expect(await save("sealed-c", null)).toBe("already-enabled");
    });

    it("of saves at once over one state, exactly one is saved: the one stored", async () => {
      const { twoFactor, userId } = await withUser();
      for (const over of [null, "sealed-0"]) {
        const secrets = Array.from({ length: 6 }, (_, index) => `sealed-${over === null ? "" : "r"}${index}`);
        if (over !== null) {
          await twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: over, now: t0 });
        }
        const answers = await Promise.all(
          secrets.map((encryptedSecret) =>
            twoFactor.savePendingTOTPFactor({ userId, encryptedSecret, now: at(1), over }),
          ),
        );
        expect(answers.filter((answer) => answer === "saved")).toHaveLength(1);
        expect(answers.filter((answer) => answer === "changed")).toHaveLength(5);
        const stored = await twoFactor.findTOTPFactor(userId);
        expect(stored?.encryptedSecret).toBe(secrets[answers.indexOf("saved")]);
      }
    });

    it("enables a pending factor once, with its used step and backup codes", async () => {
      const { twoFactor, userId, backupCodes } = await withEnabledFactor();
      expect(await twoFactor.findTOTPFactor(userId)).toMatchObject({
        status: "enabled",
        lastUsedStep: 100,
        enabledAt: at(1000),
      });
      expect(
        await twoFactor.enableTOTPFactor({
          userId,
          confirmedSecret: "sealed-1",
          usedStep: 101,
          backupCodes: [],
          now: at(2000),
        }),
      ).toBe("not-pending");
      const stored = await twoFactor.listUnusedBackupCodes(userId);
      expect(stored.map((c) => c.id).sort()).toEqual(backupCodes.map((c) => c.id).sort());
      expect(await twoFactor.findTwoFactorStatus(userId)).toEqual({ enabled: true, backupCodesRemaining: 3 });
    });

    it("never lets a new pending factor replace an enabled one", async () => {
      const { twoFactor, userId } = await withEnabledFactor();
      expect(await twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: "sealed-x", now: at(9) })).toBe(
        "already-enabled",
      );
      expect(await twoFactor.findTOTPFactor(userId)).toMatchObject({
        encryptedSecret: "sealed-1",
        status: "enabled",
      });
    });

    it("answers not-pending when enabling without a factor", async () => {
      const { twoFactor, userId } = await withUser();
      expect(
        await twoFactor.enableTOTPFactor({
          userId,
          confirmedSecret: "x",
          usedStep: 1,
          backupCodes: [],
          now: t0,
        }),
      ).toBe("not-pending");
    });

    it("never turns on a pending secret other than the one the code was checked against", async () => {
      const { twoFactor, userId } = await withUser();
      await twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: "sealed-old", now: t0 });
      // A second setup replaces the pending secret between the code check and the enable.
      await twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: "sealed-new", now: at(1) });
      expect(
        await twoFactor.enableTOTPFactor({
          userId,
          confirmedSecret: "sealed-old",
          usedStep: 1,
          backupCodes: [],
          now: at(2),
        }),
      ).toBe("secret-changed");
      expect(await twoFactor.findTOTPFactor(userId)).toMatchObject({
        status: "pending",
        encryptedSecret: "sealed-new",
      });
    });

    it("lists the factors' encrypted secrets in user-id order, a page at a time", async () => {
      const stores = await makeStores();
      const users = [makeUser(), makeUser(), makeUser()];
      for (const [index, user] of users.entries()) {
        await stores.users.insertUser(user);
        await stores.twoFactor.savePendingTOTPFactor({
          userId: user.id,
          encryptedSecret: `sealed-${index}`,
          now: t0,
        });
      }
      // Other tests' factors may share the store: walk it all, a page of two at a time.
      const seen: { userId: UserId; encryptedSecret: string }[] = [];
      let after: UserId | null = null;
      for (;;) {
        const page = await stores.twoFactor.listTOTPSecrets({ afterUserId: after, limit: 2 });
        expect(page.length).toBeLessThanOrEqual(2);
        seen.push(...page);
        const last = page.at(-1);
        if (last === undefined) break;
        after = last.userId;
      }
      const ids = seen.map((entry) => entry.userId);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(ids.length);
      for (const [index, user] of users.entries()) {
        expect(seen).toContainEqual({ userId: user.id, encryptedSecret: `sealed-${index}` });
      }
    });

    it("replaces an encrypted secret only while it is the one read, keeping the factor as it was", async () => {
      const { twoFactor, userId } = await withEnabledFactor();
      const before = await twoFactor.findTOTPFactor(userId);
      expect(await twoFactor.replaceTOTPSecret({ userId, from: "sealed-other", to: "sealed-2" })).toBe(false);
      expect(await twoFactor.replaceTOTPSecret({ userId, from: "sealed-1", to: "sealed-2" })).toBe(true);
      expect(await twoFactor.findTOTPFactor(userId)).toEqual({ ...before, encryptedSecret: "sealed-2" });
      expect(await twoFactor.replaceTOTPSecret({ userId, from: "sealed-1", to: "sealed-3" })).toBe(false);
      await twoFactor.deleteTwoFactor(userId);
      expect(await twoFactor.replaceTOTPSecret({ userId, from: "sealed-2", to: "sealed-3" })).toBe(false);
    });

    it("accepts each time step once and never an older one", async () => {
      const { twoFactor, userId } = await withEnabledFactor();
      expect(await twoFactor.useTOTPStep({ userId, step: 100 })).toBe(false);
      expect(await twoFactor.useTOTPStep({ userId, step: 99 })).toBe(false);
      expect(await twoFactor.useTOTPStep({ userId, step: 101 })).toBe(true);
      expect(await twoFactor.useTOTPStep({ userId, step: 101 })).toBe(false);
      expect(await twoFactor.findTOTPFactor(userId)).toMatchObject({ lastUsedStep: 101 });
    });

    it("accepts no time step of a factor still pending (or of none)", async () => {
      const { twoFactor, userId } = await withUser();
      expect(await twoFactor.useTOTPStep({ userId, step: 100 })).toBe(false);
      await twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: "sealed-1", now: t0 });
      expect(await twoFactor.useTOTPStep({ userId, step: 100 })).toBe(false);
      expect(await twoFactor.findTOTPFactor(userId)).toMatchObject({ status: "pending", lastUsedStep: null });
    });

    it("lets exactly one of many concurrent uses of one time step win", async () => {
      const { twoFactor, userId } = await withEnabledFactor();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => twoFactor.useTOTPStep({ userId, step: 102 })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("uses a backup code once, even when ten requests race for it", async () => {
      const { twoFactor, userId, backupCodes } = await withEnabledFactor();
      const id = backupCodes[0]?.id ?? "";
      const results = await Promise.all(
        Array.from({ length: 10 }, () => twoFactor.useBackupCode({ id, now: at(3000) })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await twoFactor.listUnusedBackupCodes(userId)).map((c) => c.id)).not.toContain(id);
      expect(await twoFactor.findTwoFactorStatus(userId)).toEqual({ enabled: true, backupCodesRemaining: 2 });
    });

    it("finds an unused backup code by its lookup id: not a used one, not another user's, and keeps codes without one", async () => {
      const { twoFactor, users, userId, backupCodes } = await withEnabledFactor();
      expect(await twoFactor.findUnusedBackupCode({ userId, lookupId: "l1" })).toEqual(backupCodes[1]);
      expect(await twoFactor.findUnusedBackupCode({ userId, lookupId: "zz" })).toBeNull();
      const other = makeUser();
      await users.insertUser(other);
      await twoFactor.savePendingTOTPFactor({ userId: other.id, encryptedSecret: "sealed-o", now: t0 });
      const otherCodes = codes(other.id);
      await twoFactor.enableTOTPFactor({
        userId: other.id,
        confirmedSecret: "sealed-o",
        usedStep: 100,
        backupCodes: otherCodes,
        now: at(1000),
      });
      expect(await twoFactor.findUnusedBackupCode({ userId: other.id, lookupId: "l1" })).toEqual(
        otherCodes[1],
      );
      await twoFactor.useBackupCode({ id: backupCodes[1]?.id ?? "", now: at(3000) });
      expect(await twoFactor.findUnusedBackupCode({ userId, lookupId: "l1" })).toBeNull();
      // Codes issued before lookup ids are stored without one, side by side with new ones.
      const legacy: BackupCode = {
        id: testId(),
        userId,
        lookupId: null,
        codeHash: "hash-legacy",
        usedAt: null,
      };
      const fresh = codes(userId, 2);
      await twoFactor.replaceBackupCodes({ userId, backupCodes: [legacy, ...fresh] });
      expect((await twoFactor.listUnusedBackupCodes(userId)).find((c) => c.id === legacy.id)).toEqual(legacy);
      expect(await twoFactor.findUnusedBackupCode({ userId, lookupId: "l0" })).toEqual(fresh[0]);
    });

    it("replaces every backup code, used or not", async () => {
      const { twoFactor, userId, backupCodes } = await withEnabledFactor();
      await twoFactor.useBackupCode({ id: backupCodes[1]?.id ?? "", now: at(3000) });
      const fresh = codes(userId, 10);
      await twoFactor.replaceBackupCodes({ userId, backupCodes: fresh });
      const stored = await twoFactor.listUnusedBackupCodes(userId);
      expect(stored.map((c) => c.id).sort()).toEqual(fresh.map((c) => c.id).sort());
      expect(stored.find((c) => c.id === fresh[0]?.id)).toEqual(fresh[0]);
      expect(await twoFactor.useBackupCode({ id: backupCodes[0]?.id ?? "", now: at(4000) })).toBe(false);
    });

    it("replaces no backup codes once the factor is gone, or while it is only pending", async () => {
      const { twoFactor, userId } = await withEnabledFactor();
      await twoFactor.deleteTwoFactor(userId);
      expect(await twoFactor.replaceBackupCodes({ userId, backupCodes: codes(userId, 10) })).toBe(
        "not-enabled",
      );
      expect(await twoFactor.listUnusedBackupCodes(userId)).toEqual([]);
      await twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: "sealed-2", now: at(5000) });
      expect(await twoFactor.replaceBackupCodes({ userId, backupCodes: codes(userId, 10) })).toBe(
        "not-enabled",
      );
      expect(await twoFactor.listUnusedBackupCodes(userId)).toEqual([]);
    });

    it("of a renewal of the backup codes and the factor's removal at once, no code outlives the factor", async () => {
      for (let round = 0; round < 10; round++) {
        const { twoFactor, userId } = await withEnabledFactor();
        const [renewal] = await Promise.all([
          twoFactor.replaceBackupCodes({ userId, backupCodes: codes(userId, 10) }),
          twoFactor.deleteTwoFactor(userId),
        ]);
        expect(["replaced", "not-enabled"]).toContain(renewal);
        expect(await twoFactor.findTOTPFactor(userId)).toBeNull();
        expect(await twoFactor.listUnusedBackupCodes(userId)).toEqual([]);
      }
    });

    it("completes an MFA challenge once; another challenge is its own", async () => {
      const { twoFactor, userId } = await withEnabledFactor();
      const challenge = { challengeId: testId(), userId, expiresAt: at(300_000), now: t0 };
      expect(await twoFactor.completeMFAChallenge(challenge)).toBe(true);
      expect(await twoFactor.completeMFAChallenge({ ...challenge, now: at(1000) })).toBe(false);
      expect(await twoFactor.completeMFAChallenge({ ...challenge, challengeId: testId() })).toBe(true);
    });

    it("answers whether an MFA challenge was completed, and only that one", async () => {
      const { twoFactor, userId } = await withEnabledFactor();
      const challenge = { challengeId: testId(), userId, expiresAt: at(300_000), now: t0 };
      expect(await twoFactor.isMFAChallengeCompleted(challenge)).toBe(false);
      await twoFactor.completeMFAChallenge(challenge);
      expect(await twoFactor.isMFAChallengeCompleted(challenge)).toBe(true);
      expect(await twoFactor.isMFAChallengeCompleted({ challengeId: testId() })).toBe(false);
    });

    it("lets exactly one of many concurrent completions of one MFA challenge win", async () => {
      const { twoFactor, userId } = await withEnabledFactor();
      const challenge = { challengeId: testId(), userId, expiresAt: at(300_000), now: t0 };
      const results = await Promise.all(
        Array.from({ length: 10 }, () => twoFactor.completeMFAChallenge(challenge)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("still refuses a completed MFA challenge while its token is valid, after forgetting expired ones", async () => {
      const { twoFactor, userId } = await withEnabledFactor();
      const lasting = { challengeId: testId(), userId, expiresAt: at(600_000), now: t0 };
      await twoFactor.completeMFAChallenge(lasting);
      await twoFactor.completeMFAChallenge({ challengeId: testId(), userId, expiresAt: at(1000), now: t0 });
      // Completing another challenge later forgets the expired record, never the live one.
      expect(
        await twoFactor.completeMFAChallenge({
          challengeId: testId(),
          userId,
          expiresAt: at(900_000),
          now: at(500_000),
        }),
      ).toBe(true);
      expect(await twoFactor.completeMFAChallenge({ ...lasting, now: at(500_001) })).toBe(false);
    });

    it("answers whether it removed an enabled factor: not for a pending one, none, or a second time", async () => {
      const { twoFactor, userId } = await withEnabledFactor();
      expect(await twoFactor.deleteTwoFactor(userId)).toBe(true);
      expect(await twoFactor.deleteTwoFactor(userId)).toBe(false);
      await twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: "sealed-p", now: at(2000) });
      expect(await twoFactor.deleteTwoFactor(userId)).toBe(false);
      // The pending one went too.
      expect(await twoFactor.findTOTPFactor(userId)).toBeNull();
    });

    it("of concurrent removals of an enabled factor exactly one answers that it removed it", async () => {
      const { twoFactor, userId } = await withEnabledFactor();
      const answers = await Promise.all(Array.from({ length: 6 }, () => twoFactor.deleteTwoFactor(userId)));
      expect(answers.filter(Boolean)).toHaveLength(1);
      expect(await twoFactor.findTwoFactorStatus(userId)).toEqual({
        enabled: false,
        backupCodesRemaining: 0,
      });
    });

    it("deletes the factor and the codes, and keeps other users' apart", async () => {
      const { twoFactor, users, userId } = await withEnabledFactor();
      const other = makeUser();
      await users.insertUser(other);
      await twoFactor.savePendingTOTPFactor({ userId: other.id, encryptedSecret: "sealed-o", now: t0 });
      expect(await twoFactor.deleteTwoFactor(userId)).toBe(true);
      expect(await twoFactor.findTOTPFactor(userId)).toBeNull();
      expect(await twoFactor.listUnusedBackupCodes(userId)).toEqual([]);
      expect(await twoFactor.findTwoFactorStatus(userId)).toEqual({
        enabled: false,
        backupCodesRemaining: 0,
      });
      expect(await twoFactor.findTOTPFactor(other.id)).toMatchObject({ encryptedSecret: "sealed-o" });
    });
  });
}
