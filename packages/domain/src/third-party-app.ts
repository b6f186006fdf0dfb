import { err, ok, type Result } from "./result.ts";

/**
 * Third-party apps (OAuth 2.0 / OpenID Connect clients) users register, and what their tokens may
 * do at our own API (docs/decisions/0020-third-party-apps.md).
 */

/** Every scope an app may ask for: OpenID Connect's and our API scopes. */
export const appScopes = ["openid", "profile", "email", "offline_access", "user:read"] as const;
export type AppScope = (typeof appScopes)[number];

/** The scopes that open routes of our `/api/v1` to a third-party access token. */
export type APIScope = Extract<AppScope, "user:read">;

export const appClientTypes = ["confidential", "public"] as const;
export type AppClientType = (typeof appClientTypes)[number];

export const tokenEndpointAuthMethods = ["client_secret_basic", "client_secret_post", "none"] as const;
export type TokenEndpointAuthMethod = (typeof tokenEndpointAuthMethods)[number];

/**
 * How the app's ID tokens are signed: ES256 (the default: small, fast) or RS256, which OpenID
 * Connect Core §15.1 has every provider support and some relying-party libraries alone accept by
 * default (Spring Security's, for one).
 */
export const idTokenSigningAlgs = ["ES256", "RS256"] as const;
export type IdTokenSigningAlg = (typeof idTokenSigningAlgs)[number];

/** What an app's owner decides about it, validated. */
export interface AppSettings {
  readonly name: string;
  readonly logoURL: string | null;
  readonly homepageURL: string | null;
  readonly redirectURIs: readonly string[];
  readonly postLogoutRedirectURIs: readonly string[];
  readonly allowedScopes: readonly AppScope[];
  readonly type: AppClientType;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly idTokenSigningAlg: IdTokenSigningAlg;
  /**
   * Whether its authorization requests must carry a PKCE challenge (RFC 7636, S256). Always for a
   * public app; a confidential app may turn it off for a relying party that cannot send one
   * (ADR 0049).
   */
  readonly requirePKCE: boolean;
  /**
   * Where the provider POSTs a logout token when a session the person signed in to the app within
   * ends (OpenID Connect Back-Channel Logout 1.0, ADR 0073), or null: the app is told nothing.
   */
  readonly backchannelLogoutURI: string | null;
}

/** The settings as a request gives them: anything may be wrong. */
export interface AppSettingsInput {
  readonly name: string;
  readonly logoURL?: string | null | undefined;
  readonly homepageURL?: string | null | undefined;
  readonly redirectURIs: readonly string[];
  readonly postLogoutRedirectURIs?: readonly string[] | undefined;
  readonly allowedScopes: readonly string[];
  readonly type: string;
  readonly tokenEndpointAuthMethod?: string | undefined;
  readonly idTokenSigningAlg?: string | undefined;
  readonly requirePKCE?: boolean | undefined;
  readonly backchannelLogoutURI?: string | null | undefined;
}

export const maxAppNameLength = 100;
export const maxRedirectURIs = 10;
export const maxAppURLLength = 2000;

/** Hosts an `http:` URL may name: the loopback interface only (RFC 8252 section 7.3, RFC 9700 section 2.1). */
const loopbackHosts: ReadonlySet<string> = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * The WHATWG URL parser: pure, and present in every runtime, but outside the ES library types the
 * domain compiles against (no DOM, no Node); declared here with the fields the rules read.
 */
interface ParsedURL {
  readonly href: string;
  readonly protocol: string;
  readonly hostname: string;
  readonly username: string;
  readonly password: string;
}
declare const URL: new (input: string) => ParsedURL;

type Invalid = { readonly ok: false; readonly error: "VALIDATION_ERROR"; readonly message?: string };
const invalid = (message: string): Invalid => err("VALIDATION_ERROR", message);

/** An absolute URL as the WHATWG parser reads it (its canonical form), without userinfo; null when it is not one. */
function parseURL(raw: string): ParsedURL | null {
  if (raw.length === 0 || raw.length > maxAppURLLength) return null;
  let url: ParsedURL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  return url.username !== "" || url.password !== "" ? null : url;
}

/** An absolute https URL (http only on a loopback host), without userinfo; null when it is not one. */
function parseWebURL(raw: string): ParsedURL | null {
  const url = parseURL(raw);
  if (url === null) return null;
  if (url.protocol === "https:") return url;
  return url.protocol === "http:" && loopbackHosts.has(url.hostname) ? url : null;
}

