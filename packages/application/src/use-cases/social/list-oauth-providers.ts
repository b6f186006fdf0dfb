import { type OAuthProviderId, oauthProviderIds } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";

/** The providers configured on this server, in a fixed order. */
export async function listOAuthProviders(
  deps: Dependencies,
  _input: Record<string, never> = {},
): Promise<OAuthProviderId[]> {
  return oauthProviderIds.filter((provider) => deps.oauthProviders[provider] !== undefined);
}
