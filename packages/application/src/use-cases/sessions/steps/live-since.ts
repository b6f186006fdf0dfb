import type { Dependencies } from "../../../ports/index.ts";

/**
 * The oldest last use a live session can have: its newest refresh token was
 * issued then and expires `refreshTokenTtlMs` later, dead from that instant on.
 */
export function liveSince(deps: Pick<Dependencies, "clock" | "settings">): Date {
  return new Date(deps.clock.now().getTime() - deps.settings.refreshTokenTtlMs + 1);
}
