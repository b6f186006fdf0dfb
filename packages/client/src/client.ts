import { createPKCEPair } from "./pkce.ts";
import { applyRetryOptions, defaultRetryPolicy, type RetryOptions } from "./retry.ts";
import { checkCallSettings, checkDuration } from "./settings.ts";
import { MemoryTokenStorage, type TokenStorage } from "./token-storage.ts";
import {
  type FetchCredentials,
  type RateLimitSeen,
  type RequestOptions,
  type SessionEnded,
  Transport,
} from "./transport.ts";
import type {
  AdminUserData,
  AdminUserPage,
  AppData,
  AppList,
  AppSettings,
  AuditPage,
  AuthorizedAppList,
  BackupCodes,
  ChangedUser,
  CurrentUser,
  DataExport,
  DataExportArchive,
  Deleted,
  EmailChangePending,
  EmailChangeUndone,
  EmailVerified,
  FactorProof,
  LinkedProviderList,
  LoggedOut,
  LogInInput,
  MailRequested,
  MaintenanceNoticeState,
  NewPasswordRequired,
  PasswordChanged,
  PasswordReset,
  PasswordResetSent,
  ProviderAuthorization,
  ProviderUnlinked,
  Reauthenticated,
  RegisteredApp,
  RegisterInput,
  RequestedDataExport,
  Revoked,
  Role,
  RoleChanged,
  RotatedSecret,
  SecurityEventPage,
  SessionList,
  SessionsRevoked,
  SignedIn,
  SignInOutcome,
  SocialCallbackOutcome,
  SocialProviderList,
  SocialSignInStart,
  TokenPair,
  TwoFactorDisabled,
  TwoFactorDisableProof,
  TwoFactorEnabled,
  TwoFactorReset,
  TwoFactorSetup,
  TwoFactorVerifyInput,
  UserDisabled,
  UserEmailVerified,
  UserEnabled,
  UserProviderUnlinked,
  UserUnlocked,
  VerificationResent,
} from "./types.ts";

export interface SuperOAuthClientOptions {
  /** The service's URL, e.g. `https://auth.example.com` (the API is at `/api/v1` under it). */
  readonly baseURL: string;
  /** Where tokens are kept. Default: memory only ({@link MemoryTokenStorage}). */
  readonly storage?: TokenStorage;
  /** Called when the server ended the session (the refresh token was refused): the tokens are cleared. */
  readonly onSessionEnded?: (event: SessionEnded) => void;
  /**
   * Called with a rate-limited route's budget each time an answer carries its `X-RateLimit-*`
   * headers, a success's as well as a failure's (a failure also has it as `error.rateLimit`), so an
   * app can hold its own calls back before it is refused. Every attempt's answer counts, retries
   * and the client's own refreshes included.
   */
  readonly onRateLimit?: (event: RateLimitSeen) => void;
  /** Timeout of each attempt in ms. Default 10 000. */
  readonly timeoutMs?: number;
  /**
   * The longest a call may take in all, in ms: its attempts, the waits between them (backoff,
   * `Retry-After`) and its wait for a refresh of the tokens on the way (the refresh runs on for the
   * other calls, and its tokens are kept). A wait that would end past it is not waited (the call
   * rejects with the failure that called for it), and an attempt's timeout is cut to what is left
   * (`TIMEOUT`). Default 60 000; `Infinity` for none.
   */
  readonly deadlineMs?: number;
  /** Retry settings, or false for single attempts. Default: 3 attempts, 300 ms doubling to 10 s. */
  readonly retry?: RetryOptions | false;
  /** The fetch to use. Default: the global one. */
  readonly fetch?: typeof fetch;
  /**
   * fetch's `credentials`. In a browser on another origin than the service, `"include"` sends the
   * service's cookies (the device cookie that spares a known device from lockout; the state cookie
   * of `oauth.finishCallback`). Default: fetch's own (`"same-origin"`).
   */
  readonly credentials?: FetchCredentials;
  /** Headers added to every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Random numbers in [0, 1) for the backoff jitter. Default `Math.random`. */
  readonly random?: () => number;
  /**
   * The service's `REFRESH_REUSE_GRACE`, in ms (default 10 000, the service's default): a refresh
   * whose answer was lost is sent again only within 80 % of it. Set it when the service's differs.
   */
  readonly refreshReuseGraceMs?: number;
}

/**
 * A typed client for SuperOAuth's `/api/v1` JSON API. Each method calls one route and answers its
 * `data`; failures reject with {@link SuperOAuthError} (the API's code and status) or
 * {@link SuperOAuthNetworkError}. Sign-ins store their tokens; bearer calls send the access token
 * and refresh it when it expires.
 */
