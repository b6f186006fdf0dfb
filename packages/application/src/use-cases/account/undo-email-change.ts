import { err, maskEmail, ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { findUsableEmailToken } from "../email-verification/steps/mail-token.ts";
import { inOneTransaction } from "../in-one-transaction.ts";
import { endOthersHoldOnAccount } from "../recovery/steps/end-others-hold.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import { endEverythingOfUser } from "../sessions/steps/end-everything-of-user.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { recordProvidersUnlinked, removeEveryLinkedProvider } from "../social/steps/unlink-every-provider.ts";
import { twoFactorStillOn } from "../two-factor/steps/redeem-code.ts";
import { screenAndHashNewPassword } from "./steps/check-new-password.ts";

/**
 * What the undo found, for the page that says the account is back: whether providers were unlinked,
 * and whether two-step verification is on (the next sign-in asks for a code the owner may lack, if
 * whoever changed the address turned it on).
 */
export interface EmailChangeUndone {
  readonly providersUnlinked: boolean;
  readonly twoFactor: "on" | "off";
}

const invalid = err("INVALID_RESET_TOKEN", "The link to undo the change is invalid, expired or already used");

/**
 * Gives an account back to the address it left (`POST /user/email/undo`), with the link
 * mailed to that address when the change was confirmed (ADR 0047): that address can no longer ask
 * for a password reset, and whoever changed it may have been a thief with a stolen session. The
 * link's holder proves the old mailbox, so, as a password reset does: the address is restored (and
 * verified), a new password is set, every session and third-party grant ends, pending links to reset
 * the password or change the address die and the account is unlocked. Two-factor authentication stays
 * as it is (a code the owner lacks is support's to reset, docs/account-security.md).
 *
 * The token works once: of concurrent uses exactly one gets past `useEmailToken`, which also ends
 * the account's reset and change links. A reset or a confirmation whose link was used before that
 * and which writes after it loses to the undo: the password is stored and the address changed here
 * unconditionally, while a reset stores its password only over the hash it read and a confirmation
 * moves the address only from the one it read (compare-and-set), so the owner's undo stands. The
 * providers linked to the account are unlinked (a thief holding a session could link their own and
 * sign in with it later). When another account holds the address by now: USER_EXISTS, and nothing
 * changes (the link still works, should the address be freed); if it was taken between that check
 * and the change, the password is set and the sessions end, but the address stays: USER_EXISTS.
 */
export async function undoEmailChange(
  deps: Dependencies,
  input: { token: string; newPassword: string; client?: ClientInfo },
): Promise<Result<EmailChangeUndone, "INVALID_RESET_TOKEN" | "VALIDATION_ERROR" | "USER_EXISTS">> {
  const now = deps.clock.now();
  const token = await findUsableEmailToken(deps, {
    presented: input.token,
    purpose: "undo_email_change",
    now,
  });
  if (token === null || token.newEmail === null) return invalid;
  const address = token.newEmail;
  const user = await deps.users.findUserById(token.userId);
  // A disabled account stays as staff left it, as with a reset link.
  if (user === null || user.status !== "active") return invalid;
  const holder = await deps.users.findUserByEmail(token.newEmail);
  if (holder !== null && holder.id !== user.id) return taken;
  const passwordHash = await screenAndHashNewPassword(deps, {
    password: input.newPassword,
    account: { ...user, email: token.newEmail },
    currentHash: user.passwordHash,
  });
  if (!passwordHash.ok) return passwordHash;
  const done = await inOneTransaction(deps, async (deps) => {
    const used = await deps.emailTokens.useEmailToken({
      id: token.id,
      now,
      ending: { userId: user.id, purposes: ["change_email", "reset_password"] },
    });
    if (used !== "used") return invalid;
    // The link is spent, the thief signed out, the password stored, the address restored and the
    // thief's providers unlinked together (ADR 0056): this link is the owner's only way back, and a
    // crash in between must leave it working, not spent with the thief's address on the account.
    // Everyone is signed out again once it is stored (endOthersHoldOnAccount), for a sign-in with
    // the old password that read it before the commit.
    await endEverythingOfUser(deps, { userId: user.id });
    // The password first: its write refuses an account disabled since the status was read, and then
    // nothing else has changed.
    if (!(await deps.users.updatePasswordHash({ userId: user.id, passwordHash: passwordHash.value, now })))
      return invalid;
    const restored = await deps.users.changeEmail({ userId: user.id, email: address, now });
    const unlinked = await removeEveryLinkedProvider(deps, { userId: user.id });
    return ok({ restored, unlinked });
  });
  if (!done.ok) return done;
  const { restored, unlinked } = done.value;
  await endOthersHoldOnAccount(deps, { userId: user.id, address: token.newEmail, now });
  await recordProvidersUnlinked(deps, {
    userId: user.id,
    providers: unlinked,
    client: input.client,
    reason: "email_change_undone",
  });
  if (!restored.ok) return restored.error === "USER_EXISTS" ? taken : invalid;
  // Links mailed to the address the thief chose (a verification) must not say anything of it now.
  await deps.emailTokens.deleteEmailTokensOfUser({ userId: user.id, purpose: "verify_email" });
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: "email_change_undone",
    client: input.client,
    details: { restored: maskEmail(token.newEmail) },
  });
  return ok({
    providersUnlinked: unlinked.length > 0,
    twoFactor: (await twoFactorStillOn(deps, user.id)) ? "on" : "off",
  });
}

const taken = err(
  "USER_EXISTS",
  "Another account uses this address now, so the change cannot be undone by this link",
);
