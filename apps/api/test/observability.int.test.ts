import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openStorage } from "@superoauth/adapter-sql";
import { sqliteJustBefore, useTestDatabase } from "@superoauth/adapter-sql/testing";
import { afterEach, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import type { createLogger } from "../src/logger.ts";
import { capturingLogger } from "./capturing-logger.ts";
import { integrationTestConfig } from "./test-config.ts";

const database = useTestDatabase();
const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.close()));
});

async function start(env: Record<string, string> = {}, logger?: ReturnType<typeof createLogger>) {
  const service = await composeService(
    integrationTestConfig({ DATABASE_URL: database.url(), ...env }),
    logger,
  );
  services.push(service);
  return service;
}

function seriesValue(body: string, series: string): number | null {
  const line = body.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

const password = "Integr4tion-pass!";

describe("metrics of the composed service", () => {
  it("after sign-ins, a lockout, refreshes, sign-ups and mails, /metrics has each series", async () => {
    const service = await start({ LOCKOUT_THRESHOLD: "2", REFRESH_REUSE_GRACE: "0s" });
    const { app } = service;
    const registered = await app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { email: "metrics@example.com", password, nickname: "metrics" },
    });
    expect(registered.statusCode).toBe(201);
    const logIn = (pass: string) =>
      app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: "metrics@example.com", password: pass },
      });
    expect((await logIn(password)).statusCode).toBe(200);
    expect((await logIn("Wrong-pass-1!")).statusCode).toBe(401);
    // The second wrong one reaches LOCKOUT_THRESHOLD: it says the account is locked.
    expect((await logIn("Wrong-pass-1!")).statusCode).toBe(423);
    expect((await logIn(password)).statusCode).toBe(423);
    const refreshToken = registered.json().data.refreshToken;
    const refresh = () =>
      app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });
    expect((await refresh()).statusCode).toBe(200);
    expect((await refresh()).statusCode).toBe(401);
    // One more account, and two sign-ups refused: the address is taken; the address is invalid.
    const register = (email: string) =>
      app.inject({
        method: "POST",
        url: "/api/v1/auth/register",
        payload: { email, password, nickname: "metrics" },
      });
    expect((await register("metrics-two@example.com")).statusCode).toBe(201);
    expect((await register("metrics@example.com")).statusCode).toBe(409);
    expect((await register("not-an-address")).statusCode).toBe(400);
    const forgot = await app.inject({
      method: "POST",
      url: "/api/v1/auth/forgot-password",
      payload: { email: "metrics-two@example.com" },
    });
    expect(forgot.statusCode).toBe(200);

    // The verification mails of the two accounts and the reset mail are delivered in the background.
    const delivered = async () => {
      const scraped = (await app.inject({ url: "/metrics" })).body;
      return [
        seriesValue(scraped, 'superoauth_mail_deliveries_total{outcome="delivered",kind="verification"}'),
        seriesValue(scraped, 'superoauth_mail_deliveries_total{outcome="delivered",kind="password_reset"}'),
      ];
    };
    await expect.poll(delivered).toEqual([2, 1]);
    const body = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(seriesValue(body, 'superoauth_registrations_total{method="password",result="created"}')).toBe(2);
    expect(seriesValue(body, 'superoauth_registrations_total{method="password",result="taken"}')).toBe(1);
    expect(seriesValue(body, 'superoauth_registrations_total{method="password",result="invalid"}')).toBe(1);
    expect(seriesValue(body, 'superoauth_mail_deliveries_total{outcome="failed",kind="verification"}')).toBe(
      0,
    );
    expect(seriesValue(body, 'superoauth_sign_ins_total{method="password",result="succeeded"}')).toBe(1);
    expect(
      seriesValue(body, 'superoauth_sign_ins_total{method="password",result="INVALID_CREDENTIALS"}'),
    ).toBe(1);
    expect(seriesValue(body, 'superoauth_sign_ins_total{method="password",result="ACCOUNT_LOCKED"}')).toBe(2);
    expect(seriesValue(body, "superoauth_lockouts_total")).toBe(1);
    expect(seriesValue(body, 'superoauth_refreshes_total{result="rotated"}')).toBe(1);
    expect(seriesValue(body, 'superoauth_refreshes_total{result="reuse_detected"}')).toBe(1);
    expect(seriesValue(body, "superoauth_password_hash_queue_wait_seconds_count")).toBeGreaterThanOrEqual(4);
    expect(
      seriesValue(
        body,
        'superoauth_http_request_duration_seconds_count{method="POST",route="/api/v1/auth/login",status="200"}',
      ),
    ).toBe(1);
    expect(body).toContain("process_resident_memory_bytes");
    if (database.url().startsWith("mysql:")) {
      expect(seriesValue(body, 'superoauth_db_pool_connections{state="max"}')).toBe(10);
      // Idle: the scrape's own query of the export queue is not counted as a caller waiting.
      expect(seriesValue(body, 'superoauth_db_pool_connections{state="waiting"}')).toBe(0);
      expect(seriesValue(body, 'superoauth_db_pool_connections{state="in_use"}')).toBe(0);
    } else expect(body).not.toContain("superoauth_db_pool_connections{");
  });

  it("the export queue's depth rises as exports are requested and falls once the worker has run them", async () => {
    const exportDirectory = mkdtempSync(join(tmpdir(), "superoauth-metrics-export-"));
    const service = await composeService(
      integrationTestConfig({ DATABASE_URL: database.url(), EXPORT_DIR: exportDirectory }),
      undefined,
      { exportWorker: { start: false, pollIntervalMs: 20 } },
    );
    services.push(service);
    const { app } = service;
    const depth = async () => {
      const body = (await app.inject({ method: "GET", url: "/metrics" })).body;
      return {
        pending: seriesValue(body, 'superoauth_export_queue_depth{status="pending"}'),
        running: seriesValue(body, 'superoauth_export_queue_depth{status="running"}'),
        succeeded: seriesValue(body, 'superoauth_export_jobs_total{outcome="succeeded"}'),
      };
    };
    expect(await depth()).toEqual({ pending: 0, running: 0, succeeded: 0 });
    for (const name of ["grace", "alan"]) {
      const registered = await app.inject({
        method: "POST",
        url: "/api/v1/auth/register",
        payload: { email: `${name}-queue@example.com`, password, nickname: name },
      });
      expect(registered.statusCode).toBe(201);
      const requested = await app.inject({
        method: "POST",
        url: "/api/v1/user/export",
        headers: { authorization: `Bearer ${registered.json().data.accessToken}` },
      });
      expect(requested.statusCode).toBe(202);
    }
    expect(await depth()).toEqual({ pending: 2, running: 0, succeeded: 0 });
    service.exportWorker.start();
    await expect.poll(depth, { timeout: 20_000 }).toEqual({ pending: 0, running: 0, succeeded: 2 });
  });

  it("METRICS_ENABLED=false: /metrics answers 404 and nothing is recorded", async () => {
    const service = await start({ METRICS_ENABLED: "false" });
    const response = await service.app.inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ success: false, error: "NOT_FOUND" });
    expect(service.metricsApp).toBeUndefined();
  });

  it("METRICS_PORT: /metrics is served by a listener of its own, not on the main port", async () => {
    const service = await start({ METRICS_PORT: "9464" });
    await service.app.inject({ method: "GET", url: "/health" });
    expect((await service.app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(404);
    const metricsApp = service.metricsApp;
    if (metricsApp === undefined) throw new Error("expected a metrics listener");
    // Port 0 here: the test asks the system for a free one rather than 9464.
    const address = await metricsApp.listen({ host: "127.0.0.1", port: 0 });
    const scraped = await fetch(`${address}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain(
      'superoauth_http_request_duration_seconds_count{method="GET",route="/health",status="200"} 1',
    );
    expect((await fetch(`${address}/health`)).status).toBe(404);
  });
});

describe("DEBUG areas in the composed service", () => {
  it("superoauth:db logs each statement without its values; superoauth:http the headers, redacted; other areas stay quiet", async () => {
    const { lines, logger } = capturingLogger("superoauth:db,superoauth:http");
    const service = await start({ DEBUG: "superoauth:db,superoauth:http" }, logger);
    const registered = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { email: "debug@example.com", password, nickname: "debugger" },
    });
    const accessToken: string = registered.json().data.accessToken;
    await service.app.inject({
      method: "GET",
      url: "/api/v1/auth/me",
      headers: { authorization: `Bearer ${accessToken}`, "x-request-id": "ignored-untrusted" },
    });
    const debugLines = lines.filter((line) => line.level === 20);
    const queries = debugLines.filter((line) => line.component === "db" && line.msg === "query");
    expect(queries.some((line) => /insert into [`"]?users[`"]?/i.test(String(line.sql)))).toBe(true);
    // The statements a request ran carry its id, as its own lines do (pnpm logs --request-id).
    const registerId = registered.headers["x-request-id"];
    const inserted = queries.find((line) => /insert into [`"]?users[`"]?/i.test(String(line.sql)));
    expect(inserted?.reqId).toBe(registerId);
    expect(lines.some((line) => line.reqId === registerId && line.msg === "request completed")).toBe(true);
    const headerLines = debugLines.filter(
      (line) => line.component === "http" && line.msg === "request headers",
    );
    expect(headerLines.length).toBeGreaterThanOrEqual(2);
    // The request's lines carry its id.
    expect(headerLines.every((line) => typeof line.reqId === "string")).toBe(true);
    expect(debugLines.some((line) => line.component === "mail" || line.component === "oauth")).toBe(false);
    const text = JSON.stringify(lines);
    for (const secret of [accessToken, password]) expect(text).not.toContain(secret);
  });

  it("a Redis that refuses REDIS_URL's credentials is logged without the password (ioredis puts AUTH's arguments on its error)", async () => {
    const { lines, logger } = capturingLogger("");
    const redis = new URL(process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379");
    const redisPassword = "R3dis-password-never-logged";
    redis.username = "superoauth-nobody";
    redis.password = redisPassword;
    const service = await start({ REDIS_URL: redis.toString() }, logger);
    const refused = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: "nobody@example.com", password },
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error).toBe("SERVICE_UNAVAILABLE");
    await expect
      .poll(() => lines.some((line) => line.msg === "rate-limit Redis error"), { timeout: 5_000 })
      .toBe(true);
    const redisErrors = lines.filter(
      (line) => line.msg === "rate-limit Redis error" || line.msg === "rate limiter unavailable",
    );
    // The operator still learns why: the server's answer and the command it refused.
    expect(JSON.stringify(redisErrors)).toContain("WRONGPASS");
    expect(JSON.stringify(redisErrors)).toContain('"name":"auth"');
    expect(JSON.stringify(lines)).not.toContain(redisPassword);
  });

  it("without DEBUG, no debug lines at LOG_LEVEL=info", async () => {
    const { lines, logger } = capturingLogger("");
    const service = await start({}, logger);
    await service.app.inject({ method: "GET", url: "/health" });
    expect(lines.filter((line) => line.level === 20)).toEqual([]);
  });

  it("with DEBUG naming an area, a background task's failure carries the id of the request that queued it", async () => {
    const { lines, logger } = capturingLogger("superoauth:mail");
    const service = await start({ DEBUG: "superoauth:mail" }, logger);
    await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { email: "queued@example.com", password, nickname: "queued" },
    });
    // The reset link cannot be stored: the task fails after the request answered 200.
    await database.db().schema.alterTable("email_tokens").renameTo("email_tokens_away").execute();
    try {
      const requested = await service.app.inject({
        method: "POST",
        url: "/api/v1/auth/forgot-password",
        payload: { email: "queued@example.com" },
      });
      expect(requested.statusCode).toBe(200);
      await expect
        .poll(() => lines.some((line) => line.msg === "background task failed"), { timeout: 5_000 })
        .toBe(true);
      const failed = lines.find((line) => line.msg === "background task failed");
      expect(failed).toMatchObject({ task: "password-reset-mail", reqId: requested.headers["x-request-id"] });
    } finally {
      await database.db().schema.alterTable("email_tokens_away").renameTo("email_tokens").execute();
    }
  });

  it("LOG_LEVEL=debug without DEBUG: no request headers and no full address (those are superoauth:http's and superoauth:mail's)", async () => {
    const { lines, logger } = capturingLogger("", "debug");
    const service = await start({ LOG_LEVEL: "debug" }, logger);
    const registered = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { email: "level-debug@example.com", password, nickname: "leveldebug" },
    });
    expect(registered.statusCode).toBe(201);
    await expect
      .poll(() => lines.some((line) => line.msg === "mail delivered"), { timeout: 5_000 })
      .toBe(true);
    expect(lines.filter((line) => line.msg === "request headers" || line.msg === "mail queued")).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain("level-debug@example.com");
  });
});