/**
 * The scheme (`com.example.app:`) of a private-use URI scheme redirect (RFC 8252 section 7.1: a
 * mobile or desktop app receives the code through a scheme the system routes to it), or null. The
 * scheme must be named after a domain in reverse order, so it holds a dot (`myapp:` does not: any
 * app may claim it, section 8.8), and only the letters, digits, `+`, `-` and `.` a scheme may hold
 * (which also keeps it safe to name in a Content-Security-Policy). Never a web or browser scheme.
 */
export function privateUseSchemeOf(raw: string): string | null {
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(raw)?.[1];
  if (scheme === undefined || !scheme.includes(".")) return null;
  return forbiddenSchemes.has(scheme) ? null : `${scheme}:`;
}

/** The private-use schemes among some redirect URIs, each once (`["com.example.app:"]`). */
export function privateUseSchemesOf(uris: readonly string[]): string[] {
  const schemes: string[] = [];
  for (const uri of uris) {
    const scheme = privateUseSchemeOf(uri);
    if (scheme !== null && !schemes.includes(scheme)) schemes.push(scheme);
  }
  return schemes;
}

/** Schemes no redirect may use, whatever their spelling suggests (none holds a dot; named all the same). */
const forbiddenSchemes: ReadonlySet<string> = new Set([
  "http",
  "https",
  "javascript",
  "vbscript",
  "data",
  "blob",
  "file",
  "about",
  "ftp",
  "ws",
  "wss",
]);

/** Whether `raw` is a web URL of `protocol` on a loopback host. */
function onLoopback(raw: string, protocol: "http:" | "https:"): boolean {
  const url = parseWebURL(raw);
  return url !== null && url.protocol === protocol && loopbackHosts.has(url.hostname);
}

/**
 * A redirect URI the provider will compare exactly (RFC 9700 section 4.1.3): absolute https (http
 * only on a loopback host), no userinfo, no fragment (RFC 6749 section 3.1.2), no wildcard, and
 * written in its canonical form (as the WHATWG URL parser prints it), so no two spellings of one
 * address can be registered and none has a `..` or case variant to match loosely. A public app may
 * also use a private-use scheme named after its domain (`com.example.app:/callback`, RFC 8252
 * section 7.1), which is how iOS and Android apps receive the code; such an app is native (below).
 */
export function parseRedirectURI(
  raw: string,
  type: AppClientType = "public",
): Result<string, "VALIDATION_ERROR"> {
  const scheme = privateUseSchemeOf(raw);
  const url = scheme === null ? parseWebURL(raw) : parseURL(raw);
  if (url === null) {
    return invalid(
      `Redirect URI ${JSON.stringify(raw.slice(0, 100))} must be an absolute https URL (http only for 127.0.0.1, [::1] or localhost) without user information, or, for a public app, use a scheme named after a domain you control in reverse order, such as com.example.app:/callback`,
    );
  }
  if (scheme !== null && type !== "public") {
    return invalid(
      `Redirect URI ${JSON.stringify(raw.slice(0, 100))} uses a private-use scheme, which only a public app (a mobile or desktop app, with PKCE) may use`,
    );
  }
  if (raw.includes("#")) return invalid("A redirect URI must not have a fragment");
  if (raw.includes("*")) return invalid("A redirect URI must not contain wildcards");
  if (url.href !== raw) {
    return invalid(`Write the redirect URI in its canonical form: ${JSON.stringify(url.href.slice(0, 200))}`);
  }
  return ok(raw);
}

/**
 * A native app in RFC 8252's sense: a public app that receives the code on the device, through a
 * private-use scheme (a mobile app, section 7.1) or `http` on a loopback host (a desktop app or a
 * CLI listening on a port it opens, section 7.3), beside which it may list claimed https addresses
 * (section 7.2). So: a public app with a private-use redirect, or whose every redirect is http on
 * loopback. The provider then accepts a loopback redirect on any port (the port is picked when the
 * app runs) and asks the person on every authorization, remembered consent or not (section 8.6:
 * any program on the device can present a public app's client id and receive its redirect). Any
 * other app (https only, or confidential) is a web app: ports match exactly, consent is remembered.
 */
export function isNativeApp(app: {
  readonly type: AppClientType;
  readonly redirectURIs: readonly string[];
  readonly postLogoutRedirectURIs?: readonly string[];
}): boolean {
  if (app.type !== "public" || app.redirectURIs.length === 0) return false;
  const everyURI = [...app.redirectURIs, ...(app.postLogoutRedirectURIs ?? [])];
  // A native app's https addresses must not be on loopback (the library refuses such metadata).
  if (everyURI.some((uri) => onLoopback(uri, "https:"))) return false;
  // A private-use scheme anywhere, a sign-out URI's too: a web app's URIs are http and https only.
  return (
    everyURI.some((uri) => privateUseSchemeOf(uri) !== null) ||
    app.redirectURIs.every((uri) => onLoopback(uri, "http:"))
  );
}

