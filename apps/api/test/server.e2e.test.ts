import { randomBytes } from "node:crypto";
import { type AddressInfo, createServer } from "node:net";
import { createTestDatabase, type TestDatabase } from "@superoauth/adapter-sql/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RunningServer,
  runServerExpectingFailure,
  signalServerDuringStart,
  startServerProcess,
} from "./server-process.ts";

let database: TestDatabase;
let server: RunningServer;
const jwtSecret = randomBytes(48).toString("base64url");

let metricsPort: number;

/** A port nothing listens on now (the system's pick for a moment's listener). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The production environment the server processes of this file start with, on the test's database. */
function serverEnv(): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    JWT_SECRET: jwtSecret,
    TOTP_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    NODE_ENV: "production",
  };
}

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  metricsPort = await freePort();
  server = await startServerProcess({ env: { ...serverEnv(), METRICS_PORT: String(metricsPort) } });
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

async function call(method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${server.baseURL}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads whatever JSON the server sent
  return { status: response.status, headers: response.headers, json: (await response.json()) as any };
}

describe("the started server process (pnpm start)", () => {
  it("migrates its database on start and reports ready", async () => {
    expect((await call("GET", "/health")).json).toEqual({ success: true, data: { status: "ok" } });
    expect((await call("GET", "/ready")).json).toMatchObject({
      success: true,
      data: { status: "ready", checks: { database: { status: "up" }, migrations: { status: "up" } } },
    });
  });

  it("serves /metrics on METRICS_PORT only, with the requests the main port answered", async () => {
    expect((await call("GET", "/health")).status).toBe(200);
    expect((await fetch(`${server.baseURL}/metrics`)).status).toBe(404);
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toMatch(
      /superoauth_http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} [1-9]/,
    );
  });

  it("serves the account lifecycle over real HTTP: register, me, refresh, logout", async () => {
    const password = "E2e-Passw0rd!";
    const registered = await call("POST", "/api/v1/auth/register", {
      email: "  E2E.User@Example.COM ",
      password,
      nickname: "e2e-user",
    });
    expect(registered.status).toBe(201);
    expect(registered.headers.get("cache-control")).toBe("no-store");
    const { accessToken, refreshToken, user } = registered.json.data;
    expect(user.email).toBe("e2e.user@example.com");

    const login = await call("POST", "/api/v1/auth/login", { email: "e2e.user@example.com", password });
    expect(login.status).toBe(200);

    const me = await call("GET", "/api/v1/auth/me", undefined, accessToken);
    expect(me.status).toBe(200);
    expect(me.json.data.user.id).toBe(user.id);

    const refreshed = await call("POST", "/api/v1/auth/refresh", { refreshToken });
    expect(refreshed.status).toBe(200);
    const reused = await call("POST", "/api/v1/auth/refresh", {
      refreshToken: refreshed.json.data.refreshToken,
    });
    expect(reused.status).toBe(200);

    const logout = await call("POST", "/api/v1/auth/logout", {}, refreshed.json.data.accessToken);
    expect(logout.json).toEqual({ success: true, data: { loggedOut: true } });
    const afterLogout = await call("POST", "/api/v1/auth/refresh", {
      refreshToken: reused.json.data.refreshToken,
    });
    expect(afterLogout.status).toBe(401);
    expect(afterLogout.json.error).toBe("INVALID_REFRESH_TOKEN");

    // Nothing secret reaches the logs: not the password, its hash, or any token.
    const [hashRow] = await database.db.selectFrom("users").select("password_hash").execute();
    const logs = server.output();
    for (const secret of [
      password,
      hashRow?.password_hash,
      accessToken,
      refreshToken,
      refreshToken.split(".")[1],
    ]) {
      expect(secret).toBeTruthy();
      expect(logs).not.toContain(secret);
    }
  });

  it("answers an unknown route with the NOT_FOUND envelope", async () => {
    const response = await call("GET", "/api/v1/does-not-exist");
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ success: false, error: "NOT_FOUND" });
  });

  it("shuts down cleanly on SIGTERM", async () => {
    // A process of its own (the one above serves the other tests, in whatever order they run),
    // stopped after it has answered a request.
    const stopping = await startServerProcess({ env: serverEnv() });
    try {
      expect((await fetch(`${stopping.baseURL}/health`)).status).toBe(200);
      expect(await stopping.stop()).toBe(0);
    } finally {
      await stopping.kill();
    }
  });
});

