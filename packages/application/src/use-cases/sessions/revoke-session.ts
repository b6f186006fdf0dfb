import { err, ok, type Result, type SessionId, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import { liveSessionWindow } from "./steps/live-since.ts";
import type { ClientInfo } from "./steps/start-session.ts";

const notFound = err("SESSION_NOT_FOUND", "No live session of yours has this id");

/**
 * Ends one of the user's live sessions (the current one included: that is a
 * logout). Someone else's session answers exactly like an unknown one, so ids
 * cannot be probed.
 */
export async function revokeSession(
  deps: Dependencies,
  input: { userId: UserId; sessionId: string; client?: ClientInfo },
): Promise<Result<void, "SESSION_NOT_FOUND">> {
  const session = await deps.sessions.findSession(input.sessionId as SessionId);
  const live = liveSessionWindow(deps);
  if (
    session === null ||
    session.userId !== input.userId ||
    session.revokedAt !== null ||
    session.lastUsedAt.getTime() < live.usedSince.getTime() ||
    session.createdAt.getTime() < live.createdSince.getTime()
  ) {
    return notFound;
  }
  // Ended by another request since it was read (a double click, a sign-out of it): answered as a
  // session already ended is, and recorded by that request alone.
  if (!(await deps.sessions.revokeSession({ sessionId: session.id, now: deps.clock.now() }))) return notFound;
  await recordSecurityEvent(deps, {
    userId: input.userId,
    type: "session_revoked",
    client: input.client,
    details: { sessionId: session.id, reason: "revoked_by_user" },
  });
  return ok(undefined);
}
