import { err, ok, type Result, type UserId } from "@superoauth/domain";
import type { AuthorizedApp, Dependencies } from "../../ports/index.ts";

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
  const now = deps.clock.now();
  const recorded = await deps.appAuthorizations.listAuthorizedApps(input.userId);
  // One read by primary key per app a person authorized: a handful.
  const live = await Promise.all(
    recorded.map(
      async (app) => (await deps.oidcModels.find({ model: "Grant", id: app.grantId, now })) !== null,
    ),
  );
  return ok(recorded.filter((_, index) => live[index]));
}

/**
 * Withdraws the user's authorization of an app (DELETE /user/apps/:clientId): the authorization
 * and, at once, every grant, code and token the provider stored for this user at this app. Never
 * needs a fresh proof: it only takes access away.
 */
export async function revokeAppAuthorization(
  deps: Dependencies,
  input: { userId: UserId; clientId: string },
): Promise<Result<void, "APP_NOT_FOUND">> {
  const deleted = await deps.appAuthorizations.deleteAuthorization(input);
  // Revoked whether or not an authorization was recorded: nothing of this pair may outlive the request.
  await deps.oidcModels.revokeByAccountAndClient({ accountId: input.userId, clientId: input.clientId });
  if (!deleted) return err("APP_NOT_FOUND", "You have not authorized an app with this client id");
  return ok(undefined);
}
