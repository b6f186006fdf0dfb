import { err, ok, type Result, type SessionId, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { checkNewPassword } from "./check-new-password.ts";
import { recordSecurityEvent } from "./record-security-event.ts";
import {
  type AccountLocked,
  checkSignInLockout,
  countFailedSignIn,
  findSignInSource,
} from "./sign-in-lockout.ts";
import type { ClientInfo } from "./start-session.ts";

/**
 * Sets a password on an account that has none, or changes it (the current
 * password is then required). Every other session of the user is ended. Wrong
 * current passwords count toward lockout like wrong sign-ins, so a stolen access
 * token cannot be used to guess the password without limit.
 */
export async function setPassword(
  deps: Dependencies,
  input: {
    userId: UserId;
    sessionId: SessionId;
    currentPassword?: string | undefined;
    newPassword: string;
    client?: ClientInfo;
  },
): Promise<Result<void, "VALIDATION_ERROR" | "INVALID_CURRENT_PASSWORD" | "USER_NOT_FOUND"> | AccountLocked> {
  const user = await deps.users.findUserById(input.userId);
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  const screened = checkNewPassword(deps, {
    password: input.newPassword,
    account: user,
    field: "New password",
  });
  if (!screened.ok) return screened;
  if (user.passwordHash !== null) {
    if (input.currentPassword === undefined || input.currentPassword === "") {
      return err("VALIDATION_ERROR", "Current password is required to change the password");
    }
    const client = input.client ?? {};
    const source = await findSignInSource(deps, { userId: user.id, client });
    const locked = await checkSignInLockout(deps, { account: user.email, source });
    if (locked !== null) return locked;
    const matches = await deps.passwordHasher.verifyPassword({
      hash: user.passwordHash,
      password: input.currentPassword,
    });
    if (!matches) {
      await countFailedSignIn(deps, { account: user.email, source, userId: user.id, client });
      return err("INVALID_CURRENT_PASSWORD", "Current password is incorrect");
    }
  }
  const now = deps.clock.now();
  await deps.users.updatePasswordHash({
    userId: user.id,
    passwordHash: await deps.passwordHasher.hashPassword(input.newPassword),
    now,
  });
  await deps.sessions.revokeSessionsOfUser({ userId: user.id, now, exceptSessionId: input.sessionId });
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: user.passwordHash === null ? "password_set" : "password_changed",
    client: input.client,
  });
  return ok(undefined);
}
