import type { User } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { type LinkIssuer, type LinkMailing, mailTokenIfAllowed } from "./mail-token.ts";

/**
 * What asking for a new verification link did: mailed one, or why not: the address is verified
 * already, the account is disabled (its links would be refused), or the allowance said no (spent
 * this hour, or a link mailed less than a minute ago is still on its way, ADR 0053).
 */
export type VerificationResend = LinkMailing | "already-verified" | "disabled";

/**
 * Mails the account a new verification link if it still needs one: its address unverified and the
 * account active. The link is the registration's (same purpose, lifetime and page), supersedes the
 * older ones and counts against the same allowance per account and hour (mailTokenIfAllowed). The
 * one step behind the person's own request (resendVerification, which tells the asker nothing of
 * the outcome) and staff's (resendUserVerification, which does, and whose `issue` counts it against
 * their allowance too).
 */
export async function resendVerificationLink(
  deps: Dependencies,
  input: { user: User; now: Date; issue?: LinkIssuer },
): Promise<VerificationResend> {
  if (input.user.emailVerified) return "already-verified";
  if (input.user.status !== "active") return "disabled";
  return mailTokenIfAllowed(deps, {
    user: input.user,
    purpose: "verify_email",
    now: input.now,
    issue: input.issue,
  });
}
