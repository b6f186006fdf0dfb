import {
  checkEmailVerifiedForSignIn,
  checkUserMaySignIn,
  ok,
  type Result,
  type User,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";

/**
 * Whether a session of `user` may be renewed (a refresh) or serve as the browser's session: the
 * account may sign in (not disabled), and with REQUIRE_EMAIL_VERIFICATION its address is verified.
 * The session the API's registration opened (the contract's 201 carries tokens) lasts its access
 * token and no longer until then; it is not ended, so the same token works once the address is.
 */
export function checkSessionRenewable(
  deps: Pick<Dependencies, "settings">,
  user: User,
): Result<void, "ACCOUNT_DISABLED" | "EMAIL_NOT_VERIFIED"> {
  const allowed = checkUserMaySignIn(user);
  if (!allowed.ok) return allowed;
  const verified = checkEmailVerifiedForSignIn({ user, required: deps.settings.requireEmailVerification });
  return verified.ok ? ok(undefined) : verified;
}
