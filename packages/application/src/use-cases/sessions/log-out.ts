import { err, ok, parseRefreshToken, type Result, type SessionId, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "./steps/start-session.ts";

/**
 * Ends a session: the one the given refresh token belongs to, or else the one
 * the caller's access token belongs to. A refresh token of a session already ended answers the
 * same and records nothing: the log says what happened, and a session ends once (a client that
 * logs out twice, or anyone repeating a stale token, would otherwise fill the holder's activity
 * page with sign-outs that never were).
 */
export async function logOut(
  deps: Dependencies,
  input: { userId: UserId; sessionId: SessionId; refreshToken?: string | undefined; client?: ClientInfo },
): Promise<Result<void, "INVALID_REFRESH_TOKEN">> {
  let sessionId = input.sessionId;
  if (input.refreshToken !== undefined) {
    const presented = parseRefreshToken(input.refreshToken);
    const stored = presented === null ? null : await deps.sessions.findRefreshToken(presented.id);
    if (
      presented === null ||
      stored === null ||
      stored.session.userId !== input.userId ||
      !deps.secretHasher.secretMatchesHash({ secret: presented.secret, hash: stored.token.secretHash })
    ) {
      return err("INVALID_REFRESH_TOKEN", "Refresh token is invalid or belongs to another account");
    }
    if (stored.session.revokedAt !== null) return ok(undefined);
    sessionId = stored.session.id;
  }
  // Recorded by the request that ended it: of two sign-outs of one session at once (a double
  // submit, two tabs, a sign-out and the account center's "end this session"), one records.
  if (!(await deps.sessions.revokeSession({ sessionId, now: deps.clock.now() }))) return ok(undefined);
  await recordSecurityEvent(deps, {
    userId: input.userId,
    type: "session_revoked",
    client: input.client,
    details: { sessionId, reason: "logout" },
  });
  return ok(undefined);
}
