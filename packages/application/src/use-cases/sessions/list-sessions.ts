import {
  lastActivityOf,
  ok,
  type Result,
  type Session,
  type SessionId,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { liveSessionWindow } from "./steps/live-since.ts";

/** A live session as its owner sees it; `current` marks the one the request came from. */
export interface SessionSummary {
  readonly id: SessionId;
  readonly userAgent: string | null;
  readonly ip: string | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  readonly current: boolean;
}

/**
 * The user's live sessions, most recently used first. A session is live while
 * not revoked, used within the refresh-token lifetime (after that no refresh
 * token of it can be exchanged any more) and younger than SESSION_MAX_AGE.
 * A session's last use is its last refresh, sign-in or hosted page (lastActivityOf); the current
 * one is in use by this very request, so it is listed first, used now.
 */
export async function listSessions(
  deps: Dependencies,
  input: { userId: UserId; currentSessionId: SessionId },
): Promise<Result<SessionSummary[], never>> {
  const sessions = await deps.sessions.listLiveSessionsOfUser({
    userId: input.userId,
    ...liveSessionWindow(deps),
  });
  const now = deps.clock.now();
  const summaries = sessions
    .map((session) => summarise(session, input.currentSessionId, now))
    .sort(
      (a, b) =>
        Number(b.current) - Number(a.current) ||
        b.lastUsedAt.getTime() - a.lastUsedAt.getTime() ||
        (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    );
  return ok(summaries);
}

function summarise(session: Session, currentSessionId: SessionId, now: Date): SessionSummary {
  const current = session.id === currentSessionId;
  return {
    id: session.id,
    userAgent: session.userAgent,
    ip: session.ip,
    createdAt: session.createdAt,
    lastUsedAt: current ? now : lastActivityOf(session),
    current,
  };
}
