import { err, ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordWrongProof, requireFreshProof } from "../account/steps/fresh-proof.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import type { AccountLocked } from "../sign-in/steps/sign-in-lockout.ts";
import { generateBackupCodes } from "./steps/generate-backup-codes.ts";
import { proveSecondFactor, startSecondFactorProof } from "./steps/prove-second-factor.ts";

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
      "TWO_FACTOR_NOT_ENABLED" | "INVALID_TWO_FACTOR_CODE" | "USER_NOT_FOUND" | "REAUTH_REQUIRED"
    >
  | AccountLocked
> {
  const client = input.client ?? {};
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  const proof = await startSecondFactorProof(deps, { userId: input.session.userId, client });
  if (!proof.ok) return proof;
  const { user, factor, source } = proof.value;
  const proved = await proveSecondFactor(deps, { user, factor, source, code: input.code, client });
  if (!proved.ok)
    return recordWrongProof(deps, { proved, user, method: "code", during: "backup_codes", client });
  const backup = await generateBackupCodes(deps, { userId: user.id });
  // 2FA turned off meanwhile (by the person in another session, or by staff): no codes for nothing.
  if (
    (await deps.twoFactor.replaceBackupCodes({ userId: user.id, backupCodes: backup.stored })) !== "replaced"
  )
    return err("TWO_FACTOR_NOT_ENABLED", "Two-factor authentication was turned off meanwhile");
  await recordSecurityEvent(deps, { userId: user.id, type: "backup_codes_regenerated", client });
  return ok({ backupCodes: backup.codes });
}
