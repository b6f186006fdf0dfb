import { err, ok, type Result } from "./result.ts";
import type { User, UserId } from "./user.ts";

/**
 * Who may administer accounts (docs/admin.md, docs/decisions/0026-roles-and-account-deletion.md).
 * `user` is everyone; `support` helps people back into their accounts; `admin` may do everything.
 */
export const roles = ["user", "support", "admin"] as const;

export type Role = (typeof roles)[number];

/** Narrows a stored or requested role; null for anything else. */
export function parseRole(value: string): Role | null {
  return (roles as readonly string[]).includes(value) ? (value as Role) : null;
}

/** What staff can do (to accounts, and to the service: its maintenance notice), each checked on its own. */
export const staffActions = [
  "read_users",
  "unlock",
  "reset_two_factor",
  "unlink_provider",
  "revoke_sessions",
  "resend_verification",
  "send_password_reset",
  "require_new_password",
  "verify_email",
  "disable",
  "enable",
  "delete",
  "change_role",
  "read_audit",
  "set_maintenance_notice",
] as const;

export type StaffAction = (typeof staffActions)[number];

/**
 * The permission table: what each role may do. Support helps people back in (a new verification
 * link and a password-reset link go only to the account's own address); only admins change who can
 * sign in or who is staff.
 */
const permissions: Readonly<Record<Role, readonly StaffAction[]>> = {
  user: [],
  support: [
    "read_users",
    "unlock",
    "reset_two_factor",
    "unlink_provider",
    "revoke_sessions",
    "resend_verification",
    "send_password_reset",
  ],
  admin: staffActions,
};

/** Whether a role may perform an action at all (the permission table). */
export function mayPerform(role: Role, action: StaffAction): boolean {
  return permissions[role].includes(action);
}

/** The actions that change no account: reads, and the service's maintenance notice. */
const accountlessActions: readonly StaffAction[] = ["read_users", "read_audit", "set_maintenance_notice"];

/** How far up a role is: staff act only on accounts below them, admins on everyone. */
const rank: Readonly<Record<Role, number>> = { user: 0, support: 1, admin: 2 };

/** A change from `before` to `after` gives more power over other accounts (every admin is told). */
export function isRoleRaised(before: Role, after: Role): boolean {
  return rank[after] > rank[before];
}

/**
 * The staff actions no one takes on their own account, each with why: their own account's route
 * asks for more. Resetting the second factor needs none of it, while turning one's own off
 * (POST /auth/2fa/disable) asks for a current code on top of the fresh proof (ADR 0012), so a stolen
 * admin session plus the password would otherwise strip the admin's own 2FA. Marking an address
 * verified is staff's word for someone else's mailbox; one's own is proven by the mailed link, and
 * an admin holding an address they never proved (promoted before proving it, or a squatter of a
 * colleague's address, ADR 0043) must not vouch for it themselves. Unlinking a provider from one's
 * own account is the account page's (DELETE /oauth/:provider/unlink), which keeps the last way to
 * sign in; the staff action may remove it.
 */
const refusedOnOwnAccount: Readonly<Partial<Record<StaffAction, string>>> = {
  reset_two_factor:
    "Staff cannot do this to their own account; turn your second factor off in your account, which asks for a current code",
  verify_email:
    "Staff cannot do this to their own account; verify your address with the link mailed to it (another admin may, after checking)",
  require_new_password:
    "Staff cannot do this to their own account; change your password in your account instead",
  unlink_provider:
    "Staff cannot do this to their own account; unlink the provider from your account page, which keeps your last way to sign in",
};

export const staffActionsRefusedOnOwnAccount = Object.keys(refusedOnOwnAccount) as readonly StaffAction[];

/**
 * Whether `actorRole` may perform `action` on an account of `targetRole` (absent: an action on
 * no one account, such as searching or reading the audit). Beyond the table, an action that
 * changes an account is allowed only on accounts of a lower role, except for admins, who may act
 * on admins: support cannot reset another support member's or an admin's second factor, which
 * would be a step towards their privileges (OWASP ASVS 5.0 V8.2, function-level access control).
 * With `onOwnAccount`, the actions of `staffActionsRefusedOnOwnAccount` are refused whatever the role.
 */
export function checkStaffPermission(input: {
  actorRole: Role;
  action: StaffAction;
  targetRole?: Role;
  onOwnAccount?: boolean;
}): Result<void, "INSUFFICIENT_PERMISSIONS"> {
  const { actorRole, action, targetRole } = input;
  const ownAccountRefusal = input.onOwnAccount === true ? refusedOnOwnAccount[action] : undefined;
  if (ownAccountRefusal !== undefined) return err("INSUFFICIENT_PERMISSIONS", ownAccountRefusal);
  const changesAnAccount = !accountlessActions.includes(action);
  const allowed =
    mayPerform(actorRole, action) &&
    (!changesAnAccount ||
      targetRole === undefined ||
      actorRole === "admin" ||
      rank[targetRole] < rank[actorRole]);
  return allowed
    ? ok(undefined)
    : err("INSUFFICIENT_PERMISSIONS", "Your role does not allow this action on this account");
}

/**
 * The staff actions that need the acting session's fresh proof (ADR 0012's REAUTH_REQUIRED): those
 * that lock a person out or take a protection away (requiring a new password locks the password out
 * until the mailed link is used; unlinking a provider removes a way in), and marking an address verified, which lets
 * providers link by it (ADR 0043: whoever talked staff into it could pre-hijack the account of
 * that address). Reads, unlocking, enabling, ending sessions and mailing a new verification or
 * password-reset link do not: they give nothing to someone holding a stolen staff token (the link
 * goes to the account's own address, and only its holder can use it), and ending sessions must be
 * quick during an incident.
 */
export const staffActionsNeedingFreshProof: readonly StaffAction[] = [
  "disable",
  "delete",
  "change_role",
  "reset_two_factor",
  "unlink_provider",
  "verify_email",
  "require_new_password",
];

/** Whether an account counts as an admin that can act: the admin role, and not disabled. */
export function isActiveAdmin(user: Pick<User, "role" | "status">): boolean {
  return user.role === "admin" && user.status === "active";
}

/**
 * The last-admin rule: a change may not leave the service without an active admin. `after` is the
 * account as the change leaves it, or null when it deletes the account; `activeAdminIds` are the
 * active admins before the change (read under the store's lock). Demoting, disabling or deleting
 * oneself is allowed while another active admin remains.
 */
export function checkAnAdminRemains(input: {
  target: Pick<User, "id" | "role" | "status">;
  after: Pick<User, "role" | "status"> | null;
  activeAdminIds: readonly UserId[];
}): Result<void, "LAST_ADMIN"> {
  const { target, after, activeAdminIds } = input;
  const losesAnAdmin = isActiveAdmin(target) && (after === null || !isActiveAdmin(after));
  if (!losesAnAdmin) return ok(undefined);
  return activeAdminIds.some((id) => id !== target.id)
    ? ok(undefined)
    : err("LAST_ADMIN", "This is the last active admin: make another admin first");
}
