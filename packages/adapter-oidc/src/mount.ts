import type { ProviderPages, RateLimitGroup, RateLimitRefusal } from "@superoauth/application";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";
import type { Provider } from "oidc-provider";
import { rememberFastifyRequest } from "./fastify-requests.ts";
import { providerFlowOf } from "./provider-settings.ts";

// The route config adapter-http's rate limiter reads, augmented here too (adapters do not import
// each other); the budgets are the application's.
declare module "fastify" {
  interface FastifyContextConfig {
    limit?: RateLimitGroup;
    limitReply?: (reply: FastifyReply, refusal: RateLimitRefusal) => Promise<unknown> | unknown;
  }
}

/**
 * The endpoints apps' servers call without a browser: their own budget (RATE_LIMIT_PROTOCOL_MAX),
 * not the general one a person's browsing draws on (100 per 15 minutes by default). Userinfo and the
 * JWKS are called by every relying party's backend for its users (behind one NAT address, often);
 * in the general budget a busy app ran the address out of it, and a key rotation's new `kid` then
 * could not be fetched.
 */
const protocolPaths = [
  "/oidc/token",
  "/oidc/token/introspection",
  "/oidc/token/revocation",
  "/oidc/request",
  "/oidc/device/auth",
  "/oidc/me",
  "/oidc/jwks",
];

/**
 * The page where a person types a device's user code (and where the code in the link lands): a
 * budget of its own (RATE_LIMIT_DEVICE_CODE_MAX), as a user code is short enough to guess (RFC
 * 8628 §5.1), and refusals as a page.
 */
const deviceCodePage = "/oidc/device";

const methods: HTTPMethods[] = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"];

/**
 * Mounts the provider into the Fastify app: Fastify routes the paths (so our rate limits see
 * them), then hands the raw request to the library's Koa app (`reply.hijack()`, as the library's
 * docs mount it under a prefix). The routes live in their own scope whose content-type parser reads
 * nothing: the library parses the body itself (lib/shared/selective_body.js) and would otherwise
 * fall back to whatever Fastify parsed, with a warning and different parsing.
 */
/**
 * The pages' `contentSecurityPolicy` (the hosted pages' own) covers the library's pages too: they
 * are ours (ProviderPages), the in-between form's included (ADR 0067), and carry no inline script.
 */
export async function mountProvider(
  app: FastifyInstance,
  provider: Provider,
  pages: ProviderPages,
): Promise<void> {
  const headers = headersOf(pages.contentSecurityPolicy);
  const callback = provider.callback();
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null));

    const handle = (request: FastifyRequest, reply: FastifyReply): void => {
      // What the hooks put on the reply (the rate limit's X-RateLimit-*) would be lost with the
      // hijack: it goes on the raw response first, as every other answer carries it.
      const fromHooks = reply.getHeaders();
      reply.hijack();
      request.raw.url = originFormOf(request.raw.url ?? "/");
      rememberFastifyRequest(request);
      const response = reply.raw;
      for (const [name, value] of Object.entries(fromHooks))
        if (value !== undefined) response.setHeader(name, value);
      for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
      void callback(request.raw, response);
    };

    // Fastify refuses a malformed Content-Type (an empty one, a type without a subtype) before any
    // parser runs. Left to the app's error handler, that answered our API's envelope ("Content-Type
    // must be application/json") at endpoints that take forms and speak RFC 6749 (ADR 0019).
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.code !== "FST_ERR_CTP_INVALID_MEDIA_TYPE") throw error;
      const description = "the Content-Type header is malformed: send application/x-www-form-urlencoded";
      reply.code(400).headers(headers);
      if ((request.headers.accept ?? "").includes("text/html"))
        return reply
          .type("text/html; charset=utf-8")
          .send(pages.error({ error: "invalid_request", description, during: providerFlowOf(request.url) }));
      return reply
        .type("application/json")
        .send({ error: "invalid_request", error_description: description });
    });

    const answerAsAsked = refusalAsAsked(pages, headers);
    for (const url of protocolPaths) {
      scope.route({
        method: methods,
        url,
        config: { limit: "protocol", limitReply: protocolLimitReply },
        handler: handle,
      });
    }
    scope.route({
      method: methods,
      url: deviceCodePage,
      config: { limit: "deviceCode", limitReply: answerAsAsked },
      handler: handle,
    });
    scope.route({
      method: methods,
      url: "/oidc/*",
      config: { limitReply: answerAsAsked },
      handler: (request, reply) => {
        // The library's router takes /oidc/Device/ for the device page too: only its own spelling
        // is served, or the page's budget could be sidestepped by spelling it otherwise.
        if (isDeviceCodePageSpelledOtherwise(request.url)) return reply.callNotFound();
        handle(request, reply);
      },
    });
    // The issuer has no path, so both discovery documents sit at the root (RFC 8414 §3; the
    // library serves the same metadata at both).
    for (const url of ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]) {
      scope.route({
        method: ["GET", "HEAD", "OPTIONS"],
        url,
        config: { limit: "protocol", limitReply: protocolLimitReply },
        handler: handle,
      });
    }
  });
}

