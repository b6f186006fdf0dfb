import cookie from "@fastify/cookie";
import {
  DeletedMeanwhileError,
  OverloadedError,
  StorageUnavailableError,
  type UseCases,
} from "@superoauth/application";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HTTPMethods,
} from "fastify";
import { type APIDocsOptions, describeAPI, inArea, serveAPIDocs } from "./api-docs.ts";
import { refuseUnreadableBodies } from "./body-encoding.ts";
import { allowCrossOriginAPICalls } from "./cors.ts";
import type { DependencyCheck } from "./dependency-checks.ts";
import { answerMalformedRequest } from "./malformed-requests.ts";
import { isPrivateAddress, type Metrics, metricsRoute, recordRequests } from "./metrics.ts";
import { type ServicePages, wantsPage } from "./pages/service-pages.ts";
import { type RateLimitSettings, registerRateLimits } from "./rate-limit.ts";
import { sendError } from "./replies.ts";
import { echoRequestIds, requestIdGenerator, requestIdHeader } from "./request-id.ts";
import { childLoggerWithoutQueries, logRequestHeaders } from "./request-logging.ts";
import { accountRecoveryRoutes } from "./routes/account-recovery.ts";
import { adminRoutes } from "./routes/admin.ts";
import { appRoutes } from "./routes/apps.ts";
import { authRoutes } from "./routes/auth.ts";
import { dataExportRoutes } from "./routes/data-export.ts";
import { healthRoutes } from "./routes/health.ts";
import { oauthRoutes } from "./routes/oauth.ts";
import { pageRoutes } from "./routes/pages.ts";
import { reauthenticateRoutes } from "./routes/reauthenticate.ts";
import { sessionRoutes } from "./routes/sessions.ts";
import { type StatusOptions, statusRoutes } from "./routes/status.ts";
import { twoFactorRoutes } from "./routes/two-factor.ts";
import { userRoutes } from "./routes/user.ts";
import { holdRequestsUntilOpen, refuseRequestsWhileClosing, type StartGate } from "./start-gate.ts";
import { describeValidationError } from "./validation-message.ts";

/** The built HTTP application (a Fastify instance). */
export type HttpApp = FastifyInstance;

/**
 * Which peers may tell us the client's address in X-Forwarded-For: none (false), every one (true),
 * the nearest n hops, or these addresses, CIDR ranges and proxy-addr range names. Fastify's
 * proxy-addr walks the header from the right and answers the first address it does not trust.
 */
export type TrustProxy = boolean | number | readonly string[];

export interface HttpAppOptions {
  readonly useCases: UseCases;
  readonly rateLimit: RateLimitSettings;
  /** Take the client IP from X-Forwarded-For (only behind proxies you control). */
  readonly trustProxy: TrustProxy;
  /**
   * Keep each request's id at hand while its work runs (currentRequestId), for log lines written
   * away from its logger; off by default, as it costs every request a little.
   */
  readonly requestContext?: boolean;
  /** Readiness: is the database reachable? (/ready's `database` check) */
  readonly checkReadiness: () => Promise<boolean>;
  /**
   * The other dependencies /ready and /status report (pending migrations, SMTP, ...); Redis, when
   * the rate limits use it, is checked by the app itself.
   */
  readonly dependencyChecks?: readonly DependencyCheck[];
  /** A pino logger; none means silent. */
  readonly logger?: FastifyBaseLogger;
  /** Largest accepted request body; auth requests are small. Default 64 KiB. */
  readonly bodyLimitBytes?: number;
  /** Holds requests back (503) until it answers null: migrations pending at the start (ADR 0046). */
  readonly startGate?: StartGate;
  /** Origins of web apps that may call `/api/v1` from a browser (CORS_ORIGINS); none: no CORS. */
  readonly corsOrigins?: readonly string[];
  /** Secret that signs cookies (OAuth state). */
  readonly cookieSecret?: string;
  /** Social sign-in: where browsers land afterwards, and how its cookies and the device cookie are set. */
  readonly oauth?: {
    /** Default http://localhost:3000/oauth/complete. */
    readonly successRedirectURL?: string;
    /** Default true; false only for local development over plain HTTP. */
    readonly secureCookies?: boolean;
    /** APP_URL is https: `__Host-`-prefixed sign-in and device cookies (ADR 0013). Default false. */
    readonly hostPrefixedCookies?: boolean;
  };
  /** The public status page's settings (its maintenance notice); none: no notice. */
  readonly status?: StatusOptions;
  /** The service's name in the title of the social sign-in landing page (BRAND_NAME). */
  readonly brandName?: string;
  /**
   * The status page and the 404 page a person's browser gets, rendered by the hosted pages
   * (adapter-web's `createServicePages`); none: `/status.json` and the JSON 404 only.
   */
  readonly pages?: ServicePages;
  /**
   * True once the instance drains before its stop (SHUTDOWN_DELAY): /ready answers 503 so the load
   * balancer sends nothing new, while every request that still comes is served.
   */
  readonly draining?: () => boolean;
  /** Prometheus metrics to record every request into (none: nothing is recorded). */
  readonly metrics?: Metrics;
  /**
   * Serve `metrics` at GET /metrics on this app, to clients on private networks only
   * (`isPrivateAddress`); false when METRICS_PORT has a listener of its own.
   */
  readonly serveMetrics?: boolean;
  /** Describe the API (OpenAPI 3.1) and serve the description and its reference page at /docs; none: neither. */
  readonly apiDocs?: APIDocsOptions;
  /**
   * More routes from other adapters (the OpenID Connect provider, the hosted pages), registered
   * last in the root scope, so the rate limits, cookies and no-store headers apply to them too.
   * Each sets its own error handler for errors that are not the JSON envelope's.
   */
  readonly plugins?: readonly ((app: FastifyInstance) => Promise<void>)[];
}

