// The route config that adapter-http's rate limiter reads (packages/adapter-http/src/rate-limit.ts):
// declared here too, the same shape, because adapters do not import each other.
declare module "fastify" {
  interface FastifyContextConfig {
    /** The rate-limit budget of the route; "general" when absent. */
    limit?: RateLimitGroup;
    /**
     * How the route answers a refused request, for routes that do not speak our JSON envelope
     * (hosted pages answer HTML, protocol endpoints RFC 6749 errors); the envelope when absent.
     * The X-RateLimit-* and Retry-After headers are already set when it is called.
     */
    limitReply?: (reply: FastifyReply, refusal: RateLimitRefusal) => Promise<unknown> | unknown;
  }
}

/** Which budget a route draws from. */
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
  /** Why the service cannot answer, when it is not the counter store (pending migrations). */
  readonly reason?: string;
}
