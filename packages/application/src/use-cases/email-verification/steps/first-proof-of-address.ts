import type { OAuthProviderId, UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent, type StaffActor } from "../../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";
import {
  type ProviderUnlinkReason,
  recordProvidersUnlinked,
  removeEveryLinkedProvider,
} from "../../social/steps/unlink-every-provider.ts";

/** What removeWhatCameBeforeProof took away: the providers it unlinked, and whether a second factor. */
export interface ForgottenBeforeProof {
  readonly providers: readonly OAuthProviderId[];
  readonly twoFactor: boolean;
}

/**
 * What the first proof of an address (a verification link, or a reset link, which reached the same
 * mailbox; or staff's word, verifyUserEmail) takes away: until now nobody had proven the address, so
 * whoever made the account on it may be a stranger who sent this very mail to its owner (account
 * pre-hijacking, Sudhodanan & Paverd 2022; ADR 0043). Their provider identities are unlinked, and a
 * second factor turned on before goes too: it may be the stranger's authenticator, and once the
 * address is proven a reset keeps 2FA, so the owner would stay at a code prompt on the account of
 * their own address for good. The owner sets 2FA up again with their own app.
 *
 * The writes alone, for the proof's transaction (ADR 0056): the address is marked verified in the
 * same one, so a proof never lands without them. recordWhatCameBeforeProofForgotten records them
 * once it has committed (their notices are mails).
 */
export async function removeWhatCameBeforeProof(
  deps: Pick<Dependencies, "linkedProviders" | "twoFactor">,
  input: { userId: UserId },
): Promise<ForgottenBeforeProof> {
  const providers = await removeEveryLinkedProvider(deps, input);
  // Of concurrent first proofs (staff's and the link) one removes the factor and records it.
  const twoFactor = await deps.twoFactor.deleteTwoFactor(input.userId);
  return { providers, twoFactor };
}

/**
 * Records what removeWhatCameBeforeProof took away: each provider as `provider_unlinked`, the
 * factor as `two_factor_disabled` (both mail the holder).
 */
export async function recordWhatCameBeforeProofForgotten(
  deps: Dependencies,
  input: {
    userId: UserId;
    forgotten: ForgottenBeforeProof;
    client?: ClientInfo | undefined;
    /** The member of staff whose word is the proof (verifyUserEmail): named on each event. */
    actor?: StaffActor | undefined;
    reason: Exclude<ProviderUnlinkReason, "email_change_undone">;
  },
): Promise<void> {
  const { forgotten, ...event } = input;
  await recordProvidersUnlinked(deps, { ...event, providers: forgotten.providers });
  if (!forgotten.twoFactor) return;
  await recordSecurityEvent(deps, {
    userId: input.userId,
    type: "two_factor_disabled",
    client: input.client,
    ...(input.actor === undefined ? {} : { actor: input.actor }),
    details: { reason: input.reason },
  });
}
