import type { SecurityEventType, UserId } from "@superoauth/domain";
import type { Dependencies } from "../ports.ts";
import type { ClientInfo } from "./start-session.ts";

/** Appends an entry to the user's security log, stamped with the clock and the client. */
export async function recordSecurityEvent(
  deps: Pick<Dependencies, "clock" | "random" | "securityEvents">,
  input: {
    userId: UserId;
    type: SecurityEventType;
    client?: ClientInfo | undefined;
    details?: Record<string, string | number | boolean>;
  },
): Promise<void> {
  await deps.securityEvents.recordSecurityEvent({
    id: deps.random.generateId(),
    userId: input.userId,
    type: input.type,
    occurredAt: deps.clock.now(),
    ip: input.client?.ip ?? null,
    userAgent: input.client?.userAgent?.slice(0, 512) ?? null,
    details: input.details ?? {},
  });
}
