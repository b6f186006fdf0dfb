import { err, ok, type Result, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { recordSecurityEvent } from "./record-security-event.ts";
import { type AccountLocked, proveWithinLockout } from "./sign-in-lockout.ts";
import type { ClientInfo } from "./start-session.ts";
import { generateBackupCodes, startSecondFactorProof, useTOTPCode } from "./two-factor-codes.ts";

/**
 * Replaces every backup code with ten new ones, given a current TOTP code; the
 * old ones stop working. Wrong codes count toward lockout like wrong sign-ins.
 */
export async function regenerateBackupCodes(
  deps: Dependencies,
  input: { userId: UserId; code: string; client?: ClientInfo },
): Promise<
  | Result<{ backupCodes: string[] }, "TWO_FACTOR_NOT_ENABLED" | "INVALID_TWO_FACTOR_CODE" | "USER_NOT_FOUND">
  | AccountLocked
> {
  const client = input.client ?? {};
  const proof = await startSecondFactorProof(deps, { userId: input.userId, client });
  if (!proof.ok) return proof;
  const { user, factor, source } = proof.value;
  const checked = await proveWithinLockout(deps, {
    account: user.email,
    source,
    userId: user.id,
    client,
    checkProof: () => useTOTPCode(deps, { factor, code: input.code }),
  });
  if (!checked.ok) return checked;
  if (!checked.value) return err("INVALID_TWO_FACTOR_CODE", "The code is wrong, expired or already used");
  const backup = await generateBackupCodes(deps, { userId: user.id });
  await deps.twoFactor.replaceBackupCodes({ userId: user.id, backupCodes: backup.stored });
  await recordSecurityEvent(deps, { userId: user.id, type: "backup_codes_regenerated", client });
  return ok({ backupCodes: backup.codes });
}
