import { ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";
import { type OAuthAuthorizationStarted, startProviderTrip } from "./steps/start-provider-trip.ts";

/**
 * Starts linking a provider to the signed-in account (POST /oauth/:provider/link). A linked
 * provider signs in, so this needs a fresh proof (ADR 0012), checked when the trip starts: the
 * trip itself is bound to this browser and to this session, lasts ten minutes at most, and links
 * nothing if the session has ended by the time the provider sends the browser back.
 */
export async function startLinkingProvider(
  deps: Dependencies,
  input: { session: Session; provider: string },
): Promise<
  Result<OAuthAuthorizationStarted, "UNSUPPORTED_PROVIDER" | "OAUTH_INIT_FAILED" | "REAUTH_REQUIRED">
> {
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  const { userId: linkUserId, id: linkSessionId } = input.session;
  return startProviderTrip(deps, {
    provider: input.provider,
    bind: () => ok({ linkUserId, linkSessionId, reauthenticateSessionId: null, codeChallengeHash: null }),
  });
}
