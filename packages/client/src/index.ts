export { SuperOAuthClient, type SuperOAuthClientOptions } from "./client.ts";
export { type ErrorCode, errorCodes } from "./error-codes.ts";
export { type RateLimit, SuperOAuthError, SuperOAuthNetworkError } from "./errors.ts";
export { createPKCEPair, type PKCEPair } from "./pkce.ts";
export { defaultRetryPolicy, type RetryOptions } from "./retry.ts";
export { type HTTPMethod, type Route, type RouteName, routes } from "./routes.ts";
export { MemoryTokenStorage, type StoredTokens, type TokenStorage } from "./token-storage.ts";
export type { RateLimitSeen, RequestOptions, SessionEnded } from "./transport.ts";
export type * from "./types.ts";
