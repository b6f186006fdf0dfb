import type { Email, Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";

/**
 * The change of address the session's account asked for and has not confirmed yet: the address the
 * link went to and when the link stops working; null when none is waiting. The account center's
 * profile shows it, so a person does not ask again (and run into the hourly allowance) while a link
 * is on its way.
 */
export async function findPendingEmailChange(
  deps: Pick<Dependencies, "emailTokens" | "clock">,
  input: { session: Session },
): Promise<{ newEmail: Email; expiresAt: Date } | null> {
  return deps.emailTokens.findPendingEmailChange({ userId: input.session.userId, now: deps.clock.now() });
}
