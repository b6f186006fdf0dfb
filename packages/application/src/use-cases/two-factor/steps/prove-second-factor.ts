import { err, ok, type Result, type TOTPFactor, type User, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";
import {
  type AccountLocked,
  findSignInSource,
  proveWithinLockout,
  type SignInSource,
} from "../../sign-in/steps/sign-in-lockout.ts";
import { redeemSecondFactor } from "./redeem-code.ts";

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

/**
 * Checks a second factor given in a request (a current TOTP code, or else a backup code) within
 * the lockout: the attempt is reserved before the check (ADR 0008) and a wrong one stays counted,
 * like a wrong sign-in. Sign-in's second step, re-authentication, turning 2FA off and renewing
 * backup codes all prove the factor this one way.
 */
export async function proveSecondFactor(
  deps: Dependencies,
  input: {
    user: User;
    factor: TOTPFactor;
    source: SignInSource;
    code?: string | undefined;
    backupCode?: string | undefined;
    client: ClientInfo;
  },
): Promise<Result<void, "INVALID_TWO_FACTOR_CODE"> | AccountLocked> {
  const { user, factor, source, code, backupCode, client } = input;
  const checked = await proveWithinLockout(deps, {
    account: user.email,
    source,
    userId: user.id,
    client,
    checkProof: () => redeemSecondFactor(deps, { factor, code, backupCode, client }),
  });
  if (!checked.ok) return checked;
  if (!checked.value)
    return (
      checked.lockedNow ??
      err(
        "INVALID_TWO_FACTOR_CODE",
        code === undefined
          ? // A backup code has no clock: blaming one sends a person who lost their phone the wrong way.
            "The backup code is wrong or already used: each backup code works once"
          : // The troubleshooting guide's first fix for a code that is always refused: the device's clock.
            "The code is wrong, expired or already used. Enter the newest code, and check that your device's clock is right",
      )
    );
  return ok(undefined);
}
