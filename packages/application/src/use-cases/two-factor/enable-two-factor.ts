import {
  checkAddressProven,
  err,
  ok,
  type Result,
  type Session,
  turningOnTwoFactor,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { generateBackupCodes } from "./steps/generate-backup-codes.ts";
import { findCodeStep } from "./steps/redeem-code.ts";

/**
 * Confirms the pending factor with a code from the authenticator app and turns
 * 2FA on. The code proves the new authenticator, not the person, so a fresh proof
 * of the session is needed too: else a stolen access token could put its own
 * authenticator on the account. Only on an account whose address is verified, as setup. Answers the backup codes: the only time they are ever shown.
 */
export async function enableTwoFactor(
  deps: Dependencies,
  input: { session: Session; code: string; client?: ClientInfo },
): Promise<
  Result<
    { backupCodes: string[] },
    | "TWO_FACTOR_SETUP_REQUIRED"
    | "TWO_FACTOR_ALREADY_ENABLED"
    | "INVALID_TWO_FACTOR_CODE"
    | "REAUTH_REQUIRED"
    | "EMAIL_NOT_VERIFIED"
    | "USER_NOT_FOUND"
    | "VALIDATION_ERROR"
  >
> {
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  const userId = input.session.userId;
  // Asked first (the person is told what to do, not to set up): a set-up begun before the rule
  // existed may also wait on an unverified account, and it is not turned on either.
  const user = await deps.users.findUserById(userId);
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  const allowed = checkAddressProven(user, turningOnTwoFactor);
  if (!allowed.ok) return allowed;
  const factor = await deps.twoFactor.findTOTPFactor(userId);
  if (factor === null) {
    return err("TWO_FACTOR_SETUP_REQUIRED", "Call POST /auth/2fa/setup first, then confirm with a code");
  }
  if (factor.status === "enabled")
    return err("TWO_FACTOR_ALREADY_ENABLED", "Two-factor authentication is already on");
  // Nothing typed (an empty field sent, Enter pressed too soon) is a form to fill in, not a wrong
  // code, as at every other second-factor step (checkSecondFactorWithinLockout), and asked where
  // they ask it: after the fresh proof and the factor's state, so a stale session is sent to its
  // proof (the account center shows the pending key again on this answer) and a form sent again
  // after 2FA is on is told so.
  if (input.code.trim() === "") return err("VALIDATION_ERROR", "Type the code from your authenticator app");
  const step = await findCodeStep(deps, { factor, code: input.code });
  if (step === null)
    return err("INVALID_TWO_FACTOR_CODE", "The code is not valid; check the app and the device's clock");
  const backup = await generateBackupCodes(deps, { userId });
  // The confirming code's step is recorded as used, so it cannot also sign in.
  const enabled = await deps.twoFactor.enableTOTPFactor({
    userId,
    confirmedSecret: factor.encryptedSecret,
    usedStep: step,
    backupCodes: backup.stored,
    now: deps.clock.now(),
  });
  if (enabled === "not-pending")
    return err("TWO_FACTOR_ALREADY_ENABLED", "Two-factor authentication is already on");
  if (enabled === "secret-changed") {
    return err(
      "TWO_FACTOR_SETUP_REQUIRED",
      "Two-factor setup was started again meanwhile: scan the new QR code and confirm with its code",
    );
  }
  await recordSecurityEvent(deps, { userId, type: "two_factor_enabled", client: input.client });
  return ok({ backupCodes: backup.codes });
}
