import { err, ok, type Result, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { recordSecurityEvent } from "./record-security-event.ts";
import { type AccountLocked, proveWithinLockout } from "./sign-in-lockout.ts";
import type { ClientInfo } from "./start-session.ts";
import { startSecondFactorProof, useTOTPCode } from "./two-factor-codes.ts";

/**
 * Turns 2FA off after the user proves it is them once more: with the account's
 * password or a current TOTP code. The secret and the backup codes are deleted.
 * Wrong proofs count toward lockout like wrong sign-ins, so a stolen access
 * token cannot be used to guess the password or codes without limit.
 */
export async function disableTwoFactor(
  deps: Dependencies,
  input: { userId: UserId; password?: string | undefined; code?: string | undefined; client?: ClientInfo },
): Promise<
  | Result<
      void,
      | "TWO_FACTOR_NOT_ENABLED"
      | "VALIDATION_ERROR"
      | "INVALID_CURRENT_PASSWORD"
      | "INVALID_TWO_FACTOR_CODE"
      | "USER_NOT_FOUND"
    >
  | AccountLocked
> {
  const client = input.client ?? {};
  if ((input.password === undefined) === (input.code === undefined)) {
    return err("VALIDATION_ERROR", "Send the password or a code (exactly one of them)");
  }
  const proof = await startSecondFactorProof(deps, { userId: input.userId, client });
  if (!proof.ok) return proof;
  const { user, factor, source } = proof.value;
  const { password } = input;
  const checked = await proveWithinLockout(deps, {
    account: user.email,
    source,
    userId: user.id,
    client,
    checkProof: async () =>
      password !== undefined
        ? user.passwordHash !== null &&
          (await deps.passwordHasher.verifyPassword({ hash: user.passwordHash, password }))
        : useTOTPCode(deps, { factor, code: input.code ?? "" }),
  });
  if (!checked.ok) return checked;
  if (!checked.value) {
    return password !== undefined
      ? err("INVALID_CURRENT_PASSWORD", "The password is incorrect")
      : err("INVALID_TWO_FACTOR_CODE", "The code is wrong, expired or already used");
  }
  await deps.twoFactor.deleteTwoFactor(user.id);
  await recordSecurityEvent(deps, { userId: user.id, type: "two_factor_disabled", client });
  return ok(undefined);
}
