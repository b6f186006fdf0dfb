import type { Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import type { AllowanceSpent } from "../allowance-spent.ts";
import { resendVerificationLink } from "../email-verification/steps/send-verification-mail.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";
import { answerStaffMailedLink } from "./steps/staff-mailed-link.ts";

/**
 * Mails the account's own address a new verification link on staff's request (support and admins,
 * no fresh proof: it only mails the address the account already has), for a person whose first
 * mail went astray. The same step as the person's own `/resend-verification`
 * (resendVerificationLink): the same link and lifetime, superseding the older ones, within the same
 * allowance per account and hour, and within the member of staff's own (STAFF_MAILS_PER_HOUR). Unlike that request, staff are told what happened: an address
 * already verified is a VALIDATION_ERROR (nothing to send); the rest as answerStaffMailedLink says.
 * Each mailed link is recorded (`verification_resent`, naming the member of staff).
 */
export async function resendUserVerification(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string },
): Promise<Result<void, StaffRefusal | "VALIDATION_ERROR"> | AllowanceSpent> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "resend_verification",
    targetId: input.userId,
  });
  if (!target.ok) return target;
  return answerStaffMailedLink(deps, {
    mail: (issue) => resendVerificationLink(deps, { user: target.value, now: deps.clock.now(), issue }),
    link: "a verification link",
    event: "verification_resent",
    target: target.value,
    actor: input.actor,
    client: input.client,
  });
}
