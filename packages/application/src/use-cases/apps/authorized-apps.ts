import { err, ok, type Result, type UserId } from "@superoauth/domain";
import type { AuthorizedApp, Dependencies } from "../../ports/index.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { recordAppEvent } from "./steps/record-app-event.ts";

/**
 * The apps the user authorized, with the scopes granted and when last used (GET /user/apps), as
 * long as the provider's Grant behind each still lives. The provider ends a grant on its own when
 * its app revokes the refresh token, when a refresh token or a code is replayed, and when the 30
 * days of a remembered consent are over: such an app has no access left, asks again next time
 * (`consent_required` to `prompt=none`), and is not listed as if it had.
 */
export async function listAuthorizedApps(
  deps: Dependencies,
  input: { userId: UserId },
): Promise<Result<readonly AuthorizedApp[], never>> {
  return ok(await authorizedAppsOf(deps, input.userId));
}

/**
 * listAuthorizedApps' list, for the export too: the recorded authorizations whose Grant lives. The
 * others, lapsed, wait for the hourly prune, which deletes them (pruneExpiredRecords).
 */
export async function authorizedAppsOf(
  deps: Dependencies,
  userId: UserId,
): Promise<readonly AuthorizedApp[]> {
  const now = deps.clock.now();
  const recorded = await deps.appAuthorizations.listAuthorizedApps(userId);
  // One read by primary key per app a person authorized: a handful.
  const live = await Promise.all(
    recorded.map(
      async (app) => (await deps.oidcModels.find({ model: "Grant", id: app.grantId, now })) !== null,
    ),
  );
  return recorded.filter((_, index) => live[index]);
}

/**
 * Withdraws the user's authorization of an app (DELETE /user/apps/:clientId): the authorization
 * and, at once, every grant, code and token the provider stored for this user at this app. Never
 * needs a fresh proof: it only takes access away. Recorded (`app_revoked`) when there was one: a
 * thief who connected an app and then withdrew it leaves both in the log.
 */
export async function revokeAppAuthorization(
  deps: Dependencies,
  input: { userId: UserId; clientId: string; client?: ClientInfo },
): Promise<Result<void, "APP_NOT_FOUND">> {
  const { userId, clientId } = input;
  // The app's name as the person knew it, read before its authorization goes (the app may be gone).
  const app = await deps.apps.findApp(clientId);
  const deleted = await deps.appAuthorizations.deleteAuthorization({ userId, clientId });
  // Revoked whether or not an authorization was recorded: nothing of this pair may outlive the request.
  await deps.oidcModels.revokeByAccountAndClient({ accountId: userId, clientId });
  if (!deleted) return err("APP_NOT_FOUND", "You have not authorized an app with this client id");
  await recordAppEvent(deps, {
    userId,
    type: "app_revoked",
    app: { clientId, name: app?.name ?? "" },
    client: input.client,
  });
  return ok(undefined);
}
