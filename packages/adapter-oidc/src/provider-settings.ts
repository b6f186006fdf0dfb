import { hkdfSync } from "node:crypto";
import { interactionPathOf, type ProviderFlow } from "@superoauth/application";
import { privateUseSchemesOf } from "@superoauth/domain";
import {
  type Account,
  type Configuration,
  errors,
  type Grant,
  interactionPolicy,
  type JWK,
  type KoaContextWithOIDC,
} from "oidc-provider";
import { failureReferenceOf } from "./fastify-requests.ts";
import { accountSwitchResult } from "./interactions.ts";
import type { ProviderOptions } from "./provider.ts";

/** The scopes an app may ask for (docs/oidc.md); `user:read` gates `GET /api/v1/auth/me`. */
export const oidcScopes = ["openid", "profile", "email", "offline_access", "user:read"] as const;

/**
 * What a request that asks for no scope this service grants is told (`invalid_scope`, RFC 6749
 * §3.3: "fail the request indicating an invalid scope"). Left to the library, such a request went
 * on to the sign-in and, once the person had signed in (or pressed Allow on the device page),
 * answered a bare `access_denied`, which says the person declined.
 */
export const noScopeDescription =
  "no scope this service grants was requested: send scope=openid (with any others of scopes_supported); offline_access counts only with prompt=consent";

/** Where the library serves each endpoint (its `routes` setting). */
export const oidcRoutes = {
  authorization: "/oidc/auth",
  backchannel_authentication: "/oidc/backchannel",
  code_verification: "/oidc/device",
  challenge: "/oidc/challenge",
  device_authorization: "/oidc/device/auth",
  end_session: "/oidc/session/end",
  introspection: "/oidc/token/introspection",
  jwks: "/oidc/jwks",
  pushed_authorization_request: "/oidc/request",
  registration: "/oidc/reg",
  revocation: "/oidc/token/revocation",
  token: "/oidc/token",
  userinfo: "/oidc/me",
  credential: "/oidc/credential",
} as const;

/**
 * How much of a device's User-Agent its device code keeps (docs/oidc.md, "Limits"): a browser's
 * is under 200 characters; our pages show none of it.
 */
export const storedUserAgentLength = 256;

/** What the person was doing, by the provider's path: its error pages say it in those words. */
export function providerFlowOf(path: string): ProviderFlow {
  if (path.startsWith(oidcRoutes.end_session)) return "sign-out";
  if (path.startsWith(oidcRoutes.code_verification)) return "device";
  return "sign-in";
}

/** Which claims each scope releases (OpenID Connect Core §5.4). */
export const oidcClaimsByScope = {
  openid: ["sub"],
  profile: ["nickname", "name", "preferred_username", "updated_at"],
  email: ["email", "email_verified"],
} as const;

const day = 24 * 60 * 60;

/** Lifetimes in seconds (ADR 0018). Every model is explicit: the library's defaults are development values. */
export const defaultOIDCLifetimes = {
  /** Like our own access tokens: five minutes of revocation tail (ADR 0003). */
  accessTokenSeconds: 300,
  /** RFC 6749 §4.1.2 recommends at most ten minutes; one is plenty for a back-channel exchange. */
  authorizationCodeSeconds: 60,
  /** An assertion of one sign-in, read at once by the app (logout accepts an expired one as a hint). */
  idTokenSeconds: 300,
  refreshTokenSeconds: 7 * day,
  /** Remembered consent and offline access; never shorter than a refresh token. */
  grantSeconds: 30 * day,
} as const;

/** How long a sign-in or consent in progress (the library's Interaction) lasts. */
const interactionSeconds = 30 * 60;

/**
 * How long the grant of a consent given "for this authorization only" is kept: as long as what it
 * was given for can still use it, and no longer. It is saved at the consent; the authorization then
 * resumes (while its interaction lasts) and issues a code (or answers the device's next poll), the
 * code is exchanged within its lifetime, and the access token it buys is checked against its grant
 * until it expires. Past that nothing reads it: no refresh token was issued, and the next
 * authorization asks again. Kept for a remembered consent's 30 days, it was a record of an app the
 * person chose not to remember, in no list and no export (storage limitation, GDPR Art. 5(1)(e)).
 */
