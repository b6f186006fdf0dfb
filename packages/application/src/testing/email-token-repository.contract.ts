import {
  createEmailToken,
  type Email,
  type EmailToken,
  type EmailTokenId,
  requestedLinkAllowanceAt,
  type UserId,
} from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { EmailTokenRepository, UserRepository } from "../ports/index.ts";
import { at, makeUser, t0, testId } from "./fixtures.ts";

/**
 * The behaviour every EmailTokenRepository must have. Stores with foreign keys
 * need the user to exist, so the suite creates users through `users`.
 */
export function emailTokenRepositoryContract(
  name: string,
  makeRepositories: () => Promise<{ emailTokens: EmailTokenRepository; users: UserRepository }>,
): void {
  async function withUser() {
    const { emailTokens, users } = await makeRepositories();
    const user = makeUser();
    await users.insertUser(user);
    return { emailTokens, users, user };
  }

  function makeToken(userId: UserId, overrides: Partial<EmailToken> = {}): EmailToken {
    return {
      ...createEmailToken({
        id: testId() as EmailTokenId,
        userId,
        purpose: "reset_password",
        secretHash: `hash-${testId()}`,
        now: t0,
      }),
      ...overrides,
    };
  }

  describe(`EmailTokenRepository contract: ${name}`, () => {
    it("finds an inserted token, field for field", async () => {
      const { emailTokens, user } = await withUser();
      const verify = makeToken(user.id, { purpose: "verify_email", expiresAt: at(24 * 3600 * 1000) });
      const reset = makeToken(user.id);
      await emailTokens.issueEmailToken(verify);
      await emailTokens.issueEmailToken(reset);
      expect(await emailTokens.findEmailToken(verify.id)).toEqual(verify);
      expect(await emailTokens.findEmailToken(reset.id)).toEqual(reset);
    });

    it("keeps the new address of a change_email token, exactly as given", async () => {
      const { emailTokens, user } = await withUser();
      const change = makeToken(user.id, {
        purpose: "change_email",
        newEmail: "rené.new@example.com" as Email,
      });
      await emailTokens.issueEmailToken(change);
      expect(await emailTokens.findEmailToken(change.id)).toEqual(change);
    });

    it("finds the pending change of address: the newest usable change_email token's, none once used or expired", async () => {
      const { emailTokens, user } = await withUser();
      expect(await emailTokens.findPendingEmailChange({ userId: user.id, now: at(1000) })).toBeNull();
      const change = makeToken(user.id, {
        purpose: "change_email",
        newEmail: "ada.new@example.com" as Email,
        expiresAt: at(3_600_000),
      });
      await emailTokens.issueEmailToken(makeToken(user.id));
      await emailTokens.issueEmailToken(change);
      expect(await emailTokens.findPendingEmailChange({ userId: user.id, now: at(1000) })).toEqual({
        newEmail: "ada.new@example.com",
        expiresAt: at(3_600_000),
      });
      expect(await emailTokens.findPendingEmailChange({ userId: user.id, now: at(3_600_000) })).toBeNull();
      await emailTokens.useEmailToken({ id: change.id, now: at(2000) });
      expect(await emailTokens.findPendingEmailChange({ userId: user.id, now: at(3000) })).toBeNull();
    });

    it("counts the change links naming an address since an instant, whoever asked, used or not", async () => {
      const { emailTokens, users, user } = await withUser();
      const other = makeUser();
      await users.insertUser(other);
      const target = `target-${testId()}@example.com` as Email;
      const change = (userId: UserId, createdAt: Date, newEmail: Email = target) =>
        makeToken(userId, { purpose: "change_email", newEmail, createdAt, expiresAt: at(7_200_000) });
      const early = change(user.id, at(0));
      await emailTokens.issueEmailToken(early);
      await emailTokens.issueEmailToken(change(user.id, at(60_000)));
      await emailTokens.issueEmailToken(change(other.id, at(120_000)));
      await emailTokens.issueEmailToken(
        change(other.id, at(180_000), `other-${testId()}@example.com` as Email),
      );
      await emailTokens.useEmailToken({ id: early.id, now: at(90_000) });
      expect(await emailTokens.countChangeLinksTo({ newEmail: target, since: at(0) })).toBe(3);
      expect(await emailTokens.countChangeLinksTo({ newEmail: target, since: at(60_000) })).toBe(2);
      expect(await emailTokens.countChangeLinksTo({ newEmail: target, since: at(120_001) })).toBe(0);
    });

    it("answers null for an unknown token", async () => {
      const { emailTokens } = await makeRepositories();
      expect(
        await emailTokens.findEmailToken("00000000-0000-7000-8000-00000000abcd" as EmailTokenId),
      ).toBeNull();
    });

    it("uses a token once: the first use stamps it, the second changes nothing", async () => {
      const { emailTokens, user } = await withUser();
      const token = makeToken(user.id);
      await emailTokens.issueEmailToken(token);
      expect(await emailTokens.useEmailToken({ id: token.id, now: at(1000) })).toBe("used");
      expect(await emailTokens.useEmailToken({ id: token.id, now: at(2000) })).toBe("already-used");
      expect((await emailTokens.findEmailToken(token.id))?.usedAt).toEqual(at(1000));
    });

    it("ends the user's unused tokens of the purposes named in the same step, and no other user's", async () => {
      const { emailTokens, users, user } = await withUser();
      const other = makeUser();
      await users.insertUser(other);
      const reset = makeToken(user.id);
      const change = makeToken(user.id, { purpose: "change_email", newEmail: "n@example.com" as Email });
      const verify = makeToken(user.id, { purpose: "verify_email" });
      const othersChange = makeToken(other.id, {
        purpose: "change_email",
        newEmail: "o@example.com" as Email,
      });
      for (const token of [reset, change, verify, othersChange]) await emailTokens.issueEmailToken(token);
      const ending = { userId: user.id, purposes: ["change_email"] as const };
      expect(await emailTokens.useEmailToken({ id: reset.id, now: at(1000), ending })).toBe("used");
      expect((await emailTokens.findEmailToken(change.id))?.usedAt).toEqual(at(1000));
      expect((await emailTokens.findEmailToken(verify.id))?.usedAt).toBeNull();
      expect((await emailTokens.findEmailToken(othersChange.id))?.usedAt).toBeNull();
    });

    it("of a reset's use and a change's confirmation ending each other's purposes at once, exactly one is used", async () => {
      for (let round = 0; round < 10; round++) {
        const { emailTokens, user } = await withUser();
        const reset = makeToken(user.id);
        const change = makeToken(user.id, { purpose: "change_email", newEmail: "n@example.com" as Email });
        await emailTokens.issueEmailToken(reset);
        await emailTokens.issueEmailToken(change);
        const outcomes = await Promise.all([
          emailTokens.useEmailToken({
            id: reset.id,
            now: at(1000),
            ending: { userId: user.id, purposes: ["change_email"] },
          }),
          emailTokens.useEmailToken({
            id: change.id,
            now: at(1000),
            ending: { userId: user.id, purposes: ["reset_password"] },
          }),
        ]);
        expect([...outcomes].sort()).toEqual(["already-used", "used"]);
      }
    });

    it("answers already-used for an unknown token", async () => {
      const { emailTokens } = await makeRepositories();
      expect(
        await emailTokens.useEmailToken({
          id: "00000000-0000-7000-8000-00000000abcd" as EmailTokenId,
          now: t0,
        }),
      ).toBe("already-used");
    });

    it("of concurrent uses of one token exactly one wins", async () => {
      const { emailTokens, user } = await withUser();
      const token = makeToken(user.id);
      await emailTokens.issueEmailToken(token);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) => emailTokens.useEmailToken({ id: token.id, now: at(i) })),
      );
      expect(outcomes.filter((o) => o === "used")).toHaveLength(1);
    });

    it("uses every unused token of one user and purpose, and no other", async () => {
      const { emailTokens, users, user } = await withUser();
      const unused = makeToken(user.id);
      const otherPurpose = makeToken(user.id, { purpose: "verify_email" });
      const stranger = makeUser();
      await users.insertUser(stranger);
      const theirs = makeToken(stranger.id);
      for (const token of [unused, otherPurpose, theirs]) await emailTokens.issueEmailToken(token);
      await emailTokens.useEmailToken({ id: otherPurpose.id, now: at(500) });

      await emailTokens.useAllEmailTokensOfUser({
        userId: user.id,
        purpose: "reset_password",
        now: at(3000),
      });

      expect((await emailTokens.findEmailToken(unused.id))?.usedAt).toEqual(at(3000));
      expect((await emailTokens.findEmailToken(otherPurpose.id))?.usedAt).toEqual(at(500));
      expect((await emailTokens.findEmailToken(theirs.id))?.usedAt).toBeNull();
    });

    it("deletes every token of one user and purpose, used or not, and no other", async () => {
      const { emailTokens, users, user } = await withUser();
      const unused = makeToken(user.id, { purpose: "verify_email" });
      const used = makeToken(user.id, { purpose: "verify_email" });
      const otherPurpose = makeToken(user.id);
      const stranger = makeUser();
      await users.insertUser(stranger);
      const theirs = makeToken(stranger.id, { purpose: "verify_email" });
      for (const token of [used, unused, otherPurpose, theirs]) await emailTokens.issueEmailToken(token);
      await emailTokens.useEmailToken({ id: used.id, now: at(500) });

      await emailTokens.deleteEmailTokensOfUser({ userId: user.id, purpose: "verify_email" });

      expect(await emailTokens.findEmailToken(unused.id)).toBeNull();
      expect(await emailTokens.findEmailToken(used.id)).toBeNull();
      expect(await emailTokens.findEmailToken(otherPurpose.id)).not.toBeNull();
      expect(await emailTokens.findEmailToken(theirs.id)).not.toBeNull();
    });

    it("issuing a token supersedes the unused older ones of its user and purpose, and no other", async () => {
      const { emailTokens, users, user } = await withUser();
      const older = makeToken(user.id);
      const alreadyUsed = makeToken(user.id);
      const otherPurpose = makeToken(user.id, { purpose: "verify_email" });
      const stranger = makeUser();
      await users.insertUser(stranger);
      const theirs = makeToken(stranger.id);
      await emailTokens.issueEmailToken(alreadyUsed);
      await emailTokens.useEmailToken({ id: alreadyUsed.id, now: at(100) });
      for (const token of [older, otherPurpose, theirs]) await emailTokens.issueEmailToken(token);

      const newer = makeToken(user.id, { createdAt: at(2000), expiresAt: at(3600_000 + 2000) });
      await emailTokens.issueEmailToken(newer);

      expect((await emailTokens.findEmailToken(older.id))?.usedAt).toEqual(at(2000));
      expect((await emailTokens.findEmailToken(alreadyUsed.id))?.usedAt).toEqual(at(100));
      expect(await emailTokens.findEmailToken(newer.id)).toEqual(newer);
      expect((await emailTokens.findEmailToken(otherPurpose.id))?.usedAt).toBeNull();
      expect((await emailTokens.findEmailToken(theirs.id))?.usedAt).toBeNull();
    });

    it("issuing an undo link for a left address keeps the older undo links usable: each gives back another address", async () => {
      const { emailTokens, user } = await withUser();
      const undo = (address: string, ms: number) =>
        makeToken(user.id, {
          purpose: "undo_email_change",
          newEmail: address as Email,
          createdAt: at(ms),
          expiresAt: at(ms + 7 * 24 * 3600_000),
        });
      const first = undo("ada@example.com", 0);
      const second = undo("thief-1@example.net", 1000);
      await emailTokens.issueEmailToken(first);
      await emailTokens.issueEmailToken(second);
      expect(await emailTokens.findEmailToken(first.id)).toEqual(first);
      expect(await emailTokens.findEmailToken(second.id)).toEqual(second);
    });

    it("of concurrent issues for one user and purpose exactly one token stays usable", async () => {
      const { emailTokens, user } = await withUser();
      const tokens = Array.from({ length: 10 }, () => makeToken(user.id));
      await Promise.all(tokens.map((token) => emailTokens.issueEmailToken(token)));
      const stored = await Promise.all(tokens.map((token) => emailTokens.findEmailToken(token.id)));
      expect(stored.filter((token) => token !== null && token.usedAt === null)).toHaveLength(1);
    });

    it("issues within an allowance: counts the user's tokens of the purpose since an instant, used or not, and writes nothing past it", async () => {
      const { emailTokens, users, user } = await withUser();
      const stranger = makeUser();
      await users.insertUser(stranger);
      for (const token of [
        makeToken(user.id, { createdAt: at(-1) }),
        makeToken(user.id, { createdAt: at(0) }),
        makeToken(user.id, { createdAt: at(1000), usedAt: at(1500) }),
        makeToken(user.id, { createdAt: at(2000), purpose: "verify_email" }),
        makeToken(stranger.id, { createdAt: at(2000) }),
      ]) {
        await emailTokens.issueEmailToken(token);
      }
      const allowance = { since: t0, max: 3 };
      // Two reset tokens since t0 (not the one before it, not the other purpose, not the stranger's).
      const third = makeToken(user.id, { createdAt: at(3000) });
      expect(await emailTokens.issueEmailToken(third, allowance)).toBe("issued");
      const fourth = makeToken(user.id, { createdAt: at(4000) });
      expect(await emailTokens.issueEmailToken(fourth, allowance)).toBe("allowance-spent");
      expect(await emailTokens.findEmailToken(fourth.id)).toBeNull();
      // The spent issue superseded nothing: the third is still usable.
      expect((await emailTokens.findEmailToken(third.id))?.usedAt).toBeNull();
      // Another purpose, and another user, have their own.
      const verify = makeToken(user.id, { createdAt: at(4000), purpose: "verify_email" });
      expect(await emailTokens.issueEmailToken(verify, allowance)).toBe("issued");
      const strangers = makeToken(stranger.id, { createdAt: at(4000) });
      expect(await emailTokens.issueEmailToken(strangers, allowance)).toBe("issued");
    });

    it("of twenty issues at once under an allowance of three, exactly three are written", async () => {
      const { emailTokens, user } = await withUser();
      const tokens = Array.from({ length: 20 }, (_, i) => makeToken(user.id, { createdAt: at(i) }));
      const outcomes = await Promise.all(
        tokens.map((token) => emailTokens.issueEmailToken(token, { since: t0, max: 3 })),
      );
      expect(outcomes.filter((outcome) => outcome === "issued")).toHaveLength(3);
      const stored = await Promise.all(tokens.map((token) => emailTokens.findEmailToken(token.id)));
      expect(stored.filter((token) => token !== null)).toHaveLength(3);
    });

    it("with repeatSince, writes nothing while a token of the purpose issued since then is unused: the earlier one stays the one that works", async () => {
      const { emailTokens, user } = await withUser();
      const issue = (ms: number, purpose: EmailToken["purpose"] = "reset_password") => {
        const token = makeToken(user.id, { createdAt: at(ms), purpose });
        return { token, outcome: emailTokens.issueEmailToken(token, requestedLinkAllowanceAt(at(ms))) };
      };
      const first = issue(0);
      expect(await first.outcome).toBe("issued");
      // 59.999 s later: a repeat. Nothing written, and the first is not superseded.
      const repeat = issue(59_999);
      expect(await repeat.outcome).toBe("recently-issued");
      expect(await emailTokens.findEmailToken(repeat.token.id)).toBeNull();
      expect((await emailTokens.findEmailToken(first.token.id))?.usedAt).toBeNull();
      // Another purpose has its own.
      expect(await issue(59_999, "verify_email").outcome).toBe("issued");
      // A minute on: a new one, superseding the first.
      const later = issue(60_000);
      expect(await later.outcome).toBe("issued");
      expect((await emailTokens.findEmailToken(first.token.id))?.usedAt).toEqual(at(60_000));
      // Once used, the next is issued at once.
      await emailTokens.useEmailToken({ id: later.token.id, now: at(60_500) });
      expect(await issue(61_000).outcome).toBe("issued");
    });

    it("with repeatSince, a change of address repeats only for the same new address, and a repeat is told before a spent allowance", async () => {
      const { emailTokens, user } = await withUser();
      const change = (ms: number, newEmail: string) => {
        const token = makeToken(user.id, {
          createdAt: at(ms),
          purpose: "change_email",
          newEmail: newEmail as Email,
        });
        return { token, outcome: emailTokens.issueEmailToken(token, requestedLinkAllowanceAt(at(ms))) };
      };
      const first = change(0, "new@example.com");
      expect(await first.outcome).toBe("issued");
      expect(await change(1_000, "new@example.com").outcome).toBe("recently-issued");
      // Another address is another request: issued, superseding the first.
      const other = change(2_000, "other@example.com");
      expect(await other.outcome).toBe("issued");
      expect((await emailTokens.findEmailToken(first.token.id))?.usedAt).toEqual(at(2_000));
      // The third of the hour, then its double tap: a repeat, not a spent allowance.
      expect(await change(3_000, "third@example.com").outcome).toBe("issued");
      expect(await change(4_000, "third@example.com").outcome).toBe("recently-issued");
      expect(await change(5_000, "fourth@example.com").outcome).toBe("allowance-spent");
    });

    it("of ten issues at once with repeatSince, exactly one is written, and it is usable", async () => {
      const { emailTokens, user } = await withUser();
      const tokens = Array.from({ length: 10 }, (_, i) => makeToken(user.id, { createdAt: at(i) }));
      const outcomes = await Promise.all(
        tokens.map((token) => emailTokens.issueEmailToken(token, requestedLinkAllowanceAt(token.createdAt))),
      );
      expect(outcomes.filter((outcome) => outcome === "issued")).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === "recently-issued")).toHaveLength(9);
      const stored = await Promise.all(tokens.map((token) => emailTokens.findEmailToken(token.id)));
      expect(stored.filter((token) => token !== null && token.usedAt === null)).toHaveLength(1);
      expect(stored.filter((token) => token !== null)).toHaveLength(1);
    });
  });
}