/**
 * Fastify's own form of a TrustProxy. Fastify 5.12 deliberately trusts nothing for a bare hop
 * count (it cannot tell a proxy from a direct client that sends X-Forwarded-For itself), so a hop
 * count becomes a function that trusts the nearest `hops` addresses: the peer (hop 0) and the
 * entries our own proxies appended. Safe only when no client can reach the service except through
 * those proxies (docs/operations.md, ADR 0011); an address list has no such condition.
 */
function proxyTrustOf(
  trustProxy: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trustProxy === "number") return (_address, hop) => hop < trustProxy;
  if (typeof trustProxy === "boolean") return trustProxy;
  return [...trustProxy];
}

const emptyJSONBodyMessage = "Request body must not be empty with Content-Type application/json";

/** Whether the request declares a JSON body (any parameters), though it sent none. */
function isDeclaredJSON(request: FastifyRequest): boolean {
  const type = request.headers["content-type"];
  return typeof type === "string" && /^\s*application\/json\s*(;|$)/i.test(type);
}

/**
 * How long a client may take to send a whole request, headers and body (Node's `requestTimeout`,
 * beside its `headersTimeout` of 60 s; Node checks both every 30 s: measured, a trickle of headers
 * was answered 408 after 54 s, a body that never ended after 84 s), and how long a connection
 * may sit with nothing sent or read (the socket's timeout: a client that stops reading its answer).
 * Fastify sets neither by default (0: never): a body that never ended held its connection, and what
 * it had sent, for as long as the client liked (1,000 such connections: 51 MB, and the file
 * descriptors, 20,000 at most, were one address's to take), and so did an answer never read.
 * Requests here are a few KB (the body limit is 64 KiB); the longest handler waits about 30 s
 * (the database's 5 s timeouts, a provider's 10 s calls), under the idle limit, which is above the
 * keep-alive's 72 s so as not to shorten it.
 */
export const requestTimeoutMs = 30_000;
export const idleConnectionTimeoutMs = 120_000;