export function oneTimeGrantSecondsOf(options: Pick<ProviderOptions, "lifetimes">): number {
  const lifetimes = { ...defaultOIDCLifetimes, ...options.lifetimes };
  return interactionSeconds + lifetimes.authorizationCodeSeconds + lifetimes.accessTokenSeconds;
}

/** The signing algorithms we publish keys for; nothing symmetric (HS*) anywhere (ADR 0018). */
const signingAlgorithms = ["ES256", "RS256"] as const;
/** What a client may sign with (DPoP proofs, and nothing else while private_key_jwt is off). */
/** How an app authenticates at the token, introspection and revocation endpoints (its registered one). */
const clientAuthMethods = ["client_secret_basic", "client_secret_post", "none"] as const;
const clientSigningAlgorithms = ["ES256", "RS256", "PS256", "EdDSA"] as const;

/**
 * oidc-provider's configuration (its docs/README.md "Configuration options"), every setting that
 * matters chosen on purpose. The interaction hooks that need the Provider instance (adapter,
 * client lookup, secret comparison, grant bookkeeping) are wired in provider.ts.
 */
export function providerSettingsOf(options: ProviderOptions): Configuration {
  const { pages, browserSessions, grants } = options;
  const lifetimes = { ...defaultOIDCLifetimes, ...options.lifetimes };
  const secureCookies = new URL(options.issuer).protocol === "https:";
  const cookie = { httpOnly: true, sameSite: "lax" as const, secure: secureCookies };
  const policy = interactionPolicyOf(browserSessions);

  return {
    jwks: { keys: options.jwks.keys.map((key) => ({ ...key }) as JWK) },
    cookies: {
      names: providerCookieNamesOf(secureCookies),
      keys: cookieKeysOf(options.masterSecret),
      long: cookie,
      short: cookie,
    },
    // Clients come from our apps table (the adapter's Client model, provider.ts); none are static
    // and none register themselves.
    clients: [],
    // Outgoing requests (logout tokens, the only ones: no jwks_uri, request_uri or sector
    // identifier is fetched) go out as the library sends them: its 2.5 s timeout, no redirect
    // followed, and its dispatcher, which refuses a connection to a private, loopback, link-local or
    // other special-use address (SSRF). Allowed in development and tests only (ADR 0073).
    ...(options.backchannelLogoutToPrivateAddresses === true ? { fetch: fetchToAnyAddress } : {}),
    clientAuthMethods: [...clientAuthMethods],
    // RFC 8414 §2: absent, these two read as client_secret_basic alone; the endpoints take what the
    // token endpoint takes (an app registered for client_secret_post must post its secret there too).
    discovery: {
      claim_types_supported: ["normal"],
      // The `prompt` values an app may send (OpenID Connect Prompt Create §4.1 names the field):
      // `none` and each prompt of the policy an app may ask for; the library refuses others.
      prompt_values_supported: [
        "none",
        ...policy.filter((prompt) => prompt.requestable).map((prompt) => prompt.name),
      ],
      introspection_endpoint_auth_methods_supported: [...clientAuthMethods],
      revocation_endpoint_auth_methods_supported: [...clientAuthMethods],
    },
    // Browsers may call userinfo, and a public app the token endpoints, only from the origin of
    // one of the app's own redirect URIs (the library's default rule, made ours). A refusal says
    // which rule refused (the library's said only "origin ... not allowed for client"): the page
    // cannot read it, but its developer reads it in the browser's network panel, beside a CORS
    // error that says nothing of why.
    clientBasedCORS: (ctx, origin, client) => {
      const refusal = browserCallRefusalOf(String(ctx.oidc.route), origin, client);
      if (refusal === null) return true;
      // As the library does before its own refusal: the page may not read this answer.
      ctx.remove("access-control-allow-origin");
      throw new errors.InvalidRequest(
        `origin ${origin} not allowed for client ${client.clientId}: ${refusal}`,
      );
    },
    clientDefaults: {
      grant_types: ["authorization_code"],
      response_types: ["code"],
      id_token_signed_response_alg: "ES256",
      token_endpoint_auth_method: "client_secret_basic",
    },
    enabledJWA: {
      idTokenSigningAlgValues: [...signingAlgorithms],
      userinfoSigningAlgValues: [...signingAlgorithms],
      introspectionSigningAlgValues: [...signingAlgorithms],
      authorizationSigningAlgValues: [...signingAlgorithms],
      clientAuthSigningAlgValues: [...clientSigningAlgorithms],
      requestObjectSigningAlgValues: [...clientSigningAlgorithms],
      dPoPSigningAlgValues: ["ES256", "EdDSA"],
    },
    responseTypes: ["code"],
    scopes: [...oidcScopes],
    claims: {
      // The library's defaults, which a `claims` setting replaces: claims an app may ask for by
      // name (the `claims` parameter, `max_age`, `require_auth_time`). Its `sid`, which discovery
      // lists, goes in the ID tokens of an app with a back-channel logout URI (ADR 0073).
      acr: null,
      auth_time: null,
      iss: null,
      // Every ID token also says when and how the user signed in (OpenID Connect Core §2: auth_time,
      // amr), so an app can tell a fresh or two-factor sign-in without asking; userinfo has neither.
      openid: [...oidcClaimsByScope.openid, "auth_time", "amr"],
      profile: [...oidcClaimsByScope.profile],
      email: [...oidcClaimsByScope.email],
    },
    routes: oidcRoutes,
    // OpenID Connect Core §3.1.2.1: redirect_uri is REQUIRED in an authorization request, even from
    // an app with one registered (the library's default fills that one in); and a code is redeemed
    // only with the redirect_uri its request carried (RFC 6749 §4.1.3), never a filled-in one.
    allowOmittingSingleRegisteredRedirectUri: false,
    // RFC 9700 §2.1.1: PKCE for every public client and, unless its owner turned it off (ADR 0049),
    // every confidential one; the library knows only S256, and refuses a code_verifier at the token
    // endpoint for a code whose request carried no challenge (the downgrade of §4.8.2).
    pkce: { required: (_ctx, client) => client.require_pkce !== false },
    // The library's hook for checking a request's parameters, run at the authorization, pushed
    // authorization and device authorization endpoints after its own checks of the app, the scope
    // (unknown scopes are kept, offline_access without prompt=consent is dropped), the redirect URI
    // and PKCE, so a refusal here goes back to the app's redirect URI. `scope` is no extra
    // parameter (the library takes it anyway); naming it only runs this check on it.
    extraParams: {
      scope(_ctx, scope) {
        if (!scopesRequestedBy(scope).some((requested) => isOIDCScope(requested)))
          // invalid_scope without the `scope` member InvalidScope adds (the one scope refused).
          throw new errors.CustomOIDCProviderError("invalid_scope", noScopeDescription);
      },
    },
    // Our own client metadata, set by clientMetadataOf from the apps table (never by a request:
    // there is no dynamic registration).
    extraClientMetadata: {
      properties: ["require_pkce"],
      validator(_ctx, key, value) {
        if (key === "require_pkce" && typeof value !== "boolean") {
          throw new TypeError("require_pkce must be a boolean");
        }
      },
    },
    // Every refresh rotates; a used refresh token presented again revokes its grant (ADR 0017).
    rotateRefreshToken: true,
    // Tokens outlive the provider's session: signing out must not revoke the grant behind a
    // remembered consent, and an access token lives its five minutes either way (ADR 0018).
    expiresWithSession: () => false,
    issueRefreshToken: (_ctx, client, source) =>
      client.grantTypeAllowed("refresh_token") && source.scopes.has("offline_access"),
    ttl: {
      AccessToken: lifetimes.accessTokenSeconds,
      ClientCredentials: lifetimes.accessTokenSeconds,
      AuthorizationCode: lifetimes.authorizationCodeSeconds,
      IdToken: lifetimes.idTokenSeconds,
      RefreshToken: lifetimes.refreshTokenSeconds,
      Grant: Math.max(lifetimes.grantSeconds, lifetimes.refreshTokenSeconds),
      Session: Math.max(lifetimes.grantSeconds, lifetimes.refreshTokenSeconds),
      Interaction: interactionSeconds,
      DeviceCode: 10 * 60,
      BackchannelAuthenticationRequest: 10 * 60,
    },
    findAccount: async (_ctx, sub): Promise<Account | undefined> => {
      const account = await options.findAccount(sub);
      if (account === null) return undefined;
      return {
        accountId: account.accountId,
        // The library releases only the claims of the granted scopes (`claims` above).
        claims: () => ({
          sub: account.accountId,
          email: account.email,
          email_verified: account.emailVerified,
          nickname: account.nickname,
          name: account.nickname,
          preferred_username: account.nickname,
          updated_at: Math.floor(account.updatedAt.getTime() / 1000),
        }),
      };
    },
    // Consent is remembered per (account, client) in our grants, not per provider session, so it
    // survives a new browser session; a grant from the interaction just finished comes first.
    loadExistingGrant: async (ctx): Promise<Grant | undefined> => {
      const { Grant } = ctx.oidc.provider;
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      if (clientId === undefined || accountId === undefined) return undefined;
      const grantId =
        ctx.oidc.result?.consent?.grantId ?? (await grants.find({ accountId, clientId }))?.grantId;
      if (grantId === undefined) return undefined;
      const grant = await Grant.find(grantId);
      if (grant === undefined || grant.accountId !== accountId || grant.clientId !== clientId)
        return undefined;
      return grant;
    },
    interactions: {
      // "Not you? Use another account" (the select_account asked by interactions.ts's
      // `selectAccount`): straight to the sign-in form, not the choice an app's own
      // prompt=select_account asks for.
      url: (_ctx, interaction) =>
        interactionPathOf(interaction.uid, {
          anotherAccount:
            interaction.prompt.name === "select_account" &&
            interaction.prompt.reasons.includes(accountSwitchAsked),
        }),
      policy,
    },
    renderError: (ctx, out) => {
      ctx.type = "html";
      ctx.body = pages.error({
        error: out.error,
        description: out.error_description ?? null,
        during: providerFlowOf(ctx.path),
        reference: failureReferenceOf(ctx.req, out.error),
      });
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: false },
      resourceIndicators: { enabled: false },
      requestObjects: { enabled: false },
      encryption: { enabled: false },
      claimsParameter: { enabled: false },
      // OpenID Connect Back-Channel Logout 1.0 (ADR 0073): an app that registered a URI gets `sid`
      // in its ID tokens and a logout token when a session it was signed in to within ends. The
      // library's own sending from end_session is replaced by ours (backchannel-logout.ts).
      backchannelLogout: { enabled: true },
      ciba: { enabled: false },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      dPoP: { enabled: true },
      // RFC 7662 §4: a client learns about its own tokens only; another's read as inactive.
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, caller, token) => token.clientId === caller.clientId,
      },
      // RFC 7009 §2.1: a client revokes only its own tokens; another's stays live. An authenticated
      // app is told (invalid_request); a public one, which anyone can name without a secret, gets
      // the 200 of an invalid token (§2.2), or the answer would tell a stranger holding a token
      // string whether it is live (the library's own default does the same).
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, caller, token) => {
          if (token.clientId === caller.clientId) return true;
          if (caller.clientAuthMethod === "none") return false;
          throw new errors.InvalidRequest("client is not authorized to revoke the presented token");
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = "html";
          // The confirmation's form leads on to the app's post-logout URI: a mobile app's scheme
          // must be in its form-action, or the browser stops there.
          const privateUseSchemes = privateUseSchemesOf(ctx.oidc.client?.postLogoutRedirectUris ?? []);
          if (privateUseSchemes.length > 0)
            ctx.set("content-security-policy", pages.contentSecurityPolicyFor({ privateUseSchemes }));
          ctx.body = pages.logoutConfirm({
            formHTML: form,
            formId: "op.logoutForm",
            clientName: ctx.oidc.client?.clientName ?? null,
          });
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = "html";
          ctx.body = pages.logoutDone({ clientName: ctx.oidc.client?.clientName ?? null });
        },
      },
      deviceFlow: {
        enabled: true,
        charset: "base-20",
        mask: "****-****",
        // What the device code keeps of the device (the library's default, with the user agent
        // cut): a header of up to 16 KB stored in every code a stranger can ask for.
        deviceInfo: (ctx) => ({ ip: ctx.ip, ua: ctx.get("user-agent").slice(0, storedUserAgentLength) }),
        userCodeInputSource: async (ctx, form, _out, error) => {
          ctx.type = "html";
          if (error?.name === "AbortedError") {
            // Deny: the library has loaded the code but not its app; the page names the app, as
            // Allow's does ("My App was not connected", not "The device").
            const clientId = ctx.oidc.entities.DeviceCode?.clientId;
            const client =
              ctx.oidc.client ??
              (clientId === undefined ? undefined : await ctx.oidc.provider.Client.find(clientId));
            ctx.body = pages.deviceDone({ clientName: client?.clientName ?? null, approved: false });
            return;
          }
          const problem = error === undefined ? null : deviceCodeProblemOf(error);
          // The library answers its own refusals of a code with 200; a form shown again for the
          // person's mistake answers 4xx, as the hosted pages' forms do (any other error keeps its
          // status, which the library set).
          if (problem?.status !== undefined) ctx.status = problem.status;
          ctx.body = pages.deviceCodeInput({
            // The page has its own labelled code field; the library's would send user_code twice.
            formHTML: formWithoutControls(form, ["user_code"]),
            formId: "op.deviceInputForm",
            error: problem?.message ?? null,
            code: typedCodeOf(error),
          });
        },
        userCodeConfirmSource: (ctx, form, client, _deviceInfo, userCode) => {
          ctx.type = "html";
          const deviceCode = ctx.oidc.entities.DeviceCode;
          ctx.body = pages.deviceConfirm({
            // The page's Allow and Deny buttons say which; the library's hidden confirm=yes would
            // make Allow send it twice (refused as a repeated parameter) and ride along with Deny.
            formHTML: formWithoutControls(form, ["confirm"]),
            formId: "op.deviceConfirmForm",
            clientName: client.clientName ?? client.clientId,
            userCode,
            scopes: scopesRequestedBy(deviceCode?.params?.scope),
          });
        },
        successSource: (ctx) => {
          ctx.type = "html";
          ctx.body = pages.deviceDone({ clientName: ctx.oidc.client?.clientName ?? null, approved: true });
        },
      },
    },
  };
}

