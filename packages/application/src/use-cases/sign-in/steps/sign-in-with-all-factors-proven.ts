import { signInAuthenticationMethods, type User } from "@superoauth/domain";
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
 */
export async function signInWithAllFactorsProven(
  deps: Dependencies,
  input: {
    user: User;
    client: ClientInfo;
    method: SignInMethod;
    /** Whether a second factor (TOTP or backup code) was proven after `method`. */
    secondFactor: boolean;
    /** The client's source as this sign-in read it before checking the first factor, if it did. */
    source?: SignInSource;
  },
): Promise<SignedIn> {
  const { user, client, method } = input;
  // Read before this sign-in makes the client known. Known means its device or its IP completed a
  // sign-in within the known-source lifetime (ADR 0008); sign-up counts as one (ADR 0016). A password
  // sign-in read it for the lockout already, earlier in the same request: that answer stands.
  const source = input.source ?? (await findSignInSource(deps, { userId: user.id, client }));
  const signedIn = await startSession(deps, {
    user,
    client,
    now: deps.clock.now(),
    authenticationMethods: signInAuthenticationMethods({
      firstFactor: method,
      secondFactor: input.secondFactor,
    }),
  });
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
