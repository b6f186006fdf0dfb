import { checkUserMaySignIn, err, ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { inOneTransaction } from "../in-one-transaction.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { type AccountLocked, findSignInSource } from "../sign-in/steps/sign-in-lockout.ts";
import { checkNewPassword, currentPasswordAgain, samePassword } from "./steps/check-new-password.ts";
import { proveCurrentPassword, requireFreshProof } from "./steps/fresh-proof.ts";

/**
 * Sets a password on an account that has none, or changes it (the current
 * password is then required, and is the proof that it is the owner). Setting a
 * first password needs a fresh proof of the session instead: else a stolen access
 * token of a social-only account could give it a password and take it over. Every
 * other session of the user is ended. Wrong current passwords count toward lockout. A session
 * ended since the request was authenticated changes nothing (INVALID_TOKEN).
 *
 * The new hash is written only while the password proven (or its absence) is still the one in
 * force and the account is active: of two changes proven with the same current password at once,
 * one applies and the other answers INVALID_CURRENT_PASSWORD; a disable that commits first wins.
 */
export async function setPassword(
  deps: Dependencies,
  input: {
    session: Session;
    currentPassword?: string | undefined;
    newPassword: string;
    client?: ClientInfo;
  },
): Promise<
  | Result<
      void,
      | "VALIDATION_ERROR"
      | "INVALID_CURRENT_PASSWORD"
      | "USER_NOT_FOUND"
      | "REAUTH_REQUIRED"
      | "ACCOUNT_DISABLED"
      | "INVALID_TOKEN"
    >
  | AccountLocked
> {
  const { session } = input;
  const client = input.client ?? {};
  // The account and the session in one read: an admin's requirement of a new password removes the
  // password and ends the sessions in one transaction, so a request authenticated just before it
  // that finds no password here finds its session ended too, and sets none on the fresh proof.
  const { user, session: current } = await deps.sessions.findSessionWithUser({
    sessionId: session.id,
    userId: session.userId,
  });
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  if (current === null || current.revokedAt !== null) {
    return err("INVALID_TOKEN", "This session has ended; sign in again");
  }
  const screened = await checkNewPassword(deps, {
    password: input.newPassword,
    account: user,
    field: "New password",
  });
  if (!screened.ok) return screened;
  if (user.passwordHash !== null) {
    const { currentPassword } = input;
    if (currentPassword === undefined || currentPassword === "") {
      return err("VALIDATION_ERROR", "Current password is required to change the password");
    }
    const source = await findSignInSource(deps, { userId: user.id, client });
    const proved = await proveCurrentPassword(deps, {
      user,
      password: currentPassword,
      source,
      client,
      during: "password_change",
    });
    if (!proved.ok) return proved;
    // Refused once the current password is proven, so the refusal tells only its owner what it is.
    if (samePassword(input.newPassword, currentPassword)) return currentPasswordAgain;
  } else {
    const fresh = requireFreshProof(deps, { session });
    if (!fresh.ok) return fresh;
  }
  const now = deps.clock.now();
  const passwordHash = await deps.passwordHasher.hashPassword(input.newPassword);
  // The new password is stored and the other sessions end in one transaction (ADR 0056): never the
  // new password with them still working. The compare-and-set comes first, so the user's row is
  // locked before the sessions (the order of every other writer: no deadlock with a sign-in), and a
  // change that loses it (to another change, or to a disable) ends nothing: of two people changing
  // the password at once from their own sessions, the winner stays signed in. They end again once
  // it has committed, for one signed in with the old password just before.
  const written = await inOneTransaction(deps, async (deps) => {
    const stored = await deps.users.updatePasswordHash({
      userId: user.id,
      passwordHash,
      now,
      ifCurrent: user.passwordHash,
    });
    if (stored)
      await deps.sessions.revokeSessionsOfUser({ userId: user.id, now, exceptSessionId: session.id });
    return stored;
  });
  if (!written) {
    const current = await deps.users.findUserById(user.id);
    if (current === null) return err("USER_NOT_FOUND", "The account no longer exists");
    const allowed = checkUserMaySignIn(current);
    if (!allowed.ok) return allowed;
    return err(
      "INVALID_CURRENT_PASSWORD",
      "The password was changed meanwhile; sign in again with the new one",
    );
  }
  await deps.sessions.revokeSessionsOfUser({ userId: user.id, now, exceptSessionId: session.id });
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: user.passwordHash === null ? "password_set" : "password_changed",
    client: input.client,
  });
  return ok(undefined);
}
