import {
  checkUserMaySignIn,
  decideThirdPartyAccess,
  err,
  ok,
  type Result,
  type Session,
  type SessionId,
  type TwoFactorStatus,
  type User,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies, ThirdPartyAccessToken } from "../../ports/index.ts";

/** Who is calling: the user and the session their access token belongs to (with its last proof). */
export interface Authenticated {
  readonly user: User;
  readonly session: Session;
}

/** A third-party app calling for a user, with the scopes the user granted it (ADR 0020). */
export interface AuthenticatedApp {
  readonly user: User;
  readonly app: ThirdPartyAccessToken;
}

type AuthenticationFailure =
  | "TOKEN_EXPIRED"
  | "INVALID_TOKEN"
  | "ACCOUNT_DISABLED"
  | "USER_NOT_FOUND"
  | "INSUFFICIENT_SCOPE";

/**
 * Resolves a Bearer access token to its user. Checks the signature and expiry,
 * then that the session was not ended (logout takes effect at once, not after
 * the access token's five minutes) and the account still exists and is active.
 * An app's access token (from our OpenID provider) is refused with INSUFFICIENT_SCOPE: only
 * authenticateCaller, for the routes the third-party scope table opens, takes one.
 */
export async function authenticateAccessToken(
  deps: Dependencies,
  input: { token: string },
): Promise<Result<Authenticated, AuthenticationFailure>> {
  if (isOurs(input.token))
    return authenticateOwnToken(deps, input, (ids) => deps.sessions.findSessionWithUser(ids));
  const app = await authenticateAppToken(deps, { token: input.token, route: null });
  return app.ok ? err("INSUFFICIENT_SCOPE", "An app's access token cannot call this route") : app;
}

/**
 * Resolves a Bearer access token on a `route` ("GET /auth/me") that apps may call too (ADR 0020):
 * our own access tokens as authenticateAccessToken does; an app's access token only with the
 * scope the third-party scope table asks for the route (INSUFFICIENT_SCOPE otherwise), and only
 * while its user exists and may sign in.
 */
export async function authenticateCaller(
  deps: Dependencies,
  input: { token: string; route: string },
): Promise<Result<Authenticated | AuthenticatedApp, AuthenticationFailure>> {
  if (isOurs(input.token))
    return authenticateOwnToken(deps, input, (ids) => deps.sessions.findSessionWithUser(ids));
  return authenticateAppToken(deps, input);
}

/**
 * authenticateCaller with the user's 2FA status, for GET /auth/me, which shows it: for our own
 * access tokens the session, the user and the status come from one read.
 */
export async function authenticateCallerWithTwoFactorStatus(
  deps: Dependencies,
  input: { token: string; route: string },
): Promise<
  Result<{ caller: Authenticated | AuthenticatedApp; twoFactor: TwoFactorStatus }, AuthenticationFailure>
> {
  if (isOurs(input.token)) {
    const own = await authenticateOwnToken(deps, input, (ids) =>
      deps.sessions.findSessionWithUserAndTwoFactorStatus(ids),
    );
    if (!own.ok) return own;
    const { twoFactor, ...caller } = own.value;
    return ok({ caller, twoFactor });
  }
  const app = await authenticateAppToken(deps, input);
  if (!app.ok) return app;
  return ok({ caller: app.value, twoFactor: await deps.twoFactor.findTwoFactorStatus(app.value.user.id) });
}

/** Ours are JWTs (three dot-separated parts); the provider's access tokens are opaque. */
function isOurs(token: string): boolean {
  return token.includes(".");
}

/**
 * Our own access token: its signature and expiry, then the user and the session through `read`
 * (one read for both: this runs on every authenticated request), with whatever else `read` answers.
 */
async function authenticateOwnToken<Found extends { user: User | null; session: Session | null }>(
  deps: Dependencies,
  input: { token: string },
  read: (ids: { sessionId: SessionId; userId: UserId }) => Promise<Found>,
): Promise<
  Result<
    Authenticated & Omit<Found, "user" | "session">,
    Exclude<AuthenticationFailure, "INSUFFICIENT_SCOPE">
  >
> {
  const claims = await deps.accessTokens.verifyAccessToken({ token: input.token, now: deps.clock.now() });
  if (!claims.ok) return claims;
  const { user, session, ...rest } = await read({
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
  return ok({ ...rest, user, session });
}

async function authenticateAppToken(
  deps: Dependencies,
  input: { token: string; route: string | null },
): Promise<Result<AuthenticatedApp, AuthenticationFailure>> {
  const now = deps.clock.now();
  const app = await deps.thirdPartyAccessTokens.verify({ token: input.token, now });
  if (app === null) return err("INVALID_TOKEN", "The access token is invalid");
  const access = decideThirdPartyAccess({ route: input.route ?? "", scopes: app.scopes });
  if (!access.allowed) {
    return access.requiredScope === null
      ? err("INSUFFICIENT_SCOPE", "An app's access token cannot call this route")
      : err("INSUFFICIENT_SCOPE", `This route needs the ${access.requiredScope} scope`);
  }
  const user = await deps.users.findUserById(app.userId);
  // The account is gone: the token stands for no one (as the provider's userinfo answers).
  if (user === null) return err("INVALID_TOKEN", "The access token is invalid");
  const allowed = checkUserMaySignIn(user);
  if (!allowed.ok) return allowed;
  await deps.appAuthorizations.touchAuthorization({
    userId: user.id,
    clientId: app.clientId,
    now,
  });
  return ok({ user, app });
}