describe("migrations applied at start", () => {
  it("a start that applies migrations logs one line naming them; the next start, with none pending, logs none", async () => {
    // The previous release's schema: its newest migrations not applied.
    const file = join(mkdtempSync(join(tmpdir(), "superoauth-migrated-")), "previous.db");
    await (await sqliteJustBefore("2026-12-02T08-00_create-running-instances", file)).destroy();
    const previous = await openStorage({ url: `sqlite:${file}` });
    const pending = (await previous.migrationStatus())
      .filter((m) => m.executedAt === null)
      .map((m) => m.name);
    await previous.close();
    expect(pending.length).toBeGreaterThanOrEqual(2);
    const applying = capturingLogger();
    await (await start({ DATABASE_URL: `sqlite:${file}` }, applying.logger)).close();
    services.splice(0);
    const migrated = applying.lines.filter((line) => Array.isArray(line.migrations));
    expect(migrated).toEqual([
      expect.objectContaining({
        level: 30,
        migrations: pending,
        msg: `applied ${pending.length} migration(s) at start (MIGRATE_ON_START=true): ${pending.length <= 3 ? pending.join(", ") : `${pending[0]} to ${pending.at(-1)}`}`,
      }),
    ]);

    const again = capturingLogger();
    await start({ DATABASE_URL: `sqlite:${file}` }, again.logger);
    expect(
      again.lines.filter((line) => Array.isArray(line.migrations) || /migration/.test(String(line.msg))),
    ).toEqual([]);
  });

  it("a new database names the first and the last of every migration applied", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "superoauth-migrated-")), "new.db");
    const { lines, logger } = capturingLogger();
    await start({ DATABASE_URL: `sqlite:${file}` }, logger);
    const [line] = lines.filter((entry) => Array.isArray(entry.migrations));
    const names = line?.migrations as string[];
    expect(names.length).toBeGreaterThan(3);
    expect(line?.msg).toBe(
      `applied ${names.length} migration(s) at start (MIGRATE_ON_START=true): ${names[0]} to ${names.at(-1)}`,
    );
    expect(names).toEqual([...names].sort());
  });
});

