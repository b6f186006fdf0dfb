/**
 * Every error code the API can answer with. The first block is the contract's
 * (the error-code reference); the rest were added by features and are
 * documented in docs/errors.md like the others.
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

/** The closed union of error codes. */
export type ErrorCode = (typeof errorCodes)[number];

/** Narrows an arbitrary string to an ErrorCode. */
export function isErrorCode(value: string): value is ErrorCode {
  return (errorCodes as readonly string[]).includes(value);
}
