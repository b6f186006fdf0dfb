import rateLimit, { normalizeIP } from "@fastify/rate-limit";
import {
  type RateLimitGroup,
  type RateLimitRefusal,
  unavailableRetryAfterSeconds,
} from "@superoauth/application";

export type { RateLimitGroup, RateLimitRefusal };

import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Redis } from "ioredis";
import type { DependencyCheck } from "./dependency-checks.ts";
import { sendError } from "./replies.ts";

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

export interface RateLimitSettings {
  readonly enabled: boolean;
  readonly windowMs: number;
  readonly loginMax: number;
  readonly registerMax: number;
  readonly generalMax: number;
  /** Requests that send mail (resend verification, forgot password) per IP per window; default 5. */
  readonly emailMax?: number;
  /**
   * OAuth protocol requests a client makes without a browser (token, introspection, revocation,
   * pushed requests, device codes) per IP per window; default 1000: an app's backend refreshes
   * for all its users from one address.
   */
  readonly protocolMax?: number;
  /**
   * Visits of the device-code page (`/oidc/device`: the form, a code typed in, one in the link) per
   * IP per window; default 20. A user code is short enough to guess (RFC 8628 §5.1).
   */
  readonly deviceCodeMax?: number;
  /**
   * Views of the hosted pages (their GETs: the account center, an app's sign-in, the admin
   * console) per IP per window; default 600. A view costs a session read and a rendering; in
   * the general budget one person's busy quarter-hour in the account center ran out of it.
   */
  readonly pagesMax?: number;
  /** With a Redis URL the counters are shared by every instance; without, they are per process. */
  readonly redisURL?: string | undefined;
  /**
   * The start of every counter's key in Redis (default `superoauth-rl:`): deployments sharing one
   * Redis database count apart only with prefixes of their own.
   */
  readonly redisKeyPrefix?: string;
}

/** The protocol group's default budget per window (RATE_LIMIT_PROTOCOL_MAX). */
export const defaultProtocolMax = 1000;

/** The device-code page's default budget per window (RATE_LIMIT_DEVICE_CODE_MAX). */
export const defaultDeviceCodeMax = 20;

/** The pages group's default budget per window (RATE_LIMIT_PAGES_MAX). */
export const defaultPagesMax = 600;

/** Longer than any healthy Redis takes to count (well under a millisecond on a LAN). */
const redisCommandTimeoutMs = 1_000;

/**
 * The log of the counter store's connection: ioredis reports every reconnect attempt that fails
 * (one every second or two while Redis is down, some 57,000 error lines a day, each with its stack,
 * before any request comes). The first failure is logged with its cause; while it goes on, at most
 * one line every `everyMs` counts the attempts since and gives the newest cause; one line says when
 * Redis answers again. Each request refused meanwhile still logs its own line (`rate limiter
 * unavailable`), with its request id.
 */
export function counterStoreFailureLog(
  log: Pick<FastifyBaseLogger, "error" | "info">,
  options: { everyMs?: number; now?: () => number } = {},
): { failed(error: Error): void; recovered(): void } {
  const everyMs = options.everyMs ?? 60_000;
  const now = options.now ?? (() => performance.now());
  let failingSince: number | undefined;
  let loggedAt = 0;
  let attemptsSince = 0;
  return {
    failed(error) {
      const at = now();
      if (failingSince === undefined) {
        failingSince = at;
        loggedAt = at;
        attemptsSince = 0;
        log.error({ err: error }, "rate-limit Redis error");
        return;
      }
      attemptsSince += 1;
      if (at - loggedAt < everyMs) return;
      log.error(
        {
          err: error,
          failedAttempts: attemptsSince,
          failingForSeconds: Math.round((at - failingSince) / 1000),
        },
        "rate-limit Redis still failing",
      );
      loggedAt = at;
      attemptsSince = 0;
    },
    recovered() {
      if (failingSince === undefined) return;
      log.info(
        { failingForSeconds: Math.round((now() - failingSince) / 1000) },
        "rate-limit Redis answers again",
      );
      failingSince = undefined;
    },
  };
}

