import {
  err,
  mailAllowanceWindowMs,
  maskEmail,
  maxMailsPerAddress,
  ok,
  parseNewEmail,
  type Result,
  type Session,
} from "@superoauth/domain";
import { composeEmailTakenNotice, composeTokenMail } from "../../mails.ts";
import type { Dependencies } from "../../ports/index.ts";
import type { AllowanceSpent } from "../allowance-spent.ts";
import { issueTokenIfAllowed } from "../email-verification/steps/mail-token.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { requireFreshProof } from "./steps/fresh-proof.ts";

/**
 * Asks to move the account to another address (`POST /user/email`), behind a fresh proof (ADR
 * 0012): whoever controls the address controls the account, through password reset. Nothing
 * changes yet: a single-use `change_email` token (an hour; a newer request supersedes it) is
 * issued, its link mailed to the new address, and the current address gets a notice naming the
 * new one masked. The address becomes the account's only when the link is used
 * (confirmEmailChange), so nothing signs in or links by it before its mailbox is proven.
 *
 * When the new address already belongs to another account, the answer is the same: a token is
 * issued too (so the allowance and the superseding behave alike) but its secret is thrown away,
 * and the new address gets a notice instead of a link
 * (docs/decisions/0027-email-change-keeps-taken-addresses-private.md).
 */
export async function requestEmailChange(
  deps: Dependencies,
  input: { session: Session; newEmail: string; client?: ClientInfo },
): Promise<
  | Result<{ pending: true }, "VALIDATION_ERROR" | "REAUTH_REQUIRED" | "USER_NOT_FOUND" | "INVALID_TOKEN">
  | AllowanceSpent
> {
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  const newEmail = parseNewEmail(input.newEmail);
  if (!newEmail.ok) return newEmail;
  const user = await deps.users.findUserById(input.session.userId);
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  if (newEmail.value === user.email) {
    return err("VALIDATION_ERROR", "The new email address is the account's current one");
  }
  const issued = await issueTokenIfAllowed(deps, {
    user,
    purpose: "change_email",
    now: deps.clock.now(),
    newEmail: newEmail.value,
  });
  // The same address asked for moments ago (a double tap): the link mailed then is on its way and
  // stays the one that works; nothing more is mailed or recorded (ADR 0053).
  if ("notIssued" in issued && issued.notIssued === "recently-issued") return ok({ pending: true });
  if (!("link" in issued)) {
    // The allowance is counted over the last hour: an hour from now is the latest a retry waits.
    return {
      ok: false,
      error: "RATE_LIMIT_EXCEEDED",
      message: "Too many email changes were requested this hour; retry later",
      retryAfterSeconds: mailAllowanceWindowMs / 1000,
    };
  }
  // A session ended while this request ran (an admin's requirement of a new password, a sign-out
  // everywhere, a reset) asks for nothing: the link just issued dies unmailed. Read after the
  // issue, so whichever commits first, the link cannot be used: an end before this read is seen
  // here, and one after it ends the account's change links itself (the requirement and a reset do).
  const { session: current } = await deps.sessions.findSessionWithUser({
    sessionId: input.session.id,
    userId: user.id,
  });
  if (current === null || current.revokedAt !== null) {
    await deps.emailTokens.useAllEmailTokensOfUser({
      userId: user.id,
      purpose: "change_email",
      now: deps.clock.now(),
    });
    return err("INVALID_TOKEN", "This session has ended; sign in again");
  }
  // Each account may ask three times an hour, but many accounts may name one address: past
  // maxMailsPerAddress change mails to an address in the hour, whoever asked, nothing more is
  // mailed to it (the answer is the same, so it tells nothing of the address either).
  const mailedTo = await deps.emailTokens.countChangeLinksTo({
    newEmail: newEmail.value,
    since: new Date(deps.clock.now().getTime() - mailAllowanceWindowMs + 1),
  });
  if (mailedTo <= maxMailsPerAddress) {
    const owner = await deps.users.findUserByEmail(newEmail.value);
    await deps.mailer.sendMail(
      owner === null
        ? composeTokenMail({
            to: newEmail.value,
            nickname: user.nickname,
            purpose: "change_email",
            link: issued.link,
            brand: deps.settings.brand,
          })
        : composeEmailTakenNotice({
            to: owner.email,
            nickname: owner.nickname,
            appURL: deps.settings.appURL,
            brand: deps.settings.brand,
          }),
    );
  }
  // The notice goes to the current address: if someone else holds the session, its owner hears of it.
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: "email_change_requested",
    client: input.client,
    details: { to: maskEmail(newEmail.value) },
  });
  return ok({ pending: true });
}
