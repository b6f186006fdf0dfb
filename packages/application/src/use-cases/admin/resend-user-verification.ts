import { err, mailAllowanceWindowMs, maxMailsPerAddress, ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import type { AllowanceSpent } from "../allowance-spent.ts";
import { resendVerificationLink } from "../email-verification/steps/send-verification-mail.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { actorOf, authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";

/**
 * Mails the account's own address a new verification link on staff's request (support and admins,
 * no fresh proof: it only mails the address the account already has), for a person whose first
 * mail went astray. The same step as the person's own `/resend-verification`
 * (resendVerificationLink): the same link and lifetime, superseding the older ones, within the same
 * allowance per account and hour. Unlike that request, staff are told what happened: an address
 * already verified, or a disabled account, is a VALIDATION_ERROR (nothing to send); a spent
 * allowance is RATE_LIMIT_EXCEEDED with when to try again. A request within a minute of the last
 * link, still unused, mails nothing more (ADR 0053: that link is on its way) and is answered the
 * same. Each mailed link is recorded (`verification_resent`, naming the member of staff).
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
  const outcome = await resendVerificationLink(deps, { user: target.value, now: deps.clock.now() });
  switch (outcome) {
    case "already-verified":
      return err("VALIDATION_ERROR", "The address is already verified: there is no link to send");
    case "disabled":
      return err(
        "VALIDATION_ERROR",
        "The account is disabled: enable it before sending it a verification link",
      );
    case "allowance-spent":
      // Counted over the last hour: an hour from now is the latest a retry waits.
      return {
        ok: false,
        error: "RATE_LIMIT_EXCEEDED",
        message: `This address was mailed ${maxMailsPerAddress} links of this kind in the last hour, the most allowed: the newest still works; send another later`,
        retryAfterSeconds: mailAllowanceWindowMs / 1000,
      };
    case "recently-issued":
      return ok(undefined);
    case "sent":
      await recordSecurityEvent(deps, {
        userId: target.value.id,
        type: "verification_resent",
        actor: actorOf(input.actor, input.client),
      });
      return ok(undefined);
  }
}
