/**
 * The per-IP rate-limit budgets a route may draw from (docs/api.md, "Rate limits"), declared once
 * for the adapters that tag routes with them: adapter-http counts them, adapter-web's pages and
 * adapter-oidc's endpoints name theirs. "none" is unlimited.
 */
export type RateLimitGroup =
  | "login"
  | "register"
  | "email"
  | "general"
  | "pages"
  | "protocol"
  | "deviceCode"
  | "none";

/** Why a request was refused before its handler ran. */
export interface RateLimitRefusal {
  readonly code: "RATE_LIMIT_EXCEEDED" | "SERVICE_UNAVAILABLE";
  /** Seconds until the budget refills; absent when the counter store is down. */
  readonly retryAfterSeconds?: number;
  /** The budget that ran out (a route that chooses it from its body may draw from another). */
  readonly budget?: RateLimitGroup;
  /** Why the service cannot answer, when it is not the counter store (pending migrations). */
  readonly reason?: string;
}
