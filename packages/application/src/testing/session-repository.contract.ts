import type { RefreshTokenId, SessionId, UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { SessionRepository, UserRepository } from "../ports.ts";
import { at, makeRefreshToken, makeSession, makeUser } from "./fixtures.ts";

/**
 * The behaviour every SessionRepository must have. Stores with foreign keys
 * need the user to exist, so the suite creates users through `users`.
 */
export function sessionRepositoryContract(
  name: string,
  makeRepositories: () => Promise<{ sessions: SessionRepository; users: UserRepository }>,
): void {
  async function withSession() {
    const { sessions, users } = await makeRepositories();
    const user = makeUser();
    await users.insertUser(user);
    const session = makeSession(user.id);
    const token = makeRefreshToken(session.id);
    await sessions.createSession({ session, refreshToken: token });
    return { sessions, users, user, session, token };
  }

  describe(`SessionRepository contract: ${name}`, () => {
    it("finds a created session and its first refresh token, field for field", async () => {
      const { sessions, session, token } = await withSession();
      expect(await sessions.findSession(session.id)).toEqual(session);
      expect(await sessions.findRefreshToken(token.id)).toEqual({ token, session, successor: null });
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
      expect(await sessions.rotateRefreshToken({ rotatedId: token.id, replacement, now: at(1000) })).toBe(
        "rotated",
      );
      const stored = await sessions.findRefreshToken(token.id);
      expect(stored?.token.rotatedAt).toEqual(at(1000));
      expect(stored?.token.replacedById).toBe(replacement.id);
      expect(stored?.successor).toEqual(replacement);
      expect(stored?.session.lastUsedAt).toEqual(at(1000));
      const again = makeRefreshToken(session.id, { parentId: token.id });
      expect(
        await sessions.rotateRefreshToken({ rotatedId: token.id, replacement: again, now: at(2000) }),
      ).toBe("already-rotated");
      expect(await sessions.findRefreshToken(again.id)).toBeNull();
    });

    it("of concurrent rotations of one token exactly one wins", async () => {
      const { sessions, session, token } = await withSession();
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () =>
          sessions.rotateRefreshToken({
            rotatedId: token.id,
            replacement: makeRefreshToken(session.id, { parentId: token.id }),
            now: at(500),
          }),
        ),
      );
      expect(outcomes.filter((o) => o === "rotated")).toHaveLength(1);
    });

    it("adds a token to a session without rotating another", async () => {
      const { sessions, session, token } = await withSession();
      const extra = makeRefreshToken(session.id, { parentId: token.id });
      await sessions.addRefreshToken({ token: extra, now: at(3000) });
      expect((await sessions.findRefreshToken(extra.id))?.token).toEqual(extra);
      expect((await sessions.findRefreshToken(token.id))?.token.rotatedAt).toBeNull();
      expect((await sessions.findSession(session.id))?.lastUsedAt).toEqual(at(3000));
    });

    it("moves a live session's last proof forward on re-authentication, never back, and finds it in every read", async () => {
      const { sessions, user, session, token } = await withSession();
      expect((await sessions.findSession(session.id))?.authenticatedAt).toEqual(session.authenticatedAt);
      await sessions.recordReauthentication({ sessionId: session.id, now: at(60_000) });
      await sessions.recordReauthentication({ sessionId: session.id, now: at(30_000) });
      expect((await sessions.findSession(session.id))?.authenticatedAt).toEqual(at(60_000));
      const withUser = await sessions.findSessionWithUser({ sessionId: session.id, userId: user.id });
      expect(withUser.session?.authenticatedAt).toEqual(at(60_000));
      expect((await sessions.findRefreshToken(token.id))?.session.authenticatedAt).toEqual(at(60_000));
    });

    it("records no re-authentication on a revoked session", async () => {
      const { sessions, session } = await withSession();
      await sessions.revokeSession({ sessionId: session.id, now: at(1000) });
      await sessions.recordReauthentication({ sessionId: session.id, now: at(2000) });
      expect((await sessions.findSession(session.id))?.authenticatedAt).toEqual(session.authenticatedAt);
    });

    it("revokes one session, and revoking again keeps the first time", async () => {
      const { sessions, session } = await withSession();
      await sessions.revokeSession({ sessionId: session.id, now: at(5000) });
      await sessions.revokeSession({ sessionId: session.id, now: at(9000) });
      expect((await sessions.findSession(session.id))?.revokedAt).toEqual(at(5000));
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

      await sessions.revokeSessionsOfUser({ userId: user.id, now: at(7000), exceptSessionId: session.id });
      expect((await sessions.findSession(session.id))?.revokedAt).toBeNull();
      expect((await sessions.findSession(second.id))?.revokedAt).toEqual(at(7000));
      expect((await sessions.findSession(third.id))?.revokedAt).toEqual(at(7000));
      expect((await sessions.findSession(theirs.id))?.revokedAt).toBeNull();

      await sessions.revokeSessionsOfUser({ userId: user.id, now: at(8000) });
      expect((await sessions.findSession(session.id))?.revokedAt).toEqual(at(8000));
      expect((await sessions.findSession(second.id))?.revokedAt).toEqual(at(7000));
    });

    it("lists a user's live sessions, most recently used first, without revoked, stale or others' sessions", async () => {
      const { sessions, users, user, session } = await withSession();
      const recent = makeSession(user.id, { lastUsedAt: at(9000) });
      const revoked = makeSession(user.id, { lastUsedAt: at(9500), revokedAt: at(9600) });
      const stale = makeSession(user.id, { lastUsedAt: at(-1) });
      const stranger = makeUser();
      await users.insertUser(stranger);
      const theirs = makeSession(stranger.id, { lastUsedAt: at(9000) });
      for (const s of [recent, revoked, stale, theirs]) {
        await sessions.createSession({ session: s, refreshToken: makeRefreshToken(s.id) });
      }

      expect(await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(0) })).toEqual([
        recent,
        session,
      ]);
      expect(await sessions.listLiveSessionsOfUser({ userId: user.id, usedSince: at(9001) })).toEqual([]);
    });
  });
}
