import {
  checkUserMaySignIn,
  err,
  type LinkedProvider,
  oauthProviderNames,
  ok,
  type Result,
  type SessionId,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies, ProviderProfile } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { linkFromProfile, writeLink } from "./steps/provider-links.ts";

/**
 * The provider's answer to a linking trip (started by startLinkingProvider, which checked the
 * fresh proof): links the identity that signed in at the provider to the signed-in user's
 * account, while the session that started the trip is live (INVALID_TOKEN once it has ended) and the
 * account active, both as the link's write finds them. Linking the same identity again is a no-op;
 * an identity linked to another account, or a second identity of a provider the account already
 * has, is refused.
 */
export async function finishLinkingProvider(
  deps: Dependencies,
  input: { userId: UserId; sessionId: SessionId | null; profile: ProviderProfile; client: ClientInfo },
): Promise<
  Result<
    LinkedProvider,
    | "INVALID_TOKEN"
    | "USER_NOT_FOUND"
    | "ACCOUNT_DISABLED"
    | "PROVIDER_ALREADY_LINKED"
    | "ACCOUNT_LINK_FAILED"
  >
> {
  const { profile, client } = input;
  const name = oauthProviderNames[profile.provider];
  const sessionEnded = err("INVALID_TOKEN", "The session that asked to link has ended; sign in again");
  // A trip recorded before trips kept their session (none on record) is refused.
  const { sessionId } = input;
  if (sessionId === null) return sessionEnded;
  const link = linkFromProfile({ userId: input.userId, profile, now: deps.clock.now() });
  // The session that asked must still be live, and the account active, as the link is written: the
  // store reads both under the account's lock, so logging out everywhere, changing the password,
  // an undone change of address or a disable either commits first and the link is refused, or
  // after, over the link (a stolen token's pending link never lands after the owner's sign-out).
  const linked = await writeLink(name, () =>
    deps.linkedProviders.linkProvider<"INVALID_TOKEN" | "USER_NOT_FOUND" | "ACCOUNT_DISABLED">(link, {
      sessionId,
      mayLink: (holder) => {
        if (holder === null) return err("USER_NOT_FOUND", "The account no longer exists");
        if (!holder.sessionLive) return sessionEnded;
        return checkUserMaySignIn(holder.user);
      },
    }),
  );
  if (!linked.ok && linked.error !== "PROVIDER_ALREADY_LINKED")
    return err(linked.error, linked.message, linked.cause);
  if (!linked.ok) {
    const existing = await deps.linkedProviders.findLinkedProvider({
      provider: profile.provider,
      subject: profile.subject,
    });
    // Linking the same identity again is a no-op, not an error.
    if (existing?.userId === input.userId) return ok(existing);
    return err(
      "PROVIDER_ALREADY_LINKED",
      existing === null
        ? `Your account already has a ${name} account linked: unlink it first`
        : `This ${name} account is already linked to another account`,
    );
  }
  await recordSecurityEvent(deps, {
    userId: input.userId,
    type: "provider_linked",
    client,
    details: { provider: profile.provider },
  });
  return ok(link);
}
