import type { SecurityEventType, UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { recordSecurityEvent } from "../../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";

/**
 * The app events: an authorization given, withdrawn, or ended by a reused refresh token, and a
 * developer's changes to their app.
 */
type AppEventType = Extract<
  SecurityEventType,
  | "app_authorized"
  | "app_revoked"
  | "app_token_reuse_detected"
  | "app_registered"
  | "app_updated"
  | "app_secret_rotated"
  | "app_deleted"
>;

/**
 * Records what happened to an app in the security log of the person who did it: an app that can
 * reach the account, or a developer's app whose redirects and secret decide where its users' codes
 * and tokens go, is a way into accounts, so who did it, when and from where must be on record
 * (an incident review asks "who connected this app?", "who changed its redirect URI?"). The app
 * is named by its client id and its name as it was then (the name may change, the app may go).
 */
export async function recordAppEvent(
  deps: Pick<
    Dependencies,
    "clock" | "random" | "securityEvents" | "users" | "mailer" | "settings" | "accountLinkMark"
  >,
  input: {
    userId: UserId;
    type: AppEventType;
    app: { readonly clientId: string; readonly name: string };
    client?: ClientInfo | undefined;
    details?: Record<string, string | number | boolean>;
  },
): Promise<void> {
  await recordSecurityEvent(deps, {
    userId: input.userId,
    type: input.type,
    client: input.client,
    details: { clientId: input.app.clientId, app: input.app.name, ...input.details },
  });
}
