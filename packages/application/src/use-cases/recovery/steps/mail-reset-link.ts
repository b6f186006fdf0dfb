import type { User } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import {
  type LinkIssuer,
  type LinkMailing,
  mailTokenIfAllowed,
} from "../../email-verification/steps/mail-token.ts";

/** What asking for a password-reset link did: mailed one, or why not (a disabled account, or the allowance). */
export type ResetLinkMailing = LinkMailing | "disabled";

/**
 * Mails the account a single-use password-reset link, valid for an hour, if the account is active
 * (a disabled account's reset is refused). The link supersedes the older ones and counts against
 * the allowance per account and hour (mailTokenIfAllowed). The one step behind the person's own
 * "forgot password" (requestPasswordReset, which tells the asker nothing of the outcome) and
 * staff's (sendUserPasswordReset, which does, and whose `issue` counts it against their allowance too).
 */
export async function mailResetLink(
  deps: Dependencies,
  input: { user: User; now: Date; issue?: LinkIssuer },
): Promise<ResetLinkMailing> {
  if (input.user.status !== "active") return "disabled";
  return mailTokenIfAllowed(deps, {
    user: input.user,
    purpose: "reset_password",
    now: input.now,
    issue: input.issue,
  });
}
