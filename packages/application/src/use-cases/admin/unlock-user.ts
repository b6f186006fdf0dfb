import { ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import { unlockAccount } from "../sign-in/steps/sign-in-lockout.ts";
import { actorOf, authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";

/**
 * Lifts every sign-in lock of the account's address (every source's counter, ADR 0008), as a
 * password reset does. Idempotent: the person's log and the audit record it only when a lock was
 * in force as staff asked; an account with none is answered the same and nothing is recorded.
 */
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
  const lockedUntil = await deps.accountAdministration.findAccountLockedUntil({
    account: target.value.email,
    now: deps.clock.now(),
  });
  await unlockAccount(deps, { account: target.value.email });
  if (lockedUntil === null) return ok(undefined);
  await recordSecurityEvent(deps, {
    userId: target.value.id,
    type: "account_unlocked",
    actor: actorOf(input.actor),
  });
  return ok(undefined);
}
