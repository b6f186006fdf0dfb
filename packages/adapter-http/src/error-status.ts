import type { ErrorCode } from "@superoauth/domain";

export type HttpStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503;

/**
 * The one place an error code becomes an HTTP status. `satisfies` makes a new
 * code fail to compile until it has a status here.
 */
export const errorStatus = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  INVALID_TOKEN: 401,
  ACCOUNT_DISABLED: 403,
  INVALID_REFRESH_TOKEN: 401,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  UNSUPPORTED_PROVIDER: 400,
  INVALID_STATE: 400,
  INVALID_AUTHORIZATION_CODE: 400,
  OAUTH_INIT_FAILED: 500,
  ACCOUNT_LINK_FAILED: 500,
  CANNOT_UNLINK_LAST_AUTH: 400,
  INTERNAL_ERROR: 500,
  TOKEN_EXCHANGE_FAILED: 500,
  USER_INFO_FAILED: 500,
  RATE_LIMIT_EXCEEDED: 429,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  INVALID_CURRENT_PASSWORD: 400,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<ErrorCode, HttpStatus>;

/** Default human messages, used when a use case gives none. */
export const defaultErrorMessage: Record<ErrorCode, string> = {
  VALIDATION_ERROR: "Request validation failed",
  UNAUTHORIZED: "Authentication required: send Authorization: Bearer <access token>",
  INVALID_CREDENTIALS: "Invalid email or password",
  TOKEN_EXPIRED: "Access token has expired",
  INVALID_TOKEN: "Token is malformed, invalid or of the wrong type",
  ACCOUNT_DISABLED: "This account has been disabled",
  INVALID_REFRESH_TOKEN: "Refresh token is invalid, expired or revoked",
  USER_EXISTS: "An account with this email already exists",
  USER_NOT_FOUND: "User not found",
  UNSUPPORTED_PROVIDER: "This OAuth provider is not supported",
  INVALID_STATE: "OAuth state is missing, expired or does not match",
  INVALID_AUTHORIZATION_CODE: "The authorization code is invalid or expired",
  OAUTH_INIT_FAILED: "Could not start the OAuth flow",
  ACCOUNT_LINK_FAILED: "Could not link the account",
  CANNOT_UNLINK_LAST_AUTH: "This is the account's only way to sign in",
  INTERNAL_ERROR: "Internal server error",
  TOKEN_EXCHANGE_FAILED: "Could not exchange the authorization code with the provider",
  USER_INFO_FAILED: "Could not read the user's profile from the provider",
  RATE_LIMIT_EXCEEDED: "Too many requests; retry later",
  NOT_FOUND: "Route not found",
  PAYLOAD_TOO_LARGE: "Request body is too large",
  INVALID_CURRENT_PASSWORD: "Current password is incorrect",
  SERVICE_UNAVAILABLE: "A dependency of the service is not reachable",
};
