/** An HTTP method the API uses. */
export type HTTPMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One route of `/api/v1`, as the client calls it. */
export interface Route {
  readonly method: HTTPMethod;
  /** Relative to `/api/v1`, with `:name` path parameters, as the server declares it. */
  readonly path: string;
  /** Sends `Authorization: Bearer` with the stored access token (and refreshes it on TOKEN_EXPIRED). */
  readonly bearer: boolean;
  /**
   * Whether the request may be sent again after a failure that may have acted (a 5xx other than
   * 503, a lost connection): what its method says (RFC 9110 section 9.2.2), unless the route says
   * otherwise. The provider callback is a GET that spends the sign-in's one-use state.
   */
  readonly idempotent?: boolean;
}

const route = (
  method: HTTPMethod,
  path: string,
  bearer: boolean,
  options: { idempotent?: false } = {},
): Route => ({
  method,
  path,
  bearer,
  ...options,
});

/**
 * Every `/api/v1` route, named by the client method that calls it (`"auth.logIn"` is
 * `client.auth.logIn()`). A test compares this table with the routes the server registers.
 */
export const routes = {
  "auth.register": route("POST", "/auth/register", false),
  "auth.logIn": route("POST", "/auth/login", false),
  "auth.me": route("GET", "/auth/me", true),
  "auth.refresh": route("POST", "/auth/refresh", false),
  "auth.logOut": route("POST", "/auth/logout", true),
  "auth.logOutEverywhere": route("POST", "/auth/logout-all", true),
  "auth.reauthenticate": route("POST", "/auth/reauthenticate", true),
  "auth.verifyEmail": route("POST", "/auth/verify-email", false),
  "auth.resendVerification": route("POST", "/auth/resend-verification", false),
  "auth.requestPasswordReset": route("POST", "/auth/forgot-password", false),
  "auth.resetPassword": route("POST", "/auth/reset-password", false),

  "twoFactor.setUp": route("POST", "/auth/2fa/setup", true),
  "twoFactor.enable": route("POST", "/auth/2fa/enable", true),
  "twoFactor.verify": route("POST", "/auth/2fa/verify", false),
  "twoFactor.disable": route("POST", "/auth/2fa/disable", true),
  "twoFactor.regenerateBackupCodes": route("POST", "/auth/2fa/backup-codes", true),

  "sessions.list": route("GET", "/auth/sessions", true),
  "sessions.revoke": route("DELETE", "/auth/sessions/:id", true),
  "sessions.listSecurityEvents": route("GET", "/user/security-events", true),

  "user.changePassword": route("POST", "/user/password", true),
  "user.updateProfile": route("PATCH", "/user", true),
  "user.requestEmailChange": route("POST", "/user/email", true),
  "user.confirmEmailChange": route("POST", "/user/email/confirm", false),
  "user.undoEmailChange": route("POST", "/user/email/undo", false),
  "user.deleteAccount": route("DELETE", "/user", true),

  "dataExports.request": route("POST", "/user/export", true),
  "dataExports.list": route("GET", "/user/export", true),
  "dataExports.get": route("GET", "/user/export/:id", true),
  "dataExports.download": route("GET", "/user/export/:id/download", true),

  "oauth.listProviders": route("GET", "/oauth/providers", false),
  "oauth.listLinked": route("GET", "/oauth/linked", true),
  // A browser navigation, not a fetch: the method builds its URL (with a PKCE challenge).
  "oauth.createSignInURL": route("GET", "/oauth/:provider", false),
  "oauth.startLinking": route("POST", "/oauth/:provider/link", true),
  "oauth.startReauthentication": route("POST", "/oauth/:provider/reauthenticate", true),
  // Spends the state of the provider trip: a repeat would answer INVALID_STATE, hiding the real error.
  "oauth.finishCallback": route("GET", "/oauth/:provider/callback", false, { idempotent: false }),
  "oauth.exchangeLoginCode": route("POST", "/oauth/exchange", false),
  "oauth.unlink": route("DELETE", "/oauth/:provider/unlink", true),

  "apps.register": route("POST", "/apps", true),
  "apps.list": route("GET", "/apps", true),
  "apps.get": route("GET", "/apps/:clientId", true),
  "apps.update": route("PATCH", "/apps/:clientId", true),
  "apps.delete": route("DELETE", "/apps/:clientId", true),
  "apps.rotateSecret": route("POST", "/apps/:clientId/secret", true),
  "apps.listAuthorized": route("GET", "/user/apps", true),
  "apps.revokeAuthorization": route("DELETE", "/user/apps/:clientId", true),

  "admin.searchUsers": route("GET", "/admin/users", true),
  "admin.getUser": route("GET", "/admin/users/:id", true),
  "admin.disableUser": route("POST", "/admin/users/:id/disable", true),
  "admin.enableUser": route("POST", "/admin/users/:id/enable", true),
  "admin.unlockUser": route("POST", "/admin/users/:id/unlock", true),
  "admin.resetTwoFactor": route("POST", "/admin/users/:id/reset-2fa", true),
  "admin.unlinkProvider": route("POST", "/admin/users/:id/unlink-provider", true),
  "admin.resendVerification": route("POST", "/admin/users/:id/resend-verification", true),
  "admin.sendPasswordReset": route("POST", "/admin/users/:id/send-password-reset", true),
  "admin.requireNewPassword": route("POST", "/admin/users/:id/require-new-password", true),
  "admin.verifyEmail": route("POST", "/admin/users/:id/verify-email", true),
  "admin.revokeSessions": route("POST", "/admin/users/:id/revoke-sessions", true),
  "admin.changeRole": route("PATCH", "/admin/users/:id", true),
  "admin.deleteUser": route("DELETE", "/admin/users/:id", true),
  "admin.listAudit": route("GET", "/admin/audit", true),
  "admin.setMaintenanceNotice": route("PUT", "/admin/maintenance-notice", true),
  "admin.clearMaintenanceNotice": route("DELETE", "/admin/maintenance-notice", true),
} as const satisfies Record<string, Route>;

/** A client method's name in the route table. */
export type RouteName = keyof typeof routes;
