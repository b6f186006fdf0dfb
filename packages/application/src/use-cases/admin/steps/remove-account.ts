import type { ErrorCode, Result, User, UserId } from "@superoauth/domain";
import type { Dependencies, GuardedAccount } from "../../../ports/index.ts";
import { recordSecurityEvent, type StaffActor } from "../../security-log/steps/record-security-event.ts";
import { endEverythingOfUser } from "../../sessions/steps/end-everything-of-user.ts";

/**
 * Deletes an account (docs/admin.md, "Deletion"), for its holder and for admins alike. Safely
 * resumable rather than one transaction across stores: first what lives outside the database or
 * in other adapters' hands (sessions ended, third-party grants revoked, exports removed), each safe
 * to repeat, then, in one transaction, every record of the person (AccountAdministration.
 * deleteAccount). If anything fails before that transaction commits the account is still there,
 * signed out everywhere, and deleting it again finishes the job. Afterwards the address is free to
 * register again, and the log keeps only anonymous facts, `account_deleted` among them; the address
 * the account had is mailed a last notice.
 */
export async function removeAccount<E extends ErrorCode>(
  deps: Dependencies,
  input: {
    user: User;
    actor: StaffActor | null;
    guard: (account: GuardedAccount) => Result<void, E>;
  },
): Promise<Result<void, "USER_NOT_FOUND" | E>> {
  const { user } = input;
  // Checked once before anything is ended, so a refused deletion (the last admin) changes nothing;
  // the store checks again under its lock.
  const early = input.guard({
    user,
    activeAdminIds: await deps.accountAdministration.listActiveAdminIds(),
  });
  if (!early.ok) return early;
  await endEverythingOfUser(deps, { userId: user.id });
  await deps.userExports.removeExportsOfUser({ userId: user.id });
  const pseudonymId = deps.random.generateId() as UserId;
  const deleted = await deps.accountAdministration.deleteAccount({
    userId: user.id,
    pseudonymId,
    guard: input.guard,
  });
  if (!deleted.ok) return deleted;
  const { actor } = input;
  await recordSecurityEvent(deps, {
    userId: pseudonymId,
    type: "account_deleted",
    // The row is gone: the notice goes to the address the account had, by what was read before.
    holder: { email: user.email, nickname: user.nickname },
    // An admin deleting their own account is named by the pseudonym too.
    ...(actor === null ? {} : { actor: actor.id === user.id ? { ...actor, id: pseudonymId } : actor }),
  });
  return { ok: true, value: undefined };
}
