import { checkUserMaySignIn, ok, type Result, type User } from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import { recordSecurityEvent } from "./record-security-event.ts";
import { type ClientInfo, type SignedIn, startSession } from "./start-session.ts";

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
): Promise<Result<SignedIn, "ACCOUNT_DISABLED">> {
  const { user, client, method } = input;
  const allowed = checkUserMaySignIn(user);
  if (!allowed.ok) return allowed;
  const signedIn = await startSession(deps, { user, client, now: deps.clock.now() });
  await recordSecurityEvent(deps, { userId: user.id, type: "login_succeeded", client, details: { method } });
  return ok(signedIn);
}
