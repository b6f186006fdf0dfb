import { err, ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { fieldsOf } from "../attempt-budget.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { type AccountLocked, findSignInSource } from "../sign-in/steps/sign-in-lockout.ts";
import {
  checkSecondFactorOfSession,
  missingSecondFactorCode,
  wrongSecondFactor,
} from "../two-factor/steps/prove-second-factor.ts";
import { spendSecondFactorWith } from "../two-factor/steps/redeem-code.ts";
import { proveCurrentPassword } from "./steps/fresh-proof.ts";

/**
 * What a fresh-proof form lacks to be an attempt: exactly one of a password, a code and a backup
 * code, with something typed (an empty password is no guess, as at sign-in); null when it is one.
 * Read first: a form without one is refused (VALIDATION_ERROR) without trying anything, so it
 * spends no attempt of the `login` budget (attemptBudget) nor of the lockout.
 */
export function missingFreshProof(form: unknown): string | null {
  const { password, code, backupCode } = fieldsOf(form);
  if ([password, code, backupCode].filter((proof) => proof !== undefined).length !== 1)
    return "Send exactly one of password, code and backupCode";
  if (password === undefined) return missingSecondFactorCode(form);
  return typeof password === "string" && password !== "" ? null : "Password is required";
}

/**
 * Proves a factor again in a signed-in session (POST /auth/reauthenticate): the password, a
 * current TOTP code or a backup code. Success records the proof on the session, which may then
 * make sensitive changes for REAUTH_MAX_AGE (ADR 0012). Wrong answers count toward lockout like
 * wrong sign-ins; a code or backup code works once, as at sign-in. Accounts without a password
 * or 2FA re-authenticate through their provider instead (startProviderReauthentication). A form
 * without a proof typed is no attempt (missingFreshProof): it counts nowhere.
 */
export async function reauthenticate(
  deps: Dependencies,
  input: {
    session: Session;
    password?: string | undefined;
    code?: string | undefined;
    backupCode?: string | undefined;
    client: ClientInfo;
  },
): Promise<
  | Result<
      { reauthenticatedAt: Date },
      | "VALIDATION_ERROR"
      | "USER_NOT_FOUND"
      | "INVALID_CURRENT_PASSWORD"
      | "TWO_FACTOR_NOT_ENABLED"
      | "INVALID_TWO_FACTOR_CODE"
    >
  | AccountLocked
> {
  const { session, client, password, code, backupCode } = input;
  const missing = missingFreshProof(input);
  if (missing !== null) return err("VALIDATION_ERROR", missing);
  const [user, factor] = await Promise.all([
    deps.users.findUserById(session.userId),
    deps.twoFactor.findTOTPFactor(session.userId),
  ]);
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  const source = await findSignInSource(deps, { userId: user.id, client });
  const now = deps.clock.now();
  if (password !== undefined) {
    const proved = await proveCurrentPassword(deps, {
      user,
      password,
      source,
      client,
      during: "reauthentication",
    });
    if (!proved.ok) return proved;
    await deps.sessions.recordReauthentication({ sessionId: session.id, now, methods: ["pwd"] });
    return ok({ reauthenticatedAt: now });
  }
  if (factor?.status !== "enabled") {
    return err("TWO_FACTOR_NOT_ENABLED", "Two-factor authentication is not on: send the password");
  }
  const attempt = { user, factor, source, code, backupCode, client };
  const proved = await checkSecondFactorOfSession(deps, { ...attempt, during: "reauthentication" });
  if (!proved.ok) return proved;
  // The code (TOTP or backup code: "otp") spent with the proof's record, in one transaction: a
  // record that fails on the way gives it back.
  const recorded = await spendSecondFactorWith(deps, { unspent: proved.value, client }, (tx) =>
    tx.sessions.recordReauthentication({ sessionId: session.id, now, methods: ["otp"] }),
  );
  if (!recorded.spent) {
    // Spent meanwhile by another request with the same code (a double submit), or removed with the factor.
    return recorded.twoFactorOn
      ? wrongSecondFactor(code === undefined)
      : err(
          "TWO_FACTOR_NOT_ENABLED",
          "Two-factor authentication was turned off meanwhile: send the password",
        );
  }
  return ok({ reauthenticatedAt: now });
}
