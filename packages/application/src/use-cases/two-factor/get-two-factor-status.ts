import { ok, type Result, type TwoFactorStatus, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";

/** Whether the user has 2FA on and how many backup codes are left (shown in /auth/me). */
export async function getTwoFactorStatus(
  deps: Dependencies,
  input: { userId: UserId },
): Promise<Result<TwoFactorStatus, never>> {
  return ok(await deps.twoFactor.findTwoFactorStatus(input.userId));
}
