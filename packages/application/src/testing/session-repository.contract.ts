import {
  chooseSessionsToEnd,
  err,
  ok,
  type RefreshTokenId,
  type Session,
  type SessionId,
  type UserId,
} from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { SessionRepository, TwoFactorRepository, UserRepository } from "../ports/index.ts";
import { at, makeRefreshToken, makeSession, makeUser, testId } from "./fixtures.ts";

/**
 * The behaviour every SessionRepository must have. Stores with foreign keys
 * need the user to exist, so the suite creates users through `users`.
 */
export function sessionRepositoryContract(
  name: string,
  makeRepositories: () => Promise<{
    sessions: SessionRepository;
    users: UserRepository;
    twoFactor: TwoFactorRepository;
  }>,
): void {
  async function withSession() {
    const { sessions, users, twoFactor } = await makeRepositories();
    const user = makeUser();
    await users.insertUser(user);
    const session = makeSession(user.id);
    const token = makeRefreshToken(session.id);
    await sessions.createSession({ session, refreshToken: token });
    return { sessions, users, twoFactor, user, session, token };
  }

  /**
   * A user's session (used at 0) with, beside it, another of theirs used at 9 s, one revoked, one
   * stale (used before 0) and a stranger's.
   */
  async function withSessionsOfEveryKind() {
    const made = await withSession();
    const { sessions, users, user } = made;
    const recent = makeSession(user.id, { lastUsedAt: at(9000) });
    const revoked = makeSession(user.id, { lastUsedAt: at(9500), revokedAt: at(9600) });
    const stale = makeSession(user.id, { lastUsedAt: at(-1) });
    const stranger = makeUser();
    await users.insertUser(stranger);
    const theirs = makeSession(stranger.id, { lastUsedAt: at(9000) });
    for (const s of [recent, revoked, stale, theirs]) {
      await sessions.createSession({ session: s, refreshToken: makeRefreshToken(s.id) });
    }
    return { ...made, recent };
  }

  /** Every read that answers a session (alone, with its user, with the 2FA status, with a token) shows `expected`. */
  async function expectInEveryRead(
    found: Pick<Awaited<ReturnType<typeof withSession>>, "sessions" | "user" | "session" | "token">,
    expected: Partial<Session>,
  ): Promise<void> {
    const { sessions, user, session, token } = found;
    expect(await sessions.findSession(session.id)).toMatchObject(expected);
    const withUser = await sessions.findSessionWithUser({ sessionId: session.id, userId: user.id });
    expect(withUser.session).toMatchObject(expected);
    const withStatus = await sessions.findSessionWithUserAndTwoFactorStatus({
      sessionId: session.id,
      userId: user.id,
    });
    expect(withStatus.session).toMatchObject(expected);
    expect((await sessions.findRefreshToken(token.id))?.session).toMatchObject(expected);
  }

  /** A stand-in for an encrypted secret kept for the grace period (the store does not read it). */
  const kept = (label: string) => ({ encrypted: `encrypted-${label}`, expiresAt: at(60_000) });

  describe(`SessionRepository contract: ${name}`, () => {
    it("finds a created session and its first refresh token with their user, field for field", async () => {
      const { sessions, user, session, token } = await withSession();
      expect(await sessions.findSession(session.id)).toEqual(session);
      expect(await sessions.findRefreshToken(token.id)).toEqual({
        token,
        session,
        user,
        successor: null,
        encryptedSuccessorSecret: null,
      });
    });

    it("finds a session with its user in one read, and only the user's own session", async () => {
      const { sessions, users, user, session } = await withSession();
      expect(await sessions.findSessionWithUser({ sessionId: session.id, userId: user.id })).toEqual({
        user,
        session,
      });
      const stranger = makeUser();
      await users.insertUser(stranger);
      expect(await sessions.findSessionWithUser({ sessionId: session.id, userId: stranger.id })).toEqual({
        user: stranger,
        session: null,
      });
      const unknownSession = "00000000-0000-7000-8000-00000000abcd" as SessionId;
      expect(await sessions.findSessionWithUser({ sessionId: unknownSession, userId: user.id })).toEqual({
        user,
        session: null,
      });
      const unknownUser = "00000000-0000-7000-8000-00000000dcba" as UserId;
      expect(await sessions.findSessionWithUser({ sessionId: session.id, userId: unknownUser })).toEqual({
        user: null,
        session: null,
      });
    });

    it("finds a session with its user and the user's 2FA status in one read", async () => {
      const { sessions, users, twoFactor, user, session } = await withSession();
      const read = (input: { sessionId: SessionId; userId: UserId }) =>
        sessions.findSessionWithUserAndTwoFactorStatus(input);
      const off = { enabled: false, backupCodesRemaining: 0 };
      expect(await read({ sessionId: session.id, userId: user.id })).toEqual({
        user,
        session,
        twoFactor: off,
      });

      // Pending: not enabled yet, so no codes count.
      await twoFactor.savePendingTOTPFactor({ userId: user.id, encryptedSecret: "sealed", now: at(1) });
      expect((await read({ sessionId: session.id, userId: user.id })).twoFactor).toEqual(off);

      const backupCodes = ["a", "b", "c"].map((lookupId) => ({
        id: testId(),
        userId: user.id,
        lookupId,
        codeHash: `hash-${lookupId}`,
        usedAt: null,
      }));
      await twoFactor.enableTOTPFactor({
        userId: user.id,
        confirmedSecret: "sealed",
        usedStep: 1,
        backupCodes,
        now: at(2),
      });
      await twoFactor.useBackupCode({ id: backupCodes[0]?.id ?? "", now: at(3) });
      expect(await read({ sessionId: session.id, userId: user.id })).toEqual({
        user,
        session,
        twoFactor: { enabled: true, backupCodesRemaining: 2 },
      });

      // Another user's codes and factor do not count, and someone else's session is not theirs.
      const stranger = makeUser();
      await users.insertUser(stranger);
      expect(await read({ sessionId: session.id, userId: stranger.id })).toEqual({
        user: stranger,
        session: null,
        twoFactor: off,
      });
      const unknownUser = "00000000-0000-7000-8000-00000000dcba" as UserId;
      expect(await read({ sessionId: session.id, userId: unknownUser })).toEqual({
        user: null,
        session: null,
        twoFactor: off,
      });
      const unknownSession = "00000000-0000-7000-8000-00000000abcd" as SessionId;
      expect(await read({ sessionId: unknownSession, userId: user.id })).toEqual({
        user,
        session: null,
        twoFactor: { enabled: true, backupCodesRemaining: 2 },
      });

      // Turned off (by the user or by staff): off at once, codes and all.
      await twoFactor.deleteTwoFactor(user.id);
      expect(await read({ sessionId: session.id, userId: user.id })).toEqual({
        user,
        session,
        twoFactor: off,
      });
    });

    it("answers null for unknown sessions and tokens", async () => {
      const { sessions } = await makeRepositories();
      expect(await sessions.findSession("00000000-0000-7000-8000-00000000abcd" as SessionId)).toBeNull();
      expect(
        await sessions.findRefreshToken("00000000-0000-7000-8000-00000000abcd" as RefreshTokenId),
      ).toBeNull();
    });

    it("rotates a token once: marks it, links the replacement and touches the session", async () => {
      const { sessions, session, token } = await withSession();
      const replacement = makeRefreshToken(session.id, { parentId: token.id, createdAt: at(1000) });
      expect(
        await sessions.rotateRefreshToken({
          rotatedId: token.id,
          replacement,
          replacementSecret: null,
          now: at(1000),
        }),
      ).toBe("rotated");
      const stored = await sessions.findRefreshToken(token.id);
      expect(stored?.token.rotatedAt).toEqual(at(1000));
      expect(stored?.token.replacedById).toBe(replacement.id);
      expect(stored?.successor).toEqual(replacement);
      expect(stored?.encryptedSuccessorSecret).toBeNull();
      expect(stored?.session.lastUsedAt).toEqual(at(1000));
      const again = makeRefreshToken(session.id, { parentId: token.id });
      expect(
        await sessions.rotateRefreshToken({
          rotatedId: token.id,
          replacement: again,
          replacementSecret: kept("again"),
          now: at(2000),
        }),
      ).toBe("already-rotated");
      expect(await sessions.findRefreshToken(again.id)).toBeNull();
      expect((await sessions.findRefreshToken(token.id))?.encryptedSuccessorSecret).toBeNull();
    });

    it("keeps the replacement's encrypted secret with the rotated token's successor, and forgets it once the replacement is rotated in turn", async () => {
      const { sessions, session, token } = await withSession();
      const second = makeRefreshToken(session.id, { parentId: token.id, createdAt: at(1000) });
      await sessions.rotateRefreshToken({
        rotatedId: token.id,
        replacement: second,
        replacementSecret: kept("second"),
        now: at(1000),
      });
      expect(await sessions.findRefreshToken(token.id)).toMatchObject({
        successor: second,
        encryptedSuccessorSecret: "encrypted-second",
      });
      // The live token itself has no successor, so nothing is kept for its holder.
      expect((await sessions.findRefreshToken(second.id))?.encryptedSuccessorSecret).toBeNull();

      const third = makeRefreshToken(session.id, { parentId: second.id, createdAt: at(2000) });
      await sessions.rotateRefreshToken({
        rotatedId: second.id,
        replacement: third,
        replacementSecret: kept("third"),
        now: at(2000),
      });
      expect((await sessions.findRefreshToken(token.id))?.encryptedSuccessorSecret).toBeNull();
      expect((await sessions.findRefreshToken(second.id))?.encryptedSuccessorSecret).toBe("encrypted-third");
    });

    it("of concurrent rotations of one token exactly one wins, and every later read sees the winner's successor and its secret", async () => {
      const { sessions, session, token } = await withSession();
      const replacements = Array.from({ length: 8 }, () =>
        makeRefreshToken(session.id, { parentId: token.id }),
      );
      const outcomes = await Promise.all(
        replacements.map((replacement) =>
          sessions.rotateRefreshToken({
            rotatedId: token.id,
            replacement,
            replacementSecret: kept(replacement.id),
            now: at(500),
          }),
        ),
      );
      expect(outcomes.filter((o) => o === "rotated")).toHaveLength(1);
      const winner = replacements[outcomes.indexOf("rotated")];
      const stored = await sessions.findRefreshToken(token.id);
      expect(stored?.successor).toEqual(winner);
      expect(stored?.encryptedSuccessorSecret).toBe(`encrypted-${winner?.id}`);
      for (const loser of replacements.filter((r) => r !== winner)) {
        expect(await sessions.findRefreshToken(loser.id)).toBeNull();
      }
    });

    it("creating a session with a cap ends the sessions the rule picks among the user's live ones, and answers their ids", async () => {
      const { sessions, user, session, recent } = await withSessionsOfEveryKind();

      const newest = makeSession(user.id, { createdAt: at(10_000), lastUsedAt: at(10_000) });
      const offered: Session[][] = [];
      const ended = await sessions.createSession({
        session: newest,
        refreshToken: makeRefreshToken(newest.id),
        endSessions: {
          usedSince: at(0),
          choose: (live) => {
            offered.push([...live]);
            return live.filter((s) => s.id === session.id).map((s) => s.id);
          },
        },
      });
      expect(ended).toEqual({ ok: true, value: [session.id] });
      expect(offered.map((live) => live.map((s) => s.id).sort())).toEqual([[recent.id, session.id].sort()]);
      expect((await sessions.findSession(session.id))?.revokedAt).toEqual(at(10_000));
      expect((await sessions.findSession(newest.id))?.revokedAt).toBeNull();
      expect(await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(0) })).toEqual([
        newest,
        recent,
      ]);
    });

    it("of ten concurrent sign-ins of one user under a cap of three, exactly three sessions stay live", async () => {
      const { sessions, users } = await makeRepositories();
      const user = makeUser();
      await users.insertUser(user);
      const created = Array.from({ length: 10 }, (_, i) =>
        makeSession(user.id, { createdAt: at(i), lastUsedAt: at(i) }),
      );
      const ended = await Promise.all(
        created.map((session) =>
          sessions.createSession({
            session,
            refreshToken: makeRefreshToken(session.id),
            endSessions: {
              usedSince: at(-1000),
              choose: (liveSessions) => chooseSessionsToEnd({ liveSessions, maxSessions: 3 }),
            },
          }),
        ),
      );
      expect(await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(-1000) })).toHaveLength(
        3,
      );
      // Each session ended once, by exactly one of the sign-ins.
      const endedIds = ended.flatMap((result) => (result.ok ? result.value : []));
      expect(endedIds).toHaveLength(7);
      expect(new Set(endedIds).size).toBe(7);
    });

    it("asks `holder` about the user's row before writing: it sees the status and password hash, and a refusal writes nothing", async () => {
      const { sessions, users } = await makeRepositories();
      const user = makeUser({ passwordHash: "hash-one" });
      await users.insertUser(user);
      const seen: unknown[] = [];
      const first = makeSession(user.id);
      const allowed = await sessions.createSession({
        session: first,
        refreshToken: makeRefreshToken(first.id),
        holder: (holder) => {
          seen.push(holder);
          return ok(undefined);
        },
      });
      expect(allowed).toEqual({ ok: true, value: [] });
      expect(seen).toEqual([{ status: "active", passwordHash: "hash-one" }]);

      await users.updatePasswordHash({ userId: user.id, passwordHash: "hash-two", now: at(1000) });
      const second = makeSession(user.id);
      const token = makeRefreshToken(second.id);
      const refused = await sessions.createSession({
        session: second,
        refreshToken: token,
        endSessions: { usedSince: at(-1000), choose: (live) => live.map((s) => s.id) },
        holder: (holder) =>
          holder?.passwordHash === "hash-one" ? ok(undefined) : err("INVALID_CREDENTIALS", "changed"),
      });
      expect(refused).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
      expect(await sessions.findSession(second.id)).toBeNull();
      expect(await sessions.findRefreshToken(token.id)).toBeNull();
      // Nothing was ended for it either.
      expect((await sessions.findSession(first.id))?.revokedAt).toBeNull();
    });

    it("asks `holder` with null when the user is gone, and writes nothing", async () => {
      const { sessions } = await makeRepositories();
      const session = makeSession(testId() as UserId);
      let seen: unknown = "not asked";
      const refused = await sessions.createSession({
        session,
        refreshToken: makeRefreshToken(session.id),
        holder: (holder) => {
          seen = holder;
          return err("INVALID_CREDENTIALS", "gone");
        },
      });
      expect(seen).toBeNull();
      expect(refused).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
      expect(await sessions.findSession(session.id)).toBeNull();
    });

    it("moves a live session's last proof and its methods forward on re-authentication, never back, and finds them in every read", async () => {
      const { sessions, user, session, token } = await withSession();
      expect(await sessions.findSession(session.id)).toMatchObject({
        authenticatedAt: session.authenticatedAt,
        authenticationMethods: ["pwd"],
      });
      await sessions.recordReauthentication({ sessionId: session.id, now: at(60_000), methods: ["otp"] });
      await sessions.recordReauthentication({ sessionId: session.id, now: at(30_000), methods: ["fed"] });
      await expectInEveryRead(
        { sessions, user, session, token },
        { authenticatedAt: at(60_000), authenticationMethods: ["otp"] },
      );
    });

    it("records when a page saw a session, never back and leaving its last use, and finds it in every read", async () => {
      const { sessions, user, session, token } = await withSession();
      expect((await sessions.findSession(session.id))?.lastSeenAt).toBeNull();
      await sessions.recordSessionSeen({ sessionId: session.id, now: at(120_000) });
      await sessions.recordSessionSeen({ sessionId: session.id, now: at(60_000) });
      const seen = { lastSeenAt: at(120_000), lastUsedAt: session.lastUsedAt };
      await expectInEveryRead({ sessions, user, session, token }, seen);
      const [listed] = await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(0) });
      expect(listed).toMatchObject(seen);
      // Seen is not used: once its last use is older than usedSince, the session is not live.
      expect(await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(1) })).toEqual([]);
    });

    it("offers the cap a session's last sighting: a session seen after another's refresh is kept", async () => {
      const { sessions, user, session } = await withSession();
      const refreshedLater = makeSession(user.id, { createdAt: at(1000), lastUsedAt: at(5000) });
      await sessions.createSession({
        session: refreshedLater,
        refreshToken: makeRefreshToken(refreshedLater.id),
      });
      await sessions.recordSessionSeen({ sessionId: session.id, now: at(9000) });
      const newest = makeSession(user.id, { createdAt: at(10_000), lastUsedAt: at(10_000) });
      const ended = await sessions.createSession({
        session: newest,
        refreshToken: makeRefreshToken(newest.id),
        endSessions: {
          usedSince: at(0),
          choose: (liveSessions) => chooseSessionsToEnd({ liveSessions, maxSessions: 2 }),
        },
      });
      expect(ended).toEqual(ok([refreshedLater.id]));
    });

    it("keeps the methods a session began with, several or none", async () => {
      const { sessions, user } = await withSession();
      const twoFactor = makeSession(user.id, { authenticationMethods: ["fed", "otp", "mfa"] });
      const unrecorded = makeSession(user.id, { authenticationMethods: [] });
      for (const session of [twoFactor, unrecorded]) {
        await sessions.createSession({ session, refreshToken: makeRefreshToken(session.id) });
        expect((await sessions.findSession(session.id))?.authenticationMethods).toEqual(
          session.authenticationMethods,
        );
      }
    });

    it("records no re-authentication on a revoked session", async () => {
      const { sessions, session } = await withSession();
      await sessions.revokeSession({ sessionId: session.id, now: at(1000) });
      await sessions.recordReauthentication({ sessionId: session.id, now: at(2000), methods: ["otp"] });
      expect(await sessions.findSession(session.id)).toMatchObject({
        authenticatedAt: session.authenticatedAt,
        authenticationMethods: ["pwd"],
      });
    });

    it("revokes one session, and revoking again keeps the first time; each answers whether it ended it", async () => {
      const { sessions, session } = await withSession();
      expect(await sessions.revokeSession({ sessionId: session.id, now: at(5000) })).toBe(true);
      expect(await sessions.revokeSession({ sessionId: session.id, now: at(9000) })).toBe(false);
      expect((await sessions.findSession(session.id))?.revokedAt).toEqual(at(5000));
      expect(await sessions.revokeSession({ sessionId: testId() as SessionId, now: at(9000) })).toBe(false);
    });

    it("of ten revocations of one session at once, exactly one answers that it ended it", async () => {
      const { sessions, session } = await withSession();
      const ended = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          sessions.revokeSession({ sessionId: session.id, now: at(5000 + i) }),
        ),
      );
      expect(ended.filter(Boolean)).toHaveLength(1);
    });

    it("revokes every session of a user but the one kept, and no one else's", async () => {
      const { sessions, users, user, session } = await withSession();
      const second = makeSession(user.id);
      await sessions.createSession({ session: second, refreshToken: makeRefreshToken(second.id) });
      const third = makeSession(user.id);
      await sessions.createSession({ session: third, refreshToken: makeRefreshToken(third.id) });
      const stranger = makeUser();
      await users.insertUser(stranger);
      const theirs = makeSession(stranger.id);
      await sessions.createSession({ session: theirs, refreshToken: makeRefreshToken(theirs.id) });

      expect(
        await sessions.revokeSessionsOfUser({ userId: user.id, now: at(7000), exceptSessionId: session.id }),
      ).toBe(2);
      expect((await sessions.findSession(session.id))?.revokedAt).toBeNull();
      expect((await sessions.findSession(second.id))?.revokedAt).toEqual(at(7000));
      expect((await sessions.findSession(third.id))?.revokedAt).toEqual(at(7000));
      expect((await sessions.findSession(theirs.id))?.revokedAt).toBeNull();

      expect(await sessions.revokeSessionsOfUser({ userId: user.id, now: at(8000) })).toBe(1);
      expect((await sessions.findSession(session.id))?.revokedAt).toEqual(at(8000));
      expect((await sessions.findSession(second.id))?.revokedAt).toEqual(at(7000));
      // Nothing left to revoke: none counted, and the times stay.
      expect(await sessions.revokeSessionsOfUser({ userId: user.id, now: at(9000) })).toBe(0);
      expect((await sessions.findSession(session.id))?.revokedAt).toEqual(at(8000));
    });

    it("with a live window, revokes the expired sessions too but counts only the live ones it ended", async () => {
      const { sessions, users, user, session } = await withSession();
      // Used too long ago (its refresh token expired), opened too long ago (past its maximum age).
      const unused = makeSession(user.id, { createdAt: at(1000), lastUsedAt: at(1000) });
      const tooOld = makeSession(user.id, { createdAt: at(-5000), lastUsedAt: at(9000) });
      const live = makeSession(user.id, { createdAt: at(2000), lastUsedAt: at(9000) });
      const stranger = makeUser();
      await users.insertUser(stranger);
      const theirs = makeSession(stranger.id, { lastUsedAt: at(9000) });
      for (const s of [unused, tooOld, live, theirs]) {
        await sessions.createSession({ session: s, refreshToken: makeRefreshToken(s.id) });
      }
      const window = { usedSince: at(5000), createdSince: at(0) };

      expect(
        await sessions.revokeSessionsOfUser({
          userId: user.id,
          now: at(10_000),
          exceptSessionId: live.id,
          live: window,
        }),
      ).toBe(0);
      for (const ended of [session, unused, tooOld]) {
        expect((await sessions.findSession(ended.id))?.revokedAt).toEqual(at(10_000));
      }
      expect((await sessions.findSession(live.id))?.revokedAt).toBeNull();
      expect(await sessions.revokeSessionsOfUser({ userId: user.id, now: at(11_000), live: window })).toBe(1);
      expect((await sessions.findSession(live.id))?.revokedAt).toEqual(at(11_000));
      expect((await sessions.findSession(theirs.id))?.revokedAt).toBeNull();
      // Nothing left: none counted.
      expect(await sessions.revokeSessionsOfUser({ userId: user.id, now: at(12_000), live: window })).toBe(0);
    });

    it("lists a user's live sessions, most recently used first, without revoked, stale or others' sessions", async () => {
      const { sessions, user, session, recent } = await withSessionsOfEveryKind();

      expect(await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(0) })).toEqual([
        recent,
        session,
      ]);
      expect(await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(9001) })).toEqual([]);
    });

    it("lists, and offers the cap, only sessions opened at or after createdSince (younger than their maximum age)", async () => {
      const { sessions, user, session } = await withSession();
      const younger = makeSession(user.id, { createdAt: at(5000), lastUsedAt: at(5000) });
      await sessions.createSession({ session: younger, refreshToken: makeRefreshToken(younger.id) });

      expect(
        await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(0), createdSince: at(5000) }),
      ).toEqual([younger]);
      expect(
        await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(0), createdSince: at(1) }),
      ).toEqual([younger]);
      expect(
        await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(0), createdSince: at(0) }),
      ).toEqual([younger, session]);

      const newest = makeSession(user.id, { createdAt: at(10_000), lastUsedAt: at(10_000) });
      const offered: string[][] = [];
      await sessions.createSession({
        session: newest,
        refreshToken: makeRefreshToken(newest.id),
        endSessions: {
          usedSince: at(0),
          createdSince: at(1),
          choose: (live) => {
            offered.push(live.map((s) => s.id));
            return [];
          },
        },
      });
      expect(offered).toEqual([[younger.id]]);
    });
  });
}
