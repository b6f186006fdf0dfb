export type { HttpApp, HttpAppOptions, TrustProxy } from "./app.ts";
export { buildHttpApp } from "./app.ts";
export { defaultErrorMessage, errorStatus } from "./error-status.ts";
export type { RateLimitGroup, RateLimitRefusal, RateLimitSettings } from "./rate-limit.ts";
