import type { IncomingMessage } from "node:http";
import type { Clock, OIDCModelStore, OIDCPayload, ProviderPages } from "@superoauth/application";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import Provider, { type Adapter, type AdapterFactory, errors, type KoaContextWithOIDC } from "oidc-provider";
import {
  type BackchannelLogout,
  type BackchannelLogoutResult,
  createBackchannelLogout,
} from "./backchannel-logout.ts";
import { bodyTooLargeDescription, limitBody, oidcBodyLimitBytes } from "./body-limit.ts";
import { clientMetadataOf } from "./client-metadata.ts";
import { libraryAutoSubmitForm } from "./continue-form.ts";
import { type AnswerClaim, deviceCodeAdapterOf } from "./device-code-adapter.ts";
import { devicePollIntervalSeconds, slowDownEarlyPoll } from "./device-polling.ts";
import { clientAddressOf, failureReferenceOf, requestLogOf } from "./fastify-requests.ts";
import { createInteractions } from "./interactions.ts";
import { headersExposedToBrowserApps, mountProvider } from "./mount.ts";
import { createOIDCAdapter } from "./oidc-adapter.ts";
import {
  answeringOutages,
  isOutage,
  logFailure,
  outageOf,
  retryAfterSecondsOf,
  temporarilyUnavailableDescription,
} from "./outages.ts";
import type {
  BrowserSessions,
  Interactions,
  OIDCAccount,
  OIDCClientRecord,
  OIDCGrantRecords,
  OIDCSigningKeys,
} from "./provider-interfaces.ts";
import {
  defaultOIDCLifetimes,
  oidcRoutes,
  oneTimeGrantSecondsOf,
  providerFlowOf,
  providerSettingsOf,
} from "./provider-settings.ts";
import {
  clientChangedWhileIssuing,
  clientTokenStands,
  issuedTokensStand,
  revokedWhileIssuing,
} from "./revoked-while-issuing.ts";

/** Everything the authorization server needs from the rest of the service (compose.ts maps use cases onto it). */
export interface ProviderOptions {
  /** `OIDC_ISSUER` (default `APP_URL`): no path, so both discovery documents live at the root. */
  readonly issuer: string;
  /** A registered app, or null (unknown or deleted). */
  readonly findClient: (clientId: string) => Promise<OIDCClientRecord | null>;
  /** SHA-256 + constant-time comparison of a presented client secret with the stored hash. */
  readonly verifyClientSecret: (input: { secret: string; hash: string }) => boolean;
  /**
   * When the app's last rotation replaced this secret, or null (another wrong secret): asked only
   * after a presented secret did not match, to say it was replaced rather than wrong.
   */
  readonly findClientSecretReplacement?: (input: {
    clientId: string;
    secret: string;
  }) => Promise<Date | null>;
  /** null for an unknown or disabled account: no sign-in, no tokens, no userinfo. */
  readonly findAccount: (accountId: string) => Promise<OIDCAccount | null>;
  readonly grants: OIDCGrantRecords;
  /** The private keys the provider signs ID tokens with, as read at start (the library holds them). */
  readonly jwks: OIDCSigningKeys;
  /**
   * The public keys `/oidc/jwks` publishes, asked for on each request; none: the public halves of
   * `jwks`. The service's own access tokens are signed with keys it reads again after a rotation
   * (ADR 0021), which the library's fixed JWKS would not list until a restart.
   */
  readonly publishedJWKS?: () => Promise<OIDCSigningKeys>;
  readonly pages: ProviderPages;
  readonly browserSessions: BrowserSessions;
  readonly store: OIDCModelStore;
  readonly clock: Clock;
  /** `JWT_SECRET`: the provider's cookie keys are derived from it. */
  readonly masterSecret: string;
  /** `REFRESH_REUSE_GRACE`: a refresh-token race within it does not revoke the grant (oidc-adapter.ts). */
  readonly refreshReuseGraceMs?: number;
  /**
   * Told how each refresh-token exchange at the token endpoint ended (the metrics'
   * `superoauth_oidc_refreshes_total`): rotated, reuse_detected (a used token presented past the
   * grace: the grant was revoked), rejected (any other refusal of the refresh token).
   */
  readonly onRefresh?: (result: ThirdPartyRefreshResult) => void;
  /**
   * Told how each logout token's delivery to an app's back-channel logout URI ended (the metrics'
   * `superoauth_oidc_backchannel_logouts_total`; ADR 0073).
   */
  readonly onBackchannelLogout?: (result: BackchannelLogoutResult) => void;
  /** Where the back-channel deliveries, made after any request has been answered, log. */
  readonly log?: FastifyBaseLogger;
  /**
   * Whether logout tokens may go to an address that is private, loopback, link-local or otherwise
   * not globally routable (ADR 0073): off in production, where the library refuses such a
   * connection (SSRF); on in development and tests, whose apps listen on 127.0.0.1.
   */
  readonly backchannelLogoutToPrivateAddresses?: boolean;
  /**
   * `SESSION_MAX_AGE` in seconds, the longest one of our sessions lives: the record of the apps
   * signed in to within a session is kept at least that long, so a session that ends late still
   * tells them (ADR 0073).
   */
  readonly sessionMaxAgeSeconds?: number;
  readonly lifetimes?: Partial<{
    accessTokenSeconds: number;
    authorizationCodeSeconds: number;
    idTokenSeconds: number;
    refreshTokenSeconds: number;
    grantSeconds: number;
  }>;
}

/**
 * The library takes a client's secret in the Authorization header or in the body whichever of
 * `client_secret_basic` and `client_secret_post` the client registered; we hold it to the one it
 * registered (as Ory Hydra and Auth0 do): an app that said "header" never has its secret accepted
 * from a body, which proxies and servers log more readily. Refused as any failed client
 * authentication is (401 `invalid_client`), the description saying which placement the client
 * registered (its metadata, not its secret: the secret is not compared).
 */
