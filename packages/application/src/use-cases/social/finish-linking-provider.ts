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
 * account, while the session that started the trip is live (INVALID_TOKEN once it has ended). Linking the same identity again is a no-op; an identity linked to another account,
 * or a second identity of a provider the account already has, is refused.
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
  const user = await deps.users.findUserById(input.userId);
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  // The session that asked must still be live: logging out everywhere or changing the password
  // ends a pending link too. A trip recorded before trips kept their session (none on record) is refused.
  const session = input.sessionId === null ? null : await deps.sessions.findSession(input.sessionId);
  if (session === null || session.revokedAt !== null || session.userId !== input.userId) {
    return err("INVALID_TOKEN", "The session that asked to link has ended; sign in again");
  }
  const allowed = checkUserMaySignIn(user);
  if (!allowed.ok) return allowed;
  const link = linkFromProfile({ userId: user.id, profile, now: deps.clock.now() });
  const linked = await writeLink(name, () => deps.linkedProviders.linkProvider(link));
  if (!linked.ok && (linked.error === "ACCOUNT_LINK_FAILED" || linked.error === "USER_NOT_FOUND"))
    return err(linked.error, linked.message, linked.cause);
  if (!linked.ok) {
    const existing = await deps.linkedProviders.findLinkedProvider({
      provider: profile.provider,
      subject: profile.subject,
    });
    // Linking the same identity again is a no-op, not an error.
    if (existing?.userId === user.id) return ok(existing);
    return err(
      "PROVIDER_ALREADY_LINKED",
      existing === null
        ? `Your account already has a ${name} account linked: unlink it first`
        : `This ${name} account is already linked to another account`,
    );
  }
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: "provider_linked",
    client,
    details: { provider: profile.provider },
  });
  return ok(link);
}
