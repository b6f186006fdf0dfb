import { err, ok, type Result, type TOTPFactor, type User, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { type ProofOccasion, recordFailedProof } from "../../account/steps/fresh-proof.ts";
import { fieldsOf } from "../../attempt-budget.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";
import {
  type AccountLocked,
  findSignInSource,
  proveWithinLockout,
  type SignInSource,
} from "../../sign-in/steps/sign-in-lockout.ts";
import { checkSecondFactor, type UnspentSecondFactor } from "./redeem-code.ts";

/**
 * What a signed-in user's second proof (to turn 2FA off, or to renew backup codes) starts
 * from: the account, its enabled factor, and the source its attempts count against. The
 * proof is then checked through proveWithinLockout, like a sign-in's
 * (checkSecondFactorWithinLockout).
 */
export async function startSecondFactorProof(
  deps: Dependencies,
  input: { userId: UserId; client: ClientInfo },
): Promise<
  Result<
    { user: User; factor: TOTPFactor; source: SignInSource },
    "USER_NOT_FOUND" | "TWO_FACTOR_NOT_ENABLED"
  >
> {
  const [user, factor] = await Promise.all([
    deps.users.findUserById(input.userId),
    deps.twoFactor.findTOTPFactor(input.userId),
  ]);
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  if (factor?.status !== "enabled")
    return err("TWO_FACTOR_NOT_ENABLED", "Two-factor authentication is not on");
  const source = await findSignInSource(deps, { userId: user.id, client: input.client });
  return ok({ user, factor, source });
}

/**
 * What a second factor given in a request lacks to be a guess: something typed in its code (or,
 * without one, its backup code); null when it has it. Nothing typed (an empty field sent, Enter
 * pressed too soon) is refused before the lockout counts an attempt, and, read from the body,
 * spends none of the route's budget either (attemptBudget).
 */
export function missingSecondFactorCode(form: unknown): string | null {
  const { code, backupCode } = fieldsOf(form);
  const typed = code !== undefined ? code : backupCode;
  if (typeof typed === "string" && typed.trim() !== "") return null;
  return code !== undefined ? "Type the code from your authenticator app" : "Type one of your backup codes";
}

interface SecondFactorAttempt {
  user: User;
  factor: TOTPFactor;
  source: SignInSource;
  code?: string | undefined;
  backupCode?: string | undefined;
  client: ClientInfo;
  /** Records a wrong code in the person's log, before the lock it may reach (proveWithinLockout). */
  recordWrongProof?: () => Promise<void>;
}

/**
 * Checks a second factor given in a request (a current TOTP code, or else a backup code) within
 * the lockout: the attempt is reserved before the check (ADR 0008) and a wrong one stays counted,
 * like a wrong sign-in. The code is not spent here: whatever it proves spends it in its own
 * transaction (sign-in's second step, or `spendSecondFactorWith` for re-authentication, turning
 * 2FA off and renewing backup codes), so one that fails on the way (a 503) gives the code back,
 * and the person's last backup code is not lost to an outage.
 */
export async function checkSecondFactorWithinLockout(
  deps: Dependencies,
  input: SecondFactorAttempt,
): Promise<Result<UnspentSecondFactor, "INVALID_TWO_FACTOR_CODE" | "VALIDATION_ERROR"> | AccountLocked> {
  const { user, source, code, client } = input;
  const missing = missingSecondFactorCode(input);
  if (missing !== null) return err("VALIDATION_ERROR", missing);
  // Set by the check, which the lockout calls once.
  const proof: { found: UnspentSecondFactor | null } = { found: null };
  const checked = await proveWithinLockout(deps, {
    account: user.email,
    source,
    userId: user.id,
    client,
    checkProof: async () => {
      proof.found = await checkSecondFactor(deps, input);
      return proof.found !== null;
    },
    ...(input.recordWrongProof === undefined ? {} : { recordWrongProof: input.recordWrongProof }),
  });
  if (!checked.ok) return checked;
  if (!checked.value || proof.found === null)
    return checked.lockedNow ?? wrongSecondFactor(code === undefined);
  return ok(proof.found);
}

/**
 * A signed-in person's proof by a second factor (re-authenticating, turning 2FA off, renewing
 * backup codes): checked within the lockout as above, a wrong code also recorded as
 * `reauthentication_failed` for the occasion. The code is left for the caller's write to spend
 * (`spendSecondFactorWith`).
 */
export async function checkSecondFactorOfSession(
  deps: Dependencies,
  input: SecondFactorAttempt & { during: ProofOccasion },
): Promise<Result<UnspentSecondFactor, "INVALID_TWO_FACTOR_CODE" | "VALIDATION_ERROR"> | AccountLocked> {
  const { user, code, during, client } = input;
  const method = code !== undefined ? "code" : "backup_code";
  return checkSecondFactorWithinLockout(deps, {
    ...input,
    recordWrongProof: () => recordFailedProof(deps, { user, method, during, client }),
  });
}

/** The answer to a wrong or already used code, worded for the kind of code typed. */
export function wrongSecondFactor(backupCode: boolean): Result<never, "INVALID_TWO_FACTOR_CODE"> {
  return err(
    "INVALID_TWO_FACTOR_CODE",
    backupCode
      ? // A backup code has no clock: blaming one sends a person who lost their phone the wrong way.
        "The backup code is wrong or already used: each backup code works once"
      : // The troubleshooting guide's first fix for a code that is always refused: the device's clock.
        "The code is wrong, expired or already used. Enter the newest code, and check that your device's clock is right",
  );
}
