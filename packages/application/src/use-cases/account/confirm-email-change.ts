import { err, maskEmail, ok, type Result, type User, undoLinkAllowanceAt } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { findUsableEmailToken, issueToken } from "../email-verification/steps/mail-token.ts";
import { inOneTransaction } from "../in-one-transaction.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";

const invalid = err(
  "INVALID_VERIFICATION_TOKEN",
  "The confirmation link is invalid, expired or already used (only the newest link mailed works)",
);

/**
 * Moves the account to the address a `change_email` token was mailed to (`POST
 * /user/email/confirm`); the token is the proof, of the session that asked (it needed a fresh
 * proof) and of the new mailbox, so no bearer is needed and the address is verified at once.
 * The token works once: of concurrent uses exactly one gets past `useEmailToken`. The address is
 * taken by the unique index: when another account got it since the request (a registration, another
 * change), USER_EXISTS, and the used token stays used (ask again with another address).
 *
 * Afterwards every link mailed to the old address dies (verification, password reset, other
 * changes), and the old address gets a final notice with a link that undoes the change for a week
 * (`undoEmailChange`, ADR 0047): that address can no longer ask for a reset, and its owner may not
 * be the one who changed it.
 */
export async function confirmEmailChange(
  deps: Dependencies,
  input: { token: string; client?: ClientInfo },
): Promise<Result<User, "INVALID_VERIFICATION_TOKEN" | "USER_EXISTS">> {
  const now = deps.clock.now();
  const token = await findUsableEmailToken(deps, { presented: input.token, purpose: "change_email", now });
  if (token === null || token.newEmail === null) return invalid;
  const newEmail = token.newEmail;
  const user = await deps.users.findUserById(token.userId);
  if (user === null || user.status !== "active") return invalid;
  // Spending the link, moving the address, ending the old address's links and issuing the undo link
  // are one transaction (ADR 0056): a confirmation that fails before its commit changes nothing, and
  // the link still works. The notice, with the undo link, is mailed once it has committed.
  const moved = await inOneTransaction(deps, async (deps) => {
    // Ends the account's reset links in the same step: of this and a password reset at once,
    // exactly one goes on (a reset ends pending changes the same way). A change then refused
    // (USER_EXISTS) has ended them too; a new one can be asked for.
    const used = await deps.emailTokens.useEmailToken({
      id: token.id,
      now,
      ending: { userId: user.id, purposes: ["reset_password"] },
    });
    if (used !== "used") return invalid;
    // Only from the address read: an undo of an earlier change that wrote since wins (ADR 0047).
    const changed = await deps.users.changeEmail({
      userId: user.id,
      email: newEmail,
      now,
      ifCurrent: user.email,
    });
    if (!changed.ok) {
      return changed.error === "USER_EXISTS"
        ? err("USER_EXISTS", "Another account uses this email address now")
        : invalid;
    }
    for (const purpose of ["change_email", "reset_password"] as const) {
      await deps.emailTokens.useAllEmailTokensOfUser({ userId: user.id, purpose, now });
    }
    // The old address's verification links go altogether: a spent one would otherwise answer
    // "already verified" (verifyEmail), which the old address is not.
    await deps.emailTokens.deleteEmailTokensOfUser({ userId: user.id, purpose: "verify_email" });
    // The old address can no longer ask for a reset: its notice carries the way back (ADR 0047).
    // One per account within a week (a thief changing twice must not get one for their own address).
    return ok(
      await issueToken(deps, {
        user,
        purpose: "undo_email_change",
        now,
        newEmail: user.email,
        allowance: undoLinkAllowanceAt(now),
      }),
    );
  });
  if (!moved.ok) return moved;
  const undo = moved.value;
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: "email_changed",
    client: input.client,
    details: { from: maskEmail(user.email), to: maskEmail(newEmail) },
    noticeTo: user.email,
    ...("link" in undo ? { undoLink: undo.link } : {}),
  });
  const updated = await deps.users.findUserById(user.id);
  return updated === null ? invalid : ok(updated);
}
