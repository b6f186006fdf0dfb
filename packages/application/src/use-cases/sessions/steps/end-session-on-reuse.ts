import type { SessionId, UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "./start-session.ts";

/**
 * A spent refresh token came back (ADR 0002; RFC 9700 section 4.14.2: one of its two holders is
 * not the owner): the whole session ends, the successor of whoever exchanged it included, and the
 * reuse is recorded, which mails the owner. `/auth/refresh` does this past the grace; the hosted
 * pages do it for a browser-session cookie that was exchanged elsewhere.
 */
export async function endSessionOnReuse(
  deps: Dependencies,
  input: {
    session: { readonly id: SessionId; readonly userId: UserId };
    now: Date;
    client?: ClientInfo | undefined;
  },
): Promise<void> {
  await deps.sessions.revokeSession({ sessionId: input.session.id, now: input.now });
  await recordSecurityEvent(deps, {
    userId: input.session.userId,
    type: "refresh_token_reuse_detected",
    // Who presented the spent token: the owner's notice says where it came from.
    client: input.client,
    details: { sessionId: input.session.id },
  });
}
