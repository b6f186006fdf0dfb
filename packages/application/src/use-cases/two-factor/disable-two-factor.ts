import { err, ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { proveCurrentPassword, requireFreshProof } from "../account/steps/fresh-proof.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import type { AccountLocked } from "../sign-in/steps/sign-in-lockout.ts";
import {
  checkSecondFactorOfSession,
  startSecondFactorProof,
  wrongSecondFactor,
} from "./steps/prove-second-factor.ts";
import { spendSecondFactorWith } from "./steps/redeem-code.ts";

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
  // An empty password is no attempt: refused before anything is tried, it counts toward no lockout
  // (ADR 0070), where a wrong one does.
  if (input.password === "") {
    return err(
      "VALIDATION_ERROR",
      "Password is empty: send the current password, or leave it out to rely on a recent proof",
    );
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
      during: "two_factor_off",
    });
    if (!passwordProved.ok) return passwordProved;
  }
  const attempt = { user, factor, source, code, backupCode, client };
  const proved = await checkSecondFactorOfSession(deps, { ...attempt, during: "two_factor_off" });
  if (!proved.ok) return proved;
  // The code spent with the removal, in one transaction: a removal that fails on the way gives it back.
  const removal = await spendSecondFactorWith(deps, { unspent: proved.value, client }, (tx) =>
    tx.twoFactor.deleteTwoFactor(user.id),
  );
  // Spent meanwhile: by a removal from another place (2FA is off, as asked: done), or by another
  // request with the same code (a double submit), which answers for it.
  if (!removal.spent) return removal.twoFactorOn ? wrongSecondFactor(code === undefined) : ok(undefined);
  // Turned off at once from two places: both answer done, one records it (and mails the holder).
  if (removal.written) {
    await recordSecurityEvent(deps, { userId: user.id, type: "two_factor_disabled", client });
  }
  return ok(undefined);
}
