import { ok, type Result, type Session, type SessionId, type UserId } from "@superoauth/domain";
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
 * A session's stored last use is its last refresh (or sign-in); the current one is in use by this
 * very request, so it is listed first, used now (the account center's browser session is never
 * refreshed, and showed its sign-in time as its last use).
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
  const summaries = sessions.map((session) => summarise(session, input.currentSessionId, now));
  return ok([...summaries.filter((s) => s.current), ...summaries.filter((s) => !s.current)]);
}

function summarise(session: Session, currentSessionId: SessionId, now: Date): SessionSummary {
  const current = session.id === currentSessionId;
  return {
    id: session.id,
    userAgent: session.userAgent,
    ip: session.ip,
    createdAt: session.createdAt,
    lastUsedAt: current ? now : session.lastUsedAt,
    current,
  };
}