/** Builds the HTTP application without listening, so tests can use inject(). */
export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    trustProxy: proxyTrustOf(options.trustProxy),
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    requestTimeout: requestTimeoutMs,
    connectionTimeout: idleConnectionTimeoutMs,
    // Strict types: a number where a string belongs is a validation error, not a silent conversion.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: true, allErrors: false } },
    // Requests arriving while the app closes are refused by refuseRequestsWhileClosing, in the envelope.
    return503OnClosing: false,
    // A `__proto__` or `constructor.prototype` key in a JSON body is dropped, as any field a route
    // does not know is ignored, rather than refused as "not valid JSON", which it is (Fastify's
    // parser reports every refusal so). Nothing reaches an object's prototype either way.
    onProtoPoisoning: "remove",
    onConstructorPoisoning: "remove",
    childLoggerFactory: childLoggerWithoutQueries,
    genReqId: requestIdGenerator(options.trustProxy),
    // Node's HTTP parser's refusals (headers too large, a malformed request) in the envelope too.
    clientErrorHandler: answerMalformedRequest,
    // The router's own refusals (a malformed percent-encoding, an over-long path parameter)
    // come before any handler: answer them with the envelope too. They come before every hook as
    // well (onRequest, onSend), so the headers every answer carries are set here: the request's id
    // (its log line has it) and no-store.
    frameworkErrors: (error, request, reply) => {
      setAnswerHeaders(reply.header(requestIdHeader, request.id));
      return sendError(
        reply,
        "VALIDATION_ERROR",
        error.code === "FST_ERR_MAX_PARAM_LENGTH" ? "A path parameter is too long" : "Malformed request URL",
      );
    },
  });
  // Before any route: the description collects the routes as they are added.
  if (options.apiDocs !== undefined) await describeAPI(app, options.apiDocs);
  app.decorateRequest("auth", null);

  echoRequestIds(app, { keepContext: options.requestContext === true });
  refuseRequestsWhileClosing(app);
  logRequestHeaders(app);
  if (options.metrics !== undefined) recordRequests(app, options.metrics);
  await app.register(cookie, options.cookieSecret === undefined ? {} : { secret: options.cookieSecret });
  await allowCrossOriginAPICalls(app, options.corsOrigins ?? []);
  if (options.startGate !== undefined) holdRequestsUntilOpen(app, options.startGate);
  const { counterStoreCheck } = await registerRateLimits(app, options.rateLimit);
  // Fastify parses text/plain by default; an auth API takes JSON only, and a parser we do not
  // have gives the clearer "Content-Type must be application/json" answer.
  app.removeContentTypeParser("text/plain");
  // An empty body declared as JSON is no body: clients that send `Content-Type: application/json`
  // on every request (the contract's own sample does) can call the routes that take none
  // (logout, logout-all, ending a session, 2FA setup). A route that needs a body still refuses it.
  const parseJSON = app.getDefaultJsonParser("remove", "remove");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    // parseAs "string": the body is a string; the library's parser answers through `done`.
    void parseJSON(request, String(body), done);
  });

  app.addHook("onSend", async (_request, reply, payload) => {
    setAnswerHeaders(reply);
    return payload;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation !== undefined) {
      if (error.validationContext === "body" && request.body === undefined && isDeclaredJSON(request))
        return sendError(reply, "VALIDATION_ERROR", emptyJSONBodyMessage);
      return sendError(reply, "VALIDATION_ERROR", describeValidationError(error));
    }
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE" || error.statusCode === 413) {
      return sendError(reply, "PAYLOAD_TOO_LARGE");
    }
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return sendError(reply, "VALIDATION_ERROR", "Content-Type must be application/json");
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      // Fastify's other client errors: malformed JSON, bad content length, and the like.
      request.log.info({ code: error.code }, "client error");
      return sendError(
        reply,
        "VALIDATION_ERROR",
        error.code === "FST_ERR_CTP_INVALID_JSON_BODY"
          ? "Request body is not valid JSON"
          : "Malformed request",
      );
    }
    if (error instanceof StorageUnavailableError) {
      // The database is down or not answering: temporary, and not the client's fault nor a bug.
      request.log.error({ code: error.code, message: error.message }, "database unavailable");
      return sendError(reply, "SERVICE_UNAVAILABLE");
    }
    if (error instanceof DeletedMeanwhileError) {
      // The account (or what the request acted on) was deleted while the request ran.
      request.log.info({ err: error }, "deleted while the request ran");
      return sendError(reply, "USER_NOT_FOUND", "The account was deleted while this request ran");
    }
    if (error instanceof OverloadedError) {
      // Shed load (too many slow hashes waiting): the client may try again shortly.
      request.log.warn({ err: error }, "overloaded");
      reply.header("Retry-After", String(error.retryAfterSeconds));
      return sendError(
        reply,
        "SERVICE_UNAVAILABLE",
        error.publicMessage ?? "The service is busy; try again in a moment",
      );
    }
    // Anything else is our fault: log it whole, tell the client nothing about it.
    request.log.error({ err: error }, "unhandled error");
    return sendError(reply, "INTERNAL_ERROR");
  });

  const brandName = options.brandName ?? "SuperOAuth";
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    // A person's browser (it asks for HTML) outside the API gets a page, not the envelope.
    const { pages } = options;
    const reads = request.method === "GET" || request.method === "HEAD";
    if (pages !== undefined && reads && wantsPage(request.headers.accept, path)) {
      return reply.code(404).headers(pages.headers).type("text/html; charset=utf-8").send(pages.notFound());
    }
    // An API path served by other methods: 405 with them in Allow (RFC 9110 section 15.5.6), so a
    // client that sent DELETE to a POST route learns its mistake, not that the route is missing.
    // Only the API's: /metrics answers a stranger as if it were not there, and an OPTIONS that is
    // no CORS preflight keeps its 404 (cors.ts).
    const allowed = path.startsWith("/api/") && request.method !== "OPTIONS" ? allowedMethods(app, path) : [];
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      reply.header("allow", allowed.join(", "));
      return sendError(
        reply,
        "METHOD_NOT_ALLOWED",
        `${path} does not take ${request.method}: use ${allowed.join(" or ")}`,
      );
    }
    return sendError(reply, "NOT_FOUND", `Route ${request.method} ${path} not found`);
  });

  const flowCookieSettings = {
    secureCookies: options.oauth?.secureCookies ?? true,
    hostPrefixedCookies: options.oauth?.hostPrefixedCookies ?? false,
    cookiesCanBeSigned: options.cookieSecret !== undefined,
  };
  const databaseCheck: DependencyCheck = {
    name: "database",
    required: true,
    check: async () => ({ status: (await options.checkReadiness()) ? "up" : "down" }),
  };
  const checks = [
    databaseCheck,
    ...(counterStoreCheck === undefined ? [] : [counterStoreCheck]),
    ...(options.dependencyChecks ?? []),
  ];
  await app.register(inArea("Operations", healthRoutes), {
    checks,
    ...(options.draining === undefined ? {} : { draining: options.draining }),
  });
  await app.register(inArea("Operations", statusRoutes), {
    checks,
    useCases: options.useCases,
    status: options.status ?? { maintenanceNotice: () => null },
    pages: options.pages,
  });
  if (options.metrics !== undefined && options.serveMetrics !== false)
    await app.register(metricsRoute, { metrics: options.metrics, allows: isPrivateAddress });
  await app.register(pageRoutes, { useCases: options.useCases, settings: flowCookieSettings, brandName });
  await app.register(
    async (api) => {
      // Only on the routes that read a body: GET /auth/me and the like pay nothing for it.
      api.addHook("onRoute", (route) => {
        if (route.schema?.body === undefined) return;
        const own = route.onRequest === undefined ? [] : [route.onRequest].flat();
        route.onRequest = [refuseUnreadableBodies, ...own];
      });
      // Each route file is one area of the API description (its tag, ADR 0029).
      const withUseCases = { useCases: options.useCases };
      const withCookies = { useCases: options.useCases, settings: flowCookieSettings };
      await api.register(inArea("Sign-in", authRoutes), withCookies);
      await api.register(inArea("Account", userRoutes), withCookies);
      await api.register(inArea("Social sign-in", oauthRoutes), {
        useCases: options.useCases,
        settings: {
          ...flowCookieSettings,
          successRedirectURL: options.oauth?.successRedirectURL ?? "http://localhost:3000/oauth/complete",
        },
      });
      await api.register(inArea("Email and password recovery", accountRecoveryRoutes), withUseCases);
      await api.register(inArea("Sessions", sessionRoutes), withUseCases);
      await api.register(inArea("Two-factor", twoFactorRoutes), withCookies);
      await api.register(inArea("Sign-in", reauthenticateRoutes), withCookies);
      await api.register(inArea("Apps", appRoutes), withUseCases);
      await api.register(inArea("Data export", dataExportRoutes), withUseCases);
      await api.register(inArea("Admin", adminRoutes), withUseCases);
    },
    { prefix: "/api/v1" },
  );
  if (options.apiDocs !== undefined) await serveAPIDocs(app, options.apiDocs);
  for (const plugin of options.plugins ?? []) await plugin(app);
  return app;
}