function parseRedirectURIs(
  raw: readonly string[],
  field: string,
  minimum: number,
  type: AppClientType,
): Result<readonly string[], "VALIDATION_ERROR"> {
  if (raw.length < minimum || raw.length > maxRedirectURIs) {
    return invalid(`${field} must list ${minimum} to ${maxRedirectURIs} URIs`);
  }
  const parsed: string[] = [];
  for (const uri of raw) {
    const result = parseRedirectURI(uri, type);
    // Named by its list: a sign-out URI's fault is not the redirect URIs' (a form marks that field).
    if (!result.ok) return invalid(`${field}: ${result.message}`);
    if (!parsed.includes(result.value)) parsed.push(result.value);
  }
  return ok(parsed);
}

function parseOptionalWebURL(
  raw: string | null | undefined,
  field: string,
  options: { httpsOnly?: boolean } = {},
): Result<string | null, "VALIDATION_ERROR"> {
  if (raw === undefined || raw === null) return ok(null);
  const url = parseWebURL(raw.trim());
  if (url === null || (options.httpsOnly === true && url.protocol !== "https:")) {
    return invalid(
      options.httpsOnly === true
        ? `${field} must be an absolute https URL without user information`
        : `${field} must be an absolute https URL (http only for a loopback host) without user information`,
    );
  }
  return ok(url.href);
}

/**
 * A back-channel logout URI (OpenID Connect Back-Channel Logout 1.0 §2.2): the redirect URIs' web
 * rule, exactly (absolute https, http only on a loopback host, no userinfo, canonical form), and no
 * fragment (the specification forbids one; a query is allowed). Never a private-use scheme: the
 * provider's server calls it, not a browser on the device.
 */
export function parseBackchannelLogoutURI(
  raw: string | null | undefined,
): Result<string | null, "VALIDATION_ERROR"> {
  if (raw === undefined || raw === null) return ok(null);
  const url = parseWebURL(raw);
  if (url === null) {
    return invalid(
      `backchannelLogoutURI ${JSON.stringify(raw.slice(0, 100))} must be an absolute https URL (http only for 127.0.0.1, [::1] or localhost) without user information`,
    );
  }
  if (raw.includes("#")) return invalid("backchannelLogoutURI must not have a fragment");
  if (url.href !== raw) {
    return invalid(
      `backchannelLogoutURI must be written in its canonical form: ${JSON.stringify(url.href.slice(0, 200))}`,
    );
  }
  return ok(raw);
}

/** The requested scopes, each known, without repeats; `openid` is required (this is an OpenID provider). */
export function parseAppScopes(raw: readonly string[]): Result<readonly AppScope[], "VALIDATION_ERROR"> {
  const scopes: AppScope[] = [];
  for (const scope of raw) {
    if (!(appScopes as readonly string[]).includes(scope)) {
      return invalid(`Unknown scope ${JSON.stringify(scope.slice(0, 50))}: use ${appScopes.join(", ")}`);
    }
    if (!scopes.includes(scope as AppScope)) scopes.push(scope as AppScope);
  }
  if (!scopes.includes("openid")) return invalid("allowedScopes must include openid");
  return ok(scopes);
}

/**
 * The token endpoint authentication method for the client type: a confidential client
 * authenticates with its secret (`client_secret_basic` unless it asks for `client_secret_post`),
 * a public one cannot keep a secret and uses `none` (with PKCE, which the provider requires).
 */
function parseTokenEndpointAuthMethod(
  type: AppClientType,
  raw: string | undefined,
): Result<TokenEndpointAuthMethod, "VALIDATION_ERROR"> {
  if (type === "public") {
    return raw === undefined || raw === "none"
      ? ok("none")
      : invalid("A public client authenticates with tokenEndpointAuthMethod none");
  }
  if (raw === undefined) return ok("client_secret_basic");
  if (raw === "client_secret_basic" || raw === "client_secret_post") return ok(raw);
  return invalid("A confidential client uses client_secret_basic or client_secret_post");
}

