// Where the hosted pages (adapter-web) and the OpenID Connect provider (adapter-oidc) meet: the
// provider hands its interactions (sign-in, consent) and its own pages to the hosted pages, and
// asks them for the browser's session. Declared here, among the ports, because two adapters meet at
// it and adapters never import one another (as ./oidc.ts for the provider's storage; ADR 0063). The
// use cases do not call these: the composition root wires adapter-oidc's side into adapter-web's.
//
// What crosses is plain data and the raw HTTP request and response, whose types are the adapters'
// (Node's IncomingMessage and ServerResponse): they are type parameters here, so this package
// stays free of any HTTP library.

/** The app (OAuth client) an interaction is for, as the hosted pages show it. */
export interface InteractionClient {
  readonly clientId: string;
  readonly name: string;
  readonly logoURL: string | null;
  readonly homepageURL: string | null;
  /** A native app (RFC 8252): asked about on every authorization, remembered or not (ADR 0020). */
  readonly native: boolean;
  /**
   * The private-use schemes of its redirect URIs (`com.example.app:`, RFC 8252 section 7.1): the
   * pages' `form-action` must name them, or the browser blocks the redirect a form's answer leads to.
   */
  readonly privateUseSchemes: readonly string[];
}

/**
 * The address of an interaction's page, which the provider sends the browser to and the hosted
 * pages serve. `anotherAccount`: the person chose "Not you? Use another account" (on the consent
 * page), so the sign-in page opens on its form, not on the choice of "Continue as" the signed-in
 * account or another (which is one click more); its "Continue as" link leads back to that choice.
 */
export function interactionPathOf(uid: string, options: { anotherAccount?: boolean } = {}): string {
  const path = `/interaction/${encodeURIComponent(uid)}`;
  return options.anotherAccount === true ? `${path}?another=1` : path;
}

/** What the provider asks the person in an interaction: to sign in, or to consent. */
export type InteractionDetails =
  | {
      readonly uid: string;
      readonly prompt: "login";
      readonly client: InteractionClient;
      readonly loginHint: string | null;
      /** The app asked for a fresh sign-in (`prompt=login`): a browser session must not stand in for one. */
      readonly loginPrompted: boolean;
      /**
       * The account the request names (the `sub` of its `id_token_hint`, which the library has
       * verified), or null: a browser session of another account must not stand in for it.
       */
      readonly hintedAccountId: string | null;
      /** `max_age`: how long ago, at most, the user may have signed in, in seconds; null when not asked. */
      readonly maxAgeSeconds: number | null;
    }
  | {
      readonly uid: string;
      readonly prompt: "consent";
      readonly client: InteractionClient;
      readonly accountId: string;
      /** Every requested scope, granted before or not, e.g. ["openid", "profile", "email", "offline_access", "user:read"]. */
      readonly scopes: readonly string[];
      /** Those of `scopes` not granted yet: all of them the first time, none when asked again (`prompt=consent`) for the same. */
      readonly newScopes: readonly string[];
    };

/**
 * The provider's side of an interaction: implemented by adapter-oidc, called by the hosted pages.
 * `Req` and `Res` are the raw HTTP request and response (the interaction's cookie is on them).
 */
export interface OIDCInteractions<Req, Res> {
  /** The interaction this browser is in (its cookie), or null when unknown or expired: render an error page, never redirect. */
  details(req: Req, res: Res): Promise<InteractionDetails | null>;
  /** Each of the following returns the URL the page must 303-redirect to (back into the provider). */
  finishLogin(
    req: Req,
    res: Res,
    input: {
      accountId: string;
      /** How the user proved who they are (RFC 8176: pwd, otp, mfa, fed); empty when not known. */
      amr: readonly string[];
      /** When they did (the ID token's auth_time); now when absent: a sign-in just completed. */
      authenticatedAt?: Date;
    },
  ): Promise<string>;
  /**
   * Grants the requested scopes to (account, client); `remember` false: this authorization only.
   * `client`: where the consent was given (the person's address and browser), for the security log.
   */
  finishConsent(req: Req, res: Res, input: { remember: boolean; client?: ConsentClient }): Promise<string>;
  /** The user declined: the client gets `access_denied`. */
  deny(req: Req, res: Res): Promise<string>;
  /**
   * "Not you? Use another account" on the consent page: the provider asks `select_account` as if
   * the app had, and sends the browser to the sign-in page's form (`interactionPathOf` with
   * `anotherAccount`), with a link back to continuing as the signed-in account.
   */
  selectAccount(req: Req, res: Res): Promise<string>;
}