/**
 * A listener of its own for GET /metrics (METRICS_PORT), e.g. on an interface only the scraper
 * reaches; everything else answers 404.
 */
export async function buildMetricsApp(
  metrics: Metrics,
  options: { trustProxy?: TrustProxy } = {},
): Promise<FastifyInstance> {
  const trustProxy = options.trustProxy ?? false;
  const app = Fastify({
    logger: false,
    trustProxy: proxyTrustOf(trustProxy),
    genReqId: requestIdGenerator(trustProxy),
    requestTimeout: requestTimeoutMs,
    connectionTimeout: idleConnectionTimeoutMs,
  });
  // Its answers say their request's id too, as every answer of the main port does.
  echoRequestIds(app);
  await app.register(metricsRoute, { metrics });
  return app;
}

/**
 * The methods a route of `app` serves `path` by, in a fixed order (HEAD with GET, as Fastify adds
 * it). Not OPTIONS: the CORS preflight answers it on every path.
 */
function allowedMethods(app: FastifyInstance, path: string): string[] {
  return ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].filter(
    (method) => app.findRoute({ method: method as HTTPMethods, url: path }) !== null,
  );
}

/** The headers every answer carries (the onSend hook's, and the router's refusals, which come before it). */
function setAnswerHeaders(reply: FastifyReply): void {
  // Responses of an auth API carry tokens and personal data: never cache them (RFC 9700, RFC 6749 5.1).
  reply.header("Cache-Control", "no-store");
  reply.header("Pragma", "no-cache");
  // No answer of ours is to be read as another type than it says (a JSON error as HTML).
  reply.header("X-Content-Type-Options", "nosniff");
}
