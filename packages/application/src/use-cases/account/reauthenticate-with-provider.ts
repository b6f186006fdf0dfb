import {
  err,
  type OAuthProviderId,
  oauthProviderNames,
  ok,
  parseOAuthProvider,
  type Result,
  type Session,
  type SessionId,
} from "@superoauth/domain";
import type { Dependencies, ProviderProfile } from "../../ports/index.ts";
import { type OAuthAuthorizationStarted, startProviderTrip } from "../social/start-oauth-authorization.ts";

/**
 * Starts re-authenticating the session through a provider linked to the account
 * (POST /oauth/:provider/reauthenticate): the way an account without a password or 2FA proves
 * itself again (ADR 0012). The trip is recorded with the session, and its callback ends in
 * finishProviderReauthentication.
 */
export async function startProviderReauthentication(
  deps: Dependencies,
  input: { session: Session; provider: string },
): Promise<
  Result<OAuthAuthorizationStarted, "UNSUPPORTED_PROVIDER" | "OAUTH_INIT_FAILED" | "PROVIDER_NOT_LINKED">
> {
  const provider = parseOAuthProvider(input.provider);
  if (provider === null) {
    return err("UNSUPPORTED_PROVIDER", "Supported providers are discord, twitch, google and github");
  }
  const links = await deps.linkedProviders.listLinkedProvidersOfUser(input.session.userId);
  if (!links.some((link) => link.provider === provider)) {
    return err(
      "PROVIDER_NOT_LINKED",
      `${oauthProviderNames[provider]} is not linked to your account: re-authenticate with one that is`,
    );
  }
  const reauthenticateSessionId = input.session.id;
  return startProviderTrip(deps, {
    provider,
    bind: () => ok({ reauthenticateSessionId, linkUserId: null, codeChallengeHash: null }),
  });
}

/**
 * The provider's answer to a re-authentication trip: when the identity that signed in at the
 * provider is the one linked to the session's account, the session's proof is recorded.
 * Another identity (someone else's, or one never linked) proves nothing and is refused.
 */
export async function finishProviderReauthentication(
  deps: Dependencies,
  input: { sessionId: SessionId; profile: ProviderProfile },
): Promise<Result<OAuthProviderId, "INVALID_TOKEN" | "REAUTH_IDENTITY_MISMATCH">> {
  const { profile } = input;
  const session = await deps.sessions.findSession(input.sessionId);
  if (session === null || session.revokedAt !== null) {
    return err("INVALID_TOKEN", "The session that asked to re-authenticate has ended; sign in again");
  }
  const link = await deps.linkedProviders.findLinkedProvider({
    provider: profile.provider,
    subject: profile.subject,
  });
  if (link?.userId !== session.userId) {
    return err(
      "REAUTH_IDENTITY_MISMATCH",
      `The ${oauthProviderNames[profile.provider]} account you signed in with is not the one linked to this account`,
    );
  }
  await deps.sessions.recordReauthentication({ sessionId: session.id, now: deps.clock.now() });
  return ok(profile.provider);
}
