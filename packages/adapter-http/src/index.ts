export type { APIDocsOptions } from "./api-docs.ts";
export type { HttpApp, HttpAppOptions, TrustProxy } from "./app.ts";
export { buildHttpApp, buildMetricsApp } from "./app.ts";
export type { DependencyCheck, DependencyStatus } from "./dependency-checks.ts";
export { cachedCheck } from "./dependency-checks.ts";
export { defaultErrorMessage, errorStatus } from "./error-status.ts";
export type {
  BackgroundTaskOutcome,
  DatabaseDiskSpace,
  DatabasePoolUsage,
  ExportJobMetrics,
  ExportJobOutcome,
  ExportQueueDepth,
  MailDeliveryOutcome,
  Metrics,
} from "./metrics.ts";
export { createMetrics } from "./metrics.ts";
export type { ServicePages } from "./pages/service-pages.ts";
export { pingRedisServer } from "./ping-redis.ts";
export { createHostedProviderTrips } from "./provider-trips.ts";
export type { RateLimitGroup, RateLimitRefusal, RateLimitSettings } from "./rate-limit.ts";
export { currentRequestId } from "./request-id.ts";
export type { ServiceStatus, StatusOptions } from "./routes/status.ts";
export type { StartGate } from "./start-gate.ts";
