import type { RateLimitGroup, RateLimitRefusal } from "@superoauth/application";

export type { RateLimitGroup, RateLimitRefusal };

// The route config that adapter-http's rate limiter reads (packages/adapter-http/src/rate-limit.ts),
// augmented here too (adapters do not import each other); the budgets are the application's.
declare module "fastify" {
  interface FastifyContextConfig {
    /** The rate-limit budget of the route; "general" when absent. */
    limit?: RateLimitGroup;
    /**
     * For a route whose budget is for real attempts (a sign-in, a mail sent): the budget of one
     * request, chosen from its body once it is read (`undefined` when there is none, or it could
     * not be read). Its count then waits for the body: a form sent empty, which the route refuses
     * without trying anything, draws from a larger budget instead of spending an attempt.
     */
    limitOf?: (body: unknown) => RateLimitGroup;
    /**
     * How the route answers a refused request, for routes that do not speak our JSON envelope
     * (hosted pages answer HTML, protocol endpoints RFC 6749 errors); the envelope when absent.
     * The X-RateLimit-* and Retry-After headers are already set when it is called.
     */
    limitReply?: (reply: FastifyReply, refusal: RateLimitRefusal) => Promise<unknown> | unknown;
  }
}
