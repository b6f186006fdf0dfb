import { ok, type Result, type UserStatus } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import { endEverythingOfUser } from "../sessions/steps/end-everything-of-user.ts";
import {
  actorOf,
  authorizeStaffAction,
  guardStaffChange,
  type StaffRefusal,
} from "./steps/authorize-staff-action.ts";

/**
 * Disables or enables an account (admins only). Disabling ends every session and third-party
 * grant: the person gets ACCOUNT_DISABLED at sign-in, at refresh and with any access token still
 * in hand. The last active admin cannot be disabled (LAST_ADMIN), by themselves or anyone.
 */
export async function changeUserStatus(
  deps: Dependencies,
  input: { actor: Authenticated; userId: string; status: UserStatus },
): Promise<Result<void, StaffRefusal | "LAST_ADMIN">> {
  const action = input.status === "disabled" ? "disable" : "enable";
  const target = await authorizeStaffAction(deps, { actor: input.actor, action, targetId: input.userId });
  if (!target.ok) return target;
  const changed = await deps.accountAdministration.updateAccount({
    userId: target.value.id,
    change: { status: input.status },
    now: deps.clock.now(),
    guard: guardStaffChange({
      actorRole: input.actor.user.role,
      action,
      after: (user) => ({ role: user.role, status: input.status }),
    }),
  });
  if (!changed.ok) return changed;
  if (input.status === "disabled") await endEverythingOfUser(deps, { userId: target.value.id });
  await recordSecurityEvent(deps, {
    userId: target.value.id,
    type: input.status === "disabled" ? "account_disabled" : "account_enabled",
    actor: actorOf(input.actor),
  });
  return ok(undefined);
}
