import type { HttpApp } from "@superoauth/adapter-http";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { expectErrorEnvelope, timeUntil } from "./reliability.ts";
import { startTCPProxy, type TCPProxy } from "./tcp-proxy.ts";
import { integrationTestConfig } from "./test-config.ts";

type Response = Awaited<ReturnType<HttpApp["inject"]>>;

// MySQL lost mid-load (docs/reliability.md, issue 7 item 9): the service reaches its database
// through a TCP proxy the test cuts (connections reset) or pauses (a hung server). While the
// database is away every answer is the 503 SERVICE_UNAVAILABLE envelope with Retry-After, never a
// 500; nothing is left half-written; and the same process serves again once it is back.

const database = useTestDatabase();
let proxy: TCPProxy;
let service: Service;
const password = "Integr4tion-pass!";

beforeAll(async () => {
  const direct = new URL(database.url());
  proxy = await startTCPProxy({ host: direct.hostname, port: Number(direct.port || 3306) });
  const throughProxy = new URL(direct);
  throughProxy.host = `127.0.0.1:${proxy.port}`;
  service = await composeService(integrationTestConfig({ DATABASE_URL: throughProxy.toString() }), undefined);
});
afterAll(async () => {
  await proxy?.restore();
  await service?.close();
  await proxy?.close();
});
afterEach(() => proxy.restore());

function register(email: string): Promise<Response> {
  return service.app.inject({
    method: "POST",
    url: "/api/v1/auth/register",
    payload: { email, password, nickname: "loaded" },
  });
}

function login(email: string): Promise<Response> {
  return service.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password } });
}

function ready(): Promise<Response> {
  return service.app.inject({ url: "/ready" });
}

function expectUnavailable(response: Response): void {
  expectErrorEnvelope(response, "SERVICE_UNAVAILABLE", 503);
  expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
}

/**
 * Nothing half-written: every session has its refresh token, every 201 left a user with a session,
 * and every account a failed registration left behind is whole (its password signs in).
 */
async function expectNothingHalfWritten(outcomes: { email: string; response: Response }[]): Promise<void> {
  const db = database.db();
  const sessionsWithoutTokens = await db
    .selectFrom("sessions")
    .leftJoin("refresh_tokens", "refresh_tokens.session_id", "sessions.id")
    .where("refresh_tokens.id", "is", null)
    .select("sessions.id")
    .execute();
  expect(sessionsWithoutTokens).toStrictEqual([]);
  for (const { email, response } of outcomes) {
    const user = await db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
    if (response.statusCode === 201) {
      const sessions = await db
        .selectFrom("sessions")
        .select("id")
        .where("user_id", "=", user?.id ?? "")
        .execute();
      expect(sessions, email).toHaveLength(1);
    } else if (user !== undefined) {
      expect((await login(email)).statusCode, email).toBe(200);
    }
  }
}

describe("MySQL lost mid-load", () => {
  it.each([
    ["cut", (p: TCPProxy) => p.cut(), 2_000],
    // A hung server is given up after the query timeout (default 5 s), then answered like a lost one.
    ["hung", (p: TCPProxy) => p.pause(), 8_000],
  ] as const)(
    "%s: 503 envelope with Retry-After (never 500), /ready false, nothing half-written, recovery without restart",
    async (kind, fail, answerWithinMs) => {
      // Up before the database goes away: on a loaded machine the case before may leave /ready's
      // 500 ms bound missed once, which is not what this case is about.
      await timeUntil(async () => (await ready()).statusCode === 200, 15_000);
      const emails = Array.from({ length: 30 }, (_, i) => `load-${kind}-${i}@example.com`);
      const load = emails.map((email) => register(email).then((response) => ({ email, response })));
      // Mid-load: once the first registrations have been answered, the database goes away.
      await Promise.race(load);
      await fail(proxy);
      const started = performance.now();
      const duringLogin = await login(emails[0] ?? "");
      const loginAnsweredMs = performance.now() - started;
      const duringReady = await ready();
      const outcomes = await Promise.all(load);

      for (const { response } of outcomes) {
        if (response.statusCode !== 201) expectUnavailable(response);
      }
      expectUnavailable(duringLogin);
      expect(duringReady.statusCode).toBe(503);
      expect(loginAnsweredMs).toBeLessThan(answerWithinMs);

      await proxy.restore();
      const recoveryMs = await timeUntil(async () => (await ready()).statusCode === 200, 15_000);
      const after = await register(`after-${kind}@example.com`);
      expect(after.statusCode, after.body).toBe(201);
      await expectNothingHalfWritten(outcomes);
      if (process.env.RELIABILITY_REPORT !== undefined) {
        const created = outcomes.filter((o) => o.response.statusCode === 201).length;
        console.log(
          `fault figure: mysql ${kind}: ${created} registered, ${outcomes.length - created} answered 503, login answered in ${Math.round(loginAnsweredMs)} ms, /ready back ${Math.round(recoveryMs)} ms after restore`,
        );
      }
    },
    60_000,
  );
});

describe("MySQL hung (accepts and never answers)", () => {
  it("/ready answers 503 naming the database within its 500 ms bound (asserted at 1500 ms), not after the 3 s of old", async () => {
    await timeUntil(async () => (await ready()).statusCode === 200, 15_000);
    proxy.pause();
    const started = performance.now();
    const response = await ready();
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(1_500);
    expect(response.statusCode).toBe(503);
    expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
    expect(response.json()).toMatchObject({
      success: false,
      error: "SERVICE_UNAVAILABLE",
      message: expect.stringMatching(/^Not ready: database(, |$)/),
      data: {
        status: "not_ready",
        checks: { database: { status: "down", required: true, detail: "timed out" } },
      },
    });
    await proxy.restore();
    await timeUntil(async () => (await ready()).statusCode === 200, 15_000);
  }, 30_000);
});
