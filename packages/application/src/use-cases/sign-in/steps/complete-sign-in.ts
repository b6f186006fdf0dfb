import {
  checkEmailVerifiedForSignIn,
  checkUserMaySignIn,
  ok,
  type Result,
  type User,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import { type ClientInfo, type SignedIn, startSession } from "../../sessions/steps/start-session.ts";
import { findSignInSource, recordSuccessfulSignIn } from "./sign-in-lockout.ts";

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
 * The one place where a proven identity becomes a session, whatever proved it
 * (password, provider, ...): account status rules apply here, the session is
 * opened and the sign-in recorded. Checks every sign-in method must pass belong here.
 */
export async function completeSignIn(
  deps: Dependencies,
  input: { user: User; client: ClientInfo; method: SignInMethod },
): Promise<Result<SignInOutcome, "ACCOUNT_DISABLED" | "EMAIL_NOT_VERIFIED">> {
  const { user, client, method } = input;
  const allowed = checkUserMaySignIn(user);
  if (!allowed.ok) return allowed;
  // REQUIRE_EMAIL_VERIFICATION: checked here, after the credentials were proven, so it tells a guesser nothing.
  const verified = checkEmailVerifiedForSignIn({ user, required: deps.settings.requireEmailVerification });
  if (!verified.ok) return verified;
  // The second factor comes last, so every other rule is settled before a code is asked for.
  const factor = await deps.twoFactor.findTOTPFactor(user.id);
  if (factor?.status === "enabled") {
    const mfaToken = await deps.mfaTokens.issueMFAToken({
      challengeId: deps.random.generateId(),
      userId: user.id,
      method,
      now: deps.clock.now(),
    });
    return ok({ mfaRequired: true, mfaToken, expiresIn: deps.mfaTokens.mfaTokenTtlSeconds });
  }
  return ok(await finishSignIn(deps, { user, client, method }));
}

/**
 * Opens the session of a user who passed every factor and records the sign-in;
 * the client's failure counters start again and it becomes a known source. A
 * sign-in from neither a device nor a network the account signed in from before
 * is also recorded as `new_device_sign_in`, which mails the holder "was this you?".
 */
export async function finishSignIn(
  deps: Dependencies,
  input: { user: User; client: ClientInfo; method: SignInMethod },
): Promise<SignedIn> {
  const { user, client, method } = input;
  // Read before this sign-in makes the client known. Known means its device or its IP completed a
  // sign-in within the known-source lifetime (ADR 0008); sign-up counts as one (ADR 0016).
  const source = await findSignInSource(deps, { userId: user.id, client });
  const signedIn = await startSession(deps, { user, client, now: deps.clock.now() });
  await recordSecurityEvent(deps, { userId: user.id, type: "login_succeeded", client, details: { method } });
  if (!source.known) {
    await recordSecurityEvent(deps, {
      userId: user.id,
      type: "new_device_sign_in",
      client,
      details: { method },
    });
  }
  await recordSuccessfulSignIn(deps, { userId: user.id, account: user.email, client });
  return signedIn;
}
