import { err, ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { screenAndHashNewPassword } from "../account/steps/check-new-password.ts";
import {
  recordWhatCameBeforeProofForgotten,
  removeWhatCameBeforeProof,
} from "../email-verification/steps/first-proof-of-address.ts";
import { findUsableEmailToken } from "../email-verification/steps/mail-token.ts";
import { inOneTransaction } from "../in-one-transaction.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import { endEverythingOfUser } from "../sessions/steps/end-everything-of-user.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { twoFactorStillOn } from "../two-factor/steps/redeem-code.ts";
import { endOthersHoldOnAccount } from "./steps/end-others-hold.ts";

const invalid = err(
  "INVALID_RESET_TOKEN",
  "The password-reset link is invalid, expired or already used (only the newest link mailed works)",
);

/**
 * What became of two-step verification, for the page that says the password is changed: still on
 * (the next sign-in asks for a code), off, or turned off by this reset (the address had never
 * been proven: docs/account-security.md).
 */
export interface PasswordResetDone {
  readonly twoFactor: "on" | "off" | "turned_off";
}

/**
 * Sets a new password with the token from a reset mail. The token works once.
 * Every session of the account ends and so does every third-party app's access
 * (a reset is how an owner takes an account back: an app the intruder authorized
 * would otherwise keep their way in), every other reset link dies and the
 * account is unlocked. Two-factor authentication stays as it was (the next
 * sign-in still asks for the code), unless the address was never proven: then
 * the factor, like the linked providers, may be a stranger's and goes.
 */
export async function resetPassword(
  deps: Dependencies,
  input: { token: string; newPassword: string; client?: ClientInfo },
): Promise<Result<PasswordResetDone, "INVALID_RESET_TOKEN" | "VALIDATION_ERROR">> {
  const now = deps.clock.now();
  const token = await findUsableEmailToken(deps, { presented: input.token, purpose: "reset_password", now });
  if (token === null) return invalid;
  const user = await deps.users.findUserById(token.userId);
  // A link mailed before staff disabled the account dies with it, as its email-change links do: its
  // holder would otherwise choose the password in force when the account is enabled again.
  if (user === null || user.status !== "active") return invalid;
  const passwordHash = await screenAndHashNewPassword(deps, {
    password: input.newPassword,
    account: user,
    currentHash: user.passwordHash,
  });
  if (!passwordHash.ok) return passwordHash;
  const reset = await inOneTransaction(deps, async (deps) => {
    // The conditional update decides: of two concurrent resets with one token exactly one gets here.
    // It ends a pending change of address in the same step (ADR 0027): of this reset and that
    // change's confirmation at once, exactly one goes on (the confirmation ends reset links the same
    // way).
    const used = await deps.emailTokens.useEmailToken({
      id: token.id,
      now,
      ending: { userId: user.id, purposes: ["change_email"] },
    });
    if (used !== "used") return null;
    // The link is spent, whoever held the account signed out and the new password stored together
    // (ADR 0056): a crash in between leaves the link working and nothing changed, never a spent
    // link with the old password in force, nor the new password with the intruder's sessions and
    // apps still working. They are ended again once it is stored (endOthersHoldOnAccount), for a
    // sign-in with the old password that read it before the commit.
    await endEverythingOfUser(deps, { userId: user.id });
    // Not over a disable that committed since the status was read (the link dies with it, as
    // above), nor over another password set since (a compare-and-set on the hash read): of this
    // reset and an undo of a change of address at once, the undo's password stands (ADR 0047).
    const stored = await deps.users.updatePasswordHash({
      userId: user.id,
      passwordHash: passwordHash.value,
      now,
      ifCurrent: user.passwordHash,
    });
    if (!stored) return null;
    // The link reached the user through their mailbox, which proves the address as a verification
    // link would. Until now nobody had proven it: whoever made the account, linked a provider or
    // turned 2FA on may not be the mailbox's owner, who takes over with the new password alone; in
    // the same transaction, so the address is never proven with those left in place.
    if (user.emailVerified) return { forgotten: null, verified: false };
    const forgotten = await removeWhatCameBeforeProof(deps, { userId: user.id });
    return { forgotten, verified: await deps.users.markEmailVerified({ userId: user.id, now }) };
  });
  if (reset === null) return invalid;
  // A pending change of address may be a thief's (asked for from a stolen session, its link in their
  // mailbox): the mailbox's owner taking the account back cancels it (ADR 0027).
  await endOthersHoldOnAccount(deps, { userId: user.id, address: user.email, now });
  if (reset.forgotten !== null)
    await recordWhatCameBeforeProofForgotten(deps, {
      userId: user.id,
      forgotten: reset.forgotten,
      client: input.client,
      reason: "password_reset_of_unverified_address",
    });
  if (reset.verified)
    await recordSecurityEvent(deps, {
      userId: user.id,
      type: "email_verified",
      client: input.client,
      details: { via: "password_reset" },
    });
  await recordSecurityEvent(deps, { userId: user.id, type: "password_reset", client: input.client });
  if (reset.forgotten?.twoFactor === true) return ok({ twoFactor: "turned_off" });
  return ok({ twoFactor: (await twoFactorStillOn(deps, user.id)) ? "on" : "off" });
}
