import { type OAuthProviderId, ok, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent, type StaffActor } from "../../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";

/** Why every provider of an account is unlinked at once (the events' `details.reason`). */
export type ProviderUnlinkReason =
  | "password_reset_of_unverified_address"
  | "verification_of_unverified_address"
  | "staff_verification_of_unverified_address"
  | "email_change_undone";

/**
 * Removes every provider linked to an account when the mailbox's owner takes the account back from
 * someone who may have linked their own: an address nobody had proven until now (account
 * pre-hijacking, Sudhodanan & Paverd 2022; ADR 0043), proven now by a reset or a verification link
 * or staff's word; or an undone change of address (ADR 0047), whose thief held a session and could
 * link a provider to sign in with later. The owner keeps the account, not someone else's provider
 * identity. Even the last way to sign in goes: the mailbox's owner has a password by then (or can
 * set one through a reset), and links their own providers again after. The writes alone, for the
 * caller's transaction (ADR 0056): answers the providers it unlinked, for recordProvidersUnlinked
 * once that has committed (each is mailed to the holder).
 */
export async function removeEveryLinkedProvider(
  deps: Pick<Dependencies, "linkedProviders">,
  input: { userId: UserId },
): Promise<readonly OAuthProviderId[]> {
  const unlinked: OAuthProviderId[] = [];
  for (const link of await deps.linkedProviders.listLinkedProvidersOfUser(input.userId)) {
    const removed = await deps.linkedProviders.unlinkProvider({
      userId: input.userId,
      provider: link.provider,
      mayUnlink: () => ok(undefined),
    });
    if (removed.ok) unlinked.push(link.provider);
  }
  return unlinked;
}

/** Records each provider removeEveryLinkedProvider unlinked as `provider_unlinked`, which mails the holder. */
export async function recordProvidersUnlinked(
  deps: Dependencies,
  input: {
    userId: UserId;
    providers: readonly OAuthProviderId[];
    client?: ClientInfo | undefined;
    actor?: StaffActor | undefined;
    reason: ProviderUnlinkReason;
  },
): Promise<void> {
  for (const provider of input.providers) {
    await recordSecurityEvent(deps, {
      userId: input.userId,
      type: "provider_unlinked",
      client: input.client,
      ...(input.actor === undefined ? {} : { actor: input.actor }),
      details: { provider, reason: input.reason },
    });
  }
}
