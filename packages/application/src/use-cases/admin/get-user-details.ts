import {
  asSeenByHolder,
  type LinkedProvider,
  ok,
  type Result,
  type SecurityEvent,
  type User,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import type { AllowanceSpent } from "../allowance-spent.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import { liveSessionWindow } from "../sessions/steps/live-since.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { authorizeStaffAction, type StaffRefusal } from "./steps/authorize-staff-action.ts";
import { recordStaffView } from "./steps/record-staff-read.ts";

/** What staff see of an account: never a hash or a secret. */
export interface UserDetails {
  readonly user: User;
  /**
   * Why staff disabled it, in their words (docs/admin.md), while it is disabled: null while active,
   * and for an account disabled before reasons were kept. For staff only, never the person.
   */
  readonly disabledReason: string | null;
  readonly twoFactorEnabled: boolean;
  readonly linkedProviders: readonly LinkedProvider[];
  readonly liveSessionCount: number;
  /** When the sign-in lock of the address ends, if one holds now (POST .../unlock lifts it). */
  readonly lockedUntil: Date | null;
  /**
   * The account's security log as its holder sees it, newest first, the latest `recentEventsShown`:
   * where and from what it was used and changed, for support to check facts with the person and
   * for an incident (a holder locked out of a taken-over account cannot show theirs).
   */
  readonly recentEvents: readonly SecurityEvent[];
}

/** How many of the account's latest security events staff see beside it. */
export const recentEventsShown = 20;

/**
 * One account as staff see it: profile, status, role, 2FA on or off, providers, sessions, lock,
 * and its latest security events.
 * The view is recorded first (`account_viewed`, folded within 10 minutes): a failed record fails
 * the view, and a view past the staff member's read allowance (STAFF_READS_PER_HOUR) is refused.
 */
export async function getUserDetails(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string },
): Promise<Result<UserDetails, Exclude<StaffRefusal, "REAUTH_REQUIRED">> | AllowanceSpent> {
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "read_users",
    targetId: input.userId,
  });
  if (!target.ok) return target as Result<never, Exclude<StaffRefusal, "REAUTH_REQUIRED">>;
  const user = target.value;
  const spent = await recordStaffView(deps, { actor: input.actor, client: input.client, target: user });
  if (spent !== null) return spent;
  const [twoFactor, linkedProviders, sessions, lockedUntil, recentEvents, disabledReason] = await Promise.all(
    [
      deps.twoFactor.findTwoFactorStatus(user.id),
      deps.linkedProviders.listLinkedProvidersOfUser(user.id),
      deps.sessions.listLiveSessionsOfUser({ userId: user.id, ...liveSessionWindow(deps) }),
      deps.accountAdministration.findAccountLockedUntil({ account: user.email, now: deps.clock.now() }),
      deps.securityEvents.listSecurityEventsOfUser({ userId: user.id, limit: recentEventsShown }),
      user.status === "disabled" ? deps.accountAdministration.findDisabledReason(user.id) : null,
    ],
  );
  return ok({
    user,
    disabledReason,
    twoFactorEnabled: twoFactor.enabled,
    linkedProviders,
    liveSessionCount: sessions.length,
    lockedUntil,
    recentEvents: recentEvents.map(asSeenByHolder),
  });
}
