import {
  err,
  oauthProviderNames,
  ok,
  parseOAuthProvider,
  type Result,
  type Session,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { type OAuthAuthorizationStarted, startProviderTrip } from "../social/steps/start-provider-trip.ts";

/**
 * Starts re-authenticating the session through a provider linked to the account
 * (POST /oauth/:provider/reauthenticate): the way an account without a password or 2FA proves
 * itself again (ADR 0012). The trip is recorded with the session, and its callback ends in
 * finishProviderReauthentication (through finishOAuthAuthorization).
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
    bind: () =>
      ok({ reauthenticateSessionId, linkUserId: null, linkSessionId: null, codeChallengeHash: null }),
  });
}
