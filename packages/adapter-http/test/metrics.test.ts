import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildMetricsApp, createMetrics, type Metrics } from "../src/index.ts";
import { isPrivateAddress, oidcEndpointOf } from "../src/metrics.ts";
import { buildTestApp, registerUser, validRegistration } from "./test-app.ts";

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(metrics: Metrics, options: { loginMax?: number; serveMetrics?: boolean } = {}) {
  const { app } = await buildTestApp({
    metrics,
    ...(options.serveMetrics === undefined ? {} : { serveMetrics: options.serveMetrics }),
    rateLimit: {
      enabled: true,
      windowMs: 900_000,
      loginMax: options.loginMax ?? 1000,
      registerMax: 1000,
      generalMax: 1000,
    },
    // A stand-in for the OpenID Connect provider: one wildcard route that writes the raw response.
    plugins: [
      async (root) => {
        root.all("/oidc/*", async (_request, reply) => {
          reply.hijack();
          reply.raw.writeHead(200, { "content-type": "application/json" });
          reply.raw.end("{}");
        });
      },
    ],
  });
  apps.push(app);
  return app;
}

async function scrape(app: FastifyInstance): Promise<string> {
  const response = await app.inject({ method: "GET", url: "/metrics" });
  expect(response.statusCode).toBe(200);
  expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.body;
}

