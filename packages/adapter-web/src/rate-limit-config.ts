import type { RateLimitGroup, RateLimitRefusal } from "@superoauth/application";

export type { RateLimitGroup, RateLimitRefusal };

// The route config that adapter-http's rate limiter reads (packages/adapter-http/src/rate-limit.ts),
// augmented here too (adapters do not import each other); the budgets are the application's.
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