function refuseOtherSecretPlacement(
  registered: string | undefined,
  ctx: KoaContextWithOIDC | undefined,
): void {
  if (ctx === undefined) return;
  const refusal = authenticationMismatchOf(registered, secretPlacementOf(ctx));
  if (refusal === null) return;
  const error = new errors.InvalidClientAuth(refusal);
  error.error_description = `client authentication failed: ${refusal}`;
  throw error;
}

/** Where a request put a client secret: the body, the Authorization header (Basic), or nowhere. */
function secretPlacementOf(ctx: KoaContextWithOIDC): "body" | "header" | "none" {
  if (typeof ctx.oidc?.params?.client_secret === "string") return "body";
  return ctx.get("authorization") === "" ? "none" : "header";
}

/**
 * What an app did otherwise than it registered, in words that say what to do, or null when it
 * did as registered. No secret is compared to say it: only the app's metadata and where the
 * request put one. A secret left out (a confidential app configured as public in its library, a
 * browser app registered as the form's default, confidential) or sent by a public app was
 * answered the library's bare "client authentication failed" until 2026-12-06.
 */
function authenticationMismatchOf(
  registered: string | undefined,
  placement: "body" | "header" | "none",
): string | null {
  if (registered === "client_secret_basic" && placement !== "header")
    return `this client registered client_secret_basic: send its secret in the Authorization header, ${placement === "body" ? "not the body" : "as the request did not"}`;
  if (registered === "client_secret_post" && placement !== "body")
    return `this client registered client_secret_post: send its secret in the body, ${placement === "header" ? "not the Authorization header" : "as the request did not"}`;
  if (registered === "none" && placement !== "none")
    return "this client is public (token_endpoint_auth_method none): send its client_id in the body, with no secret and no Authorization header";
  return null;
}

/** How one refresh-token exchange at `/oidc/token` ended (ProviderOptions.onRefresh). */
export type ThirdPartyRefreshResult = "rotated" | "reuse_detected" | "rejected";

/** The library's detail on a refresh token presented after it was used (lib/actions/grants/refresh_token.js). */
const refreshTokenReused = "refresh token already used";

export interface OIDCProvider {
  /** Registers the provider's routes (`/oidc/*`, the two root discovery documents) into the Fastify app. */
  readonly plugin: (app: FastifyInstance) => Promise<void>;
  /** For the hosted pages (adapter-web). */
  readonly interactions: Interactions;
  readonly issuer: string;
  /**
   * Sessions of ours ended (SessionEndings, ADR 0073): the apps signed in to within them that
   * registered a back-channel logout URI are sent a logout token, in the background. Never rejects.
   */
  readonly sessionsEnded: (sessionIds: readonly string[]) => Promise<void>;
}

/**
 * SuperOAuth's OpenID Connect provider: panva's oidc-provider configured by provider-settings.ts,
 * storing through our OIDCModelStore (ADR 0017), its clients read from our apps (ADR 0018).
 */
