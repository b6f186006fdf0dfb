import {
  asSeenInAuditBy,
  checkPageCursor,
  type Email,
  ok,
  type Result,
  type SecurityEvent,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import { admitStaff, type StaffGateRefusal } from "./steps/authorize-staff-action.ts";
import { splitPage } from "./steps/next-page.ts";

const auditPageSize = 50;

/** One page of the audit, and the cursor of the next (null on the last page). */
export interface AuditPage {
  readonly actions: SecurityEvent[];
  readonly nextCursor: string | null;
  /**
   * The email of each person the page names (actors and affected accounts), read in one go; a
   * deleted account is not in it (its events keep the pseudonymous id).
   */
  readonly emails: ReadonlyMap<UserId, Email>;
}

/**
 * The admin audit view: every action staff took, newest first, a page at a time, and every admin
 * `pnpm admin:create` made on the server. They are the security events with an actor (and those
 * grants, which have none), the same entries the affected people see in their timelines. A reason
 * another member of staff gave about the reader's own account is withheld (`asSeenInAuditBy`).
 */
export async function listAdminAudit(
  deps: Dependencies,
  input: { actor: Authenticated; cursor?: string | undefined },
): Promise<Result<AuditPage, StaffGateRefusal | "VALIDATION_ERROR">> {
  const admitted = await admitStaff(deps, { actor: input.actor, action: "read_audit" });
  if (!admitted.ok) return admitted;
  const cursor = checkPageCursor({ parameter: "cursor", answeredAs: "nextCursor", value: input.cursor });
  if (!cursor.ok) return cursor;
  const found = await deps.accountAdministration.listStaffActions({
    limit: auditPageSize + 1,
    ...(input.cursor === undefined ? {} : { beforeId: input.cursor }),
  });
  const { items, nextCursor } = splitPage(found, auditPageSize);
  const named = items.flatMap((event) =>
    event.actorId === null ? [event.userId] : [event.userId, event.actorId],
  );
  const people = await deps.users.findUsersByIds(named);
  return ok({
    // A reason staff gave about the reader's own account is not shown to them, as to any holder.
    actions: items.map((event) => asSeenInAuditBy(event, input.actor.user.id)),
    nextCursor,
    emails: new Map(people.map((user) => [user.id, user.email])),
  });
}
