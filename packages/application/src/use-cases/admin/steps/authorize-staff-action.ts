import {
  checkAnAdminRemains,
  checkStaffPermission,
  type ErrorCode,
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
import type { ClientInfo } from "../../sessions/steps/start-session.ts";

/** Why a member of staff may not take an action on an account. */
export type StaffRefusal = StaffGateRefusal | "USER_NOT_FOUND";

/** Why a member of staff may not take an action at all. */
export type StaffGateRefusal = "INSUFFICIENT_PERMISSIONS" | "TWO_FACTOR_REQUIRED" | "REAUTH_REQUIRED";

const insufficient = err("INSUFFICIENT_PERMISSIONS", "Your role does not allow this action");
const twoFactorRequired = err(
  "TWO_FACTOR_REQUIRED",
  "Staff accounts need two-factor authentication on this service: turn it on in your account, then try again",
);
const secondFactorProofRequired = err(
  "REAUTH_REQUIRED",
  "A staff action needs a recent proof with your second factor: call POST /auth/reauthenticate with a code, then retry",
);

/**
 * Whether the actor may be staff for `action` here: the role's permission first (a plain user
 * learns nothing), then, with STAFF_REQUIRE_2FA, the actor's own 2FA (a stolen staff password
 * alone opens nothing). The admin console's pages ask it before they show anything. Answers
 * whether the actor's 2FA is on when it had to be read (`readFactor`, or the setting), else null.
 */
export async function checkStaffAccess(
  deps: Pick<Dependencies, "twoFactor" | "settings">,
  input: { actor: Authenticated; action: StaffAction; readFactor?: boolean },
): Promise<Result<{ twoFactorOn: boolean | null }, "INSUFFICIENT_PERMISSIONS" | "TWO_FACTOR_REQUIRED">> {
  const { actor, action } = input;
  if (!mayPerform(actor.user.role, action)) return insufficient;
  const required = deps.settings.staffRequireTwoFactor;
  // The factor is read only when something turns on it (staff actions are not a hot path).
  const twoFactorOn =
    required || input.readFactor === true
      ? (await deps.twoFactor.findTOTPFactor(actor.user.id))?.status === "enabled"
      : null;
  if (required && twoFactorOn === false) return twoFactorRequired;
  return ok({ twoFactorOn });
}

/**
 * Whether the actor may take `action` at all, before any account is read: checkStaffAccess, then
 * the action's own input (`parsed`, as its use case parsed it: a disable's reason), then the acting
 * session's fresh proof for the actions that need one (ADR 0012's REAUTH_REQUIRED; made with the
 * second factor when the staff member has one). The input comes after the role, so a caller who
 * may not take the action learns nothing from it, and before the proof, so a member of staff is
 * not sent to prove themselves again only to be told their input is wrong.
 */
export async function admitStaff<E extends ErrorCode = never>(
  deps: Pick<Dependencies, "twoFactor" | "clock" | "settings">,
  input: { actor: Authenticated; action: StaffAction; parsed?: Result<unknown, E> },
): Promise<Result<void, StaffGateRefusal | E>> {
  const { actor, action } = input;
  const needsProof = staffActionsNeedingFreshProof.includes(action);
  const provedWithCode = actor.session.authenticationMethods.includes("otp");
  const access = await checkStaffAccess(deps, { actor, action, readFactor: needsProof && !provedWithCode });
  if (!access.ok) return access;
  if (input.parsed !== undefined && !input.parsed.ok) return input.parsed;
  if (!needsProof) return ok(undefined);
  const fresh = requireFreshProof(deps, { session: actor.session });
  if (!fresh.ok) return fresh;
  // Step-up: staff with a second factor prove with it. A phished password and a stolen staff
  // session were enough for every destructive staff action (an insider-threat review).
  if (!provedWithCode && access.value.twoFactorOn === true) return secondFactorProofRequired;
  return ok(undefined);
}

/**
 * The one gate of every staff action on an account (docs/admin.md): admitStaff (with the action's
 * `parsed` input), then the account, then whether the actor may act on an account of its role.
 * Answers the account.
 */
export async function authorizeStaffAction<E extends ErrorCode = never>(
  deps: Pick<Dependencies, "users" | "twoFactor" | "clock" | "settings">,
  input: { actor: Authenticated; action: StaffAction; targetId: string; parsed?: Result<unknown, E> },
): Promise<Result<User, StaffRefusal | E>> {
  const { actor, action } = input;
  const admitted = await admitStaff(deps, input);
  if (!admitted.ok) return admitted;
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

/** The actor as a security event names it, with where their request came from (the audit's, docs/admin.md). */
export function actorOf(actor: Authenticated, client?: ClientInfo): StaffActor {
  return { id: actor.user.id, role: actor.user.role, ...(client === undefined ? {} : { client }) };
}
