import { ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { actorOf, authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";

/**
 * Signs the account out everywhere (support and admins): every session, and so every token of ours,
 * ends. Recorded (and so mailed to the holder) only when a session was ended: an account with none
 * is answered the same, and neither its log nor its mailbox fills with sign-outs that did nothing.
 */
export async function revokeUserSessions(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string },
): Promise<Result<void, StaffRefusal>> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "revoke_sessions",
    targetId: input.userId,
  });
  if (!target.ok) return target;
  const ended = await deps.sessions.revokeSessionsOfUser({ userId: target.value.id, now: deps.clock.now() });
  if (ended === 0) return ok(undefined);
  await recordSecurityEvent(deps, {
    userId: target.value.id,
    type: "sessions_revoked",
    actor: actorOf(input.actor, input.client),
  });
  return ok(undefined);
}
