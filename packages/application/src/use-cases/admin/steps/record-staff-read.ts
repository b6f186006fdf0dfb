import { maskEmail, parseEmail, staffViewFoldWindowMs, type User } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../../sessions/authenticate-access-token.ts";
import { actorOf } from "./authorize-staff-action.ts";

/** How many of the account's latest views are read to fold a repeated one (more staff than that: a new entry). */
const recentViewsRead = 20;

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
  input: { actor: Authenticated; target: User },
): Promise<void> {
  const since = deps.clock.now().getTime() - staffViewFoldWindowMs;
  const recent = await deps.securityEvents.listSecurityEventsOfUser({
    userId: input.target.id,
    limit: recentViewsRead,
    types: ["account_viewed"],
  });
  const seen = recent.some(
    (event) => event.actorId === input.actor.user.id && event.occurredAt.getTime() > since,
  );
  if (seen) return;
  await recordSecurityEvent(deps, {
    userId: input.target.id,
    type: "account_viewed",
    actor: actorOf(input.actor),
  });
}

/**
 * Records a search of the accounts (`users_searched` on the staff member's own account, as the
 * maintenance notice is): the query and how many accounts the page found. A whole address is kept
 * masked (`a***@example.com`, as the log keeps every address); a fragment as typed, cut to
 * `maxRecordedQueryLength`. Every page is a search: the next page shows other people.
 */
export async function recordStaffSearch(
  deps: Dependencies,
  input: { actor: Authenticated; query: string; results: number; page: boolean },
): Promise<void> {
  const address = parseEmail(input.query);
  const query = address.ok
    ? maskEmail(address.value)
    : [...input.query].slice(0, maxRecordedQueryLength).join("");
  await recordSecurityEvent(deps, {
    userId: input.actor.user.id,
    type: "users_searched",
    actor: actorOf(input.actor),
    details: { query, results: input.results, ...(input.page ? { nextPage: true } : {}) },
  });
}
