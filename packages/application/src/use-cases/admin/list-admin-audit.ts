import { err, mayPerform, ok, type Result, type SecurityEvent } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import { splitPage } from "./steps/next-page.ts";

const auditPageSize = 50;

/** One page of the audit, and the cursor of the next (null on the last page). */
export interface AuditPage {
  readonly actions: SecurityEvent[];
  readonly nextCursor: string | null;
}

/**
 * The admin audit view: every action staff took, newest first, a page at a time. They are the
 * security events with an actor, the same entries the affected people see in their timelines.
 */
export async function listAdminAudit(
  deps: Dependencies,
  input: { actor: Authenticated; cursor?: string | undefined },
): Promise<Result<AuditPage, "INSUFFICIENT_PERMISSIONS">> {
  if (!mayPerform(input.actor.user.role, "read_audit")) {
    return err("INSUFFICIENT_PERMISSIONS", "Your role does not allow this action");
  }
  const found = await deps.accountAdministration.listStaffActions({
    limit: auditPageSize + 1,
    ...(input.cursor === undefined ? {} : { beforeId: input.cursor }),
  });
  const { items, nextCursor } = splitPage(found, auditPageSize);
  return ok({ actions: items, nextCursor });
}
