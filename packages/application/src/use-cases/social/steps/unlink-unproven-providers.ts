import { ok, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";

/**
 * Removes every provider linked to an account whose address nobody had proven until now, each
 * recorded as `provider_unlinked` (which mails the holder). Whoever made the account or linked a
 * provider to it may not be the mailbox's owner (account pre-hijacking, Sudhodanan & Paverd 2022;
 * ADR 0043): the owner, proving the mailbox now by a reset or a verification link, keeps the
 * account, not someone else's provider identity. Even the last way to sign in goes: the mailbox's
 * owner can always set a password through a reset, and links their own providers again after.
 */
export async function unlinkUnprovenProviders(
  deps: Dependencies,
  input: {
    userId: UserId;
    client?: ClientInfo | undefined;
    reason: "password_reset_of_unverified_address" | "verification_of_unverified_address";
  },
): Promise<void> {
  for (const link of await deps.linkedProviders.listLinkedProvidersOfUser(input.userId)) {
    const removed = await deps.linkedProviders.unlinkProvider({
      userId: input.userId,
      provider: link.provider,
      mayUnlink: () => ok(undefined),
    });
    if (!removed.ok) continue;
    await recordSecurityEvent(deps, {
      userId: input.userId,
      type: "provider_unlinked",
      client: input.client,
      details: { provider: link.provider, reason: input.reason },
    });
  }
}
