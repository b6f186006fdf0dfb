import { checkUserMaySignIn, err, ok, type Result, type Session, type User } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";

/** Who is calling: the user and the session their access token belongs to (with its last proof). */
export interface Authenticated {
  readonly user: User;
  readonly session: Session;
}

/**
 * Resolves a Bearer access token to its user. Checks the signature and expiry,
 * then that the session was not ended (logout takes effect at once, not after
 * the access token's five minutes) and the account still exists and is active.
 */
export async function authenticateAccessToken(
  deps: Dependencies,
  input: { token: string },
): Promise<Result<Authenticated, "TOKEN_EXPIRED" | "INVALID_TOKEN" | "ACCOUNT_DISABLED" | "USER_NOT_FOUND">> {
  const claims = await deps.accessTokens.verifyAccessToken({ token: input.token, now: deps.clock.now() });
  if (!claims.ok) return claims;
  // One read for both: this runs on every authenticated request.
  const { user, session } = await deps.sessions.findSessionWithUser({
    sessionId: claims.value.sessionId,
    userId: claims.value.userId,
  });
  if (user === null) return err("USER_NOT_FOUND", "The account for this token no longer exists");
  // Before the session's state: disabling ends every session, and the person holding a token of
  // one should learn why it stopped working (ACCOUNT_DISABLED), not be told to sign in again. The
  // token's signature is proven, so this reveals nothing to anyone else.
  const allowed = checkUserMaySignIn(user);
  if (!allowed.ok) return allowed;
  if (session === null || session.revokedAt !== null || session.userId !== user.id) {
    return err("INVALID_TOKEN", "This session has ended; sign in again");
  }
  return ok({ user, session });
}
