import { err, ok, type Result, type TOTPFactor, type User, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";
import {
  type AccountLocked,
  findSignInSource,
  proveWithinLockout,
  type SignInSource,
} from "../../sign-in/steps/sign-in-lockout.ts";
import { checkSecondFactor, redeemSecondFactor, type UnspentSecondFactor } from "./redeem-code.ts";

/**
 * What a signed-in user's second proof (to turn 2FA off, or to renew backup codes) starts
 * from: the account, its enabled factor, and the source its attempts count against. The
 * proof is then checked through proveWithinLockout, like a sign-in's.
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

interface SecondFactorAttempt {
  user: User;
  factor: TOTPFactor;
  source: SignInSource;
  code?: string | undefined;
  backupCode?: string | undefined;
  client: ClientInfo;
}

/**
 * Checks a second factor given in a request (a current TOTP code, or else a backup code) within
 * the lockout: the attempt is reserved before the check (ADR 0008) and a wrong one stays counted,
 * like a wrong sign-in. Re-authentication, turning 2FA off and renewing backup codes prove the
 * factor this way, and spend the code at once.
 */
export async function proveSecondFactor(
  deps: Dependencies,
  input: SecondFactorAttempt,
): Promise<Result<void, "INVALID_TWO_FACTOR_CODE"> | AccountLocked> {
  const { factor, code, backupCode, client } = input;
  const proved = await checkWithinLockout(deps, input, async () =>
    (await redeemSecondFactor(deps, { factor, code, backupCode, client })) ? true : null,
  );
  return proved.ok ? ok(undefined) : proved;
}

/**
 * Sign-in's second step: the same check within the lockout, but the code is not spent here. The
 * sign-in spends it in its own transaction (spendSecondFactor), so one that fails on the way (a
 * 503) gives the code back, and the person's last backup code is not lost to an outage.
 */
export function checkSecondFactorWithinLockout(
  deps: Dependencies,
  input: SecondFactorAttempt,
): Promise<Result<UnspentSecondFactor, "INVALID_TWO_FACTOR_CODE"> | AccountLocked> {
  return checkWithinLockout(deps, input, () => checkSecondFactor(deps, input));
}

async function checkWithinLockout<T>(
  deps: Dependencies,
  input: SecondFactorAttempt,
  check: () => Promise<T | null>,
): Promise<Result<T, "INVALID_TWO_FACTOR_CODE"> | AccountLocked> {
  const { user, source, code, client } = input;
  // Set by the check, which the lockout calls once.
  const proof: { found: T | null } = { found: null };
  const checked = await proveWithinLockout(deps, {
    account: user.email,
    source,
    userId: user.id,
    client,
    checkProof: async () => {
      proof.found = await check();
      return proof.found !== null;
    },
  });
  if (!checked.ok) return checked;
  if (!checked.value || proof.found === null)
    return checked.lockedNow ?? wrongSecondFactor(code === undefined);
  return ok(proof.found);
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
