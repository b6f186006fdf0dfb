import type { Dependencies } from "../../../ports/index.ts";

/**
 * The oldest last use a live session can have: its newest refresh token was
 * issued then and expires `refreshTokenTtlMs` later, dead from that instant on.
 */
export function liveSince(deps: Pick<Dependencies, "clock" | "settings">): Date {
  return new Date(deps.clock.now().getTime() - deps.settings.refreshTokenTtlMs + 1);
}

/**
 * What makes a session live: used since liveSince, and opened less than `sessionMaxAgeMs` ago
 * (from that age on decideRefresh refuses its tokens whatever they say, SESSION_MAX_AGE).
 */
export function liveSessionWindow(deps: Pick<Dependencies, "clock" | "settings">): {
  usedSince: Date;
  createdSince: Date;
} {
  return {
    usedSince: liveSince(deps),
    createdSince: new Date(deps.clock.now().getTime() - deps.settings.sessionMaxAgeMs + 1),
  };
}