export class SuperOAuthClient {
  readonly auth: ReturnType<typeof authMethods>;
  readonly twoFactor: ReturnType<typeof twoFactorMethods>;
  readonly sessions: ReturnType<typeof sessionMethods>;
  readonly user: ReturnType<typeof userMethods>;
  readonly dataExports: ReturnType<typeof dataExportMethods>;
  readonly oauth: ReturnType<typeof oauthMethods>;
  readonly apps: ReturnType<typeof appMethods>;
  readonly admin: ReturnType<typeof adminMethods>;
  readonly #transport: Transport;

  constructor(options: SuperOAuthClientOptions) {
    checkCallSettings("", options);
    checkDuration("refreshReuseGraceMs", options.refreshReuseGraceMs, 0);
    const transport = new Transport({
      baseURL: options.baseURL,
      storage: options.storage ?? new MemoryTokenStorage(),
      // Called through globalThis: browsers refuse a fetch detached from its window.
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      timeoutMs: options.timeoutMs ?? 10_000,
      deadlineMs: options.deadlineMs ?? 60_000,
      retry: applyRetryOptions(defaultRetryPolicy, options.retry),
      random: options.random ?? Math.random,
      credentials: options.credentials,
      headers: options.headers ?? {},
      onSessionEnded: options.onSessionEnded,
      onRateLimit: options.onRateLimit,
      refreshReuseGraceMs: options.refreshReuseGraceMs ?? 10_000,
    });
    this.#transport = transport;
    this.auth = authMethods(transport);
    this.twoFactor = twoFactorMethods(transport);
    this.sessions = sessionMethods(transport);
    this.user = userMethods(transport);
    this.dataExports = dataExportMethods(transport);
    this.oauth = oauthMethods(transport);
    this.apps = appMethods(transport);
    this.admin = adminMethods(transport);
  }