export function createOIDCProvider(options: ProviderOptions): OIDCProvider {
  const facing = libraryFacing(options);
  const provider = new Provider(options.issuer, {
    ...providerSettingsOf(facing),
    adapter: adapterFactoryOf(facing),
  });

  const lifetimes = { ...defaultOIDCLifetimes, ...options.lifetimes };
  const backchannel = createBackchannelLogout({
    provider,
    store: options.store,
    clock: options.clock,
    // As long as the provider's own session is kept (its ttl.Session) and as one of ours may live:
    // a record written at a session's first moment outlives it, whatever SESSION_MAX_AGE says.
    recordSeconds: Math.max(
      lifetimes.grantSeconds,
      lifetimes.refreshTokenSeconds,
      options.sessionMaxAgeSeconds ?? 0,
    ),
    log: options.log,
    onResult: options.onBackchannelLogout,
  });

  // Stored client "secrets" are SHA-256 hashes (client-metadata.ts): compare by hashing the
  // presented secret, in constant time (the existing SecretHasher).
  // A secret the app's last rotation replaced is refused as any wrong one (401 invalid_client), with
  // a description that says so and when: an app still configured with it after a rotation was
  // told only "client authentication failed", the same as for a typing mistake (until 2026-12-06).
  provider.Client.prototype.compareClientSecret = async function compareClientSecret(
    actual: string,
  ): Promise<boolean> {
    refuseOtherSecretPlacement(this.clientAuthMethod, Provider.ctx);
    const hash = this.clientSecret;
    if (typeof hash !== "string") return false;
    if (options.verifyClientSecret({ secret: actual, hash })) return true;
    const replacedAt = await options.findClientSecretReplacement?.({
      clientId: this.clientId,
      secret: actual,
    });
    if (replacedAt === undefined || replacedAt === null) return false;
    const refusal = `this client secret was replaced at ${replacedAt.toISOString()} (the app's secret was rotated): use the secret made then`;
    const error = new errors.InvalidClientAuth(refusal);
    error.error_description = `client authentication failed: ${refusal}`;
    throw error;
  };

  // A token an app gets for itself (client_credentials) is no one's offline access and comes with
  // no refresh token, but the library keeps every scope the app may have: its scope (stored, so
  // introspection agrees, and answered) leaves offline_access out.
  const saveClientCredentials = provider.ClientCredentials.prototype.save;
  provider.ClientCredentials.prototype.save = function save(
    this: InstanceType<Provider["ClientCredentials"]>,
  ) {
    this.scope = withoutOfflineAccess(this.scope);
    return saveClientCredentials.call(this);
  };

  // The library answers an error that is not a protocol refusal 500 `server_error` and tells
  // nobody but this event (and its `debug` namespace): our log gets it, with the request's id.
  provider.on("server_error", (ctx: KoaContextWithOIDC, error: unknown) =>
    logFailure(requestLogOf(ctx.req), error),
  );

  // A refresh token used twice past the grace is a stolen one: the library revokes the app's grant
  // and answers invalid_grant, which by itself shows nowhere. The operator sees it in the metrics
  // (the alert on reuse, docs/operations.md) and in the log, with the app and the user (never the
  // token); the first-party /auth/refresh reports through the use case the same way.
  // A rotation is counted once its answer stands (afterRoute: a revoke may take it back).
  provider.on("grant.error", (ctx: KoaContextWithOIDC, error: unknown) => {
    if (!(error instanceof errors.InvalidGrant)) return;
    const grantType = ctx.oidc?.params?.grant_type;
    if (grantType !== "refresh_token" || error.error_detail !== refreshTokenReused) {
      logInvalidGrant(ctx, options, String(error.error_detail));
      return;
    }
    options.onRefresh?.("reuse_detected");
    const clientId = ctx.oidc.client?.clientId;
    const accountId = ctx.oidc.account?.accountId;
    requestLogOf(ctx.req)?.warn(
      { clientId, accountId },
      "a third-party app's refresh token was used again after it was rotated: the app's grant was revoked (RFC 9700 §4.14.2)",
    );
    // And the person's security log, which the answer does not wait for.
    if (clientId === undefined || accountId === undefined || options.grants.reused === undefined) return;
    const client = { ip: clientAddressOf(ctx.req), userAgent: ctx.get("user-agent") || undefined };
    options.grants
      .reused({ accountId, clientId, client })
      .catch((failure: unknown) => logFailure(requestLogOf(ctx.req), failure));
  });

  // Outermost of ours, so it sees every answer, the library's and our own failures' alike.
  provider.use(async (ctx, next) => {
    await next();
    nameRequestIdOfFailure(ctx as KoaContextWithOIDC);
    exposeToBrowserApp(ctx as KoaContextWithOIDC);
  });

  // The library's auto-submitting forms come as its own page: in the hosted pages' look instead.
  provider.use(async (ctx, next) => {
    await next();
    const form = libraryAutoSubmitForm(ctx.body);
    if (form !== null) ctx.body = options.pages.continueForm({ ...form, during: providerFlowOf(ctx.path) });
  });

  const issuerURL = new URL(options.issuer);
  provider.use(async (ctx, next) => {
    atTheIssuersOrigin(ctx, issuerURL);
    // What a request may make us store is bounded by what the library reads of it (body-limit.ts).
    const body = limitBody(ctx.req, oidcBodyLimitBytes);
    if (body.declaredTooLarge) {
      refuseBodyTooLarge(ctx as KoaContextWithOIDC, options.pages);
      return;
    }
    try {
      if (getOnlyEndpoints.has(ctx.path) && ctx.method === "POST" && ctx.is("urlencoded") !== false) {
        // OpenID Connect Core §3.1.2.1 and RP-Initiated Logout §2: the endpoint takes POST too. The
        // library would need its cookie SameSite=None for it (a cross-site POST carries no Lax
        // cookie); the browser is sent on to the same request by GET, a top-level navigation that
        // carries it (ADR 0042).
        const query = await formAsQuery(ctx as KoaContextWithOIDC);
        if (query === null) {
          refuseBodyTooLarge(ctx as KoaContextWithOIDC, options.pages);
          return;
        }
        ctx.status = 303;
        ctx.set("cache-control", "no-store");
        ctx.set("location", `${ctx.path}?${query}`);
        return;
      }
      if (
        ctx.method === "POST" &&
        !getOnlyEndpoints.has(ctx.path) &&
        ctx.get("content-type") === "" &&
        (ctx.get("transfer-encoding") !== "" || (ctx.request.length ?? 0) > 0)
      ) {
        // A body without a Content-Type (a bare http.request, a Buffer body): the library reads no
        // body then, and answered what it missed ("missing required parameter 'grant_type'") about
        // a request that sent it. (An empty one, `Content-Length: 0`, is no body. The
        // authorization and logout endpoints answer such a POST 415, below.)
        ctx.status = 400;
        answerAsAsked(ctx as KoaContextWithOIDC, options.pages, {
          page: { error: "invalid_request", description: noContentTypeDescription },
          json: { error: "invalid_request", error_description: noContentTypeDescription },
        });
        return;
      }
      if (
        options.publishedJWKS !== undefined &&
        ctx.path === oidcRoutes.jwks &&
        (ctx.method === "GET" || ctx.method === "HEAD")
      ) {
        ctx.body = await options.publishedJWKS();
        ctx.type = "application/jwk-set+json; charset=utf-8";
        // Public keys, readable from any page, as the library's own answer and discovery are (it
        // names the asking origin): a browser app verifies ID tokens against them (jose's
        // createRemoteJWKSet).
        const origin = ctx.get("origin");
        if (origin !== "") {
          ctx.set("access-control-allow-origin", origin);
          ctx.vary("origin");
        }
        return;
      }
      await next();
    } catch (error) {
      if (refusalOverUnsavedSession(ctx as KoaContextWithOIDC, error)) return;
      // Past the library's error handlers: its session's save after an answer failed too.
      answerFailure(ctx as KoaContextWithOIDC, outageOf(ctx as KoaContextWithOIDC) ?? error, options.pages);
      return;
    }
    if (body.exceeded()) {
      // A chunked body past the limit: the library refused it as unparsable (400); say why.
      refuseBodyTooLarge(ctx as KoaContextWithOIDC, options.pages);
      return;
    }
    if (
      answeredByNoRoute(ctx as KoaContextWithOIDC) &&
      getOnlyEndpoints.has(ctx.path) &&
      ctx.method === "POST"
    ) {
      // A POST not of a form (JSON, no body type): the endpoints take form posts and GET (ADR 0042).
      ctx.status = 415;
      const description = `${ctx.path} takes GET, or a POST of an HTML form (application/x-www-form-urlencoded)`;
      answerAsAsked(ctx as KoaContextWithOIDC, options.pages, {
        page: { error: "invalid_request", description },
        json: { error: "invalid_request", error_description: description },
      });
      return;
    }
    if (answeredByNoRoute(ctx as KoaContextWithOIDC)) {
      // A path or method the library does not serve (/oidc/nope): the contract's NOT_FOUND
      // envelope, as every other unknown route gets, not Koa's plain-text "Not Found". An endpoint
      // asked with a method it does not take (GET /oidc/token) is 405 with its methods in Allow,
      // as the API's routes answer (RFC 9110 §15.5.6). A browser gets a page: a reload of the
      // sign-out's confirmation (a GET of its POST-only address) reads as the used sign-out page it is.
      const allowed = ctx.method === "OPTIONS" ? undefined : methodsOfEndpoints.get(ctx.path);
      ctx.status = allowed === undefined ? 404 : 405;
      if (allowed !== undefined) ctx.set("allow", allowed.join(", "));
      answerAsAsked(ctx as KoaContextWithOIDC, options.pages, {
        page: {
          error: "invalid_request",
          description: ctx.path.startsWith(oidcRoutes.end_session) ? "could not find logout details" : null,
        },
        json:
          allowed === undefined
            ? { success: false, error: "NOT_FOUND", message: `Route ${ctx.method} ${ctx.path} not found` }
            : {
                success: false,
                error: "METHOD_NOT_ALLOWED",
                message: `${ctx.path} does not take ${ctx.method}: use ${allowed.join(" or ")}`,
              },
      });
      return;
    }
    const outage = outageOf(ctx as KoaContextWithOIDC);
    if (outage !== undefined) {
      // The library answered temporarily_unavailable (outages.ts): say when to come back.
      logFailure(requestLogOf(ctx.req), outage);
      if (ctx.status === 503) ctx.set("retry-after", String(retryAfterSecondsOf(outage)));
      return;
    }
    try {
      await afterRoute(ctx as KoaContextWithOIDC, options, backchannel);
    } catch (error) {
      answerFailure(ctx as KoaContextWithOIDC, error, options.pages);
    }
  });

  return {
    plugin: (app) => mountProvider(app, provider, options.pages),
    interactions: createInteractions({
      provider,
      grants: options.grants,
      oneTimeGrantSeconds: oneTimeGrantSecondsOf(options),
      // The consent page's answer (ADR 0058): one per interaction, naming the account and the app so
      // that a revoke of either deletes it with the rest of their records.
      consentAnswers: {
        claim: ({ uid, accountId, clientId, expiresInSeconds }) =>
          claimOnce(options, {
            model: consentAnswerModel,
            id: uid,
            payload: { accountId, clientId },
            expiresInSeconds,
          }),
        stands: async (uid) =>
          (await options.store.find({ model: consentAnswerModel, id: uid, now: options.clock.now() })) !==
          null,
      },
    }),
    issuer: options.issuer,
    sessionsEnded: backchannel.sessionsEnded,
  };
}

