import { checkHasClientSecret, ok, type Result, type Session } from "@superoauth/domain";
import { OverloadedError } from "../../overloaded-error.ts";
import type { Dependencies } from "../../ports/index.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { appNotFound } from "./present-app.ts";
import { changeOwnedApp } from "./steps/change-owned-app.ts";
import { nextUpdatedAt } from "./steps/next-updated-at.ts";
import { recordAppEvent } from "./steps/record-app-event.ts";

/**
 * Gives the user's confidential app a new client secret (POST /apps/:clientId/secret), shown this
 * once; the old one stops working at once. Its hash is kept as the replaced secret, so a token
 * request that still presents it is told it was replaced, and when (docs/oidc.md). Tokens already issued stay
 * valid: a leaked secret calls for deleting the app, or for each user revoking it. A sensitive
 * change (ADR 0020), recorded in the owner's security log (`app_secret_rotated`).
 *
 * Written only over the app as it was read. A rotation overtaken by an edit is made again over
 * it; one overtaken by another rotation (a double submit, two tabs) is not: its secret would
 * replace the one the other has just shown, so of rotations at once exactly one answers with a
 * secret, the one that works, and the others get SERVICE_UNAVAILABLE (503, try again) with
 * nothing written and nothing on record (ADR 0060).
 */
export async function rotateAppSecret(
  deps: Dependencies,
  input: { session: Session; clientId: string; client?: ClientInfo },
): Promise<Result<{ clientSecret: string }, "APP_NOT_FOUND" | "VALIDATION_ERROR" | "REAUTH_REQUIRED">> {
  let firstRead: string | null = null;
  return changeOwnedApp<{ clientSecret: string }, "APP_NOT_FOUND" | "VALIDATION_ERROR">(
    deps,
    { ...input, what: "this rotation" },
    async (app, round) => {
      const rotatable = checkHasClientSecret(app);
      if (!rotatable.ok) return rotatable;
      if (round === 1) firstRead = app.secretHash;
      else if (app.secretHash !== firstRead) throw rotatedMeanwhile();
      const clientSecret = deps.random.generateSecret();
      const replaced = await deps.apps.replaceSecretHash({
        clientId: app.clientId,
        ownerId: app.ownerId,
        secretHash: deps.secretHasher.hashSecret(clientSecret),
        readAt: app.updatedAt,
        // As an edit's: an edit in flight that read an earlier `updatedAt` must not find it again.
        now: nextUpdatedAt(deps.clock, app),
      });
      if (replaced === "not-found") return appNotFound;
      if (replaced === "changed") return "changed";
      await recordAppEvent(deps, {
        userId: app.ownerId,
        type: "app_secret_rotated",
        app,
        client: input.client,
      });
      return ok({ clientSecret });
    },
  );
}

function rotatedMeanwhile(): OverloadedError {
  return new OverloadedError({
    message: "The app's secret was rotated by another request while this rotation was being made",
    retryAfterSeconds: 1,
    publicMessage:
      "Another request changed this app's secret at the same moment, and its answer holds the new secret; this request changed nothing. If you did not see that secret, make a new one.",
  });
}
