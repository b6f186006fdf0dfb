import { err, ok, parseRole, type Result, type Role } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import {
  actorOf,
  authorizeStaffAction,
  guardStaffChange,
  type StaffRefusal,
} from "./steps/authorize-staff-action.ts";

/** Gives an account another role (admins only); the last active admin keeps theirs (LAST_ADMIN). */
export async function changeUserRole(
  deps: Dependencies,
  input: { actor: Authenticated; userId: string; role: string },
): Promise<Result<{ role: Role }, StaffRefusal | "LAST_ADMIN" | "VALIDATION_ERROR">> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "change_role",
    targetId: input.userId,
  });
  if (!target.ok) return target;
  const role = parseRole(input.role);
  if (role === null) return err("VALIDATION_ERROR", "role must be one of user, support, admin");
  const changed = await deps.accountAdministration.updateAccount({
    userId: target.value.id,
    change: { role },
    now: deps.clock.now(),
    guard: guardStaffChange({
      actorRole: input.actor.user.role,
      action: "change_role",
      after: (user) => ({ role, status: user.status }),
    }),
  });
  if (!changed.ok) return changed;
  await recordSecurityEvent(deps, {
    userId: target.value.id,
    type: "role_changed",
    actor: actorOf(input.actor),
    details: { role, previousRole: target.value.role },
  });
  return ok({ role });
}