  /** Whether tokens are stored (a session may still have ended on the server). */
  async isSignedIn(): Promise<boolean> {
    return (await this.#transport.readTokens()) !== null;
  }

  /** Forgets the stored tokens without telling the server (use `auth.logOut()` to end the session). */
  async forgetTokens(): Promise<void> {
    await this.#transport.clearTokens();
  }
}

/** Stores the tokens of an outcome that completed a sign-in (not of an `mfaRequired` step). */
async function keepTokens<T extends object>(transport: Transport, outcome: Promise<T>): Promise<T> {
  const value = await outcome;
  if ("accessToken" in value && "refreshToken" in value) {
    const { accessToken, refreshToken } = value;
    if (typeof accessToken === "string" && typeof refreshToken === "string") {
      await transport.storeTokens({ accessToken, refreshToken });
    }
  }
  return value;
}

/** Clears the stored tokens once the call that ended the session succeeded. */
async function dropTokens<T>(transport: Transport, outcome: Promise<T>): Promise<T> {
  const value = await outcome;
  await transport.clearTokens();
  return value;
}

function authMethods(t: Transport) {
  return {
    /** Creates an account and signs in (stores the tokens). */
    register: (input: RegisterInput, options?: RequestOptions): Promise<SignedIn> =>
      keepTokens(t, t.call<SignedIn>("auth.register", { body: input }, options)),
    /** Signs in with a password: a session (tokens stored) or the second-factor step. */
    logIn: (input: LogInInput, options?: RequestOptions): Promise<SignInOutcome> =>
      keepTokens(t, t.call<SignInOutcome>("auth.logIn", { body: input }, options)),
    me: (options?: RequestOptions): Promise<CurrentUser> => t.call("auth.me", {}, options),
    /**
     * Exchanges the stored refresh token (single flight: joins a refresh already running). Of the
     * options, `signal` and `deadlineMs` end this call's wait; the exchange keeps its own timeouts.
     */
    refresh: (options?: RequestOptions): Promise<TokenPair> => t.refresh(options),
    /**
     * Ends a session on the server: by default this client's, whose stored refresh token it sends
     * (the server ends that token's session, and the token stops working at once), then forgets the
     * stored tokens. With `refreshToken`, that token's session instead (one of the same account,
     * e.g. another device's that your server kept): the stored tokens are forgotten only when they
     * hold that very token. The call is signed in either way (the route is Bearer).
     */
    logOut: async (input: { refreshToken?: string } = {}, options?: RequestOptions): Promise<LoggedOut> => {
      const stored = (await t.readTokens())?.refreshToken;
      const refreshToken = input.refreshToken ?? stored;
      const ended = t.call<LoggedOut>(
        "auth.logOut",
        { body: refreshToken === undefined ? {} : { refreshToken } },
        options,
      );
      return refreshToken === stored ? dropTokens(t, ended) : ended;
    },
    /** Ends every session of the account and forgets this one's tokens. */
    logOutEverywhere: (options?: RequestOptions): Promise<LoggedOut> =>
      dropTokens(t, t.call("auth.logOutEverywhere", {}, options)),
    /** A fresh proof before sensitive changes (REAUTH_REQUIRED). */
    reauthenticate: (proof: FactorProof, options?: RequestOptions): Promise<Reauthenticated> =>
      t.call("auth.reauthenticate", { body: proof }, options),
    verifyEmail: (input: { token: string }, options?: RequestOptions): Promise<EmailVerified> =>
      t.call("auth.verifyEmail", { body: input }, options),
    resendVerification: (input: { email: string }, options?: RequestOptions): Promise<MailRequested> =>
      t.call("auth.resendVerification", { body: input }, options),
    requestPasswordReset: (input: { email: string }, options?: RequestOptions): Promise<MailRequested> =>
      t.call("auth.requestPasswordReset", { body: input }, options),
    resetPassword: (
      input: { token: string; newPassword: string },
      options?: RequestOptions,
    ): Promise<PasswordReset> => t.call("auth.resetPassword", { body: input }, options),
  };
}

function twoFactorMethods(t: Transport) {
  return {
    setUp: (options?: RequestOptions): Promise<TwoFactorSetup> => t.call("twoFactor.setUp", {}, options),
    enable: (input: { code: string }, options?: RequestOptions): Promise<TwoFactorEnabled> =>
      t.call("twoFactor.enable", { body: input }, options),
    /** The second step of a sign-in (stores the tokens). */
    verify: (input: TwoFactorVerifyInput, options?: RequestOptions): Promise<SignedIn> =>
      keepTokens(t, t.call<SignedIn>("twoFactor.verify", { body: input }, options)),
    disable: (proof: TwoFactorDisableProof, options?: RequestOptions): Promise<TwoFactorDisabled> =>
      t.call("twoFactor.disable", { body: proof }, options),
    regenerateBackupCodes: (input: { code: string }, options?: RequestOptions): Promise<BackupCodes> =>
      t.call("twoFactor.regenerateBackupCodes", { body: input }, options),
  };
}

function sessionMethods(t: Transport) {
  return {
    list: (options?: RequestOptions): Promise<SessionList> => t.call("sessions.list", {}, options),
    revoke: (input: { id: string }, options?: RequestOptions): Promise<Revoked> =>
      t.call("sessions.revoke", { params: input }, options),
    /** The security log, newest first; pass `nextBefore` as `before` for the next page. */
    listSecurityEvents: (
      input: { limit?: number; before?: string } = {},
      options?: RequestOptions,
    ): Promise<SecurityEventPage> => t.call("sessions.listSecurityEvents", { query: input }, options),
  };
}

function userMethods(t: Transport) {
  return {
    changePassword: (
      input: { currentPassword?: string; newPassword: string },
      options?: RequestOptions,
    ): Promise<PasswordChanged> => t.call("user.changePassword", { body: input }, options),
    updateProfile: (input: { nickname: string }, options?: RequestOptions): Promise<ChangedUser> =>
      t.call("user.updateProfile", { body: input }, options),
    /** Mails a confirmation link to the new address; the address changes once it is confirmed. */
    requestEmailChange: (
      input: { newEmail: string },
      options?: RequestOptions,
    ): Promise<EmailChangePending> => t.call("user.requestEmailChange", { body: input }, options),
    confirmEmailChange: (input: { token: string }, options?: RequestOptions): Promise<ChangedUser> =>
      t.call("user.confirmEmailChange", { body: input }, options),
    /** Gives the account back to the address it left, with the link mailed there, and sets a new password. */
    undoEmailChange: (
      input: { token: string; newPassword: string },
      options?: RequestOptions,
    ): Promise<EmailChangeUndone> => t.call("user.undoEmailChange", { body: input }, options),
    /** Deletes the account and forgets the tokens. */
    deleteAccount: (options?: RequestOptions): Promise<Deleted> =>
      dropTokens(t, t.call("user.deleteAccount", {}, options)),
  };
}

function dataExportMethods(t: Transport) {
  return {
    request: (options?: RequestOptions): Promise<RequestedDataExport> =>
      t.call("dataExports.request", {}, options),
    /** The caller's latest exports (up to 20), newest first. */
    list: async (options?: RequestOptions): Promise<DataExport[]> =>
      (await t.call<{ exports: DataExport[] }>("dataExports.list", {}, options)).exports,
    get: (input: { id: string }, options?: RequestOptions): Promise<DataExport> =>
      t.call("dataExports.get", { params: input }, options),
    /** The archive as a stream (the timeout covers the response's headers, not the whole body). */
    download: async (input: { id: string }, options?: RequestOptions): Promise<DataExportArchive> => {
      const response = await t.open("dataExports.download", { params: input }, options);
      const disposition = response.headers.get("content-disposition") ?? "";
      const length = response.headers.get("content-length");
      if (response.body === null) throw new TypeError("The export download has no body");
      return {
        fileName: /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${input.id}.zip`,
        sizeBytes: length === null ? null : Number(length),
        sha256: response.headers.get("x-content-sha256"),
        body: response.body,
      };
    },
  };
}

function oauthMethods(t: Transport) {
  return {
    listProviders: (options?: RequestOptions): Promise<SocialProviderList> =>
      t.call("oauth.listProviders", {}, options),
    listLinked: (options?: RequestOptions): Promise<LinkedProviderList> =>
      t.call("oauth.listLinked", {}, options),
    /**
     * Where to send the browser to sign in with a provider, and the PKCE verifier that binds the
     * login code it comes back with to this browser (ADR 0013). Keep `codeVerifier` (e.g. in
     * sessionStorage) for `exchangeLoginCode` on your landing page (`OAUTH_SUCCESS_REDIRECT`).
     */
    createSignInURL: async (input: {
      provider: string;
      /** A hosted sign-in page of the service to come back to (`/interaction/<uid>/social`). */
      returnTo?: string;
    }): Promise<SocialSignInStart> => {
      const pkce = await createPKCEPair();
      const url = t.urlOf("oauth.createSignInURL", {
        params: { provider: input.provider },
        query: {
          code_challenge: pkce.codeChallenge,
          code_challenge_method: pkce.codeChallengeMethod,
          return_to: input.returnTo,
        },
      });
      return { url: url.href, codeVerifier: pkce.codeVerifier };
    },
    /** Trades the login code of the landing page's `?code=` for a session (stores the tokens). */
    exchangeLoginCode: (
      input: { code: string; codeVerifier: string },
      options?: RequestOptions,
    ): Promise<SignInOutcome> =>
      keepTokens(
        t,
        t.call<SignInOutcome>(
          "oauth.exchangeLoginCode",
          { body: { code: input.code, code_verifier: input.codeVerifier } },
          options,
        ),
      ),
    /**
     * The provider's callback as JSON, for a front end on the service's origin whose browser holds
     * the state cookie (set `credentials` on the client otherwise). Stores the tokens of a sign-in.
     */
    finishCallback: (
      input: { provider: string; code?: string; state?: string; error?: string },
      options?: RequestOptions,
    ): Promise<SocialCallbackOutcome> =>
      keepTokens(
        t,
        t.call<SocialCallbackOutcome>(
          "oauth.finishCallback",
          {
            params: { provider: input.provider },
            query: { code: input.code, state: input.state, error: input.error },
          },
          options,
        ),
      ),
    /** Starts linking a provider to the signed-in account: send the browser to `authorizationURL`. */
    startLinking: (input: { provider: string }, options?: RequestOptions): Promise<ProviderAuthorization> =>
      t.call("oauth.startLinking", { params: input }, options),
    /** A fresh proof through a linked provider: send the browser to `authorizationURL`. */
    startReauthentication: (
      input: { provider: string },
      options?: RequestOptions,
    ): Promise<ProviderAuthorization> => t.call("oauth.startReauthentication", { params: input }, options),
    unlink: (input: { provider: string }, options?: RequestOptions): Promise<ProviderUnlinked> =>
      t.call("oauth.unlink", { params: input }, options),
  };
}

function appMethods(t: Transport) {
  return {
    /** Registers a third-party app; a confidential app's `clientSecret` is in this answer only. */
    register: (settings: AppSettings, options?: RequestOptions): Promise<RegisteredApp> =>
      t.call("apps.register", { body: settings }, options),
    list: (options?: RequestOptions): Promise<AppList> => t.call("apps.list", {}, options),
    get: (input: { clientId: string }, options?: RequestOptions): Promise<AppData> =>
      t.call("apps.get", { params: input }, options),
    update: (
      input: { clientId: string; changes: Partial<AppSettings> },
      options?: RequestOptions,
    ): Promise<AppData> =>
      t.call("apps.update", { params: { clientId: input.clientId }, body: input.changes }, options),
    delete: (input: { clientId: string }, options?: RequestOptions): Promise<Deleted> =>
      t.call("apps.delete", { params: input }, options),
    rotateSecret: (input: { clientId: string }, options?: RequestOptions): Promise<RotatedSecret> =>
      t.call("apps.rotateSecret", { params: input }, options),
    /** The apps the signed-in user authorized. */
    listAuthorized: (options?: RequestOptions): Promise<AuthorizedAppList> =>
      t.call("apps.listAuthorized", {}, options),
    revokeAuthorization: (input: { clientId: string }, options?: RequestOptions): Promise<Revoked> =>
      t.call("apps.revokeAuthorization", { params: input }, options),
  };
}

function adminMethods(t: Transport) {
  const onUser = (input: { id: string }) => ({ params: input });
  return {
    searchUsers: (
      input: { q?: string; cursor?: string; limit?: number } = {},
      options?: RequestOptions,
    ): Promise<AdminUserPage> => t.call("admin.searchUsers", { query: input }, options),
    getUser: (input: { id: string }, options?: RequestOptions): Promise<AdminUserData> =>
      t.call("admin.getUser", onUser(input), options),
    /**
     * Disables the account (admins, with a fresh proof); `reason` (1 to 500 characters) is for staff
     * only. An account disabled already answers `alreadyDisabled` and keeps its reason (`disabledReason`).
     */
    disableUser: (input: { id: string; reason: string }, options?: RequestOptions): Promise<UserDisabled> =>
      t.call("admin.disableUser", { params: { id: input.id }, body: { reason: input.reason } }, options),
    enableUser: (input: { id: string }, options?: RequestOptions): Promise<UserEnabled> =>
      t.call("admin.enableUser", onUser(input), options),
    unlockUser: (input: { id: string }, options?: RequestOptions): Promise<UserUnlocked> =>
      t.call("admin.unlockUser", onUser(input), options),
    resetTwoFactor: (input: { id: string }, options?: RequestOptions): Promise<TwoFactorReset> =>
      t.call("admin.resetTwoFactor", onUser(input), options),
    /**
     * Unlinks a provider (`github`, `google`, ...) from someone's account (support and admins, with a
     * fresh proof; never one's own). It may take the last way in; the answer says what is left.
     */
    unlinkProvider: (
      input: { id: string; provider: string },
      options?: RequestOptions,
    ): Promise<UserProviderUnlinked> =>
      t.call(
        "admin.unlinkProvider",
        { params: { id: input.id }, body: { provider: input.provider } },
        options,
      ),
    /** Mails the account's own address a new verification link (support and admins). */
    resendVerification: (input: { id: string }, options?: RequestOptions): Promise<VerificationResent> =>
      t.call("admin.resendVerification", onUser(input), options),
    /** Mails the account's own address a password-reset link (support and admins); nothing changes until it is used. */
    sendPasswordReset: (input: { id: string }, options?: RequestOptions): Promise<PasswordResetSent> =>
      t.call("admin.sendPasswordReset", onUser(input), options),
    /**
     * Makes the account's password stop working, ends its sessions and apps' access, and mails it a
     * link to choose a new one (admins, with a fresh proof).
     */
    requireNewPassword: (input: { id: string }, options?: RequestOptions): Promise<NewPasswordRequired> =>
      t.call("admin.requireNewPassword", onUser(input), options),
    /** Marks the address verified on staff's word (admins, with a fresh proof); mails its holder. */
    verifyEmail: (input: { id: string }, options?: RequestOptions): Promise<UserEmailVerified> =>
      t.call("admin.verifyEmail", onUser(input), options),
    revokeSessions: (input: { id: string }, options?: RequestOptions): Promise<SessionsRevoked> =>
      t.call("admin.revokeSessions", onUser(input), options),
    changeRole: (input: { id: string; role: Role }, options?: RequestOptions): Promise<RoleChanged> =>
      t.call("admin.changeRole", { params: { id: input.id }, body: { role: input.role } }, options),
    deleteUser: (input: { id: string }, options?: RequestOptions): Promise<Deleted> =>
      t.call("admin.deleteUser", onUser(input), options),
    listAudit: (input: { cursor?: string } = {}, options?: RequestOptions): Promise<AuditPage> =>
      t.call("admin.listAudit", { query: input }, options),
    /** Puts a notice on the public status page of every instance (admins only). */
    setMaintenanceNotice: (
      input: { message: string },
      options?: RequestOptions,
    ): Promise<MaintenanceNoticeState> =>
      t.call("admin.setMaintenanceNotice", { body: { message: input.message } }, options),
    clearMaintenanceNotice: (options?: RequestOptions): Promise<MaintenanceNoticeState> =>
      t.call("admin.clearMaintenanceNotice", {}, options),
  };
}