/** What a POST with a body and no Content-Type is told (400 invalid_request). */
export const noContentTypeDescription =
  "the request has a body but no Content-Type header: send application/x-www-form-urlencoded";

/**
 * The endpoints a browser reaches by navigation, which the library serves by GET only: a POST
 * would need the session cookie sent on a cross-site POST, i.e. SameSite=None. A form posted to
 * them is sent on to the same request by GET (ADR 0042).
 */
const getOnlyEndpoints: ReadonlySet<string> = new Set([oidcRoutes.authorization, oidcRoutes.end_session]);

/**
 * The methods of each endpoint the library serves at one exact path (its router's table, as
 * configured in provider-settings.ts): any other method there is 405, not an unknown route. HEAD is
 * GET's (the library's router answers it).
 */
const methodsOfEndpoints: ReadonlyMap<string, readonly string[]> = new Map([
  [oidcRoutes.authorization, ["GET", "HEAD", "POST"]],
  [oidcRoutes.end_session, ["GET", "HEAD", "POST"]],
  [`${oidcRoutes.end_session}/confirm`, ["POST"]],
  [oidcRoutes.userinfo, ["GET", "HEAD", "POST"]],
  [oidcRoutes.jwks, ["GET", "HEAD"]],
  [oidcRoutes.token, ["POST"]],
  [oidcRoutes.introspection, ["POST"]],
  [oidcRoutes.revocation, ["POST"]],
  [oidcRoutes.pushed_authorization_request, ["POST"]],
  [oidcRoutes.device_authorization, ["POST"]],
  [oidcRoutes.code_verification, ["GET", "HEAD", "POST"]],
]);

/**
 * A form POSTed to the authorization or logout endpoint, as the query of the same request by GET
 * (its parameters, then the URL's own that the form did not repeat); null past the body limit.
 */
async function formAsQuery(ctx: KoaContextWithOIDC): Promise<string | null> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of ctx.req) {
    received += (chunk as Buffer).length;
    if (received > oidcBodyLimitBytes) return null;
    chunks.push(chunk as Buffer);
  }
  const parameters = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  for (const [name, value] of new URLSearchParams(ctx.querystring)) {
    if (!parameters.has(name)) parameters.append(name, value);
  }
  return parameters.toString();
}

/** No route of the library matched: it sets up `ctx.oidc` for each of its routes, and left the 404 empty. */
function answeredByNoRoute(ctx: KoaContextWithOIDC): boolean {
  return (
    ctx.status === 404 &&
    ctx.body == null &&
    (ctx.oidc as KoaContextWithOIDC["oidc"] | undefined) === undefined
  );
}

