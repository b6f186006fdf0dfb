import { ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { actorOf, authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";

/**
 * Lifts every sign-in lock of the account's address (every source's counter, ADR 0008), as a
 * password reset does. Only a lock in force is lifted, and always recorded: for an account with
 * none (another member of staff lifted it, or it was never locked) nothing is cleared or recorded,
 * and the answer says so (`lifted: false`). Clearing the failures counted short of
 * a lock would be an unrecorded change, and one that lets whoever guesses the password keep
 * guessing (four wrong, an "unlock", four more) with support's help and no trace in the audit.
 */
export async function unlockUser(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string },
): Promise<Result<{ lifted: boolean }, StaffRefusal>> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "unlock",
    targetId: input.userId,
  });
  if (!target.ok) return target;
  // The lift is the decision: of unlocks at once (two agents, a double click) exactly one finds the
  // lock in force, lifts it and records it; the others record nothing and answer `lifted: false`.
  const lifted = await deps.lockout.liftLock({ account: target.value.email, now: deps.clock.now() });
  if (!lifted) return ok({ lifted: false });
  await recordSecurityEvent(deps, {
    userId: target.value.id,
    type: "account_unlocked",
    actor: actorOf(input.actor, input.client),
  });
  return ok({ lifted: true });
}