/** A SQLite file whose newest migration is not recorded: the schema of the previous release, met by this one. */
/** Records `newest` as applied in the SQLite `file` (its changes are in place): as `pnpm db:migrate` would. */
function recordMigration(file: string, newest: Record<string, unknown> | undefined): void {
  const raw = new DatabaseSync(file);
  raw
    .prepare("INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)")
    .run(String(newest?.name), String(newest?.timestamp));
  raw.close();
}

/** A request's status once the start gate looked at the migrations again (it does every 2 s), within 10 s. */
async function statusOnceTheGateLooksAgain(service: Service): Promise<number> {
  const deadline = Date.now() + 10_000;
  let providers = await service.app.inject({ method: "GET", url: "/api/v1/oauth/providers" });
  while (providers.statusCode === 503 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    providers = await service.app.inject({ method: "GET", url: "/api/v1/oauth/providers" });
  }
  return providers.statusCode;
}

async function databaseWithNewestMigrationPending(): Promise<{
  file: string;
  newest: Record<string, unknown> | undefined;
}> {
  const file = join(mkdtempSync(join(tmpdir(), "superoauth-ready-")), "pending.db");
  const previous = await openStorage({ url: `sqlite:${file}` });
  await previous.migrate();
  await previous.close();
  const raw = new DatabaseSync(file);
  const newest = raw.prepare("SELECT name, timestamp FROM kysely_migration ORDER BY name DESC LIMIT 1").get();
  raw.prepare("DELETE FROM kysely_migration WHERE name = ?").run(String(newest?.name));
  raw.close();
  return { file, newest };
}

