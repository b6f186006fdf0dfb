import {
  err,
  mailAllowanceWindowMs,
  maxMailsPerAddress,
  ok,
  type Result,
  staffReadAllowanceWindowMs,
  type User,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import type { AllowanceSpent } from "../../allowance-spent.ts";
import {
  issueTokenIfAllowed,
  type LinkIssue,
  type LinkIssuer,
} from "../../email-verification/steps/mail-token.ts";
import type { VerificationResend } from "../../email-verification/steps/send-verification-mail.ts";
import { inOneTransaction } from "../../in-one-transaction.ts";
import { newSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";
import { actorOf } from "./authorize-staff-action.ts";
import { staffAllowanceSpent } from "./record-staff-read.ts";

/**
 * Mails a link staff asked for to an account's own address (a new verification link, a
 * password-reset link) by `mail`, the person's own step, and says what happened, which the person
 * asking for one themselves is not told: a verified address is a VALIDATION_ERROR (no link to send);
 * a disabled account too (its links are refused: enable it first); a spent allowance is
 * RATE_LIMIT_EXCEEDED with when to try again. A request within a minute of the last link, still
 * unused, mailed nothing more (ADR 0053: that link is on its way) and is answered as sent.
 *
 * Two allowances bound it: the account's (3 links of a kind per address and hour, shared with the
 * person's own requests: the mailbox is not flooded whoever asks) and the member of staff's
 * (STAFF_MAILS_PER_HOUR, docs/admin.md "Mail allowance", ADR 0066: a stolen staff session cannot
 * spend everyone's). Each link is issued in one transaction with its entry (`event`, naming the
 * member of staff), under their row's lock, after their links of the last hour are counted from the
 * audit (recordStaffEntry): of any number of requests at once exactly as many as their allowance
 * has left are issued and recorded, and a link not issued (the account's allowance spent, or a
 * repeat) records and counts nothing. The mail goes after the commit.
 */
export async function answerStaffMailedLink(
  deps: Dependencies,
  input: {
    mail: (issue: LinkIssuer) => Promise<VerificationResend>;
    /** The link as a sentence names it: "a verification link". */
    link: string;
    event: "verification_resent" | "password_reset_requested";
    target: User;
    actor: Authenticated;
    client: ClientInfo | undefined;
  },
): Promise<Result<void, "VALIDATION_ERROR" | "USER_NOT_FOUND"> | AllowanceSpent> {
  let refused: AllowanceSpent | Result<never, "USER_NOT_FOUND"> | null = null;
  const issue: LinkIssuer = async (link) => {
    const event = newSecurityEvent(deps, {
      userId: input.target.id,
      type: input.event,
      actor: actorOf(input.actor, input.client),
    });
    const now = event.occurredAt.getTime();
    const max = deps.settings.staffMailsPerHour;
    const nothing: LinkIssue = { notIssued: "allowance-spent" };
    // Set by the step, which runs only when the staff allowance has room. Reset on each attempt: a
    // transaction the database gave up and ran again left no link from the attempt before.
    const issued: { value: LinkIssue } = { value: nothing };
    const record = await inOneTransaction(deps, (tx) => {
      issued.value = nothing;
      return tx.securityEvents.recordStaffEntry(
        event,
        { since: new Date(now - staffReadAllowanceWindowMs + 1), max },
        undefined,
        async () => {
          issued.value = await issueTokenIfAllowed(tx, link);
          return "link" in issued.value;
        },
      );
    });
    if (record.recorded || record.withheld) return issued.value;
    // Deleted since it was read (or the member of staff's own account): no link, nothing recorded.
    refused = record.gone
      ? err("USER_NOT_FOUND", "No user with this id")
      : staffAllowanceSpent({
          now,
          oldest: "oldest" in record ? record.oldest : new Date(now),
          done: `had ${max} verification or password-reset links mailed`,
          more: "send more",
        });
    return nothing;
  };
  const outcome = await input.mail(issue);
  if (refused !== null) return refused;
  switch (outcome) {
    case "already-verified":
      return err("VALIDATION_ERROR", "The address is already verified: there is no link to send");
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
    case "sent":
      return ok(undefined);
  }
}