/**
 * A request target in absolute form (`GET http://other.example/oidc/token HTTP/1.1`, which a
 * server must accept, RFC 9112 §3.2.2) as its path and query. The library builds every URL it
 * publishes or checks (discovery's endpoints, the `htu` of a DPoP proof, a client assertion's
 * audience) from Koa's `href`, which is the target itself when it is absolute: the issuer's origin
 * that provider.ts puts on the request was bypassed, and any client could name its own.
 */
function originFormOf(target: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return target;
  const url = URL.parse(target);
  return url === null ? "/" : `${url.pathname}${url.search}`;
}

/**
 * What a browser app may read of an answer under /oidc beyond the safelisted headers: when to
 * retry, the request to quote, the rate-limit budget (the API's CORS exposes the same). The
 * library's own CORS exposes `WWW-Authenticate` alone; provider.ts adds these to its answers.
 */
export const headersExposedToBrowserApps = [
  "retry-after",
  "x-request-id",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
] as const;

/** The headers of every answer under /oidc: the pages' CSP, and no caching (both headers), sniffing, referrer or framing. */
function headersOf(contentSecurityPolicy: string): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy,
    "cache-control": "no-store",
    // RFC 6749 §5.1 asks for it beside no-store on answers carrying tokens, for HTTP/1.0 caches.
    pragma: "no-cache",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
  };
}

/** Whether `url` names the device-code page in another spelling than its own (case, trailing slashes). */
function isDeviceCodePageSpelledOtherwise(url: string): boolean {
  const path = url.split("?")[0] ?? "";
  return path !== deviceCodePage && path.toLowerCase().replace(/\/+$/, "") === deviceCodePage;
}

/**
 * A refused request under /oidc as its asker reads it: a browser gets the page of the flow it was
 * in (the device page's "too many codes" among them), a client the protocol's JSON.
 */
function refusalAsAsked(
  pages: ProviderPages,
  headers: Record<string, string>,
): (reply: FastifyReply, refusal: RateLimitRefusal) => FastifyReply {
  return (reply, refusal) => {
    if (!(reply.request.headers.accept ?? "").includes("text/html"))
      return protocolLimitReply(reply, refusal);
    const during = providerFlowOf(reply.request.url);
    const limited = refusal.code === "RATE_LIMIT_EXCEEDED";
    const minutes = Math.max(1, Math.ceil((refusal.retryAfterSeconds ?? 60) / 60));
    const wait = `Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
    return reply
      .code(limited ? 429 : 503)
      .headers(headers)
      .type("text/html; charset=utf-8")
      .send(
        pages.error({
          error: "temporarily_unavailable",
          description: !limited
            ? "This page is unavailable for a moment. Try again shortly."
            : during === "device"
              ? `Too many codes were tried from your network. ${wait}`
              : `Too many requests from your network. ${wait}`,
          during,
        }),
      );
  };
}

/**
 * A refused protocol request answers like the protocol (RFC 6749 §5.2 shape), not our envelope (ADR 0019).
 * A browser app's request (it names its `Origin`: a single-page app's token refresh, its discovery
 * or JWKS fetch) is refused before the library's CORS, which would say which origins may read it:
 * without CORS headers of its own the app saw a network error instead of the 429 or 503, and could
 * not read `Retry-After`. The refusal holds nothing but "retry later", and the client is not known
 * yet (its id is in the body, unread), so any origin may read it, without credentials.
 */
function protocolLimitReply(reply: FastifyReply, refusal: RateLimitRefusal): FastifyReply {
  const limited = refusal.code === "RATE_LIMIT_EXCEEDED";
  const origin = reply.request.headers.origin;
  if (origin !== undefined)
    reply
      .header("access-control-allow-origin", origin)
      .header("vary", "Origin")
      .header("access-control-expose-headers", headersExposedToBrowserApps.join(", "));
  return reply
    .code(limited ? 429 : 503)
    .header("cache-control", "no-store")
    .type("application/json")
    .send({
      error: "temporarily_unavailable",
      error_description: limited
        ? `Too many requests; retry in ${refusal.retryAfterSeconds ?? 60} seconds`
        : (refusal.reason ?? "Rate limiting is temporarily unavailable; retry shortly"),
    });
}