/** The `error` of a protocol error body (RFC 6749 §5.2), or null. */
function errorCodeOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const { error } = body as { error?: unknown };
  return typeof error === "string" ? error : null;
}

/** The library's refusal of a request to an authenticated endpoint that names no client at all. */
const noClientAuthentication = "no client authentication mechanism provided";

/** The endpoints that authenticate the calling app (client_auth.js). */
const clientAuthenticatingRoutes: ReadonlySet<string> = new Set([
  "token",
  "introspection",
  "revocation",
  "pushed_authorization_request",
  "device_authorization",
]);

/**
 * What we do once the library has answered: its refusals put in the RFCs' terms, "last used" on
 * our grants, and signing out of our own session.
 */
async function afterRoute(
  ctx: KoaContextWithOIDC,
  options: ProviderOptions,
  backchannel: BackchannelLogout,
): Promise<void> {
  const oidc = ctx.oidc as KoaContextWithOIDC["oidc"] | undefined;
  if (
    oidc !== undefined &&
    clientAuthenticatingRoutes.has(String(oidc.route)) &&
    ctx.status === 400 &&
    (ctx.body as { error_description?: unknown } | null)?.error_description === noClientAuthentication
  ) {
    // RFC 6749 §5.2 names "no client authentication included" as invalid_client; the library
    // answered 400 invalid_request. 401, as every other failed client authentication.
    ctx.status = 401;
    ctx.body = {
      error: "invalid_client",
      error_description: "client authentication failed: no client authentication included",
    };
    return;
  }
  if (
    oidc?.client !== undefined &&
    clientAuthenticatingRoutes.has(String(oidc.route)) &&
    ctx.status === 401 &&
    (ctx.body as { error_description?: unknown } | null)?.error_description === "client authentication failed"
  ) {
    // The library found the app, then refused how the request authenticated it before any secret
    // was compared (no secret from a confidential app, one from a public app): say which.
    const mismatch = authenticationMismatchOf(oidc.client.clientAuthMethod, secretPlacementOf(ctx));
    if (mismatch !== null) {
      const description = `client authentication failed: ${mismatch}`;
      ctx.body = { error: "invalid_client", error_description: description };
      // A Basic attempt's challenge repeats the description, and openid-client reports that one.
      // (Koa's response.get answers undefined for a header not set, whatever its type says.)
      const challenge: unknown = ctx.response.get("www-authenticate");
      if (typeof challenge === "string" && challenge !== "")
        ctx.set(
          "www-authenticate",
          challenge.replace(
            'error_description="client authentication failed"',
            `error_description="${description}"`,
          ),
        );
    }
  }
  if (
    oidc?.route === "introspection" &&
    ctx.status === 400 &&
    errorCodeOf(ctx.body) === "unsupported_token_type"
  ) {
    // The library refuses to introspect any JWT (an ID token, one of SuperOAuth's own access
    // tokens) with 400 unsupported_token_type, which RFC 7662 §2.2 does not allow: a token the
    // caller may not learn about is `{"active": false}`. The caller authenticated before the check.
    ctx.status = 200;
    ctx.body = { active: false };
    return;
  }
  if (oidc?.route === "token" && ctx.status === 400 && errorCodeOf(ctx.body) === "authorization_pending") {
    await slowDownEarlyPoll(ctx, options);
    return;
  }
  if (oidc === undefined || ctx.status >= 400) return;
  if (oidc.route === "device_authorization" && typeof ctx.body === "object" && ctx.body !== null) {
    // RFC 8628 §3.2: without `interval` a device polls every 5 s; say so, as Keycloak and Hydra do,
    // for clients that read it rather than know the default.
    ctx.body = { ...ctx.body, interval: devicePollIntervalSeconds };
    return;
  }
  if (oidc.route === "revocation") {
    // RFC 7009 §2.2: 200, and nothing to read. The library's empty string went out as Koa's
    // `text/plain`, which browser clients that accept JSON only refuse (oidc-client-ts's
    // revokeTokens rejected, and so did its sign-out with revokeTokensOnSignout): no body, no type.
    ctx.body = null;
    ctx.status = 200;
    return;
  }
  if (oidc.route === "token") {
    if (!(await issuedTokensStand(ctx, options.store, requestLogOf(ctx.req)))) {
      ctx.status = revokedWhileIssuing.status;
      ctx.body = { ...revokedWhileIssuing.body };
      logInvalidGrant(ctx, options, revokedWhileIssuing.reason);
      return;
    }
    if (!(await clientTokenStands(ctx, options, requestLogOf(ctx.req)))) {
      // Try again: the retry is answered as the app now is.
      ctx.status = clientChangedWhileIssuing.status;
      ctx.set("retry-after", String(clientChangedWhileIssuing.retryAfterSeconds));
      ctx.body = { ...clientChangedWhileIssuing.body };
      requestLogOf(ctx.req)?.info(
        {
          clientId: oidc.client?.clientId,
          grantType: oidc.params?.grant_type,
          reason: clientChangedWhileIssuing.reason,
        },
        "token request refused",
      );
      return;
    }
    if (oidc.params?.grant_type === "refresh_token") options.onRefresh?.("rotated");
    const grant = oidc.entities.Grant;
    if (grant?.accountId !== undefined && grant.clientId !== undefined) {
      // "Last used" is a courtesy to the account page; the tokens are issued (a rotated refresh
      // token's predecessor already spent), so a failure here must not take them from the client.
      await options.grants
        .touch({ accountId: grant.accountId, clientId: grant.clientId })
        .catch((error: unknown) => logFailure(requestLogOf(ctx.req), error));
    }
    return;
  }
  if (oidc.route === "authorization" || oidc.route === "resume") {
    const current = await withdrawCodeOfEndedSession(ctx, options);
    if (current !== null && (await rememberSignInForLogout(ctx, current.sessionId, backchannel))) {
      // Read again: a session that ended between the read and the record told this app nothing.
      // Its code goes, and the record just written is told now (the app may hold ID tokens of the
      // session from before), so none is left behind an ended session.
      if ((await withdrawCodeOfEndedSession(ctx, options)) === null)
        await backchannel.sessionsEnded([current.sessionId]);
    }
    return;
  }
  if (oidc.route !== "end_session_confirm") return;
  const accountId = oidc.session?.accountId;
  const clientId = oidc.entities.Client?.clientId;
  // "Sign out of both": the library ended its session; end ours too, or single sign-on would sign
  // them straight back in. The library also ends its session when someone else signs in over
  // it; ours then already belongs to the new account and stays. Ours ends first: an authorization
  // of this browser in flight then either saved its code before the tokens below are deleted (and
  // the code goes with them), or finds the session ended once it has saved it
  // (withdrawCodeOfEndedSession). Its failure (a read, the sign-out's log write) still leaves the
  // app's tokens deleted, as they were when they went first: the answer is the failure.
  try {
    if (oidc.params?.logout) {
      const current = await options.browserSessions.current(ctx.req);
      if (current !== null && current.accountId === accountId) {
        // Its end tells every app signed in to within it (SessionEndings, ADR 0073).
        await keepingCookies(ctx, () => options.browserSessions.end(ctx.req, ctx.res));
      }
    } else if (accountId !== undefined && clientId !== undefined) {
      await tellAppSignedOutOf(ctx, options, backchannel, { accountId, clientId });
    }
  } finally {
    // An app asked to sign the person out (RP-initiated logout) and they confirmed, of the app
    // only or of both: the app's tokens for them stop working. Its grant stays, so the next sign-in
    // asks no consent again; the library keeps tokens past a sign-out (ADR 0018), so we end them.
    if (accountId !== undefined && clientId !== undefined) {
      await options.store.revokeTokensByAccountAndClient({ accountId, clientId });
    }
  }
}

