import { type AppScope, appScopes, type UserId } from "@superoauth/domain";
import type { AuthorizationVersion, Dependencies } from "../../ports/index.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { recordAppEvent } from "./steps/record-app-event.ts";

/** A registered app as the OpenID provider needs it (adapter-oidc takes this type). */
export interface OIDCClientRecord {
  readonly clientId: string;
  readonly name: string;
  readonly logoURL: string | null;
  readonly homepageURL: string | null;
  readonly redirectURIs: readonly string[];
  readonly postLogoutRedirectURIs: readonly string[];
  readonly allowedScopes: readonly string[];
  readonly type: "confidential" | "public";
  readonly tokenEndpointAuthMethod: "client_secret_basic" | "client_secret_post" | "none";
  /** How its ID tokens are signed. */
  readonly idTokenSigningAlg: "ES256" | "RS256";
  /**
   * Whether its owner requires a PKCE challenge on its authorization requests. As stored: a public
   * app must use PKCE whatever this says, which the provider's adapter enforces (client-metadata.ts).
   */
  readonly requirePKCE: boolean;
  /** Where logout tokens go (OpenID Connect Back-Channel Logout 1.0, ADR 0073); null: none. */
  readonly backchannelLogoutURI: string | null;
  /** SHA-256 of the client secret; null for a public client. */
  readonly secretHash: string | null;
}

/** The app with this client id, read afresh on every call (a rotated secret or a deleted app counts at once). */
export async function findClient(
  deps: Dependencies,
  input: { clientId: string },
): Promise<OIDCClientRecord | null> {
  const app = await deps.apps.findApp(input.clientId);
  if (app === null) return null;
  return {
    clientId: app.clientId,
    name: app.name,
    logoURL: app.logoURL,
    homepageURL: app.homepageURL,
    redirectURIs: app.redirectURIs,
    postLogoutRedirectURIs: app.postLogoutRedirectURIs,
    allowedScopes: app.allowedScopes,
    type: app.type,
    tokenEndpointAuthMethod: app.tokenEndpointAuthMethod,
    idTokenSigningAlg: app.idTokenSigningAlg,
    requirePKCE: app.requirePKCE,
    backchannelLogoutURI: app.backchannelLogoutURI,
    secretHash: app.type === "public" ? null : app.secretHash,
  };
}

/**
 * When the app's last secret rotation replaced `secret`, or null: the presented secret is not the
 * one it replaced (only the last is kept), or the app was never rotated or is gone. Asked only
 * after a presented secret did not match the current one, so the token endpoint can say the
 * secret was replaced rather than wrong; compared in constant time, as the current one is.
 */
export async function findClientSecretReplacement(
  deps: Dependencies,
  input: { clientId: string; secret: string },
): Promise<Date | null> {
  const replaced = await deps.apps.findReplacedSecret(input.clientId);
  if (replaced === null) return null;
  return deps.secretHasher.secretMatchesHash({ secret: input.secret, hash: replaced.hash })
    ? replaced.replacedAt
    : null;
}

/**
 * The user's authorization of the app as recorded (the provider's Grant id and the scopes recorded
 * with it), or null when there is none. A consent hands it back to recordAppGrant as `replacing`.
 */
export async function findAppGrant(
  deps: Dependencies,
  input: { accountId: string; clientId: string },
): Promise<AuthorizationVersion | null> {
  const found = await deps.appAuthorizations.findAuthorization({
    userId: input.accountId as UserId,
    clientId: input.clientId,
  });
  return found === null ? null : { grantId: found.grantId, scopes: found.scopes };
}

/**
 * Records the user's consent (the provider's Grant id and the scopes it carries; unknown scopes are
 * dropped) over `replacing`, what findAppGrant answered before the consent chose its grant. False,
 * writing nothing, when another consent of the pair recorded meanwhile: the caller chooses again.
 */