describe("SHUTDOWN_DELAY", () => {
  it("after SIGTERM, /ready answers 503 while requests are still served; then the service stops (exit 0)", async () => {
    const stopping = await startServerProcess({ env: { ...serverEnv(), SHUTDOWN_DELAY: "3s" } });
    try {
      const from = stopping.output().length;
      const exited = stopping.stop();
      await stopping.waitForOutput(/stopping after SHUTDOWN_DELAY/, { from, timeoutMs: 10_000 });
      const ready = await fetch(`${stopping.baseURL}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        success: false,
        error: "SERVICE_UNAVAILABLE",
        message: "Not ready: this instance is shutting down",
      });
      // Still serving what comes: a load balancer's requests sent before its next probe.
      expect((await fetch(`${stopping.baseURL}/health`)).status).toBe(200);
      expect((await fetch(`${stopping.baseURL}/api/v1/auth/me`)).status).toBe(401);
      expect(await exited).toBe(0);
      expect(stopping.output().slice(from)).toContain('"msg":"shutting down"');
    } finally {
      await stopping.kill();
    }
  });
});

/**
 * Starts the server on a database of its own, never migrated (the start applies every migration),
 * and sends SIGTERM as soon as the start names the database, before the first migration. Answers
 * how the process ended and whether every migration was applied.
 */
async function stopDuringFreshStart() {
  const fresh = await createTestDatabase({ migrate: false });
  try {
    const ended = await signalServerDuringStart({
      env: { ...serverEnv(), DATABASE_URL: fresh.url },
      when: /database: MySQL database/,
      signal: "SIGTERM",
    });
    const pending = (await fresh.storage.migrationStatus()).filter((m) => m.executedAt === null);
    return { ...ended, pending };
  } finally {
    await fresh.drop();
  }
}

describe("a stop asked for while the server starts", () => {
  it("lets the start's migrations finish, then stops cleanly (exit 0), rather than dying between two statements", async () => {
    // A rollout cancelled, a `docker stop` during a long migration: killed there, a migration of
    // several statements stayed half applied and unrecorded, and every later start failed on its
    // first statement.
    const ended = await stopDuringFreshStart();
    expect(ended.signal, ended.output).toBeNull();
    expect(ended.code, ended.output).toBe(0);
    expect(ended.output).toContain("stop asked for during the start");
    expect(ended.output).toMatch(/applied \d+ migration\(s\) at start/);
    expect(ended.output).toContain('"msg":"shutting down"');
    expect(ended.output).toContain('"msg":"stopped: requests in flight answered');
    expect(ended.pending).toStrictEqual([]);
  });
});

/**
 * Starts a server that stops slowly (SHUTDOWN_DELAY), sends SIGTERM, and once the stop is under way
 * sends it again after `againAfterMs`. Answers the exit code and the output from the first signal.
 */
async function signalTwice(input: { shutdownDelay: string; againAfterMs: number }) {
  const stopping = await startServerProcess({ env: { ...serverEnv(), SHUTDOWN_DELAY: input.shutdownDelay } });
  try {
    const from = stopping.output().length;
    stopping.signal("SIGTERM");
    // Once the first is taken: two sent at once, the kernel delivers one.
    await stopping.waitForOutput(/stopping after SHUTDOWN_DELAY/, { from, timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, input.againAfterMs));
    stopping.signal("SIGTERM");
    const code = await stopping.exited();
    return { code, output: stopping.output().slice(from) };
  } finally {
    await stopping.kill();
  }
}

describe("a second stop signal", () => {
  it("ends the process at once with 143, saying so (not Node's default action, which PID 1 ignores)", async () => {
    // Past the second in which a signal again is the same stop (below).
    const ended = await signalTwice({ shutdownDelay: "20s", againAfterMs: 1_200 });
    expect(ended.code, ended.output).toBe(143);
    expect(ended.output).toContain("second stop signal: exiting now");
  });

  it("within a second of the first is the same stop: the process group and `pnpm start` both send it (exit 0)", async () => {
    // systemd's default stop (KillMode=control-group) and `kill -- -PGID` signal pnpm and the
    // service; pnpm passes its signal on. Taken as a second stop, it dropped what was in flight.
    const ended = await signalTwice({ shutdownDelay: "2s", againAfterMs: 0 });
    expect(ended.code, ended.output).toBe(0);
    expect(ended.output).toContain("the same stop");
    expect(ended.output).toContain('"msg":"shutting down"');
    // The last line says the stop completed (a log that ended at "shutting down" could not tell).
    expect(ended.output).toMatch(
      /"durationMs":\d+,"msg":"stopped: requests in flight answered and the database closed; exiting with 0"\}\n$/,
    );
    expect(ended.output).not.toContain("second stop signal");
  });
});

describe("start-up refusals", () => {
  it("refuses to start in production without JWT_SECRET, saying why", async () => {
    const { code, output } = await runServerExpectingFailure({
      NODE_ENV: "production",
      DATABASE_URL: database.url,
    });
    expect(code).toBe(1);
    expect(output).toContain("JWT_SECRET is required outside development");
  });

  it("refuses a weak JWT_SECRET in production", async () => {
    const { code, output } = await runServerExpectingFailure({
      NODE_ENV: "production",
      DATABASE_URL: database.url,
      JWT_SECRET: "changeme-changeme-changeme-changeme",
    });
    expect(code).toBe(1);
    expect(output).toContain("JWT_SECRET is weak");
  });

  it("refuses a JWT_SECRET shorter than 32 bytes anywhere", async () => {
    const { code, output } = await runServerExpectingFailure({
      NODE_ENV: "development",
      JWT_SECRET: "short",
    });
    expect(code).toBe(1);
    expect(output).toContain("at least 32 bytes");
  });
});