/**
 * After an authorization that issued a code: the browser's session is read again now that the
 * code is saved, and a code whose session ended meanwhile is deleted before the app can trade it
 * (the exchange answers invalid_grant). The sign-in check (interactionPolicyOf) ran before the code
 * was made: a "Sign out of both" of the same browser (another tab) that ended the session and
 * deleted the app's tokens between that check and the save left a code that outlived the
 * sign-out. Read after the save, a session still live means that sign-out has not ended it yet,
 * and its deletion of the tokens, which follows, finds the code. Answers the session the code
 * stands in; null for none (no code, or withdrawn).
 */
async function withdrawCodeOfEndedSession(
  ctx: KoaContextWithOIDC,
  options: ProviderOptions,
): Promise<{ readonly sessionId: string } | null> {
  const code = ctx.oidc.entities.AuthorizationCode as { jti?: unknown; accountId?: unknown } | undefined;
  if (code === undefined || typeof code.jti !== "string") return null;
  const withdraw = (id: string) => options.store.destroy({ model: "AuthorizationCode", id });
  let current: Awaited<ReturnType<BrowserSessions["current"]>>;
  try {
    current = await options.browserSessions.current(ctx.req);
  } catch (error) {
    // Whether the session still stands is unknown: the code goes too (if the store lets it), and
    // the answer is the failure, which sends no redirect on (answerFailure).
    await withdraw(code.jti).catch((failure: unknown) => logFailure(requestLogOf(ctx.req), failure));
    throw error;
  }
  if (current !== null && current.accountId === code.accountId) return current;
  await withdraw(code.jti);
  requestLogOf(ctx.req)?.info(
    { clientId: ctx.oidc.client?.clientId, reason: "the browser's session ended while the code was issued" },
    "authorization code withdrawn",
  );
  return null;
}

/**
 * "Sign out of _your app_ only": the person stays signed in, and the app is told now (ADR 0073).
 * Whether it is told does not change the sign-out: a failure to read the browser's session is
 * logged, not answered.
 */
async function tellAppSignedOutOf(
  ctx: KoaContextWithOIDC,
  options: ProviderOptions,
  backchannel: BackchannelLogout,
  input: { accountId: string; clientId: string },
): Promise<void> {
  let current: Awaited<ReturnType<BrowserSessions["current"]>>;
  try {
    current = await options.browserSessions.current(ctx.req);
  } catch (error) {
    logFailure(requestLogOf(ctx.req), error);
    return;
  }
  if (current === null || current.accountId !== input.accountId) return;
  await backchannel.signedOutOf({ sessionId: current.sessionId, clientId: input.clientId });
}

/**
 * After an authorization that issued a code carrying a `sid` (only an app with a back-channel
 * logout URI is issued one: the library's includeSid): the app is remembered as signed in to
 * within our session, which tells it when it ends (ADR 0073). True when remembered.
 */
async function rememberSignInForLogout(
  ctx: KoaContextWithOIDC,
  sessionId: string,
  backchannel: BackchannelLogout,
): Promise<boolean> {
  const code = ctx.oidc.entities.AuthorizationCode as
    | { sid?: unknown; accountId?: unknown; clientId?: unknown }
    | undefined;
  if (
    typeof code?.sid !== "string" ||
    typeof code.accountId !== "string" ||
    typeof code.clientId !== "string"
  )
    return false;
  await backchannel.signedIn({
    sessionId,
    accountId: code.accountId,
    clientId: code.clientId,
    sid: code.sid,
  });
  return true;
}

