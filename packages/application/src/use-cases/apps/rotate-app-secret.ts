import { err, ok, type Result, type Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "../account/steps/fresh-proof.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { appNotFound } from "./present-app.ts";
import { nextUpdatedAt } from "./steps/next-updated-at.ts";
import { recordAppEvent } from "./steps/record-app-event.ts";

/**
 * Gives the user's confidential app a new client secret (POST /apps/:clientId/secret), shown this
 * once; the old one stops working at once (only the new hash is kept). Tokens already issued stay
 * valid: a leaked secret calls for deleting the app, or for each user revoking it. A sensitive
 * change (ADR 0020), recorded in the owner's security log (`app_secret_rotated`).
 */
export async function rotateAppSecret(
  deps: Dependencies,
  input: { session: Session; clientId: string; client?: ClientInfo },
): Promise<Result<{ clientSecret: string }, "APP_NOT_FOUND" | "VALIDATION_ERROR" | "REAUTH_REQUIRED">> {
  const app = await deps.apps.findApp(input.clientId);
  if (app === null || app.ownerId !== input.session.userId) return appNotFound;
  const fresh = requireFreshProof(deps, { session: input.session });
  if (!fresh.ok) return fresh;
  if (app.type !== "confidential") return err("VALIDATION_ERROR", "A public client has no secret");
  const clientSecret = deps.random.generateSecret();
  const replaced = await deps.apps.replaceSecretHash({
    clientId: app.clientId,
    ownerId: app.ownerId,
    secretHash: deps.secretHasher.hashSecret(clientSecret),
    // As an edit's: an edit in flight that read an earlier `updatedAt` must not find it again.
    now: nextUpdatedAt(deps.clock, app),
  });
  if (!replaced) return appNotFound;
  await recordAppEvent(deps, { userId: app.ownerId, type: "app_secret_rotated", app, client: input.client });
  return ok({ clientSecret });
}
