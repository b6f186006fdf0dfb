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

/**
 * How long after its sign-in a session of `user` may be renewed: SESSION_MAX_AGE, and for staff
 * (`support`, `admin`) STAFF_SESSION_MAX_AGE, which is shorter (docs/admin.md). The role is the
 * account's now, so a session opened before a promotion ends by the staff rule too.
 */
export function sessionMaxAgeOf(deps: Pick<Dependencies, "settings">, user: Pick<User, "role">): number {
  return user.role === "user" ? deps.settings.sessionMaxAgeMs : deps.settings.staffSessionMaxAgeMs;
}
