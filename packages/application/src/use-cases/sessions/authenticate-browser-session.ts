import {
  decideRefresh,
  err,
  ok,
  parseRefreshToken,
  type Result,
  shouldRecordSessionSeen,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { StorageUnavailableError } from "../../storage-unavailable.ts";
import type { Authenticated } from "./authenticate-access-token.ts";
import { endSessionOnReuse } from "./steps/end-session-on-reuse.ts";
import { checkMayHoldSession, sessionMaxAgeOf } from "./steps/may-hold-session.ts";

const ended = err("INVALID_TOKEN", "This browser session has ended; sign in again");

/**
 * Resolves the hosted pages' browser session (the refresh token of a session this browser signed
 * in with, kept in an HttpOnly cookie) to its user, without rotating it: the cookie is the only
 * holder of that token, so it stays valid for as long as the session lives. It is valid while the
 * session is live as a refresh would judge it (not revoked by sign-out, "log out everywhere" or the
 * sessions list, not past its absolute age, the token not expired) and the token was never
 * rotated; a rotated one means someone exchanged it at /auth/refresh, so it no longer is the
 * browser's: the cookie left the browser, and the browser presenting it again is RFC 9700's reuse
 * signal (ADR 0002), so the session is revoked and `refresh_token_reuse_detected` recorded, as
 * /auth/refresh does for a rotated token presented after the grace. Recognising it records the
 * session as seen (at most once a minute), so the session cap and the sessions list count a browser
 * session in use as used.
 */
export async function authenticateBrowserSession(
  deps: Dependencies,
  input: { token: string },
): Promise<Result<Authenticated, "INVALID_TOKEN" | "ACCOUNT_DISABLED" | "EMAIL_NOT_VERIFIED">> {
  const presented = parseRefreshToken(input.token);
  if (presented === null) return ended;
  const stored = await deps.sessions.findRefreshToken(presented.id);
  if (stored === null) return ended;
  if (!deps.secretHasher.secretMatchesHash({ secret: presented.secret, hash: stored.token.secretHash })) {
    return ended;
  }
  // The account first: how long its session may last depends on its role.
  const user = await deps.users.findUserById(stored.session.userId);
  if (user === null) return ended;
  const now = deps.clock.now();
  const decision = decideRefresh({
    token: stored.token,
    session: stored.session,
    successor: stored.successor,
    keptSuccessorSecret: stored.encryptedSuccessorSecret,
    now,
    // No grace: a browser session's token is never rotated, so only "rotate" (live) is valid.
    graceMs: 0,
    maxSessionAgeMs: sessionMaxAgeOf(deps, user),
  });
  if (decision.kind !== "rotate") {
    // The browser never rotates its token (the secret matched: this is the cookie itself), so a
    // rotated one was exchanged elsewhere, by whoever took it out of the browser: end the session
    // the thief's successor belongs to, as a reuse at /auth/refresh would.
    if (decision.kind !== "reject") await endSessionOnReuse(deps, { session: stored.session, now });
    return ended;
  }
  const mayHold = checkMayHoldSession(deps, user);
  if (!mayHold.ok) return mayHold;
  if (!shouldRecordSessionSeen(stored.session, now)) return ok({ user, session: stored.session });
  try {
    await deps.sessions.recordSessionSeen({ sessionId: stored.session.id, now });
  } catch (error) {
    // A store that reads but refuses writes (SQLite's disk full) still serves the pages: the
    // sighting only orders the cap and the list, and the next page records it.
    if (error instanceof StorageUnavailableError) return ok({ user, session: stored.session });
    throw error;
  }
  return ok({ user, session: { ...stored.session, lastSeenAt: now } });
}