export async function recordAppGrant(
  deps: Dependencies,
  input: {
    accountId: string;
    clientId: string;
    grantId: string;
    scopes: readonly string[];
    replacing: { readonly grantId: string; readonly scopes: readonly string[] } | null;
  },
): Promise<boolean> {
  const { replacing } = input;
  return deps.appAuthorizations.recordAuthorization({
    userId: input.accountId as UserId,
    clientId: input.clientId,
    grantId: input.grantId,
    scopes: appScopes.filter((scope) => input.scopes.includes(scope)),
    now: deps.clock.now(),
    // Exactly as findAppGrant read it, a scope this release does not know (a newer one's) included:
    // the comparison is with the stored row.
    replacing:
      replacing === null
        ? null
        : { grantId: replacing.grantId, scopes: replacing.scopes as readonly AppScope[] },
  });
}

/**
 * Forgets the user's authorization of the app if it still names `grantId`: a consent that found,
 * after saving, that a revoke of the account's grants came during it takes its own record back
 * (the provider's consent step; a newer consent's record, naming another grant, stays).
 */
export async function forgetAppGrant(
  deps: Dependencies,
  input: { accountId: string; clientId: string; grantId: string },
): Promise<void> {
  await deps.appAuthorizations.deleteAuthorization({
    userId: input.accountId as UserId,
    clientId: input.clientId,
    grantId: input.grantId,
  });
}

/**
 * Records the person's consent to an app in their security log (`app_authorized`), remembered or
 * for this authorization only, with the scopes it grants and where the consent was given; a
 * remembered one mails the holder (an app that keeps access is a way into the account, as a
 * linked provider is), unless it `renewed` a remembered consent without giving anything new
 * (`details.renewed`, ADR 0071): an app asking with prompt=consent at every sign-in mailed the person
 * "An app can now access your account" at every sign-in. Called by the provider's consent step
 * after the grant is saved.
 */
export async function recordAppConsent(
  deps: Dependencies,
  input: {
    accountId: string;
    clientId: string;
    scopes: readonly string[];
    remembered: boolean;
    renewed?: boolean | undefined;
    client?: ClientInfo | undefined;
  },
): Promise<void> {
  await recordEventOfApp(deps, input, "app_authorized", {
    scopes: appScopes.filter((scope) => input.scopes.includes(scope)).join(" "),
    remembered: input.remembered,
    ...(input.renewed === true ? { renewed: true } : {}),
  });
}

/**
 * Records in the person's security log that an app's refresh token for them was presented again
 * after its rotation, past the grace (`app_token_reuse_detected`): the provider has revoked the
 * app's grant, so the app asks them to sign in again, and the log says why, with the address and
 * client that presented the spent token. No notice is mailed: the app's copy of a token leaked,
 * not the person's credentials, and the grant it gave is already ended.
 */
export async function recordAppTokenReuse(
  deps: Dependencies,
  input: { accountId: string; clientId: string; client?: ClientInfo | undefined },
): Promise<void> {
  await recordEventOfApp(deps, input, "app_token_reuse_detected");
}

/** Records an event of the app in the person's log, named as the app is now (unnamed if it is gone). */
async function recordEventOfApp(
  deps: Dependencies,
  input: { accountId: string; clientId: string; client?: ClientInfo | undefined },
  type: "app_authorized" | "app_token_reuse_detected",
  details?: Record<string, string | number | boolean>,
): Promise<void> {
  const app = await deps.apps.findApp(input.clientId);
  await recordAppEvent(deps, {
    userId: input.accountId as UserId,
    type,
    app: { clientId: input.clientId, name: app?.name ?? "" },
    client: input.client,
    ...(details === undefined ? {} : { details }),
  });
}

/** Notes that the app used the user's authorization (at most one write a minute). */
export async function touchAppGrant(
  deps: Dependencies,
  input: { accountId: string; clientId: string },
): Promise<void> {
  await deps.appAuthorizations.touchAuthorization({
    userId: input.accountId as UserId,
    clientId: input.clientId,
    now: deps.clock.now(),
  });
}
