import { ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";
import { endEveryGrantOf } from "./end-every-grant.ts";
import { appNotFound } from "./present-app.ts";

/**
 * Deletes the user's app (DELETE /apps/:clientId) and with it every grant and token it holds:
 * the app first, so the provider finds no client to issue anything more to, then every user's
 * authorization of it and every model the provider stored for it. A sensitive change (ADR 0020).
 */
export async function deleteApp(
  deps: Dependencies,
  input: { session: Session; clientId: string },
): Promise<Result<void, "APP_NOT_FOUND" | "REAUTH_REQUIRED">> {
  const app = await deps.apps.findApp(input.clientId);
  if (app === null || app.ownerId !== input.session.userId) return appNotFound;
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  if (!(await deps.apps.deleteApp({ clientId: app.clientId, ownerId: app.ownerId }))) return appNotFound;
  await endEveryGrantOf(deps, app.clientId);
  return ok(undefined);
}