/**
 * A token request refused invalid_grant. The answer says only "grant request is invalid" (the
 * library keeps the reason from the client); the log says which (a code expired, a PKCE verifier
 * or redirect_uri that does not match, a token already used, revoked meanwhile), so `pnpm logs
 * --request-id` tells an integrator what to fix. The reasons are fixed phrases: no code or token
 * is in them.
 */
function logInvalidGrant(ctx: KoaContextWithOIDC, options: ProviderOptions, detail: string): void {
  const grantType = ctx.oidc?.params?.grant_type;
  requestLogOf(ctx.req)?.info(
    { clientId: ctx.oidc?.client?.clientId, grantType, reason: invalidGrantReasonOf(detail) },
    "token request refused: invalid_grant",
  );
  if (grantType === "refresh_token") options.onRefresh?.("rejected");
}

/**
 * The library's reason, made plain where it misleads. The store never hands it an expired record
 * (oidc-model-store.ts reads live ones only), nor a refresh token within its reuse grace or one
 * revoked: each of those reads as "authorization code not found" or "refresh token not found",
 * which an integrator took for a mistyped code, never for the usual cause, a code redeemed after
 * its 60 s (docs/oidc.md, section 7).
 */
function invalidGrantReasonOf(detail: string): string {
  return detail.endsWith(" not found") ? `${detail}: expired, used, revoked or never issued` : detail;
}

/**
 * Answers a refusal or failure of ours as asked: a person's browser (it prefers HTML) gets the
 * error page, in the words of what it was doing (by the path); anything else the JSON.
 */
function answerAsAsked(
  ctx: KoaContextWithOIDC,
  pages: ProviderPages,
  input: { page: { error: string; description: string | null }; json: object },
): void {
  if (ctx.accepts("json", "html") === "html") {
    ctx.type = "html";
    ctx.body = pages.error({
      ...input.page,
      during: providerFlowOf(ctx.path),
      reference: failureReferenceOf(ctx.req, input.page.error),
    });
  } else {
    ctx.body = input.json;
  }
}

/**
 * A JSON `server_error` (a failure of ours) names the request's id in its body, as the API's 500
 * envelope gives `requestId`, so a person can quote it to support from what their client shows or
 * logs: in `error_description` ("... (request id: X)", text for a person) and as `request_id`
 * (RFC 6749 §5.2 allows members of its own; clients ignore them). The X-Request-Id header carries
 * the same id; the failure's log line too. Error pages name it already (`failureReferenceOf`).
 */
function nameRequestIdOfFailure(ctx: KoaContextWithOIDC): void {
  const body: unknown = ctx.body;
  if (typeof body !== "object" || body === null || Buffer.isBuffer(body) || !("error" in body)) return;
  const requestId = failureReferenceOf(ctx.req, String(body.error));
  if (requestId === null) return;
  const description = "error_description" in body ? String(body.error_description) : "";
  ctx.body = {
    ...body,
    error_description: `${description === "" ? "" : `${description} `}(request id: ${requestId})`,
    request_id: requestId,
  };
}

/**
 * An answer a browser app may read (the library's CORS let its origin in) exposes what it needs to
 * act on beside the library's `WWW-Authenticate`: a single-page app's refresh answered 503 while the
 * database was down could not read its `Retry-After`, nor a failure its `X-Request-Id`.
 */
function exposeToBrowserApp(ctx: KoaContextWithOIDC): void {
  // (Koa's response.get answers undefined for a header not set, whatever its type says.)
  const allowed: unknown = ctx.response.get("access-control-allow-origin");
  if (typeof allowed !== "string" || allowed === "" || ctx.method === "OPTIONS") return;
  const exposed: unknown = ctx.response.get("access-control-expose-headers");
  const listed = typeof exposed === "string" && exposed !== "" ? exposed.split(/,\s*/) : [];
  ctx.set(
    "access-control-expose-headers",
    [...new Set([...listed, ...headersExposedToBrowserApps])].join(", "),
  );
}

/** A scope string without `offline_access`; undefined when nothing else is left. */
function withoutOfflineAccess(scope: string | undefined): string | undefined {
  const kept = (scope ?? "").split(" ").filter((item) => item !== "" && item !== "offline_access");
  return kept.length === 0 ? undefined : kept.join(" ");
}

/** A body over the limit: 413 with the protocol's `invalid_request` (a page for a browser). */
function refuseBodyTooLarge(ctx: KoaContextWithOIDC, pages: ProviderPages): void {
  ctx.status = 413;
  answerAsAsked(ctx, pages, {
    page: { error: "invalid_request", description: bodyTooLargeDescription },
    json: { error: "invalid_request", error_description: bodyTooLargeDescription },
  });
}

/**
 * Whether the library refused a request (a 4xx it already rendered) and only then failed to save a
 * session it had begun for it and never stored: a form posted without the session cookie (the
 * device page's, after its cookie expired or was blocked) makes the library "persist" a session
 * that has no expiry yet, which throws. Its refusal stands; there was nothing to save.
 */
function refusalOverUnsavedSession(ctx: KoaContextWithOIDC, error: unknown): boolean {
  return (
    error instanceof TypeError &&
    error.message.startsWith("persist can only be called on previously persisted Sessions") &&
    ctx.status >= 400 &&
    ctx.status < 500 &&
    ctx.body !== undefined &&
    ctx.body !== null
  );
}

/**
 * Answers a failure the library's error handlers did not (one in its session's save after it
 * answered, one of our own work after its answer, such as ending our session on sign-out) as the
 * library answers its own: 503 `temporarily_unavailable` with Retry-After for an outage, else 500
 * `server_error`; the error page for a browser, JSON otherwise; the cause to the log only.
 */
