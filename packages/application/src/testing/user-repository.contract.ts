import type { Email, Nickname, UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { UserRepository } from "../ports/index.ts";
import { at, makeUser, testId } from "./fixtures.ts";

/**
 * The behaviour every UserRepository must have. Run it against each
 * implementation: `userRepositoryContract("mysql", () => createRepo())`.
 */
export function userRepositoryContract(name: string, makeRepository: () => Promise<UserRepository>): void {
  describe(`UserRepository contract: ${name}`, () => {
    it("returns an inserted user by id and by email, field for field", async () => {
      const users = await makeRepository();
      const user = makeUser({ emailVerified: true, passwordHash: null });
      expect(await users.insertUser(user)).toEqual({ ok: true, value: undefined });
      expect(await users.findUserById(user.id)).toEqual(user);
      expect(await users.findUserByEmail(user.email)).toEqual(user);
    });

    it("finds the users of many ids at once, leaving out the unknown ones and repeats", async () => {
      const users = await makeRepository();
      const [first, second] = [makeUser(), makeUser({ emailVerified: true })];
      for (const user of [first, second]) await users.insertUser(user);
      const unknown = "00000000-0000-7000-8000-0000000000fe" as UserId;
      const found = await users.findUsersByIds([second.id, unknown, first.id, second.id]);
      expect([...found].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
        [first, second].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      expect(await users.findUsersByIds([])).toEqual([]);
    });

    it("answers null for an unknown id or email", async () => {
      const users = await makeRepository();
      expect(await users.findUserById("00000000-0000-7000-8000-0000000000ff" as UserId)).toBeNull();
      expect(await users.findUserByEmail("nobody@example.com" as Email)).toBeNull();
    });

    it("refuses a second user with the same email with USER_EXISTS", async () => {
      const users = await makeRepository();
      const first = makeUser();
      await users.insertUser(first);
      const second = makeUser({ email: first.email });
      const result = await users.insertUser(second);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toBe("USER_EXISTS");
      expect(await users.findUserById(second.id)).toBeNull();
    });

    it("keeps emails that differ only by case or accents apart only if they differ after normalisation", async () => {
      const users = await makeRepository();
      const plain = makeUser({ email: "rene@example.com" as Email });
      const accented = makeUser({ email: "rené@example.com" as Email });
      expect((await users.insertUser(plain)).ok).toBe(true);
      // A binary collation treats the accented address as a different login, as normalisation intends.
      expect((await users.insertUser(accented)).ok).toBe(true);
      expect((await users.findUserByEmail("rene@example.com" as Email))?.id).toBe(plain.id);
      expect((await users.findUserByEmail("rené@example.com" as Email))?.id).toBe(accented.id);
      expect(await users.findUserByEmail("RENE@example.com" as Email)).toBeNull();
    });

    it("exactly one of many concurrent inserts of one email succeeds", async () => {
      const users = await makeRepository();
      const email = makeUser().email;
      const results = await Promise.all(
        Array.from({ length: 10 }, () => users.insertUser(makeUser({ email }))),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.error === "USER_EXISTS")).toHaveLength(9);
    });

    it("updates the password hash and the update time", async () => {
      const users = await makeRepository();
      const user = makeUser();
      await users.insertUser(user);
      expect(
        await users.updatePasswordHash({ userId: user.id, passwordHash: "new-hash", now: at(60_000) }),
      ).toBe(true);
      const found = await users.findUserById(user.id);
      expect(found?.passwordHash).toBe("new-hash");
      expect(found?.updatedAt).toEqual(at(60_000));
    });

    it("sets a password hash only while the one in force is `ifCurrent`: of two changes from one hash exactly one applies", async () => {
      const users = await makeRepository();
      const user = makeUser({ passwordHash: "old-hash" });
      await users.insertUser(user);
      const results = await Promise.all(
        ["first", "second"].map((passwordHash) =>
          users.updatePasswordHash({ userId: user.id, passwordHash, now: at(1000), ifCurrent: "old-hash" }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? "first" : "second";
      expect((await users.findUserById(user.id))?.passwordHash).toBe(winner);
      // A first password: only while there is none.
      const passwordless = makeUser({ passwordHash: null });
      await users.insertUser(passwordless);
      const set = { userId: passwordless.id, passwordHash: "set", now: at(2000), ifCurrent: null };
      expect(await users.updatePasswordHash(set)).toBe(true);
      expect(await users.updatePasswordHash({ ...set, passwordHash: "again" })).toBe(false);
      expect((await users.findUserById(passwordless.id))?.passwordHash).toBe("set");
    });

    it("removes a password (a null hash), on an active account only", async () => {
      const users = await makeRepository();
      const user = makeUser({ passwordHash: "old-hash" });
      await users.insertUser(user);
      expect(await users.updatePasswordHash({ userId: user.id, passwordHash: null, now: at(1000) })).toBe(
        true,
      );
      expect(await users.findUserById(user.id)).toMatchObject({ passwordHash: null, updatedAt: at(1000) });
      const disabled = makeUser({ status: "disabled", passwordHash: "kept-hash" });
      await users.insertUser(disabled);
      expect(await users.updatePasswordHash({ userId: disabled.id, passwordHash: null, now: at(1000) })).toBe(
        false,
      );
      expect((await users.findUserById(disabled.id))?.passwordHash).toBe("kept-hash");
    });

    it("sets no password hash on a disabled or missing account", async () => {
      const users = await makeRepository();
      const disabled = makeUser({ status: "disabled", passwordHash: "old-hash" });
      await users.insertUser(disabled);
      expect(
        await users.updatePasswordHash({ userId: disabled.id, passwordHash: "new", now: at(1000) }),
      ).toBe(false);
      expect((await users.findUserById(disabled.id))?.passwordHash).toBe("old-hash");
      expect(
        await users.updatePasswordHash({ userId: makeUser().id, passwordHash: "new", now: at(1000) }),
      ).toBe(false);
    });

    it("marks an address verified, idempotently, and touches no other user", async () => {
      const users = await makeRepository();
      const user = makeUser({ emailVerified: false });
      const other = makeUser({ emailVerified: false });
      await users.insertUser(user);
      await users.insertUser(other);
      expect(await users.markEmailVerified({ userId: user.id, now: at(5000) })).toBe(true);
      expect(await users.markEmailVerified({ userId: user.id, now: at(6000) })).toBe(false);
      expect(await users.findUserById(user.id)).toMatchObject({ emailVerified: true, updatedAt: at(5000) });
      expect(await users.findUserById(other.id)).toMatchObject({ emailVerified: false });
      expect(await users.markEmailVerified({ userId: makeUser().id, now: at(7000) })).toBe(false);
    });

    it("of concurrent marks of one unverified address, exactly one answers that it changed it", async () => {
      const users = await makeRepository();
      const user = makeUser({ emailVerified: false });
      await users.insertUser(user);
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => users.markEmailVerified({ userId: user.id, now: at(i) })),
      );
      expect(answers.filter(Boolean)).toHaveLength(1);
      expect(await users.findUserById(user.id)).toMatchObject({ emailVerified: true });
    });

    it("updates the nickname and the update time, and touches no other user", async () => {
      const users = await makeRepository();
      const user = makeUser();
      const other = makeUser();
      await users.insertUser(user);
      await users.insertUser(other);
      await users.updateNickname({ userId: user.id, nickname: "Ada_L" as Nickname, now: at(7000) });
      expect(await users.findUserById(user.id)).toMatchObject({ nickname: "Ada_L", updatedAt: at(7000) });
      expect((await users.findUserById(other.id))?.nickname).toBe(other.nickname);
    });

    it("changes the address, verified, and finds the user by the new one only", async () => {
      const users = await makeRepository();
      const user = makeUser({ emailVerified: false });
      await users.insertUser(user);
      const email = "moved@example.com" as Email;
      expect(await users.changeEmail({ userId: user.id, email, now: at(8000) })).toEqual({
        ok: true,
        value: undefined,
      });
      expect(await users.findUserById(user.id)).toMatchObject({
        email,
        emailVerified: true,
        updatedAt: at(8000),
      });
      expect((await users.findUserByEmail(email))?.id).toBe(user.id);
      expect(await users.findUserByEmail(user.email)).toBeNull();
    });

    it("changes the address only while it is still ifCurrent (a compare-and-set), else USER_NOT_FOUND", async () => {
      const users = await makeRepository();
      const user = makeUser();
      await users.insertUser(user);
      const moved = `cas-${testId()}@example.com` as Email;
      expect(
        await users.changeEmail({
          userId: user.id,
          email: moved,
          now: at(1000),
          ifCurrent: "not@example.com" as Email,
        }),
      ).toMatchObject({ ok: false, error: "USER_NOT_FOUND" });
      expect((await users.findUserById(user.id))?.email).toBe(user.email);
      expect(
        await users.changeEmail({ userId: user.id, email: moved, now: at(2000), ifCurrent: user.email }),
      ).toEqual({
        ok: true,
        value: undefined,
      });
      expect((await users.findUserById(user.id))?.email).toBe(moved);
      expect(
        await users.changeEmail({
          userId: "00000000-0000-7000-8000-00000000dead" as UserId,
          email: "x@example.com" as Email,
          now: at(3000),
        }),
      ).toMatchObject({ ok: false, error: "USER_NOT_FOUND" });
    });

    it("refuses to change to another user's address with USER_EXISTS and changes nothing", async () => {
      const users = await makeRepository();
      const user = makeUser();
      const other = makeUser();
      await users.insertUser(user);
      await users.insertUser(other);
      const result = await users.changeEmail({ userId: user.id, email: other.email, now: at(9000) });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toBe("USER_EXISTS");
      expect((await users.findUserById(user.id))?.email).toBe(user.email);
    });

    it("of a change of address racing a registration of it, exactly one owns the address", async () => {
      const users = await makeRepository();
      const user = makeUser();
      await users.insertUser(user);
      const email = "contested@example.com" as Email;
      const [changed, inserted] = await Promise.all([
        users.changeEmail({ userId: user.id, email, now: at(1000) }),
        users.insertUser(makeUser({ email })),
      ]);
      expect([changed.ok, inserted.ok].filter(Boolean)).toHaveLength(1);
      const owner = await users.findUserByEmail(email);
      expect(owner?.id === user.id).toBe(changed.ok);
    });
  });
}
