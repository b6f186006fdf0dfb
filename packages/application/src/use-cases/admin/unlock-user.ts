import { ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import { unlockAccount } from "../sign-in/steps/sign-in-lockout.ts";
import { actorOf, authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";

/** Lifts every sign-in lock of the account's address (every source's counter, ADR 0008), as a password reset does. */
export async function unlockUser(
  deps: Dependencies,
  input: { actor: Authenticated; userId: string },
): Promise<Result<void, StaffRefusal>> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "unlock",
    targetId: input.userId,
  });
  if (!target.ok) return target;
  await unlockAccount(deps, { account: target.value.email });
  await recordSecurityEvent(deps, {
    userId: target.value.id,
    type: "account_unlocked",
    actor: actorOf(input.actor),
  });
  return ok(undefined);
}
