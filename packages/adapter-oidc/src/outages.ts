import {
  OverloadedError,
  StorageUnavailableError,
  unavailableRetryAfterSeconds,
} from "@superoauth/application";
import type { FastifyBaseLogger } from "fastify";
import { errors, type KoaContextWithOIDC, Provider } from "oidc-provider";

/** What a client is told while the service cannot answer for now (the cause goes to the log only). */
export const temporarilyUnavailableDescription = "The service is temporarily unavailable; retry shortly";

/** A failure that passes: the database unreachable or not answering, or load shed. */
export type Outage = StorageUnavailableError | OverloadedError;

/**
 * RFC 6749's `temporarily_unavailable` (§4.1.2.1) as one of the library's own errors, so both of
 * its error handlers answer it as a protocol error: 503 with the code, as JSON or the error page,
 * and, at the authorization endpoint once the client and its redirect URI are known, redirected
 * to the client. The library's errors of status 500 and above are not shown (`expose`), and it
 * would answer `server_error`, which tells a client retrying will not help.
 */
class TemporarilyUnavailable extends errors.OIDCProviderError {
  constructor() {
    super(503, "temporarily_unavailable");
    this.expose = true;
    this.error_description = temporarilyUnavailableDescription;
  }
}

/** Where the first outage of a request is kept for the provider's last middleware (provider.ts). */
const outageStateKey = "superoauth:outage";

/**
 * `target` with each of its methods turned from an outage into TemporarilyUnavailable, for what
 * the library calls (our model store, apps, accounts, grants, browser sessions): any other error
 * passes unchanged, and the library answers it 500 `server_error`. The outage itself is kept on
 * the request the library is answering (`Provider.ctx`, the library's own AsyncLocalStorage), for
 * the log and for Retry-After, which the library's error handlers do not set.
 */
export function answeringOutages<T extends object>(target: T): T {
  // One wrapper per method, made on first use: the token endpoint calls the store on every request.
  const wrappers = new Map<PropertyKey, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== "function") return value;
      let wrapper = wrappers.get(property);
      if (wrapper === undefined) {
        wrapper = async (...args: unknown[]) => {
          try {
            return await value.apply(object, args);
          } catch (error) {
            if (!isOutage(error)) throw error;
            const ctx = Provider.ctx;
            if (ctx !== undefined) ctx.state[outageStateKey] ??= error;
            throw new TemporarilyUnavailable();
          }
        };
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

export function isOutage(error: unknown): error is Outage {
  return error instanceof StorageUnavailableError || error instanceof OverloadedError;
}

/** The outage met while answering this request, if any. */
export function outageOf(ctx: KoaContextWithOIDC): Outage | undefined {
  const outage: unknown = ctx.state[outageStateKey];
  return isOutage(outage) ? outage : undefined;
}

/** How long a client should wait after `outage`: what the shed load asks, else the API's 5 s. */
export function retryAfterSecondsOf(outage: Outage): number {
  return outage instanceof OverloadedError ? outage.retryAfterSeconds : unavailableRetryAfterSeconds;
}

/** Logs a failure as the API logs its own (adapter-http's error handler): the cause, never a statement. */
export function logFailure(log: FastifyBaseLogger | undefined, error: unknown): void {
  if (error instanceof StorageUnavailableError) {
    log?.error({ code: error.code, message: error.message }, "database unavailable");
  } else if (error instanceof OverloadedError) {
    log?.warn({ err: error }, "overloaded");
  } else {
    log?.error({ err: error }, "unhandled error");
  }
}
