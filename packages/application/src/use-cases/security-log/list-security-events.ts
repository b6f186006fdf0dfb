import {
  asSeenByHolder,
  checkPageCursor,
  err,
  ok,
  type Result,
  type SecurityEvent,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";

export const defaultSecurityEventPageSize = 20;
export const maxSecurityEventPageSize = 100;

/** One page of a user's security log, and the cursor for the next (null on the last page). */
export interface SecurityEventPage {
  readonly events: SecurityEvent[];
  readonly nextBefore: string | null;
}

/**
 * The user's security log, newest first, a page at a time: `before` is the id
 * of the last event of the previous page (the `nextBefore` it answered). Staff actions come
 * without the staff member's address and browser (`asSeenByHolder`).
 */
export async function listSecurityEvents(
  deps: Dependencies,
  input: { userId: UserId; limit?: number | undefined; before?: string | undefined },
): Promise<Result<SecurityEventPage, "VALIDATION_ERROR">> {
  const limit = input.limit ?? defaultSecurityEventPageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxSecurityEventPageSize) {
    return err("VALIDATION_ERROR", `limit must be an integer from 1 to ${maxSecurityEventPageSize}`);
  }
  const cursor = checkPageCursor({ parameter: "before", answeredAs: "nextBefore", value: input.before });
  if (!cursor.ok) return cursor;
  // One more than asked tells whether another page follows, without a count query.
  const found = await deps.securityEvents.listSecurityEventsOfUser({
    userId: input.userId,
    limit: limit + 1,
    ...(input.before === undefined ? {} : { beforeId: input.before }),
  });
  const events = found.slice(0, limit).map(asSeenByHolder);
  const last = events.at(-1);
  return ok({ events, nextBefore: found.length > limit && last !== undefined ? last.id : null });
}
