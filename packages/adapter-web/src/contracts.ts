// The shapes adapter-web shares with adapter-oidc (the OpenID Connect provider). The two adapters
// cannot import each other, so each declares them (the same shapes) and the composition root wires
// one into the other. Everything crossing is plain data and Node's request and response.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { OAuthAuthorizationStarted } from "@superoauth/application";
import type { FastifyReply } from "fastify";

/** The app (OAuth client) an interaction is for, as the pages show it. */
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

/** The provider's side of an interaction (implemented by adapter-oidc). */
export interface Interactions {
  /** The interaction this browser is in (its cookie), or null when unknown or expired: render an error page, never redirect. */
  details(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails | null>;
  /** Each of the following returns the URL the page must 303-redirect to (back into the provider). */
  finishLogin(
    req: IncomingMessage,
    res: ServerResponse,
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
  finishConsent(
    req: IncomingMessage,
    res: ServerResponse,
    input: { remember: boolean; client?: ConsentClient },
  ): Promise<string>;
  /** The user declined: the client gets `access_denied`. */
  deny(req: IncomingMessage, res: ServerResponse): Promise<string>;
}

/** Where a consent was given: the person's address and browser, as the security log keeps them. */
export interface ConsentClient {
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** What a person was doing when the provider refused: signing in to an app, signing out, connecting a device. */
export type ProviderFlow = "sign-in" | "sign-out" | "device";

/**
 * The provider's own pages as HTML renderers. `formHTML` is the library's own <form> element (it
 * carries the library's CSRF field); the page embeds it raw (the one trusted raw insertion) and
 * associates its controls with it through the HTML `form="<formId>"` attribute, so it works without JavaScript.
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
   * A refusal or failure of the library's, in the words of what the person was doing; `reference`
   * (a failure of ours): the request's id for the person to quote.
   */
  error(input: {
    error: string;
    description: string | null;
    during: ProviderFlow;
    reference?: string | null;
  }): string;
  logoutConfirm(input: { formHTML: string; formId: string; clientName: string | null }): string;
  logoutDone(input: { clientName: string | null }): string;
  /** Control: <input name="user_code" form=formId>. */
  /** `code`: what the person typed, shown again beside the error (null on the first visit). */
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
}

/**
 * The hosted pages' browser session (our own session, created by the same sign-in use cases as the
 * API). Single sign-on: the provider asks for a login again when its session's account is not the
 * browser session's (signed out, revoked, "log out everywhere", another user).
 */
export interface BrowserSessions {
  current(req: IncomingMessage): Promise<{ readonly accountId: string } | null>;
  /** Ends it (revokes our session) and clears its cookie on `res`; called on RP-initiated logout. */
  end(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * adapter-http's trips to a provider, for the account center: a page starts linking or a fresh
 * proof through a provider with the use case, and this keeps the trip in the cookies the API's
 * callback reads, which sends the browser back to `returnTo` (`?linked=`, `?reauthenticated=` or
 * `?error=<CODE>`). Wired by the composition root (adapter-http's `createHostedProviderTrips`).
 */
export interface ProviderTrips {
  /** Sets the trip's cookies; false when they cannot be signed (no COOKIE_SECRET): nothing can start. */
  keep(reply: FastifyReply, input: { started: OAuthAuthorizationStarted; returnTo: string }): boolean;
}

/** How one part of the service stands on the public status page. */
export type ServiceHealth = "up" | "degraded" | "down";

/** What adapter-http's `/status` shows (its `/status.json` data), for the page that shows it. */
export interface ServiceStatusView {
  readonly status: ServiceHealth;
  /** When it was checked (ISO 8601). */
  readonly updatedAt: string;
  readonly notice: string | null;
  readonly components: readonly {
    readonly name: string;
    readonly label: string;
    readonly status: ServiceHealth;
  }[];
}

/**
 * adapter-http's pages for a person's browser outside any area (the public status page and the 404
 * page), in the hosted pages' look: adapter-http computes what they show and sends them with
 * `headers`; adapter-web renders them (`createServicePages`, wired by the composition root).
 */
export interface ServicePages {
  /** The headers every such page is sent with (the strict CSP and its companions). */
  readonly headers: Readonly<Record<string, string>>;
  status(status: ServiceStatusView): string;
  notFound(): string;
}
