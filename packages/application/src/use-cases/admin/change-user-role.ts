import { err, isRoleRaised, ok, parseRole, type Result, type Role, type User } from "@superoauth/domain";
import { composeStaffRoleGrantedNotice } from "../../mails.ts";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import {
  actorOf,
  authorizeStaffAction,
  guardStaffChange,
  type StaffRefusal,
} from "./steps/authorize-staff-action.ts";

/**
 * Gives an account another role (admins only); the last active admin keeps theirs (LAST_ADMIN).
 * Staff roles go only to a verified address (EMAIL_NOT_VERIFIED), as `pnpm admin:create` promotes
 * only one: anyone can register an address before its holder does (ADR 0043), and the role would
 * go to whoever did, with their password and sessions.
 * Idempotent, as changeUserStatus is: the role it already has is answered the same (`changed`
 * false), and nothing is recorded (the role as the locked row had it decides, so of two requests
 * at once one records).
 */
export async function changeUserRole(
  deps: Dependencies,
  input: { actor: Authenticated; client?: ClientInfo | undefined; userId: string; role: string },
): Promise<
  Result<
    { role: Role; changed: boolean },
    StaffRefusal | "LAST_ADMIN" | "VALIDATION_ERROR" | "EMAIL_NOT_VERIFIED"
  >
> {
  const asked = parseRole(input.role);
  const parsed =
    asked === null ? err("VALIDATION_ERROR", "role must be one of user, support, admin") : ok(asked);
  // An unknown role is refused by the gate, after the caller's role and before the fresh proof
  // (admitStaff), as a disable's reason is.
  const target = await authorizeStaffAction(deps, {
    actor: input.actor,
    action: "change_role",
    targetId: input.userId,
    parsed,
  });
  if (!target.ok) return target;
  if (!parsed.ok) return parsed;
  const role = parsed.value;
  if (role !== "user" && role !== target.value.role && !target.value.emailVerified) {
    return err(
      "EMAIL_NOT_VERIFIED",
      "Staff roles go only to a verified address: the person follows the link mailed to it first",
    );
  }
  const guard = guardStaffChange({
    actorRole: input.actor.user.role,
    action: "change_role",
    after: (user) => ({ role, status: user.status }),
  });
  let before: Role | undefined;
  const changed = await deps.accountAdministration.updateAccount({
    userId: target.value.id,
    change: { role },
    now: deps.clock.now(),
    guard: (account) => {
      before = account.user.role;
      return guard(account);
    },
  });
  if (!changed.ok) return changed;
  // Said apart, so a console does not tell the admin "changed" when nothing was (`changed`).
  if (before === role) return ok({ role, changed: false });
  const previousRole = before ?? target.value.role;
  await recordSecurityEvent(deps, {
    userId: target.value.id,
    type: "role_changed",
    actor: actorOf(input.actor, input.client),
    details: { role, previousRole },
  });
  if (isRoleRaised(previousRole, role))
    await tellAdminsOfGrant(deps, { grantee: changed.value, role, actor: input.actor });
  return ok({ role, changed: true });
}

/**
 * Mails every active admin but the grantee that someone was given a staff role (the acting admin
 * too: if their session was stolen, that mail is how they learn). The grantee's own notice is the
 * role_changed security notice. Queued by the mailer, so it never slows or fails the change.
 */
async function tellAdminsOfGrant(
  deps: Dependencies,
  input: { grantee: User; role: Role; actor: Authenticated },
): Promise<void> {
  const ids = (await deps.accountAdministration.listActiveAdminIds()).filter((id) => id !== input.grantee.id);
  const admins = await deps.users.findUsersByIds(ids);
  const at = deps.clock.now();
  for (const admin of admins) {
    await deps.mailer.sendMail(
      composeStaffRoleGrantedNotice({
        to: admin.email,
        nickname: admin.nickname,
        appURL: deps.settings.appURL,
        brand: deps.settings.brand,
        grantee: input.grantee.email,
        role: input.role,
        grantedBy: input.actor.user.email,
        at,
      }),
    );
  }
}
