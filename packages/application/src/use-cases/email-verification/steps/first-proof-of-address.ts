import type { UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent, type StaffActor } from "../../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";
import { unlinkEveryProvider } from "../../social/steps/unlink-every-provider.ts";

/**
 * What the first proof of an address (a verification link, or a reset link, which reached the same
 * mailbox; or staff's word, verifyUserEmail) takes away: until now nobody had proven the address, so
 * whoever made the account on it may be a stranger who sent this very mail to its owner (account
 * pre-hijacking, Sudhodanan & Paverd 2022; ADR 0043). Their provider identities are unlinked
 * (unlinkEveryProvider), and a second factor turned on before goes too, recorded as `two_factor_disabled` (which mails the holder): it may be
 * the stranger's authenticator, and once the address is proven a reset keeps 2FA, so the owner would
 * stay at a code prompt on the account of their own address for good. The owner sets 2FA up again
 * with their own app.
 */
export async function forgetWhatCameBeforeProof(
  deps: Dependencies,
  input: {
    userId: UserId;
    client?: ClientInfo | undefined;
    /** The member of staff whose word is the proof (verifyUserEmail): named on each event. */
    actor?: StaffActor | undefined;
    reason:
      | "password_reset_of_unverified_address"
      | "verification_of_unverified_address"
      | "staff_verification_of_unverified_address";
  },
): Promise<void> {
  await unlinkEveryProvider(deps, input);
  // Of concurrent first proofs (staff's and the link) one removes the factor and records it.
  if (!(await deps.twoFactor.deleteTwoFactor(input.userId))) return;
  await recordSecurityEvent(deps, {
    userId: input.userId,
    type: "two_factor_disabled",
    client: input.client,
    ...(input.actor === undefined ? {} : { actor: input.actor }),
    details: { reason: input.reason },
  });
}
