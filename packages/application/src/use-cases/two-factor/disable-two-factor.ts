import { err, ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { proveCurrentPassword, recordWrongProof, requireFreshProof } from "../account/steps/fresh-proof.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import type { AccountLocked } from "../sign-in/steps/sign-in-lockout.ts";
import { proveSecondFactor, startSecondFactorProof } from "./steps/prove-second-factor.ts";

/**
 * Turns 2FA off. It takes the factor itself, a current TOTP code or a backup code (the password
 * alone is not enough: it is the factor 2FA protects against losing), on top of a fresh proof:
 * the session's (REAUTH_MAX_AGE), or the password in the request. The secret and the backup codes
 * are deleted. Wrong proofs count toward lockout like wrong sign-ins.
 */
export async function disableTwoFactor(
  deps: Dependencies,
  input: {
    session: Session;
    password?: string | undefined;
    code?: string | undefined;
    backupCode?: string | undefined;
    client?: ClientInfo;
  },
): Promise<
  | Result<
      void,
      | "TWO_FACTOR_NOT_ENABLED"
      | "VALIDATION_ERROR"
      | "INVALID_CURRENT_PASSWORD"
      | "INVALID_TWO_FACTOR_CODE"
      | "USER_NOT_FOUND"
      | "REAUTH_REQUIRED"
    >
  | AccountLocked
> {
  const client = input.client ?? {};
  const { session, code, backupCode } = input;
  if ((code === undefined) === (backupCode === undefined)) {
    return err("VALIDATION_ERROR", "Send a current code or a backup code (exactly one of them)");
  }
  if (input.password === undefined) {
    const fresh = requireFreshProof(deps, { session });
    if (!fresh.ok) return fresh;
  }
  const proof = await startSecondFactorProof(deps, { userId: session.userId, client });
  if (!proof.ok) return proof;
  const { user, factor, source } = proof.value;
  if (input.password !== undefined) {
    const passwordProved = await proveCurrentPassword(deps, {
      user,
      password: input.password,
      source,
      client,
    });
    if (!passwordProved.ok) {
      return recordWrongProof(deps, {
        proved: passwordProved,
        user,
        method: "password",
        during: "two_factor_off",
        client,
      });
    }
  }
  const proved = await proveSecondFactor(deps, { user, factor, source, code, backupCode, client });
  if (!proved.ok) {
    const method = code !== undefined ? "code" : "backup_code";
    return recordWrongProof(deps, { proved, user, method, during: "two_factor_off", client });
  }
  // Turned off at once from two places: both answer done, one records it (and mails the holder).
  if (await deps.twoFactor.deleteTwoFactor(user.id)) {
    await recordSecurityEvent(deps, { userId: user.id, type: "two_factor_disabled", client });
  }
  return ok(undefined);
}
