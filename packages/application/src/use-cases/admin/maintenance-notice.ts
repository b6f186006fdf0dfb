import { type MaintenanceNotice, ok, parseMaintenanceNoticeMessage, type Result } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { Authenticated } from "../sessions/authenticate-access-token.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { actorOf, admitStaff, type StaffGateRefusal } from "./steps/authorize-staff-action.ts";

/**
 * Puts a maintenance notice on the public status page of every instance ("Upgrade on Sunday
 * 02:00-02:15 UTC"), or clears it (`message` null). Admins only. Recorded in the admin audit, as
 * an action of the admin on their own account (the log of staff actions is the security log).
 */
export async function setMaintenanceNotice(
  deps: Dependencies,
  input: { actor: Authenticated; message: string | null; client?: ClientInfo },
): Promise<Result<{ notice: MaintenanceNotice | null }, StaffGateRefusal | "VALIDATION_ERROR">> {
  const { actor } = input;
  const admitted = await admitStaff(deps, { actor, action: "set_maintenance_notice" });
  if (!admitted.ok) return admitted;
  let notice: MaintenanceNotice | null = null;
  if (input.message !== null) {
    const message = parseMaintenanceNoticeMessage(input.message);
    if (!message.ok) return message;
    notice = { message: message.value, setAt: deps.clock.now(), setBy: actor.user.id };
  }
  await deps.maintenanceNotices.replace(notice);
  await recordSecurityEvent(deps, {
    userId: actor.user.id,
    type: "maintenance_notice_changed",
    actor: actorOf(actor, input.client),
    details: notice === null ? {} : { message: notice.message },
  });
  return ok({ notice });
}

/** The notice in force, for the status page and the admin console; null when there is none. */
export async function findMaintenanceNotice(
  deps: Dependencies,
  _input: Record<string, never>,
): Promise<MaintenanceNotice | null> {
  return deps.maintenanceNotices.current();
}
