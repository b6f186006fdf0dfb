import {
  err,
  mailAllowanceWindowMs,
  maxMailsPerAddress,
  ok,
  type Result,
  type User,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import type { AllowanceSpent } from "../../allowance-spent.ts";
import type { LinkMailing } from "../../email-verification/steps/mail-token.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";
import { actorOf } from "./authorize-staff-action.ts";

/**
 * What staff are told of a link they had mailed to an account's own address (a new verification
 * link, a password-reset link), which the person asking for one themselves is not: a disabled
 * account is a VALIDATION_ERROR (its links are refused: enable it first); a spent allowance is
 * RATE_LIMIT_EXCEEDED with when to try again. A request within a minute of the last link, still
 * unused, mailed nothing more (ADR 0053: that link is on its way) and is answered as sent. Each
 * mailed link is recorded as `event`, naming the member of staff.
 */
export async function answerStaffMailedLink(
  deps: Dependencies,
  input: {
    outcome: LinkMailing | "disabled";
    /** The link as a sentence names it: "a verification link". */
    link: string;
    event: "verification_resent" | "password_reset_requested";
    target: User;
    actor: Authenticated;
    client: ClientInfo | undefined;
  },
): Promise<Result<void, "VALIDATION_ERROR"> | AllowanceSpent> {
  switch (input.outcome) {
    case "disabled":
      return err("VALIDATION_ERROR", `The account is disabled: enable it before sending it ${input.link}`);
    case "allowance-spent":
      // Counted over the last hour: an hour from now is the latest a retry waits.
      return {
        ok: false,
        error: "RATE_LIMIT_EXCEEDED",
        message: `This address was mailed ${maxMailsPerAddress} links of this kind in the last hour, the most allowed: the newest of them works until it is used or expires; send another later`,
        retryAfterSeconds: mailAllowanceWindowMs / 1000,
      };
    case "recently-issued":
      return ok(undefined);
    case "sent":
      await recordSecurityEvent(deps, {
        userId: input.target.id,
        type: input.event,
        actor: actorOf(input.actor, input.client),
      });
      return ok(undefined);
  }
}
