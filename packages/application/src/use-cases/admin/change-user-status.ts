import { ok, parseDisableReason, type Result, staffReasonDetail, type UserStatus } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import { endEverythingOfUser } from "../sessions/steps/end-everything-of-user.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import {
  actorOf,
  authorizeStaffAction,
  guardStaffChange,
  type StaffRefusal,
} from "./steps/authorize-staff-action.ts";

/** The status asked for: a disable says why (staff's words, docs/admin.md); an enable says nothing. */
export type StatusChange =
  | { readonly status: "disabled"; readonly reason: string }
  | { readonly status: "active" };

/**
 * What a change of status left: the status asked for, whether this request changed it (false: the
 * account had it already, and nothing was recorded), and the reason of the disable that stands
 * (this request's when it changed the status; else the one the account kept, null for an account
 * disabled before reasons were kept; always null once enabled).
 */
export interface StatusOutcome {
  readonly status: UserStatus;
  readonly changed: boolean;
  readonly disabledReason: string | null;
}

/**
 * Disables or enables an account (admins only). Disabling takes the member of staff's reason
 * (`parseDisableReason`: 1 to 500 characters; refused after the role, before the fresh proof is
 * asked), kept with the account and in the audit's entry, shown to staff only; it ends every
 * session and third-party grant: the person gets ACCOUNT_DISABLED at sign-in, at refresh and with
 * any access token still in hand. Enabling clears the reason and mails the person
 * (`account_enabled` is a security notice, as `account_disabled` is). The last active admin cannot
 * be disabled (LAST_ADMIN), by themselves or anyone. Idempotent: an account already in the status
 * asked for succeeds too (`changed` false, with the reason that stands), keeps its reason, and
 * nothing is recorded in the person's log or the audit (a disabled one has its sessions ended again).
 */
export async function changeUserStatus(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string } & StatusChange,
): Promise<Result<StatusOutcome, StaffRefusal | "LAST_ADMIN" | "VALIDATION_ERROR">> {
  const action = input.status === "disabled" ? "disable" : "enable";
  // Refused by the gate, after the role and before the fresh proof (admitStaff).
  const parsed = input.status === "disabled" ? parseDisableReason(input.reason) : ok(null);
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action,
    targetId: input.userId,
    parsed,
  });
  if (!target.ok) return target;
  const reason = parsed.ok ? parsed.value : null;
  const guard = guardStaffChange({
    actorRole: input.actor.user.role,
    action,
    after: (user) => ({ role: user.role, status: input.status }),
  });
  /** What this request's change found and left, read under the store's lock. */
  let outcome: Omit<StatusOutcome, "status"> | undefined;
  const changed = await deps.accountAdministration.updateAccount({
    userId: target.value.id,
    // The reason goes with the change of status only: of two disables at once, the one that finds
    // the account active changes it and keeps its reason (its audit entry holds it); the other
    // changes nothing and is told the reason that stands.
    change: (locked) => {
      const done = locked.user.status === input.status;
      outcome = { changed: !done, disabledReason: done ? locked.disabledReason : reason };
      return done ? {} : { status: input.status, disabledReason: reason };
    },
    now: deps.clock.now(),
    guard,
  });
  if (!changed.ok) return changed;
  // Set by the change, which the store computes once the guard allows it.
  if (outcome === undefined) throw new Error("updateAccount answered without computing the change");
  // Recorded as soon as the change is made, before the sessions end: if ending them fails, the
  // account is disabled all the same, and the audit and the person's log must say so.
  if (outcome.changed) {
    await recordSecurityEvent(deps, {
      userId: target.value.id,
      type: input.status === "disabled" ? "account_disabled" : "account_enabled",
      actor: actorOf(input.actor, input.client),
      ...(reason === null ? {} : { details: { [staffReasonDetail]: reason } }),
    });
  }
  // Every time, on a disabled account: a retry after a disable whose sessions did not all end
  // finishes the job (ending them again is harmless).
  if (input.status === "disabled") await endEverythingOfUser(deps, { userId: target.value.id });
  return ok({ status: input.status, ...outcome });
}
