import { err, type OAuthProviderId, oauthProviderNames, type Result } from "@superoauth/domain";

/** A supported provider this server has no credentials for, named as people know it. */
export function providerNotConfigured(provider: OAuthProviderId): Result<never, "OAUTH_INIT_FAILED"> {
  return err(
    "OAUTH_INIT_FAILED",
    `Sign-in with ${oauthProviderNames[provider]} is not configured on this server`,
  );
}
