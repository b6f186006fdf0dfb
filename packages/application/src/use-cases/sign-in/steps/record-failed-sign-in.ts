import type { UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { newSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";

/**
 * Records a wrong password or second-factor code of an account (`login_failed`, with the method)
 * while the account exists, under a lock of its row: a request in flight when the account is
 * deleted writes nothing, with the attempt's address and browser, under the deleted id. The
 * deletion locks the row first, so the entry is either written before it, and pseudonymised with
 * the rest of the log, or not at all (docs/admin.md, "Deletion").
 */
export async function recordFailedSignIn(
  deps: Pick<Dependencies, "clock" | "random" | "securityEvents">,
  input: { userId: UserId; client: ClientInfo; method: "password" | "totp" | "backup_code" },
): Promise<void> {
  const event = newSecurityEvent(deps, {
    userId: input.userId,
    type: "login_failed",
    client: input.client,
    details: { method: input.method },
  });
  await deps.securityEvents.recordWhileAccountExists(event);
}
