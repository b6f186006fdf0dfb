import { err, ok, type Result, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { recordSecurityEvent } from "./record-security-event.ts";
import type { ClientInfo } from "./start-session.ts";
import { generateBackupCodes, useTOTPCode } from "./two-factor-codes.ts";

/** Replaces every backup code with ten new ones, given a current TOTP code; the old ones stop working. */
export async function regenerateBackupCodes(
  deps: Dependencies,
  input: { userId: UserId; code: string; client?: ClientInfo },
): Promise<Result<{ backupCodes: string[] }, "TWO_FACTOR_NOT_ENABLED" | "INVALID_TWO_FACTOR_CODE">> {
  const factor = await deps.twoFactor.findTOTPFactor(input.userId);
  if (factor?.status !== "enabled")
    return err("TWO_FACTOR_NOT_ENABLED", "Two-factor authentication is not on");
  if (!(await useTOTPCode(deps, { factor, code: input.code }))) {
    return err("INVALID_TWO_FACTOR_CODE", "The code is wrong, expired or already used");
  }
  const backup = await generateBackupCodes(deps, { userId: input.userId });
  await deps.twoFactor.replaceBackupCodes({ userId: input.userId, backupCodes: backup.stored });
  await recordSecurityEvent(deps, {
    userId: input.userId,
    type: "backup_codes_regenerated",
    client: input.client,
  });
  return ok({ backupCodes: backup.codes });
}
