import { ok, type Result, type SessionId, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import { liveSessionWindow } from "./steps/live-since.ts";
import type { ClientInfo } from "./steps/start-session.ts";

/**
 * Ends every session of the user, this one included; with `keepSessionId` ("sign out all other
 * sessions" of the account center), every session but that one. Recorded only when a live session
 * was ended: from a page opened before the others ended (or expired), nothing happened to log. The
 * answer counts the live sessions ended.
 */
export async function logOutEverywhere(
  deps: Dependencies,
  input: { userId: UserId; keepSessionId?: SessionId; client?: ClientInfo },
): Promise<Result<{ sessionsEnded: number }, never>> {
  const ended = await deps.sessions.revokeSessionsOfUser({
    userId: input.userId,
    now: deps.clock.now(),
    live: liveSessionWindow(deps),
    ...(input.keepSessionId === undefined ? {} : { exceptSessionId: input.keepSessionId }),
  });
  if (ended === 0) return ok({ sessionsEnded: 0 });
  await recordSecurityEvent(deps, {
    userId: input.userId,
    type: "sessions_revoked",
    client: input.client,
    details: { reason: input.keepSessionId === undefined ? "logout_all" : "logout_others" },
  });
  return ok({ sessionsEnded: ended });
}
