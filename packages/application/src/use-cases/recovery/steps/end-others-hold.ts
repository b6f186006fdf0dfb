import type { Email, UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { endEverythingOfUser } from "../../sessions/steps/end-everything-of-user.ts";
import { unlockAccount } from "../../sign-in/steps/sign-in-lockout.ts";

/**
 * What taking an account back through its mailbox does once the new password is stored (a password
 * reset, an undone change of address): every session and third-party app's grant ends (whoever held
 * the account may have authorized an app of their own to keep a way in), the account's pending
 * reset and change-of-address links die (a thief's among them), and the address's sign-in lock
 * lifts (the mailbox proved, which is what unlocking needs).
 */
export async function endOthersHoldOnAccount(
  deps: Dependencies,
  input: { userId: UserId; address: Email; now: Date },
): Promise<void> {
  await endEverythingOfUser(deps, { userId: input.userId });
  for (const purpose of ["reset_password", "change_email"] as const) {
    await deps.emailTokens.useAllEmailTokensOfUser({ userId: input.userId, purpose, now: input.now });
  }
  await unlockAccount(deps, { account: input.address });
}
