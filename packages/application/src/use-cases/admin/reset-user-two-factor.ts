import { err, ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { actorOf, authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";

/**
 * Removes the account's second factor and backup codes, for a person who lost both (support and
 * admins, with a fresh proof). Sessions are left alone: the person is usually signed out already,
 * and signs in next with the first factor alone, then may set 2FA up again.
 */
export async function resetUserTwoFactor(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string },
): Promise<Result<void, StaffRefusal | "TWO_FACTOR_NOT_ENABLED">> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "reset_two_factor",
    targetId: input.userId,
  });
  if (!target.ok) return target;
  // A set-up never confirmed is not a second factor: the person signs in without it, and telling
  // them "your 2FA was turned off" would be false. Their own next set-up replaces it.
  const notEnabled = err("TWO_FACTOR_NOT_ENABLED", "This account has no second factor to reset");
  if ((await deps.twoFactor.findTOTPFactor(target.value.id))?.status !== "enabled") return notEnabled;
  // Of two resets at once (two members of staff), the one that removed it answers and records it.
  if (!(await deps.twoFactor.deleteTwoFactor(target.value.id))) return notEnabled;
  await recordSecurityEvent(deps, {
    userId: target.value.id,
    type: "two_factor_reset",
    actor: actorOf(input.actor, input.client),
  });
  return ok(undefined);
}
