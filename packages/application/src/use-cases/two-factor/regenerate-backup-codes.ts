import { err, ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import type { AccountLocked } from "../sign-in/steps/sign-in-lockout.ts";
import { generateBackupCodes } from "./steps/generate-backup-codes.ts";
import {
  checkSecondFactorOfSession,
  startSecondFactorProof,
  wrongSecondFactor,
} from "./steps/prove-second-factor.ts";
import { spendSecondFactorWith } from "./steps/redeem-code.ts";

/**
 * Replaces every backup code with ten new ones, given a current TOTP code and a
 * fresh proof of the session (backup codes sign in: ASVS V7.5.1); the old ones
 * stop working. Wrong codes count toward lockout like wrong sign-ins.
 */
export async function regenerateBackupCodes(
  deps: Dependencies,
  input: { session: Session; code: string; client?: ClientInfo },
): Promise<
  | Result<
      { backupCodes: string[] },
      | "TWO_FACTOR_NOT_ENABLED"
      | "INVALID_TWO_FACTOR_CODE"
      | "USER_NOT_FOUND"
      | "REAUTH_REQUIRED"
      | "VALIDATION_ERROR"
    >
  | AccountLocked
> {
  const client = input.client ?? {};
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  const proof = await startSecondFactorProof(deps, { userId: input.session.userId, client });
  if (!proof.ok) return proof;
  const { user, factor, source } = proof.value;
  const attempt = { user, factor, source, code: input.code, client };
  const proved = await checkSecondFactorOfSession(deps, { ...attempt, during: "backup_codes" });
  if (!proved.ok) return proved;
  // Hashed before the transaction, which holds no slow work (ADR 0056).
  const backup = await generateBackupCodes(deps, { userId: user.id });
  // The code spent with the renewal, in one transaction: a renewal that fails on the way gives it back.
  const renewal = await spendSecondFactorWith(deps, { unspent: proved.value, client }, (tx) =>
    tx.twoFactor.replaceBackupCodes({ userId: user.id, backupCodes: backup.stored }),
  );
  // Spent meanwhile by another request with the same code (a double submit), which renews them.
  if (!renewal.spent && renewal.twoFactorOn) return wrongSecondFactor(false);
  // 2FA turned off meanwhile (by the person in another session, or by staff): no codes for nothing.
  if (!renewal.spent || renewal.written !== "replaced")
    return err("TWO_FACTOR_NOT_ENABLED", "Two-factor authentication was turned off meanwhile");
  await recordSecurityEvent(deps, { userId: user.id, type: "backup_codes_regenerated", client });
  return ok({ backupCodes: backup.codes });
}
