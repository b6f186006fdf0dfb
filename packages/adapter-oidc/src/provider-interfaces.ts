// The shapes that cross between adapter-oidc and the rest of the service (fixed by the issue-9
// brief). adapter-web declares the same shapes for its side; the composition root wires one into
// the other. Everything crossing is plain data and Node's IncomingMessage/ServerResponse.
import type { IncomingMessage, ServerResponse } from "node:http";

/** The app an interaction is for, as the hosted pages show it. */
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

/** What the hosted pages call to read and finish an interaction (implemented here, used by adapter-web). */
export interface Interactions {
  /** The interaction this browser is in (its cookie), or null when unknown or expired: render an error page, never redirect. */
  details(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails | null>;
  /** The URL the page must 303-redirect to (back into the provider). */
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
 * library's own <form> element (it carries the library's CSRF field); the page embeds it raw and
 * associates its controls with it through `form="<formId>"`, so it works without JavaScript.
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
 * The hosted pages' browser session (our own session). Single sign-on: the provider asks for a
 * login again when its session's account is not this session's (signed out, revoked, another user).
 */
export interface BrowserSessions {
  current(req: IncomingMessage): Promise<{ readonly accountId: string } | null>;
  /** Ends it (revokes our session) and clears its cookie on `res`; called on RP-initiated logout. */
  end(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** A registered app as the apps use cases hold it: the application's own record, not a second copy. */
export type { OIDCClientRecord } from "@superoauth/application";

/** An account as the provider releases claims about it. */
export interface OIDCAccount {
  readonly accountId: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly nickname: string;
  readonly updatedAt: Date;
}

/** Remembered consent, one per (account, client), kept by the apps use cases. */
/** The grant remembered for an (account, client): its id and the scopes recorded with it. */
export interface RecordedGrant {
  readonly grantId: string;
  readonly scopes: readonly string[];
}

export interface OIDCGrantRecords {
  /** The grant remembered for (account, client), or null. */
  find(input: { accountId: string; clientId: string }): Promise<RecordedGrant | null>;
  /**
   * A grant was saved after consent (`scopes`: everything it grants now): recorded over `replacing`,
   * what `find` answered before the consent chose its grant, only while the record is still that.
   * False, writing nothing, when another consent of the pair recorded (or a revoke forgot) meanwhile.
   */
  record(input: {
    accountId: string;
    clientId: string;
    grantId: string;
    scopes: readonly string[];
    replacing: RecordedGrant | null;
  }): Promise<boolean>;
  /**
   * Takes back what `record` wrote for `grantId`, if the (account, client) record still names it:
   * the consent found, after saving, that a revoke of the account's grants came during it.
   */
  forget(input: { accountId: string; clientId: string; grantId: string }): Promise<void>;
  /** Tokens were issued under the (account, client) grant ("last used"). */
  touch(input: { accountId: string; clientId: string }): Promise<void>;
  /**
   * The person consented (`remembered` or for this authorization only), once the grant is saved:
   * the security log's record of who gave which app access, when and from where.
   */
  consented?(input: {
    accountId: string;
    clientId: string;
    scopes: readonly string[];
    remembered: boolean;
    client?: ConsentClient | undefined;
  }): Promise<void>;
  /**
   * One of the grant's refresh tokens was presented again after it was rotated, past the grace:
   * a stolen copy, or the app's store replayed. The library has revoked the grant; the person's
   * security log is told, with where the token came from. Called after the answer is decided: a
   * failure here is logged, never the client's.
   */
  reused?(input: { accountId: string; clientId: string; client?: ConsentClient | undefined }): Promise<void>;
}

/** Private signing keys (JWK, each with `kid`, `alg`, `use: "sig"`), newest first. */
export interface OIDCSigningKeys {
  readonly keys: readonly Record<string, unknown>[];
}
