import type { Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import type { AllowanceSpent } from "../allowance-spent.ts";
import { mailResetLink } from "../recovery/steps/mail-reset-link.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";
import { answerStaffMailedLink } from "./steps/staff-mailed-link.ts";

/**
 * Mails the account's own address a password-reset link on staff's request (support and admins,
 * no fresh proof: only the holder of the address can use it), for a person who cannot sign in and
 * asks support for help. The same step as the person's own "forgot password" (mailResetLink): the
 * same link, valid for an hour, superseding the older ones, within the same allowance per account
 * and hour, and within the member of staff's own (STAFF_MAILS_PER_HOUR). Nothing about the account changes until the link is used: the password, the sessions
 * and the second factor stay as they are. Staff are told what happened (answerStaffMailedLink);
 * each mailed link is recorded as `password_reset_requested`, naming the member of staff.
 */
export async function sendUserPasswordReset(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string },
): Promise<Result<void, StaffRefusal | "VALIDATION_ERROR"> | AllowanceSpent> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "send_password_reset",
    targetId: input.userId,
  });
  if (!target.ok) return target;
  return answerStaffMailedLink(deps, {
    mail: (issue) => mailResetLink(deps, { user: target.value, now: deps.clock.now(), issue }),
    link: "a password-reset link",
    event: "password_reset_requested",
    target: target.value,
    actor: input.actor,
    client: input.client,
  });
}
