import {
  checkEmailVerifiedForSignIn,
  checkUserMaySignIn,
  ok,
  type Result,
  type User,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";

/**
 * Whether `user` may hold a session: be signed in (a proven first factor), have one renewed (a
 * refresh), or have it serve as the browser's session. The account is not disabled, and with
 * REQUIRE_EMAIL_VERIFICATION its address is verified. The session the API's registration opened
 * (the contract's 201 carries tokens) so lasts its access token and no longer until then; it is
 * not ended, so the same token works once the address is.
 */
export function checkMayHoldSession(
  deps: Pick<Dependencies, "settings">,
  user: User,
): Result<void, "ACCOUNT_DISABLED" | "EMAIL_NOT_VERIFIED"> {
  const allowed = checkUserMaySignIn(user);
  if (!allowed.ok) return allowed;
  const verified = checkEmailVerifiedForSignIn({ user, required: deps.settings.requireEmailVerification });
  return verified.ok ? ok(undefined) : verified;
}
