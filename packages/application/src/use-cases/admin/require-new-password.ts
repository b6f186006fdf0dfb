import { err, ok, type Result, requestedLinkAllowanceAt } from "@superoauth/domain";
import { composeNewPasswordRequiredMail } from "../../mails.ts";
import type { Dependencies } from "../../ports/index.ts";
import { issueToken } from "../email-verification/steps/mail-token.ts";
import { inOneTransaction } from "../in-one-transaction.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import { endEverythingOfUser } from "../sessions/steps/end-everything-of-user.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { actorOf, authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";

const disabled = err(
  "VALIDATION_ERROR",
  "The account is disabled: enable it before requiring a new password (its reset links are refused)",
);

/**
 * Makes the account's password stop working and mails its address a link to choose a new one, on
 * an admin's request (with a fresh proof; never on their own account), for an account whose
 * password is known to someone else (a leak, a takeover reported by its holder). In one transaction
 * (ADR 0056): the password removed, every session and third-party app's grant ended, a pending
 * change of address ended (it may be the intruder's), and a reset link issued, which supersedes the
 * older ones; the link is mailed after the commit, with what was done and why, and the sessions are
 * ended once more (a sign-in that read the old password before the commit). Providers and the
 * second factor stay. The link is not counted against the hourly allowance (the person must get
 * it), but a repeat within a minute of an unused reset link (a double click, or a link the person
 * asked for a moment ago, which works the same) mails nothing more (ADR 0053). Recorded as
 * `password_reset_required`, naming the member of staff, unless nothing changed (a repeat on an
 * account with no password left and its link on its way). Answers whether this request mailed a
 * link (`linkMailed`: false when an unused one under a minute old was on its way), so a double
 * click is not told a second link is coming. A disabled account is refused (its reset links are
 * refused: enable it first).
 */
export async function requireNewPassword(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string },
): Promise<Result<{ readonly linkMailed: boolean }, StaffRefusal | "VALIDATION_ERROR">> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "require_new_password",
    targetId: input.userId,
  });
  if (!target.ok) return target;
  const user = target.value;
  if (user.status !== "active") return disabled;
  const now = deps.clock.now();
  // No hourly count (the person must get the link), only the repeat window (ADR 0053). The tokens
  // are read from the window's start: counted from `now`, the link a double click's first request
  // issued a moment before was never read, and every repeat mailed a new one.
  const { repeatSince } = requestedLinkAllowanceAt(now);
  const required = await inOneTransaction(deps, async (deps) => {
    // Conditional on the account being active: a disable committed since the read wins.
    if (!(await deps.users.updatePasswordHash({ userId: user.id, passwordHash: null, now }))) return null;
    await endEverythingOfUser(deps, { userId: user.id });
    await deps.emailTokens.useAllEmailTokensOfUser({ userId: user.id, purpose: "change_email", now });
    return issueToken(deps, {
      user,
      purpose: "reset_password",
      now,
      allowance: { since: repeatSince, repeatSince, max: Number.MAX_SAFE_INTEGER },
    });
  });
  if (required === null) {
    return (await deps.users.findUserById(user.id)) === null
      ? err("USER_NOT_FOUND", "No user with this id")
      : disabled;
  }
  // A sign-in that read the old password before the commit opened its session after the first end.
  await endEverythingOfUser(deps, { userId: user.id });
  if ("link" in required) {
    await deps.mailer.sendMail(
      composeNewPasswordRequiredMail({
        to: user.email,
        nickname: user.nickname,
        link: required.link,
        appURL: deps.settings.appURL,
        brand: deps.settings.brand,
        hadPassword: user.passwordHash !== null,
      }),
    );
  }
  if ("link" in required || user.passwordHash !== null) {
    await recordSecurityEvent(deps, {
      userId: user.id,
      type: "password_reset_required",
      actor: actorOf(input.actor, input.client),
      // The password went, but the link is the one mailed moments before: the audit says so.
      ...("link" in required ? {} : { details: { linkMailed: false } }),
    });
  }
  return ok({ linkMailed: "link" in required });
}
