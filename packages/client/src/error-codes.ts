/**
 * The error codes the API answers with (`error` in the envelope), as of this client's version: the
 * contract's, then the ones features added (docs/errors.md on the server says what each means and
 * what to do). Kept as a list of our own so the client depends on no other package at run time; a
 * test keeps it equal to the server's union. A code a newer server answers that this version does
 * not know arrives as a `SuperOAuthNetworkError` with code INVALID_RESPONSE and the HTTP status.
 */
export const errorCodes = [
  "VALIDATION_ERROR",
  "UNAUTHORIZED",
  "INVALID_CREDENTIALS",
  "TOKEN_EXPIRED",
  "INVALID_TOKEN",
  "ACCOUNT_DISABLED",
  "INVALID_REFRESH_TOKEN",
  "USER_EXISTS",
  "USER_NOT_FOUND",
  "UNSUPPORTED_PROVIDER",
  "INVALID_STATE",
  "INVALID_AUTHORIZATION_CODE",
  "OAUTH_INIT_FAILED",
  "ACCOUNT_LINK_FAILED",
  "CANNOT_UNLINK_LAST_AUTH",
  "INTERNAL_ERROR",
  "TOKEN_EXCHANGE_FAILED",
  "USER_INFO_FAILED",
  "RATE_LIMIT_EXCEEDED",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "INVALID_CURRENT_PASSWORD",
  "SERVICE_UNAVAILABLE",
  "ACCOUNT_LOCKED",
  "INVALID_TWO_FACTOR_CODE",
  "INVALID_MFA_TOKEN",
  "TWO_FACTOR_ALREADY_ENABLED",
  "TWO_FACTOR_NOT_ENABLED",
  "TWO_FACTOR_SETUP_REQUIRED",
  "INVALID_VERIFICATION_TOKEN",
  "INVALID_RESET_TOKEN",
  "EMAIL_NOT_VERIFIED",
  "SESSION_NOT_FOUND",
  "OAUTH_ACCESS_DENIED",
  "OAUTH_EMAIL_CONFLICT",
  "PROVIDER_ALREADY_LINKED",
  "PROVIDER_NOT_LINKED",
  "INVALID_LOGIN_CODE",
  "REAUTH_REQUIRED",
  "REAUTH_IDENTITY_MISMATCH",
  "APP_NOT_FOUND",
  "INSUFFICIENT_SCOPE",
  "EXPORT_NOT_FOUND",
  "EXPORT_NOT_READY",
  "EXPORT_EXPIRED",
  "INSUFFICIENT_PERMISSIONS",
  "LAST_ADMIN",
  "TWO_FACTOR_REQUIRED",
] as const;

/** An error code of the API. */
export type ErrorCode = (typeof errorCodes)[number];
