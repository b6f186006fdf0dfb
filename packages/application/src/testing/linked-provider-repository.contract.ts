import {
  checkMayUnlinkProvider,
  type Email,
  err,
  type LinkedProvider,
  type OAuthProviderId,
  ok,
  type UserId,
} from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { DeletedMeanwhileError } from "../deleted-meanwhile-error.ts";
import type {
  LinkedProviderRepository,
  LinkHolder,
  SessionRepository,
  SignInMethods,
  UserRepository,
} from "../ports/index.ts";
import { at, makeRefreshToken, makeSession, makeUser, testId } from "./fixtures.ts";

/**
 * The behaviour every LinkedProviderRepository must have. Stores with foreign
 * keys need the user to exist, so the suite creates users through `users`.
 */
export function linkedProviderRepositoryContract(
  name: string,
  makeRepositories: () => Promise<{
    links: LinkedProviderRepository;
    users: UserRepository;
    /** The store a guarded link reads its session from. */
    sessions: SessionRepository;
  }>,
): void {
  async function withUser() {
    const { links, users, sessions } = await makeRepositories();
    const user = makeUser({ passwordHash: null });
    await users.insertUser(user);
    return { links, users, sessions, userId: user.id };
  }

  /** A second user, in the same store as the first. */
  async function anotherUser(users: UserRepository): Promise<UserId> {
    const user = makeUser({ passwordHash: null });
    await users.insertUser(user);
    return user.id;
  }

  function link(userId: UserId, overrides: Partial<LinkedProvider> = {}): LinkedProvider {
    return {
      userId,
      provider: "github",
      subject: `subject-${testId()}`,
      email: "ada@example.com" as Email,
      displayName: "Ada Lovelace",
      linkedAt: at(0),
      ...overrides,
    };
  }

  describe(`LinkedProviderRepository contract: ${name}`, () => {
    it("finds a link by provider and subject, field for field", async () => {
      const { links, userId } = await withUser();
      const github = link(userId, { email: null, displayName: null });
      expect(await links.linkProvider(github)).toEqual({ ok: true, value: undefined });
      expect(await links.findLinkedProvider({ provider: "github", subject: github.subject })).toEqual(github);
      expect(await links.findLinkedProvider({ provider: "google", subject: github.subject })).toBeNull();
      expect(await links.findLinkedProvider({ provider: "github", subject: "unknown" })).toBeNull();
    });

    it("compares subjects exactly: case matters", async () => {
      const { links, users, userId } = await withUser();
      const other = await anotherUser(users);
      await links.linkProvider(link(userId, { subject: "AbC" }));
      expect(await links.findLinkedProvider({ provider: "github", subject: "abc" })).toBeNull();
      expect((await links.linkProvider(link(other, { subject: "abc" }))).ok).toBe(true);
    });

    it("refuses an identity already linked to another user with PROVIDER_ALREADY_LINKED", async () => {
      const { links, users, userId } = await withUser();
      const stranger = makeUser();
      await users.insertUser(stranger);
      const first = link(userId);
      await links.linkProvider(first);
      const result = await links.linkProvider(link(stranger.id, { subject: first.subject }));
      expect(result).toMatchObject({ ok: false, error: "PROVIDER_ALREADY_LINKED" });
      expect((await links.findLinkedProvider({ provider: "github", subject: first.subject }))?.userId).toBe(
        userId,
      );
    });

    it("refuses a second identity of the same provider for one user", async () => {
      const { links, userId } = await withUser();
      await links.linkProvider(link(userId));
      expect(await links.linkProvider(link(userId))).toMatchObject({
        ok: false,
        error: "PROVIDER_ALREADY_LINKED",
      });
      expect(await links.listLinkedProvidersOfUser(userId)).toHaveLength(1);
    });

    it("lets one subject exist at two providers", async () => {
      const { links, users, userId } = await withUser();
      expect((await links.linkProvider(link(userId, { provider: "github", subject: "42" }))).ok).toBe(true);
      const other = await anotherUser(users);
      expect((await links.linkProvider(link(other, { provider: "discord", subject: "42" }))).ok).toBe(true);
    });

    it("refuses a link of an account that is gone (deleted after it was read) with DeletedMeanwhileError", async () => {
      const { links } = await makeRepositories();
      const gone = testId() as UserId; // never stored: as a deleted account's row
      await expect(links.linkProvider(link(gone))).rejects.toBeInstanceOf(DeletedMeanwhileError);
      expect(await links.listLinkedProvidersOfUser(gone)).toEqual([]);
    });

    it("writes a guarded link only when its guard allows it, told the account and the session as stored", async () => {
      const { links, users, sessions, userId } = await withUser();
      const other = await anotherUser(users);
      const live = makeSession(userId);
      const ended = makeSession(userId);
      const someoneElses = makeSession(other);
      for (const session of [live, ended, someoneElses])
        await sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
      await sessions.revokeSession({ sessionId: ended.id, now: at(1000) });
      await users.updatePasswordHash({ userId, passwordHash: "hash-now", now: at(1000) });
      const seen: (LinkHolder | null)[] = [];
      const onlyLive = (holder: LinkHolder | null) => {
        seen.push(holder);
        return holder?.sessionLive === true ? ok(undefined) : err("INVALID_TOKEN");
      };
      for (const sessionId of [ended.id, someoneElses.id, testId() as typeof live.id]) {
        expect(await links.linkProvider(link(userId), { sessionId, mayLink: onlyLive })).toMatchObject({
          ok: false,
          error: "INVALID_TOKEN",
        });
      }
      expect(await links.listLinkedProvidersOfUser(userId)).toEqual([]);
      const written = link(userId);
      expect(await links.linkProvider(written, { sessionId: live.id, mayLink: onlyLive })).toEqual(
        ok(undefined),
      );
      expect(await links.listLinkedProvidersOfUser(userId)).toEqual([written]);
      expect(seen.map((holder) => holder?.sessionLive)).toEqual([false, false, false, true]);
      expect(seen[3]?.user).toMatchObject({ passwordHash: "hash-now", status: "active" });
      // Without a session, the guard is told the account alone; a gone account is null.
      const gone = testId() as UserId;
      expect(
        await links.linkProvider(link(gone), {
          mayLink: (holder) => (holder === null ? err("USER_NOT_FOUND") : ok(undefined)),
        }),
      ).toMatchObject({ ok: false, error: "USER_NOT_FOUND" });
      const byAddress = link(other, { provider: "discord" });
      const stored = await users.findUserById(other);
      expect(
        await links.linkProvider(byAddress, {
          mayLink: (holder) =>
            holder?.user.email === stored?.email && holder?.user.emailVerified === stored?.emailVerified
              ? ok(undefined)
              : err("OAUTH_EMAIL_CONFLICT"),
        }),
      ).toEqual(ok(undefined));
      // The guard's refusal comes before the identity's uniqueness, and writes nothing either way.
      expect(
        await links.linkProvider(link(other, { subject: written.subject }), {
          mayLink: () => err("ACCOUNT_DISABLED"),
        }),
      ).toMatchObject({ ok: false, error: "ACCOUNT_DISABLED" });
      expect(
        await links.linkProvider(link(other, { subject: written.subject }), { mayLink: () => ok(undefined) }),
      ).toMatchObject({
        ok: false,
        error: "PROVIDER_ALREADY_LINKED",
      });
    });

    it("exactly one of many concurrent links of one identity succeeds", async () => {
      const { links, users } = await makeRepositories();
      const people = Array.from({ length: 8 }, () => makeUser());
      for (const person of people) await users.insertUser(person);
      const subject = `subject-${testId()}`;
      const results = await Promise.all(people.map((p) => links.linkProvider(link(p.id, { subject }))));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.error === "PROVIDER_ALREADY_LINKED")).toHaveLength(7);
    });

    it("lists a user's links oldest first, and no one else's", async () => {
      const { links, users, userId } = await withUser();
      const other = await anotherUser(users);
      const google = link(userId, { provider: "google", linkedAt: at(2000) });
      const discord = link(userId, { provider: "discord", linkedAt: at(1000) });
      await links.linkProvider(google);
      await links.linkProvider(discord);
      await links.linkProvider(link(other, { provider: "twitch" }));
      expect(await links.listLinkedProvidersOfUser(userId)).toEqual([discord, google]);
      expect(await links.listLinkedProvidersOfUser(testId() as UserId)).toEqual([]);
    });

    it("unlinks one provider of one user when the rule allows it", async () => {
      const { links, users } = await makeRepositories();
      const withPassword = makeUser();
      const other = makeUser();
      await users.insertUser(withPassword);
      await users.insertUser(other);
      const userId = withPassword.id;
      const mine = link(userId);
      const theirs = link(other.id);
      await links.linkProvider(mine);
      await links.linkProvider(theirs);
      const seen: SignInMethods[] = [];
      const removed = await links.unlinkProvider({
        userId,
        provider: "github",
        mayUnlink: (account) => {
          seen.push(account);
          return keepOneMethod("github")(account);
        },
      });
      expect(removed).toEqual({ ok: true, value: undefined });
      expect(seen).toEqual([{ hasPassword: true, linked: [mine] }]);
      expect(
        await links.unlinkProvider({ userId, provider: "github", mayUnlink: keepOneMethod("github") }),
      ).toMatchObject({
        ok: false,
        error: "PROVIDER_NOT_LINKED",
      });
      expect(await links.findLinkedProvider({ provider: "github", subject: mine.subject })).toBeNull();
      expect(await links.findLinkedProvider({ provider: "github", subject: theirs.subject })).toEqual(theirs);
      // The identity is free again, for anyone.
      expect(
        (await links.linkProvider(link(other.id, { provider: "discord", subject: mine.subject }))).ok,
      ).toBe(true);
      expect((await links.linkProvider({ ...mine, linkedAt: at(5000) })).ok).toBe(true);
    });

    it("removes nothing when the rule refuses, and tells the rule the account has no password", async () => {
      const { links, userId } = await withUser();
      const github = link(userId);
      await links.linkProvider(github);
      const seen: SignInMethods[] = [];
      const refused = await links.unlinkProvider({
        userId,
        provider: "github",
        mayUnlink: (account) => {
          seen.push(account);
          return keepOneMethod("github")(account);
        },
      });
      expect(refused).toMatchObject({ ok: false, error: "CANNOT_UNLINK_LAST_AUTH" });
      expect(seen).toEqual([{ hasPassword: false, linked: [github] }]);
      expect(await links.listLinkedProvidersOfUser(userId)).toEqual([github]);
    });

    it("answers USER_NOT_FOUND for a user that does not exist", async () => {
      const { links } = await makeRepositories();
      expect(
        await links.unlinkProvider({
          userId: testId() as UserId,
          provider: "github",
          mayUnlink: keepOneMethod("github"),
        }),
      ).toMatchObject({ ok: false, error: "USER_NOT_FOUND" });
    });

    it("of two removals at once of a password-less account's last two providers, exactly one succeeds", async () => {
      const { links, users } = await makeRepositories();
      // Several accounts at once, so the removals really overlap on a real database.
      const accounts = Array.from({ length: 6 }, () => makeUser({ passwordHash: null }));
      for (const account of accounts) {
        await users.insertUser(account);
        await links.linkProvider(link(account.id, { provider: "github" }));
        await links.linkProvider(link(account.id, { provider: "discord" }));
      }
      const outcomes = await Promise.all(
        accounts.flatMap((account) =>
          (["github", "discord"] as const).map(async (provider) => ({
            userId: account.id,
            result: await links.unlinkProvider({
              userId: account.id,
              provider,
              mayUnlink: keepOneMethod(provider),
            }),
          })),
        ),
      );
      for (const account of accounts) {
        const mine = outcomes.filter((o) => o.userId === account.id).map((o) => o.result);
        expect(mine.filter((r) => r.ok)).toHaveLength(1);
        expect(mine.filter((r) => !r.ok && r.error === "CANNOT_UNLINK_LAST_AUTH")).toHaveLength(1);
        expect(await links.listLinkedProvidersOfUser(account.id)).toHaveLength(1);
      }
    });

    it("creates a user together with its link", async () => {
      const { links, users } = await makeRepositories();
      const user = makeUser({ passwordHash: null, emailVerified: true });
      const github = link(user.id);
      expect(await links.createUserWithLinkedProvider({ user, link: github })).toEqual({
        ok: true,
        value: undefined,
      });
      expect(await users.findUserById(user.id)).toEqual(user);
      expect(await links.findLinkedProvider({ provider: "github", subject: github.subject })).toEqual(github);
    });

    it("creates neither when the identity is taken: no account is left without its link", async () => {
      const { links, users, userId } = await withUser();
      const taken = link(userId);
      await links.linkProvider(taken);
      const newcomer = makeUser({ passwordHash: null });
      expect(
        await links.createUserWithLinkedProvider({
          user: newcomer,
          link: link(newcomer.id, { subject: taken.subject }),
        }),
      ).toMatchObject({ ok: false, error: "PROVIDER_ALREADY_LINKED" });
      expect(await users.findUserById(newcomer.id)).toBeNull();
      expect(await users.findUserByEmail(newcomer.email)).toBeNull();
      expect((await links.findLinkedProvider({ provider: "github", subject: taken.subject }))?.userId).toBe(
        userId,
      );
    });

    it("creates neither when the email is taken, and says USER_EXISTS", async () => {
      const { links, users } = await makeRepositories();
      const owner = makeUser();
      await users.insertUser(owner);
      const newcomer = makeUser({ email: owner.email, passwordHash: null });
      const github = link(newcomer.id);
      expect(await links.createUserWithLinkedProvider({ user: newcomer, link: github })).toMatchObject({
        ok: false,
        error: "USER_EXISTS",
      });
      expect(await users.findUserById(newcomer.id)).toBeNull();
      expect(await links.findLinkedProvider({ provider: "github", subject: github.subject })).toBeNull();
    });

    it("of concurrent creations for one new identity exactly one succeeds, leaving one account", async () => {
      const { links, users } = await makeRepositories();
      const subject = `subject-${testId()}`;
      const email = `race-${testId()}@example.com` as Email;
      const attempts = Array.from({ length: 6 }, (_, i) => {
        // Half share the email (the usual race), half do not (only the identity collides).
        const user = makeUser({ passwordHash: null, ...(i % 2 === 0 ? { email } : {}) });
        return { user, link: link(user.id, { subject }) };
      });
      const results = await Promise.all(attempts.map((a) => links.createUserWithLinkedProvider(a)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const winner = await links.findLinkedProvider({ provider: "github", subject });
      for (const [i, attempt] of attempts.entries()) {
        const stored = await users.findUserById(attempt.user.id);
        expect(stored === null, `attempt ${i}`).toBe(attempt.user.id !== winner?.userId);
      }
    });
  });
}

function keepOneMethod(provider: OAuthProviderId) {
  return (account: SignInMethods) => checkMayUnlinkProvider({ ...account, provider });
}
