import { ok, type Result, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "./steps/start-session.ts";

/** Ends every session of the user, this one included. */
export async function logOutEverywhere(
  deps: Dependencies,
  input: { userId: UserId; client?: ClientInfo },
): Promise<Result<void, never>> {
  await deps.sessions.revokeSessionsOfUser({ userId: input.userId, now: deps.clock.now() });
  await recordSecurityEvent(deps, {
    userId: input.userId,
    type: "sessions_revoked",
    client: input.client,
    details: { reason: "logout_all" },
  });
  return ok(undefined);
}
