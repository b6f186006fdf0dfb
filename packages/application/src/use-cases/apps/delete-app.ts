import { ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { endEveryGrantOf } from "./end-every-grant.ts";
import { appNotFound } from "./present-app.ts";
import { recordAppEvent } from "./steps/record-app-event.ts";

/**
 * Deletes the user's app (DELETE /apps/:clientId) and with it every grant and token it holds:
 * every user's authorization of it and every model the provider stored for it, then the app, so
 * the provider finds no client to issue anything more to, then those again, for what was issued
 * in between. Ended before the app goes, a failure there (a 503) leaves the app, and the owner's
 * retry finishes the work (with the app gone first, a retry answered APP_NOT_FOUND and the grants
 * and tokens were left). A sensitive change (ADR 0020), recorded in the owner's security log
 * (`app_deleted`).
 */
export async function deleteApp(
  deps: Dependencies,
  input: { session: Session; clientId: string; client?: ClientInfo },
): Promise<Result<void, "APP_NOT_FOUND" | "REAUTH_REQUIRED">> {
  const app = await deps.apps.findApp(input.clientId);
  if (app === null || app.ownerId !== input.session.userId) return appNotFound;
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  await endEveryGrantOf(deps, app.clientId);
  if (!(await deps.apps.deleteApp({ clientId: app.clientId, ownerId: app.ownerId }))) return appNotFound;
  await recordAppEvent(deps, { userId: app.ownerId, type: "app_deleted", app, client: input.client });
  // A code exchanged or a consent saved between the first end and the app's deletion (its client
  // was still found) left a grant or a token: gone now too. Should this fail, what is left belongs
  // to no app: the provider refuses it (no client), and it expires.
  await endEveryGrantOf(deps, app.clientId);
  return ok(undefined);
}
