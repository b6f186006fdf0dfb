import { ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import {
  recordWhatCameBeforeProofForgotten,
  removeWhatCameBeforeProof,
} from "../email-verification/steps/first-proof-of-address.ts";
import { inOneTransaction } from "../in-one-transaction.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { actorOf, authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";

/**
 * Marks the account's address verified on staff's word (admins, with a fresh proof), for a person
 * who cannot receive the verification mail (a filter that drops it, a service run without SMTP) and
 * has shown staff another way that the mailbox is theirs. It counts as the first proof of the
 * address, as the mailed link does: providers linked before are unlinked and a second factor turned
 * on before is turned off (removeWhatCameBeforeProof, ADR 0043); the verification links still
 * unused stop working. Recorded as `email_verified` naming the staff role, which mails the holder.
 * Idempotent: an address already verified is answered the same and nothing is recorded; of
 * concurrent verifications (two admins, or an admin and the holder's link) one records the event.
 */
export async function verifyUserEmail(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string },
): Promise<Result<void, StaffRefusal>> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "verify_email",
    targetId: input.userId,
  });
  if (!target.ok) return target;
  if (target.value.emailVerified) return ok(undefined);
  const now = deps.clock.now();
  const actor = actorOf(input.actor, input.client);
  const userId = target.value.id;
  // The address verified, what the first proof takes away and its links ended land together (ADR
  // 0056), the user's row locked first; the log's entries, and their mails, after.
  const { forgotten, changed } = await inOneTransaction(deps, async (deps) => {
    const changed = await deps.users.markEmailVerified({ userId, now });
    const forgotten = await removeWhatCameBeforeProof(deps, { userId });
    await deps.emailTokens.useAllEmailTokensOfUser({ userId, purpose: "verify_email", now });
    return { forgotten, changed };
  });
  await recordWhatCameBeforeProofForgotten(deps, {
    userId,
    forgotten,
    actor,
    reason: "staff_verification_of_unverified_address",
  });
  if (!changed) return ok(undefined);
  await recordSecurityEvent(deps, {
    userId: target.value.id,
    type: "email_verified",
    actor,
  });
  return ok(undefined);
}
