import {
  checkUserMaySignIn,
  err,
  ok,
  type Result,
  type SessionId,
  signInAuthenticationMethods,
  type User,
} from "@superoauth/domain";
import { DeletedMeanwhileError } from "../../../deleted-meanwhile-error.ts";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import { type ClientInfo, type SignedIn, startSession } from "../../sessions/steps/start-session.ts";
import type { SignInMethod } from "./continue-after-first-factor.ts";
import { findSignInSource, recordSuccessfulSignIn, type SignInSource } from "./sign-in-lockout.ts";

/**
 * Opens the session of a user who passed every factor and records the sign-in;
 * the client's failure counters start again and it becomes a known source. A
 * sign-in from neither a device nor a network the account signed in from before
 * is also recorded as `new_device_sign_in`, which mails the holder "was this you?".
 *
 * The session opens only if the account, read again under the user's lock, is still as the proof
 * found it: a deletion, a new password (a change or a reset) or a disable that committed while the
 * proof was checked (an argon2id hash takes tens of milliseconds) ends this sign-in with
 * `staleProof` or ACCOUNT_DISABLED, and one committed after it ends its session as every other.
 */
export async function signInWithAllFactorsProven<E extends "INVALID_CREDENTIALS" | "INVALID_MFA_TOKEN">(
  deps: Dependencies,
  input: {
    user: User;
    client: ClientInfo;
    method: SignInMethod;
    /** Whether a second factor (TOTP or backup code) was proven after `method`. */
    secondFactor: boolean;
    /** The client's source as this sign-in read it before checking the first factor, if it did. */
    source?: SignInSource;
    /** The answer when the account is gone or its password changed since `user` was read. */
    staleProof: E;
  },
): Promise<Result<SignedIn, E | "ACCOUNT_DISABLED">> {
  const { user, client, method } = input;
  // Read before this sign-in makes the client known. Known means its device or its IP completed a
  // sign-in within the known-source lifetime (ADR 0008); sign-up counts as one (ADR 0016). A password
  // sign-in read it for the lockout already, earlier in the same request: that answer stands.
  const source = input.source ?? (await findSignInSource(deps, { userId: user.id, client }));
  const signedIn = await startSession<E | "ACCOUNT_DISABLED">(deps, {
    user,
    client,
    now: deps.clock.now(),
    authenticationMethods: signInAuthenticationMethods({
      firstFactor: method,
      secondFactor: input.secondFactor,
    }),
    holder: (holder) =>
      holder === null || holder.passwordHash !== user.passwordHash
        ? err(input.staleProof, "The account changed while you signed in; sign in again")
        : checkUserMaySignIn({ ...user, status: holder.status }),
  });
  if (!signedIn.ok) return signedIn;
  try {
    await recordSignIn(deps, {
      user,
      client,
      method,
      secondFactor: input.secondFactor,
      known: source.known,
      sessionId: signedIn.value.sessionId,
    });
  } catch (error) {
    // Deleted just after its session opened (the deletion ended it): the same answer as before it.
    if (error instanceof DeletedMeanwhileError)
      return err(input.staleProof, "The account changed while you signed in; sign in again");
    throw error;
  }
  return ok(signedIn.value);
}

/** The sign-in in the security log (and a new source's notice), and the client known from now on. */
async function recordSignIn(
  deps: Dependencies,
  input: {
    user: User;
    client: ClientInfo;
    method: SignInMethod;
    secondFactor: boolean;
    known: boolean;
    sessionId: SessionId;
  },
): Promise<void> {
  const { user, client, method, sessionId } = input;
  // The session's id, as `session_revoked` and `refresh_token_reuse_detected` give it: whoever reads
  // the log (the holder, an incident review) can tell which sign-in a later sign-out ended, after
  // the ended session's row (with its device and address) is pruned a day later.
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: "login_succeeded",
    client,
    // A TOTP or backup code proven after `method`: the log says both, as the session's amr does.
    details: input.secondFactor ? { method, secondFactor: true, sessionId } : { method, sessionId },
  });
  if (!input.known) {
    await recordSecurityEvent(deps, {
      userId: user.id,
      type: "new_device_sign_in",
      client,
      details: { method, sessionId },
    });
  }
  await recordSuccessfulSignIn(deps, { userId: user.id, account: user.email, client });
}
