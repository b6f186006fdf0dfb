import { err, ok, type Result, type UserId } from "@superoauth/domain";
import type { AuthorizedApp, Dependencies } from "../../ports/index.ts";

/** The apps the user authorized, with the scopes granted and when last used (GET /user/apps). */
export async function listAuthorizedApps(
  deps: Dependencies,
  input: { userId: UserId },
): Promise<Result<readonly AuthorizedApp[], never>> {
  return ok(await deps.appAuthorizations.listAuthorizedApps(input.userId));
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
