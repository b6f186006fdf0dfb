import * as oauth from "oauth4webapi";
import { timerDelay } from "./abort.ts";
import { createPKCEPair } from "./pkce.ts";
import { checkDuration } from "./settings.ts";

// SuperOAuth as the OpenID provider of a third-party app (docs/oidc.md), through panva's
// oauth4webapi: discovery, the authorization URL with PKCE S256 and state, the code exchange at the
// token endpoint, refresh and userinfo. The protocol endpoints answer RFC 6749 errors, not the API's
// envelope (ADR 0019): failures are oauth4webapi's errors, re-exported below.

export {
  AuthorizationResponseError,
  OperationProcessingError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from "oauth4webapi";

export interface OIDCClientOptions {
  /** The issuer (`OIDC_ISSUER`, by default the service's `APP_URL`), e.g. `https://auth.example.com`. */
  readonly issuer: string;
  readonly clientId: string;
  /** A confidential app's secret; none for a public app (PKCE alone). */
  readonly clientSecret?: string | undefined;
  /**
   * How a confidential app authenticates at the token endpoint: the method it registered (the
   * server refuses a secret sent the other way, 401 `invalid_client`). Default `client_secret_basic`.
   */
  readonly tokenEndpointAuthMethod?: "client_secret_basic" | "client_secret_post";
  /** The redirect URI registered for the app, exactly. */
  readonly redirectURI: string;
  /** Timeout of each request in ms. Default 10 000; `Infinity` for none. */
  readonly timeoutMs?: number;
  /** The fetch to use. Default: the global one. */
  readonly fetch?: typeof fetch;
  /** Allow an `http:` issuer: local development and tests only. */
  readonly allowInsecureRequests?: boolean;
}

/**
 * An authorization request to send the browser to; keep `state`, `codeVerifier`, `nonce` and
 * `maxAge` (all but `url`) for its callback.
 */
export interface AuthorizationRequest {
  readonly url: string;
  readonly state: string;
  readonly codeVerifier: string;
  /** Sent as `nonce`; the ID token must carry it back (OpenID Connect Core §3.1.2.1). */
  readonly nonce: string;
  /** The `max_age` sent, in seconds, or null: the ID token's `auth_time` is then checked against it. */
  readonly maxAge: number | null;
}

/** What the token endpoint answered, with the ID token's claims when there is one. */
export interface OIDCTokens {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly expiresIn: number | null;
  /** Present with `offline_access` (and remembered consent); rotated on every use: keep the newest. */
  readonly refreshToken: string | null;
  readonly idToken: string | null;
  readonly scope: string | null;
  /** The ID token's claims, checked by oauth4webapi (issuer, audience, expiry); `sub` is the user's id. */
  readonly claims: oauth.IDToken | null;
}

export type UserInfo = oauth.UserInfoResponse;

/** A third-party app's view of SuperOAuth as its OpenID provider. */
export class SuperOAuthOIDCClient {
  readonly #server: oauth.AuthorizationServer;
  readonly #client: oauth.Client;
  readonly #auth: oauth.ClientAuth;
  readonly #options: OIDCClientOptions;

  private constructor(input: { server: oauth.AuthorizationServer; options: OIDCClientOptions }) {
    this.#server = input.server;
    this.#options = input.options;
    this.#client = { client_id: input.options.clientId };
    const secret = input.options.clientSecret;
    this.#auth =
      secret === undefined
        ? oauth.None()
        : input.options.tokenEndpointAuthMethod === "client_secret_post"
          ? oauth.ClientSecretPost(secret)
          : oauth.ClientSecretBasic(secret);
  }

  /** Reads the issuer's discovery document (`/.well-known/openid-configuration`) and checks its issuer. */
  static async discover(options: OIDCClientOptions): Promise<SuperOAuthOIDCClient> {
    checkDuration("timeoutMs", options.timeoutMs, 1);
    const issuer = new URL(options.issuer);
    const response = await oauth.discoveryRequest(issuer, { ...requestOptions(options), algorithm: "oidc" });
    const server = await oauth.processDiscoveryResponse(issuer, response);
    return new SuperOAuthOIDCClient({ server, options });
  }

  /** The provider's metadata, as discovered. */
  get serverMetadata(): oauth.AuthorizationServer {
    return this.#server;
  }

  /** An authorization URL with a fresh PKCE pair (S256), state and nonce. */
  async createAuthorizationRequest(input: {
    /** Space-separated scopes, e.g. `openid profile email offline_access`. */
    scope: string;
    /** `consent` is needed for a refresh token (`offline_access`); `login` forces a new sign-in. */
    prompt?: string;
    /** Accept a sign-in at most this many seconds old (`max_age`); the callback checks `auth_time`. */
    maxAge?: number;
    /** More authorization parameters (`login_hint`, `ui_locales`, ...). */
    parameters?: Readonly<Record<string, string>>;
  }): Promise<AuthorizationRequest> {
    const endpoint = this.#server.authorization_endpoint;
    if (endpoint === undefined) throw new TypeError("The issuer publishes no authorization_endpoint");
    const pkce = await createPKCEPair();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(endpoint);
    const parameters: Record<string, string> = {
      ...input.parameters,
      client_id: this.#options.clientId,
      redirect_uri: this.#options.redirectURI,
      response_type: "code",
      scope: input.scope,
      state,
      nonce,
      code_challenge: pkce.codeChallenge,
      code_challenge_method: pkce.codeChallengeMethod,
      ...(input.prompt === undefined ? {} : { prompt: input.prompt }),
      ...(input.maxAge === undefined ? {} : { max_age: String(input.maxAge) }),
    };
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
    const maxAge = parameters.max_age === undefined ? null : Number(parameters.max_age);
    return {
      url: url.href,
      state,
      codeVerifier: pkce.codeVerifier,
      nonce,
      maxAge: maxAge !== null && Number.isSafeInteger(maxAge) && maxAge >= 0 ? maxAge : null,
    };
  }

  /**
   * Completes the authorization at the redirect URI: checks the callback's `state` (and `iss`),
   * trades its code with the PKCE verifier at the token endpoint, and checks the ID token's `nonce`
   * (and its `auth_time` against the `max_age` sent). Pass the request's fields as they were.
   */
  async exchangeCode(input: {
    /** The full URL the browser came back to (`...?code=&state=&iss=`). */
    callbackURL: string | URL;
    state: string;
    codeVerifier: string;
    nonce: string;
    maxAge?: number | null;
  }): Promise<OIDCTokens> {
    const parameters = oauth.validateAuthResponse(
      this.#server,
      this.#client,
      new URL(input.callbackURL),
      input.state,
    );
    const response = await oauth.authorizationCodeGrantRequest(
      this.#server,
      this.#client,
      this.#auth,
      parameters,
      this.#options.redirectURI,
      input.codeVerifier,
      requestOptions(this.#options),
    );
    return tokensOf(
      await oauth.processAuthorizationCodeResponse(this.#server, this.#client, response, {
        expectedNonce: input.nonce,
        ...(input.maxAge === null || input.maxAge === undefined ? {} : { maxAge: input.maxAge }),
      }),
    );
  }

  /** A new access token (and the rotated refresh token: keep only the newest). */
  async refresh(input: { refreshToken: string }): Promise<OIDCTokens> {
    const response = await oauth.refreshTokenGrantRequest(
      this.#server,
      this.#client,
      this.#auth,
      input.refreshToken,
      requestOptions(this.#options),
    );
    return tokensOf(await oauth.processRefreshTokenResponse(this.#server, this.#client, response));
  }

  /** The userinfo endpoint's claims, checked to belong to `expectedSubject` (the ID token's `sub`). */
  async fetchUserInfo(input: { accessToken: string; expectedSubject: string }): Promise<UserInfo> {
    const response = await oauth.userInfoRequest(
      this.#server,
      this.#client,
      input.accessToken,
      requestOptions(this.#options),
    );
    return oauth.processUserInfoResponse(this.#server, this.#client, input.expectedSubject, response);
  }
}

function requestOptions<Method, Body>(options: OIDCClientOptions): oauth.HttpRequestOptions<Method, Body> {
  const fetchOf = options.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    // AbortSignal.timeout takes whole numbers only (a RangeError for 1.5 or Infinity): none for
    // Infinity; and like setTimeout it fires a delay past 2^31 - 1 ms after 1 ms: capped there.
    signal: () =>
      Number.isFinite(timeoutMs)
        ? AbortSignal.timeout(Math.ceil(timerDelay(timeoutMs)))
        : new AbortController().signal,
    ...(fetchOf === undefined
      ? {}
      : {
          [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<Method, Body>) =>
            fetchOf(url, init as RequestInit),
        }),
    ...(options.allowInsecureRequests === true ? { [oauth.allowInsecureRequests]: true } : {}),
  };
}

function tokensOf(response: oauth.TokenEndpointResponse): OIDCTokens {
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresIn: response.expires_in ?? null,
    refreshToken: response.refresh_token ?? null,
    idToken: response.id_token ?? null,
    scope: response.scope ?? null,
    claims: oauth.getValidatedIdTokenClaims(response) ?? null,
  };
}
