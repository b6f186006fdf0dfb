import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cachedCheck, type DependencyCheck } from "../src/index.ts";
import { buildTestApp, expectError, servicePagesSpy } from "./test-app.ts";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(
  checkReadiness: () => Promise<boolean>,
  dependencyChecks: DependencyCheck[] = [],
): Promise<FastifyInstance> {
  ({ app } = await buildTestApp({ checkReadiness, dependencyChecks }));
  return app;
}

const up = (name: string, required = true): DependencyCheck => ({
  name,
  required,
  check: async () => ({ status: "up" }),
});
const failing = (name: string, required: boolean): DependencyCheck => ({
  name,
  required,
  check: async () => {
    throw new Error(`SECRET_DETAIL of ${name}: 10.1.2.3`);
  },
});

describe("GET /health", () => {
  it("answers 200 with status ok", async () => {
    const response = await (await start(async () => true)).inject({ method: "GET", url: "/health" });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({ success: true, data: { status: "ok" } });
  });

  it("answers 200 even when the database is not reachable (liveness is not readiness)", async () => {
    const response = await (await start(async () => false)).inject({ method: "GET", url: "/health" });

    expect(response.statusCode).toBe(200);
  });
});

describe("GET /ready", () => {
  it("answers 200 with each dependency's status and latency", async () => {
    const response = await (await start(async () => true, [up("migrations")])).inject({
      method: "GET",
      url: "/ready",
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({
      success: true,
      data: {
        status: "ready",
        checks: {
          database: { status: "up", required: true, latencyMs: expect.any(Number) },
          migrations: { status: "up", required: true, latencyMs: expect.any(Number) },
        },
      },
    });
  });

  it("answers SERVICE_UNAVAILABLE 503 naming the database when it does not answer, with the report", async () => {
    const response = await (await start(async () => false, [up("migrations")])).inject({
      method: "GET",
      url: "/ready",
    });

    expect(response.statusCode).toBe(503);
    const body = response.json();
    expect(body).toMatchObject({
      success: false,
      error: "SERVICE_UNAVAILABLE",
      message: "Not ready: database down",
      requestId: response.headers["x-request-id"],
      data: {
        status: "not_ready",
        checks: { database: { status: "down", required: true }, migrations: { status: "up" } },
      },
    });
    expect(response.headers["retry-after"]).toBe("5");
  });

  it("answers 503 naming a required dependency that throws, without its details", async () => {
    const response = await (await start(async () => true, [failing("migrations", true)])).inject({
      method: "GET",
      url: "/ready",
    });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      message: "Not ready: migrations down",
      data: { checks: { migrations: { status: "down", detail: "unreachable" } } },
    });
    expect(response.body).not.toContain("SECRET_DETAIL");
  });

  it("answers 503 without the details when the database check throws", async () => {
    const response = await (
      await start(async () => {
        throw new Error("SECRET_DB_DETAIL: ECONNREFUSED 10.1.2.3:3306");
      })
    ).inject({ method: "GET", url: "/ready" });

    expect(response.statusCode).toBe(503);
    expect(response.json().error).toBe("SERVICE_UNAVAILABLE");
    expect(response.body).not.toContain("SECRET_DB_DETAIL");
  });

  it("stays 200 when only a dependency that is not required is down, and says degraded", async () => {
    const response = await (await start(async () => true, [failing("smtp", false)])).inject({
      method: "GET",
      url: "/ready",
    });

    expect(response.statusCode).toBe(200);
    expect(response.json().data).toMatchObject({
      status: "degraded",
      checks: { smtp: { status: "down", required: false } },
    });
  });

  it("asks the readiness check again on every request", async () => {
    let ready = false;
    const probed = await start(async () => ready);
    expect((await probed.inject({ method: "GET", url: "/ready" })).statusCode).toBe(503);
    ready = true;
    expect((await probed.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
  });
});

describe("GET /ready while the instance drains (SHUTDOWN_DELAY)", () => {
  it("answers SERVICE_UNAVAILABLE 503 saying it is shutting down, asking no dependency; the rest is served", async () => {
    let draining = false;
    const checkReadiness = vi.fn(async () => true);
    ({ app } = await buildTestApp({ checkReadiness, draining: () => draining }));
    expect((await app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
    draining = true;
    checkReadiness.mockClear();
    const response = await app.inject({ method: "GET", url: "/ready" });
    expectError(response, "SERVICE_UNAVAILABLE", 503);
    expect(response.json().message).toBe("Not ready: this instance is shutting down");
    expect(checkReadiness).not.toHaveBeenCalled();
    expect((await app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/api/v1/auth/me" })).statusCode).toBe(401);
  });
});

describe("GET /ready with Redis behind the rate limits", () => {
  const limits = { enabled: true, windowMs: 60_000, loginMax: 100, registerMax: 100, generalMax: 100 };

  it("reports Redis up when it answers", async () => {
    ({ app } = await buildTestApp({
      rateLimit: { ...limits, redisURL: process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379" },
    }));
    const response = await app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(200);
    expect(response.json().data.checks.redis).toMatchObject({ status: "up", required: true });
  });

  it("answers 503 naming Redis when it cannot be reached", async () => {
    // Port 1 on the loopback interface: refused at once, nothing leaves the machine.
    ({ app } = await buildTestApp({ rateLimit: { ...limits, redisURL: "redis://127.0.0.1:1" } }));
    const response = await app.inject({ method: "GET", url: "/ready" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      message: "Not ready: redis down",
      data: { checks: { redis: { status: "down" }, database: { status: "up" } } },
    });
  });
});

describe("GET /status.json and /status", () => {
  it("reports the API, the database and mail, with the maintenance notice, from cached checks", async () => {
    let asked = 0;
    const { pages, shown } = servicePagesSpy();
    const { app: started } = await buildTestApp({
      pages,
      checkReadiness: async () => {
        asked++;
        return true;
      },
      dependencyChecks: [up("migrations"), failing("smtp", false)],
      status: { maintenanceNotice: () => "Upgrade on Sunday <b>02:00</b> UTC" },
    });
    app = started;
    const response = await app.inject({ method: "GET", url: "/status.json" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({
      success: true,
      data: {
        status: "degraded",
        updatedAt: expect.any(String),
        notice: "Upgrade on Sunday <b>02:00</b> UTC",
        components: [
          { name: "api", label: "API", status: "up" },
          { name: "database", label: "Database", status: "up" },
          { name: "mail", label: "Mail", status: "down" },
        ],
      },
    });
    // Within a few seconds every visitor gets the same answer: the database is asked once.
    for (let i = 0; i < 5; i++) await app.inject({ method: "GET", url: "/status.json" });
    await app.inject({ method: "GET", url: "/status" });
    expect(asked).toBe(1);

    const page = await app.inject({ method: "GET", url: "/status" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toBe(pages.headers["content-security-policy"]);
    expect(page.headers["cross-origin-opener-policy"]).toBe("same-origin");
    // The page shows the status /status.json answers (adapter-web's tests check how it reads).
    expect(shown).toHaveLength(2);
    expect(shown.at(-1)).toStrictEqual(response.json().data);
    expect(page.body).toContain("<p>degraded</p>");
  });

  it("answers within the checks' time when the maintenance notice's read hangs (a database that accepts and never answers), with the configured notice", async () => {
    let asked = 0;
    ({ app } = await buildTestApp({
      replaceUseCases: (useCases) => ({
        ...useCases,
        findMaintenanceNotice: () => {
          asked++;
          return new Promise(() => {});
        },
      }),
      status: { maintenanceNotice: () => "Configured notice" },
    }));
    const started = performance.now();
    const body = (await app.inject({ method: "GET", url: "/status.json" })).json();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(body.data.notice).toBe("Configured notice");
    // Still cached: the next visitors within the 5 s get that answer at once.
    await app.inject({ method: "GET", url: "/status" });
    expect(asked).toBe(1);
  });

  it("says down when the database is, lists each enabled provider, and shows no notice when none is set", async () => {
    const { app: started, deps } = await buildTestApp({ checkReadiness: async () => false });
    app = started;
    (deps.oauthProviders as Record<string, unknown>).github = {};
    const body = (await app.inject({ method: "GET", url: "/status.json" })).json();
    expect(body.data).toMatchObject({
      status: "down",
      notice: null,
      components: [
        { name: "api", status: "down" },
        { name: "database", status: "down" },
        { name: "mail", status: "up" },
        { name: "github", label: "Sign-in with GitHub", status: "up" },
      ],
    });
  });

  it("says the API is down, not degraded, when Redis is: every rate-limited route answers 503 (fail closed)", async () => {
    const limits = { enabled: true, windowMs: 60_000, loginMax: 100, registerMax: 100, generalMax: 100 };
    // Port 1 on the loopback interface: refused at once, nothing leaves the machine.
    ({ app } = await buildTestApp({ rateLimit: { ...limits, redisURL: "redis://127.0.0.1:1" } }));
    const limited = await app.inject({ method: "GET", url: "/api/v1/oauth/providers" });
    expect(limited.statusCode).toBe(503);
    const body = (await app.inject({ method: "GET", url: "/status.json" })).json();
    expect(body.data).toMatchObject({
      status: "down",
      components: [
        { name: "api", status: "down" },
        { name: "database", status: "up" },
        { name: "redis", status: "down" },
        { name: "mail", status: "up" },
      ],
    });
    // The page is given the same: it says the service is down (adapter-web's tests: in words).
    const page = await app.inject({ method: "GET", url: "/status" });
    expect(page.body).toContain("<p>down</p>");
  });

  it("counts a short disk (SQLite) against the database: degraded, and /ready still 200", async () => {
    const shortDisk: DependencyCheck = {
      name: "disk",
      required: false,
      check: async () => ({ status: "degraded", detail: "under 100 MiB left on the database's disk" }),
    };
    const started = await start(async () => true, [up("migrations"), shortDisk]);
    const status = (await started.inject({ method: "GET", url: "/status.json" })).json();
    expect(status.data).toMatchObject({
      status: "degraded",
      components: [
        { name: "api", status: "up" },
        { name: "database", status: "degraded" },
        { name: "mail", status: "up" },
      ],
    });
    const ready = await started.inject({ method: "GET", url: "/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().data).toMatchObject({
      status: "degraded",
      checks: { disk: { status: "degraded", detail: "under 100 MiB left on the database's disk" } },
    });
  });
});

describe("cachedCheck", () => {
  it("asks once within its time to live, failures included: the failure goes to the call that waited, the others read it as down", async () => {
    let asked = 0;
    const check = cachedCheck(
      {
        name: "smtp",
        required: false,
        check: async () => {
          asked++;
          throw new Error("refused");
        },
      },
      60_000,
    );
    await expect(check.check()).rejects.toThrow("refused");
    await expect(check.check()).resolves.toEqual({ status: "down", detail: "unreachable" });
    expect(asked).toBe(1);
  });

  it("past its time to live answers the kept outcome at once and asks again in the background, once however many call", async () => {
    const answers: ((outcome: { status: "up" | "down" }) => void)[] = [];
    const failures: unknown[] = [];
    const check = cachedCheck(
      {
        name: "smtp",
        required: false,
        check: () => new Promise((resolve) => answers.push(resolve)),
      },
      0,
      (error) => failures.push(error),
    );
    const first = check.check();
    answers[0]?.({ status: "up" });
    await expect(first).resolves.toEqual({ status: "up" });
    // The server now accepts and never answers: every probe is answered at once meanwhile.
    for (let probe = 0; probe < 5; probe++) await expect(check.check()).resolves.toEqual({ status: "up" });
    expect(answers).toHaveLength(2);
    answers[1]?.({ status: "down" });
    await new Promise((resolve) => setImmediate(resolve));
    await expect(check.check()).resolves.toEqual({ status: "down" });
    expect(failures).toEqual([]);
  });

  it("hands a failure asked in the background to onFailure, once", async () => {
    let fail = false;
    const failures: unknown[] = [];
    const check = cachedCheck(
      {
        name: "smtp",
        required: false,
        check: async () => {
          if (fail) throw new Error("greeting never came");
          return { status: "up" };
        },
      },
      0,
      (error) => failures.push(error),
    );
    await expect(check.check()).resolves.toEqual({ status: "up" });
    fail = true;
    await expect(check.check()).resolves.toEqual({ status: "up" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures).toEqual([new Error("greeting never came")]);
    await expect(check.check()).resolves.toEqual({ status: "down", detail: "unreachable" });
  });
});