function answerFailure(ctx: KoaContextWithOIDC, error: unknown, pages: ProviderPages): void {
  logFailure(requestLogOf(ctx.req), error);
  const outage = isOutage(error);
  const answer = outage
    ? { error: "temporarily_unavailable", description: temporarilyUnavailableDescription }
    : { error: "server_error", description: "oops! something went wrong" };
  ctx.status = outage ? 503 : 500;
  // An answer that failed after it was made (a redirect carrying a code) sends nobody on.
  ctx.remove("location");
  if (outage) ctx.set("retry-after", String(retryAfterSecondsOf(error)));
  answerAsAsked(ctx, pages, {
    page: answer,
    json: { error: answer.error, error_description: answer.description },
  });
}

/**
 * The options the library itself calls into (apps, accounts, grants, browser sessions, the model
 * store), each answering an outage as `temporarily_unavailable` (outages.ts). Our hosted pages
 * (createInteractions) get the options as they are: their errors reach Fastify's error handler,
 * which answers outages in the API's own envelope.
 */
function libraryFacing(options: ProviderOptions): ProviderOptions {
  const { findClient, findAccount } = answeringOutages({
    findClient: options.findClient,
    findAccount: options.findAccount,
  });
  return {
    ...options,
    findClient,
    findAccount,
    grants: answeringOutages(options.grants),
    browserSessions: answeringOutages(options.browserSessions),
    store: answeringOutages(options.store),
  };
}

/** Runs `write` (which may set or replace Set-Cookie on the response) without losing the library's cookies. */
async function keepingCookies(ctx: KoaContextWithOIDC, write: () => Promise<void>): Promise<void> {
  const cookiesOf = (value: ReturnType<typeof ctx.res.getHeader>): string[] =>
    value === undefined ? [] : Array.isArray(value) ? value : [String(value)];
  const before = cookiesOf(ctx.res.getHeader("set-cookie"));
  await write();
  const after = cookiesOf(ctx.res.getHeader("set-cookie"));
  ctx.res.setHeader("set-cookie", [...new Set([...before, ...after])]);
}

/**
 * Our OIDCModelStore for every model (device codes through their reference scheme), except
 * clients: those are our apps, read through `findClient`.
 */
function adapterFactoryOf(options: ProviderOptions): AdapterFactory {
  const StoredModel = createOIDCAdapter({
    store: options.store,
    clock: options.clock,
    ...(options.refreshReuseGraceMs === undefined
      ? {}
      : { refreshReuseGraceMs: options.refreshReuseGraceMs }),
  });
  const clients: Adapter = {
    async find(clientId) {
      const record = await options.findClient(clientId);
      return record === null ? undefined : clientMetadataOf(record);
    },
    // Dynamic registration is off: the library never writes clients.
    upsert: refuseClientWrite,
    consume: refuseClientWrite,
    destroy: refuseClientWrite,
    revokeByGrantId: refuseClientWrite,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
  };
  const claimAnswer: AnswerClaim = ({ row, expiresInSeconds }) =>
    // With the code (10 minutes; it is never saved without an expiry).
    claimOnce(options, { model: deviceCodeAnswerModel, id: row, expiresInSeconds: expiresInSeconds ?? 600 });
  return (model) => {
    if (model === "Client") return clients;
    if (model === "DeviceCode") return deviceCodeAdapterOf(new StoredModel(model), claimAnswer);
    return new StoredModel(model);
  };
}

/** The store's model for the claims of device codes' answers (device-code-adapter.ts): not one of the library's. */
const deviceCodeAnswerModel = "DeviceCodeAnswer";
const consentAnswerModel = "ConsentAnswer";

/**
 * Claims the one answer a record may have (the store's `claim`, under a model of its own, expiring
 * with the record): true for the first caller, false for any other, however many come at once.
 */
async function claimOnce(
  options: Pick<ProviderOptions, "clock" | "store">,
  input: { model: string; id: string; payload?: OIDCPayload; expiresInSeconds: number },
): Promise<boolean> {
  const now = options.clock.now();
  const outcome = await options.store.claim({
    model: input.model,
    id: input.id,
    payload: { ...input.payload, kind: input.model },
    expiresAt: new Date(now.getTime() + input.expiresInSeconds * 1000),
    now,
  });
  return outcome === "claimed";
}

async function refuseClientWrite(): Promise<never> {
  throw new Error("clients are managed through /api/v1/apps, never by oidc-provider");
}

/**
 * The issuer is APP_URL, the address people and apps reach us at, but the library builds every URL
 * it publishes or sends a browser to (discovery's endpoints, the return from the sign-in page, the
 * device flow's verification_uri, the `htu` DPoP proofs must name) from the request's origin: the
 * Host, X-Forwarded-Host and X-Forwarded-Proto the proxy passed on, believed from anyone once Koa's
 * `proxy` is on. Behind nginx without `proxy_set_header Host`, discovery named the internal
 * `http://127.0.0.1:3000/oidc/auth`; without `X-Forwarded-Proto: https`, the sign-in returned
 * people to `http://` and the library's Secure cookies failed the return with a 500 (the session
 * cookie is set on a context of its own, which inherits `secure` from this request); and any
 * client's `X-Forwarded-Host` was echoed into the endpoints. The request's origin is the issuer's,
 * and its address the one TRUST_PROXY gives (Fastify's; Koa would take the left-most, client-written
 * X-Forwarded-For entry). So Koa's own `proxy` setting is left off: none of what it decides is read.
 */
function atTheIssuersOrigin(
  ctx: { readonly request: object; readonly req: IncomingMessage },
  issuer: URL,
): void {
  const address = clientAddressOf(ctx.req);
  Object.defineProperties(ctx.request, {
    protocol: { value: issuer.protocol.slice(0, -1) },
    host: { value: issuer.host },
    ...(address === undefined ? {} : { ip: { value: address } }),
  });
}