/** Validates an app's settings as a whole (registration, or an update merged over the current ones). */
export function parseAppSettings(input: AppSettingsInput): Result<AppSettings, "VALIDATION_ERROR"> {
  const name = input.name.trim();
  if (name.length < 1 || name.length > maxAppNameLength) {
    return invalid(`name must be 1 to ${maxAppNameLength} characters`);
  }
  // https only: the consent page shows it, and its Content-Security-Policy loads no http image (nor
  // would a browser on an https page), so an http logo would be accepted and never shown.
  const logoURL = parseOptionalWebURL(input.logoURL, "logoURL", { httpsOnly: true });
  if (!logoURL.ok) return logoURL;
  const homepageURL = parseOptionalWebURL(input.homepageURL, "homepageURL");
  if (!homepageURL.ok) return homepageURL;
  if (!(appClientTypes as readonly string[]).includes(input.type)) {
    return invalid("type must be confidential or public");
  }
  const type = input.type as AppClientType;
  const redirectURIs = parseRedirectURIs(input.redirectURIs, "redirectURIs", 1, type);
  if (!redirectURIs.ok) return redirectURIs;
  const postLogoutRedirectURIs = parseRedirectURIs(
    input.postLogoutRedirectURIs ?? [],
    "postLogoutRedirectURIs",
    0,
    type,
  );
  if (!postLogoutRedirectURIs.ok) return postLogoutRedirectURIs;
  // A private-use scheme makes the app native, and a native app's https addresses are claimed by
  // the app on the device: none may be on loopback (the provider refuses such an app at every use).
  const everyURI = [...redirectURIs.value, ...postLogoutRedirectURIs.value];
  if (everyURI.some((uri) => privateUseSchemeOf(uri) !== null)) {
    const httpsOnLoopback = everyURI.find((uri) => onLoopback(uri, "https:"));
    if (httpsOnLoopback !== undefined) {
      return invalid(
        `redirectURIs: ${JSON.stringify(httpsOnLoopback.slice(0, 100))} is https on a loopback host, which an app with a private-use scheme (a native app) may not use: use http on loopback, or an https address of your domain`,
      );
    }
  }
  const allowedScopes = parseAppScopes(input.allowedScopes);
  if (!allowedScopes.ok) return allowedScopes;
  const method = parseTokenEndpointAuthMethod(type, input.tokenEndpointAuthMethod);
  if (!method.ok) return method;
  const idTokenSigningAlg = input.idTokenSigningAlg ?? "ES256";
  if (!(idTokenSigningAlgs as readonly string[]).includes(idTokenSigningAlg)) {
    return invalid("idTokenSigningAlg must be ES256 or RS256");
  }
  // RFC 9700 section 2.1.1: a public client MUST use PKCE (nothing else binds its code to the
  // browser that asked); a confidential one SHOULD, and its secret keeps a stolen code from being
  // redeemed by anyone else.
  const requirePKCE = input.requirePKCE ?? true;
  if (!requirePKCE && type === "public") {
    return invalid("A public client must use PKCE: requirePKCE may be false for a confidential client only");
  }
  const backchannelLogoutURI = parseBackchannelLogoutURI(input.backchannelLogoutURI);
  if (!backchannelLogoutURI.ok) return backchannelLogoutURI;
  return ok({
    name,
    logoURL: logoURL.value,
    homepageURL: homepageURL.value,
    redirectURIs: redirectURIs.value,
    postLogoutRedirectURIs: postLogoutRedirectURIs.value,
    allowedScopes: allowedScopes.value,
    type,
    tokenEndpointAuthMethod: method.value,
    idTokenSigningAlg: idTokenSigningAlg as IdTokenSigningAlg,
    requirePKCE,
    backchannelLogoutURI: backchannelLogoutURI.value,
  });
}

/**
 * The routes of our `/api/v1` a third-party access token may call, each with the scope it needs
 * (keys: method and route path as registered, without the `/api/v1` prefix). Everything else
 * (password, 2FA, sessions, apps, export, administration) is closed to such tokens: they act for
 * the user only as far as the user consented, and never to change how the account signs in.
 */
export const thirdPartyAPIRoutes: Readonly<Record<string, APIScope>> = {
  "GET /auth/me": "user:read",
};

/** What a third-party token with `scopes` may do on `route` ("GET /auth/me"). */
export type ThirdPartyAccess =
  | { readonly allowed: true }
  /** `requiredScope` null: no scope opens this route to a third-party token. */
  | { readonly allowed: false; readonly requiredScope: APIScope | null };

export function decideThirdPartyAccess(input: {
  route: string;
  scopes: readonly string[];
}): ThirdPartyAccess {
  const requiredScope = Object.hasOwn(thirdPartyAPIRoutes, input.route)
    ? (thirdPartyAPIRoutes[input.route] ?? null)
    : null;
  if (requiredScope === null) return { allowed: false, requiredScope: null };
  return input.scopes.includes(requiredScope) ? { allowed: true } : { allowed: false, requiredScope };
}

/**
 * Whether the app has a client secret to rotate: a confidential client has; a public one (a browser
 * or native app, which could not keep one) authenticates with none.
 */
export function checkHasClientSecret(app: { type: AppClientType }): Result<void, "VALIDATION_ERROR"> {
  return app.type === "confidential"
    ? ok(undefined)
    : err("VALIDATION_ERROR", "A public client has no secret");
}
