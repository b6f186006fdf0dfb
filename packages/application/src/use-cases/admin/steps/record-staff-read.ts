import {
  maskEmail,
  type SecurityEvent,
  type SecurityEventType,
  staffViewFoldWindowMs,
  type User,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";
import { actorOf } from "./authorize-staff-action.ts";

/** How many of the account's latest reads of a type are read to fold a repeated one (more than that: a new entry). */
const recentReadsRead = 20;

/** The longest search text the audit keeps; what staff type to find someone is short. */
export const maxRecordedQueryLength = 64;

/**
 * Records that a member of staff opened one account's details (`account_viewed` on that account,
 * with the staff member as actor; docs/admin.md, "Audit"), unless they already did within
 * `staffViewFoldWindowMs`. Called before anything is read: if the record cannot be written the
 * error goes up and nothing is shown (fail closed: no record, no view).
 */
export async function recordStaffView(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; target: User },
): Promise<void> {
  const seen = await recordedWithinFoldWindow(deps, {
    userId: input.target.id,
    type: "account_viewed",
    same: (event) => event.actorId === input.actor.user.id,
  });
  if (seen) return;
  await recordSecurityEvent(deps, {
    userId: input.target.id,
    type: "account_viewed",
    actor: actorOf(input.actor, input.client),
  });
}

/**
 * Records a search of the accounts (`users_searched` on the staff member's own account, as the
 * maintenance notice is): the query and how many accounts the page found. Text with an `@` is kept
 * masked (`a***@example.com`, as the log keeps every address; `g***@gmail` for a part of one), and
 * cut to `maxRecordedQueryLength`. Every later page is a search (it shows other people); the same
 * first page again within `staffViewFoldWindowMs` (the Users page reloaded, the same query finding
 * as many) is one entry, as views are.
 */
export async function recordStaffSearch(
  deps: Dependencies,
  input: {
    actor: Authenticated;
    client?: ClientInfo | undefined;
    query: string;
    results: number;
    page: boolean;
  },
): Promise<void> {
  const masked = input.query.includes("@") ? maskEmail(input.query) : input.query;
  const query = [...masked].slice(0, maxRecordedQueryLength).join("");
  const repeated =
    !input.page &&
    (await recordedWithinFoldWindow(deps, {
      userId: input.actor.user.id,
      type: "users_searched",
      same: (event) =>
        event.actorId === input.actor.user.id &&
        event.details.nextPage === undefined &&
        event.details.query === query &&
        event.details.results === input.results,
    }));
  if (repeated) return;
  await recordSecurityEvent(deps, {
    userId: input.actor.user.id,
    type: "users_searched",
    actor: actorOf(input.actor, input.client),
    details: { query, results: input.results, ...(input.page ? { nextPage: true } : {}) },
  });
}

/** Whether the user's log has an entry of `type` that is `same` as the one to record, within the fold window. */
async function recordedWithinFoldWindow(
  deps: Dependencies,
  input: { userId: UserId; type: SecurityEventType; same: (event: SecurityEvent) => boolean },
): Promise<boolean> {
  const since = deps.clock.now().getTime() - staffViewFoldWindowMs;
  const recent = await deps.securityEvents.listSecurityEventsOfUser({
    userId: input.userId,
    limit: recentReadsRead,
    types: [input.type],
  });
  return recent.some((event) => event.occurredAt.getTime() > since && input.same(event));
}
