import {
  checkAnAdminRemains,
  checkStaffPermission,
  err,
  mayPerform,
  ok,
  type Result,
  type Role,
  type StaffAction,
  staffActionsNeedingFreshProof,
  type User,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies, GuardedAccount } from "../../../ports/index.ts";
import { requireFreshProof } from "../../account/steps/fresh-proof.ts";
import type { StaffActor } from "../../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../../sessions/authenticate-access-token.ts";

/** Why a member of staff may not take an action on an account. */
export type StaffRefusal = "INSUFFICIENT_PERMISSIONS" | "REAUTH_REQUIRED" | "USER_NOT_FOUND";

const insufficient = err("INSUFFICIENT_PERMISSIONS", "Your role does not allow this action");
const secondFactorProofRequired = err(
  "REAUTH_REQUIRED",
  "A staff action needs a recent proof with your second factor: call POST /auth/reauthenticate with a code, then retry",
);

/**
 * The one gate of every staff action (docs/admin.md), in an order that tells a caller nothing it
 * may not know: the role's permission first (a plain user learns nothing about other accounts),
 * then the acting session's fresh proof for the actions that need one (ADR 0012's REAUTH_REQUIRED;
 * made with the second factor when the staff member has one),
 * then the account, then whether the actor may act on an account of its role. Answers the account.
 */
export async function authorizeStaffAction(
  deps: Pick<Dependencies, "users" | "twoFactor" | "clock" | "settings">,
  input: { actor: Authenticated; action: StaffAction; targetId: string },
): Promise<Result<User, StaffRefusal>> {
  const { actor, action } = input;
  if (!mayPerform(actor.user.role, action)) return insufficient;
  if (staffActionsNeedingFreshProof.includes(action)) {
    const fresh = requireFreshProof(deps, { session: actor.session });
    if (!fresh.ok) return fresh;
    // Step-up: staff with a second factor prove with it. A phished password and a stolen staff
    // session were enough for every destructive staff action (an insider-threat review).
    if (!actor.session.authenticationMethods.includes("otp")) {
      const factor = await deps.twoFactor.findTOTPFactor(actor.user.id);
      if (factor?.status === "enabled") return secondFactorProofRequired;
    }
  }
  const target = await deps.users.findUserById(input.targetId as UserId);
  if (target === null) return err("USER_NOT_FOUND", "No user with this id");
  const allowed = checkStaffPermission({
    actorRole: actor.user.role,
    action,
    targetRole: target.role,
    onOwnAccount: target.id === actor.user.id,
  });
  if (!allowed.ok) return allowed;
  return ok(target);
}

/**
 * The guard a change of an account runs under the store's lock: the actor may still act on the
 * account as it is now (its role may have changed since it was read), and an active admin remains.
 * `after` is what the change makes of the account; null for a deletion.
 */
export function guardStaffChange(input: {
  actorRole: Role;
  action: StaffAction;
  after: (user: User) => Pick<User, "role" | "status"> | null;
}): (account: GuardedAccount) => Result<void, "INSUFFICIENT_PERMISSIONS" | "LAST_ADMIN"> {
  return ({ user, activeAdminIds }) => {
    const allowed = checkStaffPermission({
      actorRole: input.actorRole,
      action: input.action,
      targetRole: user.role,
    });
    if (!allowed.ok) return allowed;
    return checkAnAdminRemains({ target: user, after: input.after(user), activeAdminIds });
  };
}

/** The actor as a security event names it. */
export function actorOf(actor: Authenticated): StaffActor {
  return { id: actor.user.id, role: actor.user.role };
}