/**
 * fetch as the library asks for it, without the dispatcher it hands over to refuse special-use
 * addresses: the app's back-channel logout URI may be on 127.0.0.1 (development, tests). Its
 * timeout (the signal) and `redirect: "manual"` stay.
 */
function fetchToAnyAddress(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const { dispatcher: _refusingSpecialUse, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
  return globalThis.fetch(input, rest);
}

/** The code a person typed, which the library's refusal of it carries (its errors' `userCode`). */
function typedCodeOf(error: unknown): string | null {
  const code =
    typeof error === "object" && error !== null ? (error as { userCode?: unknown }).userCode : undefined;
  return typeof code === "string" && code.length <= 64 ? code : null;
}

/**
 * The library's form (its `<form>` with the CSRF field and its own controls) without the inputs
 * named `names`, which our page renders itself: the library refuses a request that repeats a
 * parameter. The form is the library's fixed markup (lib/helpers/user_code_form.js), never the
 * request's; a form still holding one of them after this (the markup changed) is an error.
 */
export function formWithoutControls(form: string, names: readonly string[]): string {
  let kept = form;
  for (const name of names) {
    kept = kept.replace(new RegExp(`<input\\b[^>]*\\bname="${name}"[^>]*>(\\s*</input>)?`, "g"), "");
    if (kept.includes(`name="${name}"`))
      throw new Error(`the library's device form still has its ${name} control`);
  }
  return kept;
}

/** The reason of the select_account prompt asked by "Not you? Use another account". */
const accountSwitchAsked = "account_switch_asked";

/**
 * The library's login and consent prompts, plus single sign-on tied to our own browser session:
 * the provider's session alone never signs anyone in. When the hosted pages' session is gone
 * (signed out, revoked, "log out everywhere") or belongs to someone else, the login prompt asks
 * again, and `prompt=none` gets `login_required`.
 */
function interactionPolicyOf(browserSessions: ProviderOptions["browserSessions"]) {
  const policy = interactionPolicy.base();
  // prompt=select_account (OpenID Connect Core §3.1.2.1), which apps written for Google send: the
  // sign-in page offers the signed-in account and "Use another account" (interactions.ts). Asked
  // for before anything else, so it is answered even when the browser's session would do.
  // Also asked when the person chose "Not you? Use another account" on the consent page
  // (interactions.ts `selectAccount`); the result of the sign-in that follows replaces that choice.
  policy.add(
    new interactionPolicy.Prompt(
      { name: "select_account", requestable: true },
      new interactionPolicy.Check(
        accountSwitchAsked,
        "the End-User asked to use another account",
        "account_selection_required",
        (ctx: KoaContextWithOIDC) =>
          ctx.oidc.result?.[accountSwitchResult] === undefined
            ? interactionPolicy.Check.NO_NEED_TO_PROMPT
            : interactionPolicy.Check.REQUEST_PROMPT,
      ),
    ),
    0,
  );
  const login = policy.get("login");
  if (login === undefined) throw new Error("oidc-provider's base policy has no login prompt");
  login.checks.add(
    new interactionPolicy.Check(
      "browser_session_mismatch",
      "End-User authentication is required",
      "login_required",
      async (ctx: KoaContextWithOIDC) => {
        const current = await browserSessions.current(ctx.req);
        const accountId = ctx.oidc.session?.accountId;
        if (current === null || accountId === undefined || current.accountId !== accountId) {
          return interactionPolicy.Check.REQUEST_PROMPT;
        }
        return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
    ),
  );
  return policy;
}

/**
 * Why a browser page at `origin` may not call `route` for `client`, or null when it may: userinfo
 * from the origin of one of the app's redirect URIs, the token, introspection, revocation and
 * device endpoints only for a public app and from such an origin, never from the origin `null`.
 */
function browserCallRefusalOf(
  route: string,
  origin: string,
  client: { clientAuthMethod?: string | undefined; redirectUris?: readonly string[] | undefined },
): string | null {
  if (origin === "null")
    return "a page whose origin is null (a file, a sandboxed frame, a custom scheme) may call no endpoint of an app";
  if (route !== "userinfo" && client.clientAuthMethod !== "none")
    return "the app is confidential: its server makes these requests, with its secret; code in a browser signs in as a public app (docs/oidc.md, section 1)";
  if ((client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin)) return null;
  return "a browser may call it only from the origin of one of the app's redirect URIs";
}

function isOIDCScope(scope: string): boolean {
  return (oidcScopes as readonly string[]).includes(scope);
}

function scopesRequestedBy(scope: unknown): string[] {
  return typeof scope === "string" ? scope.split(" ").filter((item) => item !== "") : [];
}

/**
 * What the device-code page says about a code that did not work (the library's error names), and
 * the status of its answer: 400 for a code missing, mistyped or expired (a form's validation
 * failure, as the hosted pages answer it), 409 for one answered already (as "This form was sent
 * already"); none for another error, whose status the library set.
 */
function deviceCodeProblemOf(error: Error): { status?: number; message: string } {
  switch (error.name) {
    case "NoCodeError":
      return { status: 400, message: "No code was typed. Type the code shown on your device." };
    case "NotFoundError":
      return { status: 400, message: "That code is not valid. Check it and try again." };
    case "ExpiredError":
      return { status: 400, message: "That code has expired. Start again on your device." };
    case "AlreadyUsedError":
      return { status: 409, message: "That code has already been used. Start again on your device." };
    case "AnsweredElsewhereError":
      return {
        status: 409,
        message: "That code was answered a moment ago, in another window or tab. Check your device.",
      };
    default:
      return { message: "Something went wrong. Start again on your device." };
  }
}

/**
 * The names of the library's three cookies (its `cookies.names`; each signed one has a `.sig`
 * companion of the same name plus `.sig`). Over https they carry the prefixes browsers enforce
 * (RFC 6265bis §4.1.3), as our own cookies do: the session cookie (Path=/, no Domain, Secure)
 * `__Host-`, so no other origin, a sibling subdomain included, can set or replace it; the two
 * interaction cookies `__Secure-`, since the library scopes them to a path (`/interaction/<uid>`,
 * `/oidc/auth/<uid>`), which `__Host-` does not allow. Over plain http (local development) no
 * prefix is possible, and the library's names stay.
 */
function providerCookieNamesOf(secure: boolean): {
  session: string;
  interaction: string;
  resume: string;
} {
  const names = { session: "_session", interaction: "_interaction", resume: "_interaction_resume" };
  if (!secure) return names;
  return {
    session: `__Host-${names.session}`,
    interaction: `__Secure-${names.interaction}`,
    resume: `__Secure-${names.resume}`,
  };
}

/**
 * The keys that sign the provider's cookies (Keygrip), derived from the master secret so every
 * instance agrees without another setting (RFC 5869 HKDF; the info string separates this use).
 */
function cookieKeysOf(masterSecret: string): string[] {
  const key = hkdfSync("sha256", masterSecret, "", "superoauth oidc-provider cookie keys v1", 32);
  return [Buffer.from(key).toString("base64url")];
}
