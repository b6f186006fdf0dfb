import type { UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";

/**
 * Ends every way the user is signed in anywhere: every session (and so every refresh token and
 * access token of ours, ADR 0003) and every grant to a third-party app with its tokens. Disabling
 * an account does this; so does deleting one, before its records go, and so does a password reset:
 * whoever held the account may have authorized an app of their own to keep a way in.
 */
export async function endEverythingOfUser(
  deps: Pick<Dependencies, "sessions" | "thirdPartyGrants" | "clock">,
  input: { userId: UserId },
): Promise<void> {
  await deps.sessions.revokeSessionsOfUser({ userId: input.userId, now: deps.clock.now() });
  await deps.thirdPartyGrants.revokeGrantsOfUser({ userId: input.userId });
}
