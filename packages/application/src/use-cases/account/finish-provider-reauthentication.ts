import {
  err,
  type OAuthProviderId,
  oauthProviderNames,
  ok,
  type Result,
  type SessionId,
} from "@superoauth/domain";
import type { Dependencies, ProviderProfile } from "../../ports/index.ts";

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
  await deps.sessions.recordReauthentication({
    sessionId: session.id,
    now: deps.clock.now(),
    methods: ["fed"],
  });
  return ok(profile.provider);
}