/**
 * Per-IP budgets (login 5, register 3, everything else 100 per 15 minutes by
 * default). The plugin counts; this hook writes the headers itself because the
 * contract wants X-RateLimit-Reset as a Unix time in seconds, where the plugin
 * sends seconds-until-reset.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  settings: RateLimitSettings,
): Promise<{ counterStoreCheck: DependencyCheck | undefined }> {
  if (!settings.enabled) return { counterStoreCheck: undefined };
  const redis =
    settings.redisURL === undefined
      ? undefined
      : new Redis(settings.redisURL, {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: true,
          lazyConnect: false,
          // A Redis that accepts connections but stops answering must not hold every limited
          // request forever: past this, the count fails and the request fails closed with 503.
          commandTimeout: redisCommandTimeoutMs,
        });
  if (redis !== undefined) {
    // Without a listener ioredis prints connection errors straight to stderr; route them
    // through the app's logger. A request that cannot be counted fails closed (see app.ts).
    const failures = counterStoreFailureLog(app.log);
    redis.on("error", (error: Error) => failures.failed(error));
    redis.on("ready", () => failures.recovered());
    // quit() waits for Redis to answer; a hung Redis must not make shutting down fail.
    app.addHook("onClose", async () => void (await redis.quit().catch(() => redis.disconnect())));
  }
  await app.register(rateLimit, {
    global: false,
    ...(redis === undefined ? {} : { redis, nameSpace: settings.redisKeyPrefix ?? "superoauth-rl:" }),
  });

  const limiter = (group: Exclude<RateLimitGroup, "none">, max: number) =>
    app.createRateLimit({
      max,
      timeWindow: settings.windowMs,
      // The group is part of the key, so one store holds all budgets without collisions.
      keyGenerator: (request) => `${group}:${normalizeIP(request.ip)}`,
    });
  const limiters = {
    login: limiter("login", settings.loginMax),
    register: limiter("register", settings.registerMax),
    email: limiter("email", settings.emailMax ?? 5),
    protocol: limiter("protocol", settings.protocolMax ?? defaultProtocolMax),
    deviceCode: limiter("deviceCode", settings.deviceCodeMax ?? defaultDeviceCodeMax),
    pages: limiter("pages", settings.pagesMax ?? defaultPagesMax),
    general: limiter("general", settings.generalMax),
  };

  /**
   * Counts the request in `group`; true when it was refused (answered here: 429, or 503 when the
   * counter store is down, in the route's own format or our envelope).
   */
  const refusedIn = async (
    group: RateLimitGroup,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<boolean> => {
    if (group === "none") return false;
    let outcome: Awaited<ReturnType<(typeof limiters)[typeof group]>>;
    try {
      outcome = await limiters[group](request);
    } catch (error) {
      // The counter store (Redis) is down: fail closed, but say it is temporary rather than our bug.
      request.log.error({ err: error }, "rate limiter unavailable");
      // Every 503 says when to come back, in the route's own format or ours.
      reply.header("Retry-After", String(unavailableRetryAfterSeconds));
      const limitReply = request.routeOptions.config.limitReply;
      if (limitReply !== undefined) await limitReply(reply, { code: "SERVICE_UNAVAILABLE" });
      else
        await sendError(
          reply,
          "SERVICE_UNAVAILABLE",
          "Rate limiting is temporarily unavailable; retry shortly",
        );
      return true;
    }
    if (outcome.isAllowed) return false;
    reply.header("X-RateLimit-Limit", outcome.max);
    reply.header("X-RateLimit-Remaining", outcome.isExceeded ? 0 : outcome.remaining);
    reply.header("X-RateLimit-Reset", Math.ceil((Date.now() + outcome.ttl) / 1000));
    if (!outcome.isExceeded) return false;
    reply.header("Retry-After", outcome.ttlInSeconds);
    const limitReply = request.routeOptions.config.limitReply;
    if (limitReply !== undefined)
      await limitReply(reply, {
        code: "RATE_LIMIT_EXCEEDED",
        retryAfterSeconds: outcome.ttlInSeconds,
        budget: group,
      });
    else
      await sendError(
        reply,
        "RATE_LIMIT_EXCEEDED",
        `Too many requests; retry in ${outcome.ttlInSeconds} seconds`,
      );
    return true;
  };

  // A route's requests are counted when they arrive, before their body is read; a route that
  // chooses its budget from the body (`limitOf`) is counted once it is read, before it is validated,
  // by a hook of that route alone (no other request, /auth/me and refresh among them, runs it).
  const countedAfterBody = new WeakSet<FastifyRequest>();
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const { limit = "general", limitOf } = request.routeOptions.config;
    if (limitOf !== undefined || isCORSPreflight(request)) return;
    if (await refusedIn(limit, request, reply)) return reply;
  });
  app.addHook("onRoute", (route) => {
    const limitOf = route.config?.limitOf;
    if (limitOf === undefined) return;
    const countOnceRead = async (request: FastifyRequest, reply: FastifyReply) => {
      countedAfterBody.add(request);
      if (await refusedIn(limitOf(request.body), request, reply)) return reply;
    };
    // First among the route's own preValidation hooks (its authentication, say), as an app-wide
    // hook would run.
    const own = route.preValidation;
    route.preValidation = [countOnceRead, ...(own === undefined ? [] : Array.isArray(own) ? own : [own])];
    // A body that cannot be read (not JSON, too large, a type the route does not take) never
    // reaches preValidation: it is counted on its way to the route's error answer, in the budget of
    // no body, so a flood of them is bounded too.
    const ownErrorHandler = route.errorHandler;
    route.errorHandler = async function (this: FastifyInstance, error, request, reply) {
      if (!countedAfterBody.has(request)) {
        countedAfterBody.add(request);
        if (await refusedIn(limitOf(undefined), request, reply)) return reply;
      }
      // On to the route's error answer (a handler that throws passes the error to its parent's).
      if (ownErrorHandler !== undefined) return ownErrorHandler.call(this, error, request, reply);
      throw error;
    };
  });
  // Without its counters every limited request fails closed: Redis is required for readiness.
  const counterStoreCheck: DependencyCheck | undefined =
    redis === undefined
      ? undefined
      : {
          name: "redis",
          required: true,
          async check() {
            await redis.ping();
            return { status: "up" };
          },
        };
  return { counterStoreCheck };
}

/**
 * A browser's CORS preflight (OPTIONS with Access-Control-Request-Method) counts against no budget.
 * The API's are answered by the CORS plugin before the limits (cors.ts); the OpenID provider's by
 * its library, without the database. Counted, one refused past a budget failed in the browser as a
 * CORS error whatever its headers (a preflight must answer 2xx), so a single-page app sending DPoP
 * never reached the readable 429 of its request. Any other OPTIONS is counted as before.
 */
function isCORSPreflight(request: FastifyRequest): boolean {
  return (
    request.method === "OPTIONS" &&
    request.headers.origin !== undefined &&
    request.headers["access-control-request-method"] !== undefined
  );
}
