import type { Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import {
  actorOf,
  authorizeStaffAction,
  guardStaffChange,
  type StaffRefusal,
} from "./steps/authorize-staff-action.ts";
import { removeAccount } from "./steps/remove-account.ts";

/** An admin deletes an account, exactly as its holder would (removeAccount); never the last active admin. */
export async function deleteUser(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string },
): Promise<Result<void, StaffRefusal | "LAST_ADMIN">> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "delete",
    targetId: input.userId,
  });
  if (!target.ok) return target;
  return removeAccount(deps, {
    user: target.value,
    actor: actorOf(input.actor, input.client),
    guard: guardStaffChange({ actorRole: input.actor.user.role, action: "delete", after: () => null }),
  });
}
