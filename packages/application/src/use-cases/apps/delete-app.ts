import { ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { endEveryGrantOf } from "./end-every-grant.ts";
import { appNotFound } from "./present-app.ts";
import { recordAppEvent } from "./steps/record-app-event.ts";

/**
 * Deletes the user's app (DELETE /apps/:clientId) and with it every grant and token it holds:
 * the app first, so the provider finds no client to issue anything more to, then every user's
 * authorization of it and every model the provider stored for it. A sensitive change (ADR 0020),
 * recorded in the owner's security log (`app_deleted`).
 */
export async function deleteApp(
  deps: Dependencies,
  input: { session: Session; clientId: string; client?: ClientInfo },
): Promise<Result<void, "APP_NOT_FOUND" | "REAUTH_REQUIRED">> {
  const app = await deps.apps.findApp(input.clientId);
  if (app === null || app.ownerId !== input.session.userId) return appNotFound;
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  if (!(await deps.apps.deleteApp({ clientId: app.clientId, ownerId: app.ownerId }))) return appNotFound;
  // Recorded once the app is gone (the grants' end may fail and be retried; the app is gone then).
  await recordAppEvent(deps, { userId: app.ownerId, type: "app_deleted", app, client: input.client });
  await endEveryGrantOf(deps, app.clientId);
  return ok(undefined);
}
