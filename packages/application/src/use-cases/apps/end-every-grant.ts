import type { Dependencies } from "../../ports/index.ts";

/**
 * Ends every person's authorization of the app and every grant and token the provider stored for
 * it: its deletion, and a narrowing of its scopes (each consent covered scopes it may no longer
 * have; the next sign-in asks again, within the new list).
 */
export async function endEveryGrantOf(
  deps: Pick<Dependencies, "appAuthorizations" | "oidcModels">,
  clientId: string,
): Promise<void> {
  await deps.appAuthorizations.deleteAuthorizationsOfClient(clientId);
  await deps.oidcModels.revokeByClient(clientId);
}
