import type { UseCases } from "@superoauth/application";
import { oauthProviderNames } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import {
  type CheckResult,
  checkDependencies,
  type DependencyCheck,
  type DependencyStatus,
  withinCheckTime,
} from "../dependency-checks.ts";
import { errorEnvelopeOf } from "../error-responses.ts";
import type { ServicePages } from "../pages/service-pages.ts";
import { successEnvelope } from "../schemas.ts";

/** One line of the status page: a part of the service as its users see it. */
export interface StatusComponent {
  readonly name: string;
  readonly label: string;
  readonly status: DependencyStatus;
}

/** What /status and /status.json show. */
export interface ServiceStatus {
  /**
   * down: the API answers 503 (a dependency /ready requires is down: the database, its migrations,
   * or Redis, behind every rate-limited route); degraded: something else is not up.
   */
  readonly status: DependencyStatus;
  readonly updatedAt: string;
  readonly notice: string | null;
  readonly components: readonly StatusComponent[];
}

export interface StatusOptions {
  /**
   * The notice configured at start (MAINTENANCE_NOTICE), shown when no admin has set one through
   * the admin API (which every instance reads on each refresh of the status, so it shows everywhere
   * within the cache's few seconds).
   */
  readonly maintenanceNotice: () => Promise<string | null> | string | null;
}

/** How long one computed status serves every visitor: the page cannot be used to load the database. */
const statusCacheMs = 5_000;

const componentStatus = Type.Union([Type.Literal("up"), Type.Literal("degraded"), Type.Literal("down")]);
const serviceStatus = Type.Object({
  status: componentStatus,
  updatedAt: Type.String(),
  notice: Type.Union([Type.String(), Type.Null()]),
  components: Type.Array(Type.Object({ name: Type.String(), label: Type.String(), status: componentStatus })),
});

/** The worse of some statuses (none: up). */
function worst(statuses: readonly (DependencyStatus | undefined)[]): DependencyStatus {
  if (statuses.includes("down")) return "down";
  if (statuses.includes("degraded")) return "degraded";
  return "up";
}

/**
 * The public status: the API itself, then each dependency from the same checks /ready runs
 * (pending migrations and, on SQLite, a short disk count against the database), then each enabled
 * sign-in provider. A provider is shown up while it is configured: the page makes no call to it (a
 * public page must not trigger outbound requests), and a provider's own outages show in the
 * sign-in metrics.
 */
function componentsOf(
  checks: Readonly<Record<string, CheckResult>>,
  providers: readonly (keyof typeof oauthProviderNames)[],
): StatusComponent[] {
  // The API is down whenever /ready is not ready: a required dependency down means 503 on every
  // route that needs it, which for Redis (the rate limiter fails closed) is every API route, the
  // hosted pages and the OpenID endpoints. Saying "API operational" then misleads users and support.
  const requiredDown = Object.values(checks).some((check) => check.required && check.status === "down");
  const components: StatusComponent[] = [
    { name: "api", label: "API", status: requiredDown ? "down" : "up" },
    {
      name: "database",
      label: "Database",
      status: worst([checks.database?.status, checks.migrations?.status, checks.disk?.status]),
    },
  ];
  if (checks.redis !== undefined)
    components.push({ name: "redis", label: "Redis", status: checks.redis.status });
  components.push({ name: "mail", label: "Mail", status: checks.smtp?.status ?? "up" });
  for (const provider of providers)
    components.push({ name: provider, label: `Sign-in with ${oauthProviderNames[provider]}`, status: "up" });
  return components;
}

/** GET /status (HTML) and GET /status.json, from one cached computation. */
export async function statusRoutes(
  app: FastifyInstance,
  options: {
    checks: readonly DependencyCheck[];
    useCases: UseCases;
    status: StatusOptions;
    /** The page of `/status`; none: `/status.json` only. */
    pages: ServicePages | undefined;
  },
): Promise<void> {
  // The admin's notice, else the configured one: a database that does not answer (the page says
  // so) does not hide the configured notice. Read within the checks' time, as they are: a hung
  // database would otherwise hold every visitor for DATABASE_CONNECT_TIMEOUT, the page's 5 s cache
  // expiring while each computation waited, so that every request waited.
  const noticeInForce = async (): Promise<string | null> => {
    try {
      const stored = await withinCheckTime(options.useCases.findMaintenanceNotice({}));
      if (stored === "timed out") app.log.warn("status: the maintenance notice could not be read in time");
      else if (stored !== null) return stored.message;
    } catch (error) {
      app.log.warn({ err: error }, "status: the maintenance notice could not be read");
    }
    return options.status.maintenanceNotice();
  };
  let cached: { at: number; status: Promise<ServiceStatus> } | undefined;
  const compute = async (): Promise<ServiceStatus> => {
    const [report, providers, notice] = await Promise.all([
      checkDependencies(options.checks, (name, error) =>
        app.log.warn({ err: error, dependency: name }, "status check failed"),
      ),
      options.useCases.listOAuthProviders({}),
      noticeInForce(),
    ]);
    const components = componentsOf(report.checks, providers);
    const api = components.find((c) => c.name === "api")?.status;
    const others = worst(components.map((c) => c.status));
    return {
      status: api === "down" ? "down" : others === "up" ? "up" : "degraded",
      updatedAt: new Date().toISOString(),
      notice: notice === null || notice.trim() === "" ? null : notice,
      components,
    };
  };
  const current = (): Promise<ServiceStatus> => {
    const now = performance.now();
    if (cached === undefined || now - cached.at >= statusCacheMs) {
      const status = compute();
      cached = { at: now, status };
      status.catch(() => {
        if (cached?.status === status) cached = undefined;
      });
    }
    return cached.status;
  };

  // No rate limit, as for /health: the answer is computed at most once per statusCacheMs whatever
  // the traffic, and a limiter that fails closed would hide the page exactly when Redis is down.
  app.get(
    "/status.json",
    {
      config: { limit: "none" },
      // As /health's: no limit to answer 429, and no dependency whose loss would be a 503; the one
      // 503 is every route's while the instance closes (refuseRequestsWhileClosing).
      schema: {
        response: {
          200: successEnvelope(serviceStatus),
          500: errorEnvelopeOf(["INTERNAL_ERROR"]),
          503: errorEnvelopeOf(["SERVICE_UNAVAILABLE"]),
        },
      },
    },
    async (_request, reply) => reply.send({ success: true, data: await current() }),
  );
  const { pages } = options;
  if (pages !== undefined)
    app.get("/status", { config: { limit: "none" } }, async (_request, reply) =>
      reply
        .headers(pages.headers)
        .type("text/html; charset=utf-8")
        .send(pages.status(await current())),
    );
}
