import { ok, parseCodeChallenge, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { type OAuthAuthorizationStarted, startProviderTrip } from "./steps/start-provider-trip.ts";

/**
 * Starts signing in through a provider. Signing in requires the front end's S256
 * `codeChallenge`, kept (hashed) with the record, so only the browser holding its verifier can
 * trade the login code (ADR 0013).
 */
export async function startOAuthAuthorization(
  deps: Dependencies,
  input: { provider: string; codeChallenge?: string | undefined; codeChallengeMethod?: string | undefined },
): Promise<
  Result<OAuthAuthorizationStarted, "UNSUPPORTED_PROVIDER" | "OAUTH_INIT_FAILED" | "VALIDATION_ERROR">
> {
  return startProviderTrip(deps, {
    provider: input.provider,
    bind: () => {
      const codeChallenge = parseCodeChallenge(input);
      if (!codeChallenge.ok) return codeChallenge;
      return ok({
        codeChallengeHash: deps.secretHasher.hashSecret(codeChallenge.value),
        linkUserId: null,
        linkSessionId: null,
        reauthenticateSessionId: null,
      });
    },
  });
}
