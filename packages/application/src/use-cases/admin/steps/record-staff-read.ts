import {
  durationInWords,
  err,
  maskEmail,
  type Result,
  type SecurityEvent,
  type SecurityEventType,
  staffReadAllowanceWindowMs,
  staffViewFoldWindowMs,
  type User,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies, EntryFold } from "../../../ports/index.ts";
import type { AllowanceSpent } from "../../allowance-spent.ts";
import { newSecurityEvent, type SecurityEventInput } from "../../security-log/steps/record-security-event.ts";
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
 * error goes up and nothing is shown (fail closed: no record, no view). A view past the staff
 * member's read allowance is refused (`recordStaffRead`) and shows nothing either.
 */
export async function recordStaffView(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; target: User },
): Promise<AllowanceSpent | Result<never, "USER_NOT_FOUND"> | null> {
  const fold = repeatedReadFold(deps, {
    type: "account_viewed",
    same: (event) => event.actorId === input.actor.user.id,
  });
  if (!(await admits(deps, input.target.id, fold))) return null;
  const recorded = await recordStaffRead(
    deps,
    { userId: input.target.id, type: "account_viewed", actor: actorOf(input.actor, input.client) },
    fold,
  );
  // Deleted since it was read: nothing to show, as if it had been deleted before.
  return recorded === "gone" ? err("USER_NOT_FOUND", "No user with this id") : recorded;
}

/**
 * Records a search of the accounts (`users_searched` on the staff member's own account, as the
 * maintenance notice is): the query and how many accounts the page found. Text with an `@` is kept
 * masked (`a***@example.com`, as the log keeps every address; `g***@gmail` for a part of one), and
 * cut to `maxRecordedQueryLength`. Every later page is a search (it shows other people); the same
 * first page again within `staffViewFoldWindowMs` (the Users page reloaded, the same query finding
 * as many) is one entry, as views are, unless the query was masked or cut: then it is recorded (and
 * counted) each time. A page past the staff member's read allowance is refused.
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
): Promise<AllowanceSpent | Result<never, "INSUFFICIENT_PERMISSIONS"> | null> {
  const masked = input.query.includes("@") ? maskEmail(input.query) : input.query;
  const query = [...masked].slice(0, maxRecordedQueryLength).join("");
  // Only a query the entry keeps whole can be known to be the same search again: a masked or cut one
  // stands for many (`ada@example.com` and `alan@example.com` are both `a***@example.com`), and
  // folding on it let each of them be read uncounted and unrecorded, past the allowance.
  const keptWhole = query === input.query;
  const fold =
    !input.page && keptWhole
      ? repeatedReadFold(deps, {
          type: "users_searched",
          same: (event) =>
            event.actorId === input.actor.user.id &&
            event.details.nextPage === undefined &&
            event.details.query === query &&
            event.details.results === input.results,
        })
      : undefined;
  if (fold !== undefined && !(await admits(deps, input.actor.user.id, fold))) return null;
  const recorded = await recordStaffRead(
    deps,
    {
      userId: input.actor.user.id,
      type: "users_searched",
      actor: actorOf(input.actor, input.client),
      details: { query, results: input.results, ...(input.page ? { nextPage: true } : {}) },
    },
    fold,
  );
  // The searcher's own account was deleted meanwhile: no account, no role, nothing shown.
  return recorded === "gone"
    ? err("INSUFFICIENT_PERMISSIONS", "Your role does not allow this action")
    : recorded;
}

/**
 * Records one directory read within its actor's allowance (STAFF_READS_PER_HOUR over the last
 * `staffReadAllowanceWindowMs`; docs/admin.md, "Read allowance", ADR 0051), or answers the refusal
 * with the seconds until the oldest counted read leaves the window. The store counts and records
 * in one step per member of staff, so reads at once never pass the allowance together.
 */
async function recordStaffRead(
  deps: Dependencies,
  input: SecurityEventInput<"account_viewed" | "users_searched">,
  fold: EntryFold | undefined,
): Promise<AllowanceSpent | "gone" | null> {
  const event = newSecurityEvent(deps, input);
  const now = event.occurredAt.getTime();
  const max = deps.settings.staffReadsPerHour;
  const record = await deps.securityEvents.recordStaffEntry(
    event,
    { since: new Date(now - staffReadAllowanceWindowMs + 1), max },
    fold,
  );
  // Folded under the actor's lock: the same read made at the same moment, which took the lock first.
  if (record.recorded || record.folded || record.withheld) return null;
  // The account read (or the reader's own) was deleted since it was read: nothing is recorded under its id.
  if (record.gone) return "gone";
  return staffAllowanceSpent({
    now,
    oldest: record.oldest,
    done: `opened ${max} accounts or search pages`,
    more: "open more",
  });
}

/**
 * The refusal of an entry past its actor's allowance (docs/admin.md, "Read allowance", "Mail
 * allowance"): 429 with the seconds until the oldest counted entry leaves the window, and words for
 * the member of staff ("You have {done} in the last hour ... You can {more} in 12 minutes.").
 */
export function staffAllowanceSpent(input: {
  now: number;
  oldest: Date;
  done: string;
  more: string;
}): AllowanceSpent {
  // The oldest counted entry may be stamped a little after this one (one made at the same moment
  // that took the lock first), but the wait is never longer than the window.
  const retryAfterSeconds = Math.min(
    staffReadAllowanceWindowMs / 1000,
    Math.max(1, Math.ceil((input.oldest.getTime() + staffReadAllowanceWindowMs - input.now) / 1000)),
  );
  return {
    ok: false,
    error: "RATE_LIMIT_EXCEEDED",
    message: `You have ${input.done} in the last hour, the most allowed for one member of staff. You can ${input.more} in ${durationInWords(retryAfterSeconds)}.`,
    retryAfterSeconds,
  };
}

/**
 * The fold of a read made again (docs/admin.md, "Audit"): no new entry when the log holds one of
 * `type` that is `same`, within `staffViewFoldWindowMs`. Read once without a lock (`admits`), so a
 * repeated read takes none and is not refused by a spent allowance; then again under the actor's
 * lock by `recordStaffRead`, so of the same read made twice at once exactly one is recorded.
 */
function repeatedReadFold(
  deps: Pick<Dependencies, "clock">,
  input: { type: SecurityEventType; same: (event: SecurityEvent) => boolean },
): EntryFold {
  const since = deps.clock.now().getTime() - staffViewFoldWindowMs;
  return {
    types: [input.type],
    limit: recentReadsRead,
    admits: (recent) => !recent.some((event) => event.occurredAt.getTime() > since && input.same(event)),
  };
}

/** Whether `fold` admits a new entry on `userId`'s log, by a plain read. */
async function admits(
  deps: Pick<Dependencies, "securityEvents">,
  userId: UserId,
  fold: EntryFold,
): Promise<boolean> {
  const recent = await deps.securityEvents.listSecurityEventsOfUser({
    userId,
    limit: fold.limit,
    types: fold.types,
  });
  return fold.admits(recent);
}
