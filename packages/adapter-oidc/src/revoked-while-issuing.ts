import type { OIDCModelStore } from "@superoauth/application";
import type { KoaContextWithOIDC } from "oidc-provider";
import { logFailure } from "./outages.ts";

// A token request consumes what it presents (a code, a device code, a refresh token: the library's
// `consume`, which one request alone wins), then saves the tokens it issues. A revoke landing in
// between (the person signing out of the app, revoking it, resetting their password; the app's
// deletion; a revocation of the grant) deletes what it finds, the consumed source among it, and
// not the tokens saved after it: the answer gave the app live tokens (a sign-out keeps the grant,
// so they worked for their lifetime) or tokens already refused. Each revoke deletes the source and
// every token of the same account and app (or grant) in one statement, so once the tokens are
// saved, one read of the source decides: still there, a later revoke will find the tokens too;
// gone, the request is refused and its tokens deleted, never sent (ADR 0017, docs/oidc.md).

/** The entity the library records for the source each grant type consumed (lib/actions/grants). */
const sourceModelOf: Readonly<Record<string, string>> = {
  RotatedRefreshToken: "RefreshToken",
  AuthorizationCode: "AuthorizationCode",
  DeviceCode: "DeviceCode",
};

/** What a token request refused here answers: the library's own invalid_grant, word for word. */
export const revokedWhileIssuing = {
  status: 400,
  body: { error: "invalid_grant", error_description: "grant request is invalid" },
  /** For the log's `reason`, beside the library's own reasons. */
  reason: "revoked while its tokens were issued",
} as const;

/**
 * What a client_credentials request answers when its app was deleted, or lost a scope of the
 * token, while the token was issued: try again, and the retry is answered as the app now is (a
 * narrower token, `invalid_scope`, or `invalid_client`).
 */
export const clientChangedWhileIssuing = {
  status: 503,
  retryAfterSeconds: 1,
  body: {
    error: "temporarily_unavailable",
    error_description: "the app changed while its token was issued; retry",
  },
  /** For the log's `reason`. */
  reason: "the app changed while its token was issued",
} as const;

/**
 * After a token request the library answered 200: false when the code, device code or refresh
 * token it consumed is no longer stored, having first deleted the tokens the answer holds. True
 * for a request that consumed none (client_credentials), and when the read fails: the source is
 * spent by then, and refusing would cost the app its sign-in over a failure of ours, so the
 * tokens stand as they did before this check (the failure is logged).
 */
export async function issuedTokensStand(
  ctx: KoaContextWithOIDC,
  store: OIDCModelStore,
  log: Parameters<typeof logFailure>[0],
): Promise<boolean> {
  const entities = ctx.oidc.entities as Readonly<Record<string, { jti?: unknown } | undefined>>;
  const entity = Object.keys(sourceModelOf).find((name) => entities[name] !== undefined);
  const sourceId = entity === undefined ? undefined : entities[entity]?.jti;
  if (entity === undefined || typeof sourceId !== "string") return true;
  try {
    // Expired or not (the library judged its expiry when it read it): whether a revoke deleted it.
    const source = await store.find({
      model: sourceModelOf[entity] as string,
      id: sourceId,
      now: new Date(0),
    });
    if (source !== null) return true;
  } catch (error) {
    logFailure(log, error);
    return true;
  }
  for (const model of ["AccessToken", "RefreshToken"]) {
    const id = entities[model]?.jti;
    // Never sent, so nobody can present them; one left by a failed delete expires unused.
    if (typeof id === "string" && id !== sourceId) {
      await store.destroy({ model, id }).catch((error: unknown) => logFailure(log, error));
    }
  }
  return false;
}

/**
 * After a client_credentials request the library answered 200: false when its app, read again
 * now that the token is saved, is gone or no longer allows every scope of the token, having first
 * deleted the token. An app has no source to read again: its owner's narrowing of its scopes, or
 * its deletion, writes the app first and then deletes every record of it in the store
 * (endEveryGrantOf), so a token saved after that delete held, for its five minutes, a scope taken
 * away (introspected active with it) or belonged to a deleted app. Read after the save: the app as
 * it was means that change has not committed, and its delete, which comes after it, finds the
 * token. True for any other request, and when the read fails (the token stands, as before).
 */
export async function clientTokenStands(
  ctx: KoaContextWithOIDC,
  input: {
    store: OIDCModelStore;
    findClient: (clientId: string) => Promise<{ readonly allowedScopes: readonly string[] } | null>;
  },
  log: Parameters<typeof logFailure>[0],
): Promise<boolean> {
  const token = (ctx.oidc.entities as { ClientCredentials?: { jti?: unknown; scope?: unknown } })
    .ClientCredentials;
  const clientId = ctx.oidc.client?.clientId;
  if (token === undefined || typeof token.jti !== "string" || clientId === undefined) return true;
  try {
    const app = await input.findClient(clientId);
    const scopes = typeof token.scope === "string" ? token.scope.split(" ").filter((s) => s !== "") : [];
    if (app !== null && scopes.every((scope) => app.allowedScopes.includes(scope))) return true;
  } catch (error) {
    logFailure(log, error);
    return true;
  }
  // Never sent, so nobody can present it; one left by a failed delete expires unused.
  await input.store
    .destroy({ model: "ClientCredentials", id: token.jti })
    .catch((error: unknown) => logFailure(log, error));
  return false;
}
