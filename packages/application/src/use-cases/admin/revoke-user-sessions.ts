import { ok, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import { liveSessionWindow } from "../sessions/steps/live-since.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { actorOf, authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";

/**
 * Signs the account out everywhere (support and admins): every session, and so every token of ours,
 * ends. Recorded (and so mailed to the holder) only when a session was ended: for an account with
 * none, neither its log nor its mailbox fills with sign-outs that did nothing. The answer counts
 * the live sessions this call ended (0: none was left to end, as another member of staff ended them,
 * they had expired, or the account had none).
 */
export async function revokeUserSessions(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string },
): Promise<Result<{ sessionsEnded: number }, StaffRefusal>> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "revoke_sessions",
    targetId: input.userId,
  });
  if (!target.ok) return target;
  // Only live sessions count: one expired but not yet pruned signed nobody in (it is revoked too).
  const ended = await deps.sessions.revokeSessionsOfUser({
    userId: target.value.id,
    now: deps.clock.now(),
    live: liveSessionWindow(deps),
  });
  if (ended === 0) return ok({ sessionsEnded: 0 });
  await recordSecurityEvent(deps, {
    userId: target.value.id,
    type: "sessions_revoked",
    actor: actorOf(input.actor, input.client),
  });
  return ok({ sessionsEnded: ended });
}
