import { ok, type Result, type User } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { checkMayHoldSession } from "../../sessions/steps/may-hold-session.ts";
import type { ClientInfo, SignedIn } from "../../sessions/steps/start-session.ts";
import { passwordFingerprint } from "./password-fingerprint.ts";
import type { SignInSource } from "./sign-in-lockout.ts";
import { signInWithAllFactorsProven } from "./sign-in-with-all-factors-proven.ts";

/** The first factor was right, and the account has 2FA on: the client must now send a code with this token. */
export interface MFARequired {
  readonly mfaRequired: true;
  /** Good only at POST /auth/2fa/verify, for a few minutes. */
  readonly mfaToken: string;
  readonly expiresIn: number;
}

/** What a sign-in ends in: a session, or the second-factor step first. */
export type SignInOutcome = SignedIn | MFARequired;

/** How the user proved who they are: "password", or a provider id such as "github". */
export type SignInMethod = string;

/**
 * Why an account that proved its first factor may still not sign in; INVALID_CREDENTIALS when the
 * account was deleted or its password changed while the proof was checked.
 */
export type SignInRefusal = "ACCOUNT_DISABLED" | "EMAIL_NOT_VERIFIED" | "INVALID_CREDENTIALS";

/**
 * The one place a proven first factor leads on from, whatever proved it (password, provider,
 * ...): account status rules apply here, then either the second-factor step is asked for or,
 * without 2FA, the session is opened and the sign-in recorded (signInWithAllFactorsProven).
 * Checks every sign-in method must pass belong here.
 */
export async function continueAfterFirstFactor(
  deps: Dependencies,
  input: {
    user: User;
    client: ClientInfo;
    method: SignInMethod;
    /** The client's source, when the first factor's check read it already (findSignInSource). */
    source?: SignInSource;
  },
): Promise<Result<SignInOutcome, SignInRefusal>> {
  const { user, client, method, source } = input;
  // Status and REQUIRE_EMAIL_VERIFICATION: checked here, after the credentials were proven, so they tell a guesser nothing.
  const allowed = checkMayHoldSession(deps, user);
  if (!allowed.ok) return allowed;
  // The second factor comes last, so every other rule is settled before a code is asked for.
  const factor = await deps.twoFactor.findTOTPFactor(user.id);
  if (factor?.status === "enabled") {
    const mfaToken = await deps.mfaTokens.issueMFAToken({
      challengeId: deps.random.generateId(),
      userId: user.id,
      method,
      credential: passwordFingerprint(deps, user),
      now: deps.clock.now(),
    });
    return ok({ mfaRequired: true, mfaToken, expiresIn: deps.mfaTokens.mfaTokenTtlSeconds });
  }
  return signInWithAllFactorsProven(deps, {
    user,
    client,
    method,
    secondFactor: false,
    staleProof: "INVALID_CREDENTIALS",
    ...(source ? { source } : {}),
  });
}
