import { checkUserMaySignIn, err, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { fieldsOf } from "../attempt-budget.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo, SignedIn } from "../sessions/steps/start-session.ts";
import {
  checkSecondFactorWithinLockout,
  missingSecondFactorCode,
  wrongSecondFactor,
} from "../two-factor/steps/prove-second-factor.ts";
import { twoFactorStillOn } from "../two-factor/steps/redeem-code.ts";
import { passwordFingerprint } from "./steps/password-fingerprint.ts";
import { type AccountLocked, findSignInSource } from "./steps/sign-in-lockout.ts";
import { signInWithAllFactorsProven } from "./steps/sign-in-with-all-factors-proven.ts";

/** A second step whose sign-in ended meanwhile (account, 2FA or password changed): start again. */
const cannotComplete = err("INVALID_MFA_TOKEN", "This sign-in can no longer be completed; sign in again");

/** A second step whose token already opened its session (a form sent again, two tabs). */
const alreadyCompleted = err("INVALID_MFA_TOKEN", "This sign-in was already completed; sign in again");

/**
 * What the second step's form lacks to be an attempt: one of a code and a backup code, with
 * something typed (missingSecondFactorCode); null when it is one. Read first, before the token: a
 * form without one (neither sent, both, or nothing typed) is refused (VALIDATION_ERROR) without
 * trying anything, so it spends no attempt of the `login` budget (attemptBudget) nor of the lockout.
 */
export function missingSecondStepCode(form: unknown): string | null {
  const { code, backupCode } = fieldsOf(form);
  // The message names the rule broken: neither sent, or both.
  if (code === undefined && backupCode === undefined)
    return "Send code (from the authenticator app) or backupCode";
  if (code !== undefined && backupCode !== undefined) return "Send either code or backupCode, not both";
  return missingSecondFactorCode(form);
}

/**
 * The second step of signing in to an account with 2FA: the MFA token from the
 * first step and a TOTP code or an unused backup code. Wrong codes count toward
 * lockout like wrong passwords. A token completes one sign-in: used again, even
 * with another right code, it answers INVALID_MFA_TOKEN.
 */
export async function verifyTwoFactorLogin(
  deps: Dependencies,
  input: { mfaToken: string; code?: string | undefined; backupCode?: string | undefined; client: ClientInfo },
): Promise<
  | Result<
      SignedIn,
      "INVALID_MFA_TOKEN" | "INVALID_TWO_FACTOR_CODE" | "ACCOUNT_DISABLED" | "VALIDATION_ERROR"
    >
  | AccountLocked
> {
  const { client } = input;
  const missing = missingSecondStepCode(input);
  if (missing !== null) return err("VALIDATION_ERROR", missing);
  const challenge = await deps.mfaTokens.verifyMFAToken({ token: input.mfaToken, now: deps.clock.now() });
  if (!challenge.ok) return challenge;
  const user = await deps.users.findUserById(challenge.value.userId);
  const factor = user === null ? null : await deps.twoFactor.findTOTPFactor(user.id);
  if (
    user === null ||
    factor?.status !== "enabled" ||
    enabledAfter(factor.enabledAt, challenge.value.issuedAt) ||
    passwordFingerprint(deps, user) !== challenge.value.credential
  ) {
    // The account or its 2FA is gone since the first step (turned off, or off and on again with
    // another authenticator: the factor enabled now is not the one the first step found), or its
    // password changed (a change or a reset ends every sign-in in progress too): start again.
    // Before the code is checked, so a right code is not spent on a sign-in that cannot complete.
    return cannotComplete;
  }
  if (await deps.twoFactor.isMFAChallengeCompleted({ challengeId: challenge.value.challengeId })) {
    // The step sent again after its answer was lost (a reload, a second tap, another tab): said
    // before the code is checked, so the same code is not called wrong (nor counted toward the
    // lockout), and another backup code typed in is not spent on a sign-in that is done.
    return alreadyCompleted;
  }
  const source = await findSignInSource(deps, { userId: user.id, client });
  const { code, backupCode } = input;
  const proved = await checkSecondFactorWithinLockout(deps, {
    user,
    factor,
    source,
    code,
    backupCode,
    client,
    // Before the lock a wrong code may reach, so the activity list reads the lock above it. Not
    // when 2FA was turned off while the code was checked (below).
    recordWrongProof: async () => {
      if (!(await twoFactorStillOn(deps, user.id))) return;
      await recordSecurityEvent(deps, {
        userId: user.id,
        type: "login_failed",
        client,
        details: { method: backupCode !== undefined ? "backup_code" : "totp" },
      });
    },
  });
  if (!proved.ok) {
    // Turned off while the code was checked (its codes deleted under the check, as MySQL lets a
    // disable commit then): the sign-in cannot complete, as if the disable had come first. No
    // failure is recorded; the attempt the lockout reserved stays counted.
    if (proved.error === "INVALID_TWO_FACTOR_CODE" && !(await twoFactorStillOn(deps, user.id))) {
      return cannotComplete;
    }
    return proved;
  }
  // The account may have been disabled between the two steps.
  const allowed = checkUserMaySignIn(user);
  if (!allowed.ok) return allowed;
  // An MFA token opens one session, and a code is spent once: completing the challenge and
  // spending the code are writes of the sign-in's transaction. Of several requests with one token
  // and right codes (even at once) only the first goes on; of two tokens with one code, only the
  // first to spend it. A sign-in that fails on the way leaves both for a retry (a 503 does not cost
  // the person their last backup code).
  const signedIn = await signInWithAllFactorsProven<"INVALID_MFA_TOKEN" | "INVALID_TWO_FACTOR_CODE">(deps, {
    user,
    client,
    method: challenge.value.method,
    secondFactor: true,
    source,
    challenge: {
      challengeId: challenge.value.challengeId,
      expiresAt: challenge.value.expiresAt,
      completedAlready: alreadyCompleted,
      code: proved.value,
      codeSpentAlready: wrongSecondFactor(backupCode !== undefined),
    },
    staleProof: "INVALID_MFA_TOKEN",
  });
  // Spent meanwhile by a disable that removed the factor (and its codes): as if it came first.
  if (
    !signedIn.ok &&
    signedIn.error === "INVALID_TWO_FACTOR_CODE" &&
    !(await twoFactorStillOn(deps, user.id))
  ) {
    return cannotComplete;
  }
  return signedIn;
}

/**
 * Whether the factor was turned on after the MFA token was issued. The first step issues a token
 * only while a factor is on, so a later `enabledAt` is another factor than the one it found. The
 * token's issue time is its `iat`, in whole seconds: a factor enabled within that same second counts
 * as before (a sign-in in progress is never refused for it).
 */
function enabledAfter(enabledAt: Date | null, issuedAt: Date): boolean {
  return enabledAt !== null && enabledAt.getTime() >= issuedAt.getTime() + 1000;
}
