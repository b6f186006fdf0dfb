import type { SessionId } from "@superoauth/domain";
import type { SessionEndings, SessionRepository } from "./ports/sessions.ts";
import type { Transactions } from "./ports/transactions.ts";

/**
 * The session repository, telling `endings` of every session it ends once the write that ended it
 * has returned: a sign-out (revokeSession), the end of every session of a user, or all but one
 * (revokeSessionsOfUser: "Sign out all other sessions", "End every session", a password change or
 * reset, staff ending sessions, suspending or deleting the account, which ends them first), and a
 * sign-in that ends the least recently used session past the cap (createSession). Every way a
 * session ends goes through one of these three, so its apps' back-channel logout (ADR 0073) does
 * not depend on each use case remembering it. A session that merely expires is not ended by any
 * write, and is not told (ADR 0073).
 */
export function tellingSessionEndings(
  sessions: SessionRepository,
  endings: SessionEndings,
): SessionRepository {
  return {
    async createSession(input) {
      const result = await sessions.createSession(input);
      if (result.ok && result.value.length > 0) await endings.ended(result.value);
      return result;
    },
    async revokeSession(input) {
      const ended = await sessions.revokeSession(input);
      if (ended) await endings.ended([input.sessionId]);
      return ended;
    },
    async revokeSessionsOfUser(input) {
      // Which sessions the revoke ends is not in its answer (a count): those not revoked before it,
      // read first. One opened between the read and the revoke is ended without being told; its
      // person was signing in at that instant, and its apps' logout tokens are the ones lost.
      const before = await sessions.listLiveSessionsOfUser({ userId: input.userId, usedSince: new Date(0) });
      const revoked = await sessions.revokeSessionsOfUser(input);
      const ended: SessionId[] = before
        .map((session) => session.id)
        .filter((id) => id !== input.exceptSessionId);
      if (ended.length > 0) await endings.ended(ended);
      return revoked;
    },
    findSession: (id) => sessions.findSession(id),
    findSessionWithUser: (input) => sessions.findSessionWithUser(input),
    findSessionWithUserAndTwoFactorStatus: (input) => sessions.findSessionWithUserAndTwoFactorStatus(input),
    findRefreshToken: (id) => sessions.findRefreshToken(id),
    rotateRefreshToken: (input) => sessions.rotateRefreshToken(input),
    recordReauthentication: (input) => sessions.recordReauthentication(input),
    recordSessionSeen: (input) => sessions.recordSessionSeen(input),
    listLiveSessionsOfUser: (input) => sessions.listLiveSessionsOfUser(input),
  };
}

/**
 * The transactions, their session repository telling `endings` as `tellingSessionEndings` does,
 * but only once the transaction has committed, of what its last attempt ended (one given up to a
 * deadlock runs again from the start): a password change, a reset, a removal of the password by
 * staff or an undone change of address ends the sessions inside one, and a session is not ended
 * until it commits. The in-memory store hands no repositories: its work uses the dependencies' own.
 */
export function tellingSessionEndingsOfTransactions(
  transactions: Transactions,
  endings: SessionEndings,
): Transactions {
  return {
    async run(work) {
      let ended: SessionId[] = [];
      const result = await transactions.run((repositories) => {
        ended = [];
        const { sessions } = repositories;
        if (sessions === undefined) return work(repositories);
        const collecting: SessionEndings = {
          ended: async (ids) => void ended.push(...ids),
        };
        return work({ ...repositories, sessions: tellingSessionEndings(sessions, collecting) });
      });
      if (ended.length > 0) await endings.ended(ended);
      return result;
    },
  };
}