/** The value of one series line, e.g. `superoauth_sign_ins_total{method="password",result="succeeded"}`. */
function seriesValue(body: string, series: string): number | null {
  const line = body.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  it("records each request's duration by route pattern and status, never the raw URL", async () => {
    const app = await start(createMetrics({ processMetrics: false }));
    await app.inject({ method: "GET", url: "/health" });
    await app.inject({ method: "DELETE", url: "/api/v1/auth/sessions/0190a000-0000-7000-8000-00000000abcd" });
    await app.inject({ method: "GET", url: "/not/a/route/ada@example.com?token=secret-in-url" });
    const body = await scrape(app);
    expect(
      seriesValue(
        body,
        'superoauth_http_request_duration_seconds_count{method="GET",route="/health",status="200"}',
      ),
    ).toBe(1);
    expect(
      seriesValue(
        body,
        'superoauth_http_request_duration_seconds_count{method="DELETE",route="/api/v1/auth/sessions/:id",status="401"}',
      ),
    ).toBe(1);
    expect(
      seriesValue(
        body,
        'superoauth_http_request_duration_seconds_count{method="GET",route="(unmatched)",status="404"}',
      ),
    ).toBe(1);
    expect(body).not.toContain("0190a000");
    expect(body).not.toContain("ada@example.com");
    expect(body).not.toContain("secret-in-url");
  });

  it("counts sign-ins by method and result, refreshes, and rate-limit refusals by route", async () => {
    const app = await start(createMetrics({ processMetrics: false }), { loginMax: 2 });
    const registered = await registerUser(app);
    const logIn = (password: string) =>
      app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: validRegistration.email, password },
      });
    expect((await logIn(validRegistration.password)).statusCode).toBe(200);
    expect((await logIn("Wrong-password-1!")).statusCode).toBe(401);
    expect((await logIn(validRegistration.password)).statusCode).toBe(429);
    await app.inject({
      method: "POST",
      url: "/api/v1/auth/refresh",
      payload: { refreshToken: registered.refreshToken },
    });
    await app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken: "nope" } });
    const body = await scrape(app);
    expect(seriesValue(body, 'superoauth_sign_ins_total{method="password",result="succeeded"}')).toBe(1);
    expect(
      seriesValue(body, 'superoauth_sign_ins_total{method="password",result="INVALID_CREDENTIALS"}'),
    ).toBe(1);
    expect(seriesValue(body, 'superoauth_rate_limited_total{route="/api/v1/auth/login"}')).toBe(1);
    expect(seriesValue(body, 'superoauth_refreshes_total{result="rotated"}')).toBe(1);
    expect(seriesValue(body, 'superoauth_refreshes_total{result="rejected"}')).toBe(1);
  });

  it("counts the OpenID Connect provider's calls by endpoint, however the provider is mounted", async () => {
    const app = await start(createMetrics({ processMetrics: false }));
    await app.inject({ method: "GET", url: "/oidc/token" });
    await app.inject({ method: "POST", url: "/oidc/token" });
    await app.inject({ method: "POST", url: "/oidc/token/introspection" });
    await app.inject({ method: "GET", url: "/oidc/some/thing-else" });
    const body = await scrape(app);
    expect(seriesValue(body, 'superoauth_oidc_requests_total{endpoint="/token",status="200"}')).toBe(2);
    expect(
      seriesValue(body, 'superoauth_oidc_requests_total{endpoint="/token/introspection",status="200"}'),
    ).toBe(1);
    expect(seriesValue(body, 'superoauth_oidc_requests_total{endpoint="other",status="200"}')).toBe(1);
  });

  it("exposes what the other adapters report through the metrics' functions", async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.recordHashingQueueWait(0.02);
    metrics.recordMailDelivery("delivered", "verification");
    metrics.recordMailDelivery("failed", "password_reset");
    metrics.recordMailDelivery("failed", "password_reset");
    metrics.exportJobs.watchQueueDepth(async () => ({ pending: 3, running: 1 }));
    metrics.exportJobs.recordJob("succeeded");
    metrics.recordBackgroundTask("password-reset-mail", "failed");
    metrics.recordBackgroundTask("verification-mail", "dropped");
    metrics.recordThirdPartyRefresh("reuse_detected");
    metrics.recordThirdPartyRefresh("rotated");
    metrics.recordThirdPartyRefresh("rotated");
    metrics.recordBackchannelLogout("failed");
    metrics.watchDatabasePool(() => ({ max: 10, inUse: 4, waiting: 1 }));
    metrics.observer.observe({ type: "account_locked" });
    metrics.observer.observe({ type: "refresh", result: "reuse_detected" });
    metrics.observer.observe({ type: "registration", method: "github", result: "created" });
    metrics.observer.observe({ type: "registration", method: "github", result: "unverified_email" });
    metrics.observer.observe({
      type: "provider_exchange",
      provider: "discord",
      result: "TOKEN_EXCHANGE_FAILED",
    });
    const body = await scrape(await start(metrics));
    expect(seriesValue(body, "superoauth_password_hash_queue_wait_seconds_count")).toBe(1);
    expect(seriesValue(body, 'superoauth_password_hash_queue_wait_seconds_bucket{le="0.025"}')).toBe(1);
    expect(
      seriesValue(body, 'superoauth_mail_deliveries_total{outcome="delivered",kind="verification"}'),
    ).toBe(1);
    expect(
      seriesValue(body, 'superoauth_mail_deliveries_total{outcome="failed",kind="password_reset"}'),
    ).toBe(2);
    expect(seriesValue(body, 'superoauth_mail_deliveries_total{outcome="failed",kind="verification"}')).toBe(
      0,
    );
    expect(seriesValue(body, 'superoauth_registrations_total{method="github",result="created"}')).toBe(1);
    expect(
      seriesValue(body, 'superoauth_registrations_total{method="github",result="unverified_email"}'),
    ).toBe(1);
    expect(seriesValue(body, 'superoauth_export_queue_depth{status="pending"}')).toBe(3);
    expect(seriesValue(body, 'superoauth_export_queue_depth{status="running"}')).toBe(1);
    expect(seriesValue(body, 'superoauth_export_jobs_total{outcome="succeeded"}')).toBe(1);
    expect(
      seriesValue(body, 'superoauth_background_tasks_total{task="password-reset-mail",outcome="failed"}'),
    ).toBe(1);
    expect(
      seriesValue(body, 'superoauth_background_tasks_total{task="verification-mail",outcome="dropped"}'),
    ).toBe(1);
    expect(seriesValue(body, 'superoauth_db_pool_connections{state="in_use"}')).toBe(4);
    expect(seriesValue(body, 'superoauth_db_pool_connections{state="waiting"}')).toBe(1);
    expect(seriesValue(body, 'superoauth_db_pool_connections{state="max"}')).toBe(10);
    expect(seriesValue(body, "superoauth_lockouts_total")).toBe(1);
    expect(seriesValue(body, 'superoauth_refreshes_total{result="reuse_detected"}')).toBe(1);
    expect(seriesValue(body, 'superoauth_oidc_refreshes_total{result="reuse_detected"}')).toBe(1);
    expect(seriesValue(body, 'superoauth_oidc_refreshes_total{result="rotated"}')).toBe(2);
    expect(seriesValue(body, 'superoauth_oidc_refreshes_total{result="rejected"}')).toBe(0);
    expect(seriesValue(body, 'superoauth_oidc_backchannel_logouts_total{result="failed"}')).toBe(1);
    expect(seriesValue(body, 'superoauth_oidc_backchannel_logouts_total{result="delivered"}')).toBe(0);
    expect(
      seriesValue(
        body,
        'superoauth_provider_exchanges_total{provider="discord",result="TOKEN_EXCHANGE_FAILED"}',
      ),
    ).toBe(1);
  });

  it("reads the export queue's depth at each scrape, and reports none (the rest still served) when the read fails", async () => {
    const metrics = createMetrics({ processMetrics: false });
    let depth: { pending: number; running: number } | Error = { pending: 2, running: 0 };
    metrics.exportJobs.watchQueueDepth(async () => {
      if (depth instanceof Error) throw depth;
      return depth;
    });
    const app = await start(metrics);
    expect(seriesValue(await scrape(app), 'superoauth_export_queue_depth{status="pending"}')).toBe(2);
    depth = { pending: 0, running: 1 };
    const later = await scrape(app);
    expect(seriesValue(later, 'superoauth_export_queue_depth{status="pending"}')).toBe(0);
    expect(seriesValue(later, 'superoauth_export_queue_depth{status="running"}')).toBe(1);
    depth = new Error("connect ECONNREFUSED 127.0.0.1:3306");
    const scraped = await app.inject({ method: "GET", url: "/metrics" });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).not.toMatch(/^superoauth_export_queue_depth\{/m);
    expect(scraped.body).toContain("superoauth_http_request_duration_seconds");
  });

  it("answers a scrape without the queue's depth when its read hangs (a hung database), within the reading's bound", async () => {
    const metrics = createMetrics({ processMetrics: false, readingTimeoutMs: 200 });
    metrics.exportJobs.watchQueueDepth(() => new Promise(() => {}));
    metrics.watchDatabaseDisk(async () => ({ availableBytes: 5, totalBytes: 10 }));
    const app = await start(metrics);
    const startedAt = performance.now();
    const scraped = await app.inject({ method: "GET", url: "/metrics" });
    expect(performance.now() - startedAt).toBeLessThan(3_000);
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).not.toMatch(/^superoauth_export_queue_depth\{/m);
    expect(seriesValue(scraped.body, 'superoauth_database_disk_bytes{state="available"}')).toBe(5);
  });

  it("has the series the suggested alerts watch from the start, at 0, so increase() sees their first event", async () => {
    const app = await start(createMetrics({ processMetrics: false }));
    const body = await scrape(app);
    for (const series of [
      'superoauth_mail_deliveries_total{outcome="failed",kind="verification"}',
      'superoauth_mail_deliveries_total{outcome="failed",kind="password_reset"}',
      'superoauth_mail_deliveries_total{outcome="failed",kind="export_ready"}',
      'superoauth_mail_deliveries_total{outcome="delivered",kind="password_reset"}',
      'superoauth_registrations_total{method="password",result="created"}',
      'superoauth_registrations_total{method="password",result="taken"}',
      'superoauth_export_jobs_total{outcome="failed"}',
      'superoauth_refreshes_total{result="reuse_detected"}',
      'superoauth_oidc_refreshes_total{result="reuse_detected"}',
      'superoauth_oidc_backchannel_logouts_total{result="failed"}',
      'superoauth_sign_ins_total{method="password",result="INVALID_CREDENTIALS"}',
      'superoauth_provider_exchanges_total{provider="github",result="TOKEN_EXCHANGE_FAILED"}',
      'superoauth_provider_exchanges_total{provider="google",result="succeeded"}',
      'superoauth_rate_limited_total{route="/api/v1/auth/login"}',
      'superoauth_background_tasks_total{task="password-reset-mail",outcome="failed"}',
      'superoauth_background_tasks_total{task="verification-mail",outcome="dropped"}',
    ]) {
      expect(seriesValue(body, series), series).toBe(0);
    }
  });

  it("includes the default process metrics unless told not to", async () => {
    const body = await scrape(await start(createMetrics()));
    expect(body).toContain("process_cpu_user_seconds_total");
    expect(body).toContain("nodejs_heap_size_used_bytes");
  });

  it("collects the process series once per process, however many services are built", async () => {
    // prom-client's collectors are never stopped (a GC observer, an event-loop monitor): one set
    // per service left both running after its close, about 16 KB and a 10 ms timer each.
    const gcCount = (body: string) =>
      body
        .split("\n")
        .filter((line) => line.startsWith("nodejs_gc_duration_seconds_count{"))
        .reduce((sum, line) => sum + Number(line.split(" ")[1]), 0);
    const first = createMetrics();
    // Garbage enough for several collections, which the GC series counts.
    let kept = 0;
    for (let i = 0; i < 50_000; i++) kept += new Array(1_000).fill(i).length;
    expect(kept).toBe(50_000_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const collectedSoFar = gcCount((await first.render()).body);
    expect(collectedSoFar).toBeGreaterThan(0);
    // A service built later reports the same process, not one whose collections start now.
    const second = createMetrics();
    expect(gcCount((await second.render()).body)).toBeGreaterThanOrEqual(collectedSoFar);
  });

  it("is outside the rate limits and read-only", async () => {
    const app = await start(createMetrics({ processMetrics: false }));
    const scraped = await app.inject({ method: "GET", url: "/metrics" });
    expect(scraped.headers["x-ratelimit-limit"]).toBeUndefined();
    const posted = await app.inject({ method: "POST", url: "/metrics", payload: {} });
    expect(posted.statusCode).toBe(404);
  });

  it("is absent without metrics, and when a listener of its own serves it", async () => {
    const { app: without } = await buildTestApp();
    apps.push(without);
    expect((await without.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(404);

    const metrics = createMetrics({ processMetrics: false });
    const main = await start(metrics, { serveMetrics: false });
    await main.inject({ method: "GET", url: "/health" });
    expect((await main.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(404);
    const separate = await buildMetricsApp(metrics);
    apps.push(separate);
    const scraped = await separate.inject({ method: "GET", url: "/metrics" });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.headers["x-request-id"]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(scraped.body).toContain('route="/health"');
    expect((await separate.inject({ method: "GET", url: "/health" })).statusCode).toBe(404);
  });
});

describe("who may read /metrics on the main port", () => {
  it("a client on a private network or loopback; a stranger gets the 404 of an unknown route", async () => {
    const app = await start(createMetrics({ processMetrics: false }));
    for (const remoteAddress of ["127.0.0.1", "10.0.3.7", "172.20.0.9", "192.168.1.20", "::1", "fd00::5"]) {
      const scraped = await app.inject({ method: "GET", url: "/metrics", remoteAddress });
      expect(scraped.statusCode, remoteAddress).toBe(200);
    }
    const unknownRoute = await app.inject({ method: "GET", url: "/metricz", remoteAddress: "203.0.113.5" });
    for (const remoteAddress of ["203.0.113.5", "8.8.8.8", "::ffff:203.0.113.5", "2001:db8::1"]) {
      const refused = await app.inject({ method: "GET", url: "/metrics", remoteAddress });
      expect(refused.statusCode, remoteAddress).toBe(404);
      expect(refused.json()).toEqual({
        ...unknownRoute.json(),
        message: "Route GET /metrics not found",
      });
    }
  });

  it("behind a trusted proxy, by the client's address the proxy names, not the proxy's", async () => {
    const { app } = await buildTestApp({
      metrics: createMetrics({ processMetrics: false }),
      trustProxy: ["127.0.0.1"],
    });
    apps.push(app);
    const through = (client: string) =>
      app.inject({ method: "GET", url: "/metrics", headers: { "x-forwarded-for": client } });
    expect((await through("198.51.100.4")).statusCode).toBe(404);
    expect((await through("10.0.0.8")).statusCode).toBe(200);
  });

  it("isPrivateAddress knows the private ranges and nothing else", () => {
    for (const address of [
      "127.0.0.1",
      "10.255.255.255",
      "172.31.0.1",
      "192.168.0.1",
      "169.254.1.1",
      "100.64.0.1",
      "::1",
      "fc00::1",
      "fe80::1",
      "::ffff:10.0.0.1",
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of [
      "172.32.0.1",
      "11.0.0.1",
      "192.169.0.1",
      "1.1.1.1",
      "2001:db8::1",
      "::ffff:8.8.8.8",
      "not an address",
      "",
    ])
      expect(isPrivateAddress(address), address).toBe(false);
  });
});

describe("oidcEndpointOf", () => {
  it.each([
    ["/oidc/token", "/token"],
    ["/oidc/token/introspection?x=1", "/token/introspection"],
    ["/oidc/auth/Ab3-xyz", "/auth/:uid"],
    ["/oidc/anything/else/ada@example.com", "other"],
    ["/oidcx/token", null],
    ["/api/v1/auth/login", null],
  ])("%s is %s", (url, endpoint) => {
    expect(oidcEndpointOf(url)).toBe(endpoint);
  });
});