/**
 * Where a consent was given (the person's address and browser), or a spent refresh token presented
 * again (the presenter's): as the security log keeps them.
 */
export interface ConsentClient {
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** What a person was doing when the provider refused: signing in to an app, signing out, connecting a device. */
export type ProviderFlow = "sign-in" | "sign-out" | "device";

/**
 * The provider's own pages, rendered by adapter-web in the service's look. `formHTML` is the
 * library's own <form> element (it carries the library's CSRF field); the page embeds it raw (the
 * one trusted raw insertion) and associates its controls with it through the HTML
 * `form="<formId>"` attribute, so it works without JavaScript.
 */
export interface ProviderPages {
  /**
   * The Content-Security-Policy of every page the library serves under /oidc (errors, sign-out,
   * device code, form_post): `form-action` must allow where those forms' redirects lead (an app's
   * redirect or post-logout URI), as on the interaction pages.
   */
  readonly contentSecurityPolicy: string;
  /**
   * The same for a page whose form leads to an app's private-use scheme (`com.example.app:`):
   * the sign-out confirmation of a mobile app whose post-logout URI uses one.
   */
  contentSecurityPolicyFor(client: { readonly privateUseSchemes: readonly string[] }): string;
  /**
   * A refusal or failure of the library's, in the words of what the person was doing. `reference`:
   * the request's id, for a failure of ours (`server_error`), which the person can quote to the
   * operator and the log line of the failure carries (as the API's 5xx envelope gives `requestId`).
   */
  error(input: {
    error: string;
    description: string | null;
    during: ProviderFlow;
    reference?: string | null;
  }): string;
  logoutConfirm(input: { formHTML: string; formId: string; clientName: string | null }): string;
  logoutDone(input: { clientName: string | null }): string;
  /**
   * Control: <input name="user_code" form=formId>. `code`: what the person typed, shown again
   * beside the error (null on the first visit).
   */
  deviceCodeInput(input: {
    formHTML: string;
    formId: string;
    error: string | null;
    code?: string | null;
  }): string;
  /** Buttons: name="confirm" value="yes" / name="abort" value="yes". */
  deviceConfirm(input: {
    formHTML: string;
    formId: string;
    clientName: string;
    userCode: string;
    scopes: readonly string[];
  }): string;
  deviceDone(input: { clientName: string | null; approved: boolean }): string;
  /**
   * One of the library's in-between forms, which its own page (no language, no look of ours) sends
   * on with an inline script: a sign-out without a session here, a device's code from its link, an
   * app's `form_post` answer, ending one account's session before another's sign-in. `fields`: the
   * form's hidden inputs, sent as they are. The page sends itself with JavaScript, and has a
   * Continue button without.
   */
  continueForm(input: {
    action: string;
    fields: readonly (readonly [name: string, value: string])[];
    during: ProviderFlow;
  }): string;
}

/**
 * The hosted pages' browser session (our own session, created by the same sign-in use cases as the
 * API): implemented by adapter-web, asked by the provider. Single sign-on: the provider asks for a
 * login again when its session's account is not the browser session's (signed out, revoked, "log
 * out everywhere", another user).
 */
export interface OIDCBrowserSessions<Req, Res> {
  /** The browser's signed-in account and our session's id (the one a sign-out ends), or null. */
  current(req: Req): Promise<{ readonly accountId: string; readonly sessionId: string } | null>;
  /** Ends it (revokes our session) and clears its cookie on `res`; called on RP-initiated logout. */
  end(req: Req, res: Res): Promise<void>;
}