describe("/ready and /status of the composed service", () => {
  it("a database with migrations pending (MIGRATE_ON_START=false) is not ready: 503 naming migrations", async () => {
    // A SQLite file on either project whose newest migration is not recorded: the schema of the
    // previous release, met by this one (the service needs the signing-keys table to start at all).
    const { file, newest } = await databaseWithNewestMigrationPending();
    const service = await start({ MIGRATE_ON_START: "false", DATABASE_URL: `sqlite:${file}` });
    const ready = await service.app.inject({ method: "GET", url: "/ready" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      error: "SERVICE_UNAVAILABLE",
      message: "Not ready: migrations down",
      data: {
        status: "not_ready",
        checks: {
          database: { status: "up" },
          migrations: { status: "down", detail: "1 pending: run pnpm db:migrate" },
        },
      },
    });
    const status = (await service.app.inject({ method: "GET", url: "/status.json" })).json();
    expect(status.data.components).toContainEqual({ name: "database", label: "Database", status: "down" });
    // Everything else is held back with a 503 (not a 500 per missing column), the protocol in its format.
    const login = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: "someone@example.com", password: "Whatever-1234" },
    });
    expect(login.statusCode).toBe(503);
    expect(login.headers["retry-after"]).toBe("5");
    expect(login.json()).toMatchObject({
      success: false,
      error: "SERVICE_UNAVAILABLE",
      message: "Not ready: 1 migration(s) pending: run pnpm db:migrate",
    });
    const token = await service.app.inject({
      method: "POST",
      url: "/oidc/token",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "grant_type=client_credentials",
    });
    expect(token.statusCode).toBe(503);
    expect(token.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: "Not ready: 1 migration(s) pending: run pnpm db:migrate",
    });
    const discovery = await service.app.inject({ method: "GET", url: "/.well-known/openid-configuration" });
    expect(discovery.statusCode).toBe(503);
    expect(discovery.json()).toMatchObject({ error: "temporarily_unavailable" });
    const authorize = await service.app.inject({
      method: "GET",
      url: "/oidc/auth?client_id=x",
      headers: { accept: "text/html" },
    });
    expect(authorize.statusCode).toBe(503);
    expect(authorize.headers["content-type"]).toContain("text/html");
    // The operator migrates (here: records the migration whose changes are in place).
    recordMigration(file, newest);
    expect((await service.app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
    // The gate looks again within two seconds, and then stays open.
    expect(await statusOnceTheGateLooksAgain(service)).toBe(200);
  });

  it("a start that holds requests back for pending migrations (MIGRATE_ON_START=false) says so in the log, and when it serves", async () => {
    // The operator's only sign otherwise was a 503 on every request line, with no reason.
    const { file, newest } = await databaseWithNewestMigrationPending();
    const { lines, logger } = capturingLogger();
    const service = await start({ MIGRATE_ON_START: "false", DATABASE_URL: `sqlite:${file}` }, logger);
    expect(lines.filter((line) => /pending/.test(String(line.msg)))).toEqual([
      expect.objectContaining({
        level: 40,
        pending: 1,
        msg: "1 migration(s) pending and MIGRATE_ON_START=false: every request but /health, /ready, /status and /metrics answers 503 until pnpm db:migrate applies them",
      }),
    ]);
    // Migrated (its changes are in place): once the gate looks again, the log says it serves, once.
    recordMigration(file, newest);
    expect(await statusOnceTheGateLooksAgain(service)).toBe(200);
    await service.app.inject({ method: "GET", url: "/api/v1/oauth/providers" });
    expect(lines.filter((line) => /serves every request/.test(String(line.msg)))).toEqual([
      expect.objectContaining({
        level: 30,
        msg: "no migration pending any more: this instance serves every request now",
      }),
    ]);
  });

  it("a database a newer release migrated while this one runs is not ready: 503 naming the newer migration", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "superoauth-ready-")), "newer.db");
    const { lines, logger } = capturingLogger("");
    const service = await start({ DATABASE_URL: `sqlite:${file}` }, logger);
    expect((await service.app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
    const raw = new DatabaseSync(file);
    raw
      .prepare("INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)")
      .run("2099-01-01T00-00_of-a-newer-release", new Date().toISOString());
    raw.close();
    const ready = await service.app.inject({ method: "GET", url: "/ready" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      error: "SERVICE_UNAVAILABLE",
      data: {
        checks: {
          migrations: {
            status: "down",
            detail: "migrated by a newer release (2099-01-01T00-00_of-a-newer-release): stop this release",
          },
        },
      },
    });
    // The instance's own log says so once, however often the load balancer probes.
    await service.app.inject({ method: "GET", url: "/ready" });
    expect(lines.filter((line) => /newer release migrated/.test(String(line.msg)))).toEqual([
      expect.objectContaining({
        level: 40,
        msg: expect.stringMatching(
          /^a newer release migrated this database \(2099-01-01T00-00_of-a-newer-release\) while this instance runs: .+; stop this instance/,
        ),
      }),
    ]);
  });

  it("on SQLite, /ready has a disk check and /metrics the file's disk room; MySQL's disk is its server's", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "superoauth-ready-")), "disk.db");
    const service = await start({ DATABASE_URL: `sqlite:${file}` });
    const ready = (await service.app.inject({ method: "GET", url: "/ready" })).json();
    expect(ready.data.checks.disk).toEqual({ status: "up", required: false, latencyMs: expect.any(Number) });
    const metrics = (await service.app.inject({ method: "GET", url: "/metrics" })).body;
    const available = seriesValue(metrics, 'superoauth_database_disk_bytes{state="available"}');
    const total = seriesValue(metrics, 'superoauth_database_disk_bytes{state="total"}');
    expect(available).toBeGreaterThan(0);
    expect(total).toBeGreaterThanOrEqual(available ?? Number.POSITIVE_INFINITY);

    if (!database.url().startsWith("mysql:")) return;
    const onMySQL = await start();
    expect(
      (await onMySQL.app.inject({ method: "GET", url: "/ready" })).json().data.checks,
    ).not.toHaveProperty("disk");
    expect((await onMySQL.app.inject({ method: "GET", url: "/metrics" })).body).not.toContain(
      "superoauth_database_disk_bytes{",
    );
  });

  it("MAINTENANCE_NOTICE shows on /status.json and /status, escaped", async () => {
    const service = await start({ MAINTENANCE_NOTICE: "Upgrade Sunday 02:00 UTC <expect 5 min>" });
    const status = (await service.app.inject({ method: "GET", url: "/status.json" })).json();
    expect(status.data).toMatchObject({ status: "up", notice: "Upgrade Sunday 02:00 UTC <expect 5 min>" });
    const page = await service.app.inject({ method: "GET", url: "/status" });
    expect(page.body).toContain("Upgrade Sunday 02:00 UTC &lt;expect 5 min&gt;");
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
  });

  it("a browser at an address with nothing there gets the 404 page in the hosted pages' look, with the brand", async () => {
    const service = await start({ BRAND_NAME: "Acme <ID>" });
    const page = await service.app.inject({ method: "GET", url: "/nope", headers: { accept: "text/html" } });
    expect(page.statusCode).toBe(404);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["cross-origin-opener-policy"]).toBe("same-origin");
    expect(page.body).toContain("<title>Page not found · Acme &lt;ID&gt;</title>");
    expect(page.body).toMatch(/<link rel="stylesheet" href="\/assets\/web-[0-9a-f]{16}\.css">/);
    const status = await service.app.inject({ method: "GET", url: "/status" });
    expect(status.body).toContain("<title>Service status · Acme &lt;ID&gt;</title>");
  });
});
