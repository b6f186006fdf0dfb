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
  if (session === null || session.revokedAt !== null || session.userId !== user.id) {
    return err("INVALID_TOKEN", "This session has ended; sign in again");
  }
  const allowed = checkUserMaySignIn(user);
  if (!allowed.ok) return allowed;
  return ok({ user, session });
}
