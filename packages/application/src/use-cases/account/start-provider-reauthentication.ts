import {
  err,
  oauthProviderNames,
  ok,
  parseOAuthProvider,
  type Result,
  type Session,
  unsupportedProvider,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { type OAuthAuthorizationStarted, startProviderTrip } from "../social/steps/start-provider-trip.ts";

/**
 * Starts re-authenticating the session through a provider linked to the account
 * (POST /oauth/:provider/reauthenticate): the way an account without a password or 2FA proves
 * itself again (ADR 0012); one with either is refused and sent to /auth/reauthenticate. The trip is recorded with the session, and its callback ends in
 * finishProviderReauthentication (through finishOAuthAuthorization).
 */
export async function startProviderReauthentication(
  deps: Dependencies,
  input: { session: Session; provider: string },
): Promise<
  Result<
    OAuthAuthorizationStarted,
    "UNSUPPORTED_PROVIDER" | "OAUTH_INIT_FAILED" | "PROVIDER_NOT_LINKED" | "VALIDATION_ERROR"
  >
> {
  const provider = parseOAuthProvider(input.provider);
  if (provider === null) {
    return unsupportedProvider;
  }
  const links = await deps.linkedProviders.listLinkedProvidersOfUser(input.session.userId);
  if (!links.some((link) => link.provider === provider)) {
    return err(
      "PROVIDER_NOT_LINKED",
      `${oauthProviderNames[provider]} is not linked to your account: re-authenticate with one that is`,
    );
  }
  // An account with a password or 2FA proves itself with that, its strongest factor: a provider
  // account alone must not stand in for it (ADR 0012).
  const [user, twoFactor] = await Promise.all([
    deps.users.findUserById(input.session.userId),
    deps.twoFactor.findTwoFactorStatus(input.session.userId),
  ]);
  if (user?.passwordHash != null || twoFactor.enabled) {
    return err(
      "VALIDATION_ERROR",
      "This account proves itself with its password or 2FA code: use POST /auth/reauthenticate",
    );
  }
  const reauthenticateSessionId = input.session.id;
  return startProviderTrip(deps, {
    provider,
    bind: () =>
      ok({ reauthenticateSessionId, linkUserId: null, linkSessionId: null, codeChallengeHash: null }),
  });
}
