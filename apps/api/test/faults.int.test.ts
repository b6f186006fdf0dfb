import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HttpApp } from "@superoauth/adapter-http";
import { type SMTPSink, startSMTPSink } from "@superoauth/adapter-mail/testing";
import {
  type FakeProviders,
  fakeClients,
  routeProvidersTo,
  startFakeProviders,
} from "@superoauth/adapter-oauth/testing";
import { createTestDatabase, type TestDatabase, useTestDatabase } from "@superoauth/adapter-sql/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { expectErrorEnvelope, timeUntil } from "./reliability.ts";
import { startServerProcess } from "./server-process.ts";
import { startTCPProxy, type TCPProxy } from "./tcp-proxy.ts";
import { integrationTestConfig } from "./test-config.ts";

type Response = Awaited<ReturnType<HttpApp["inject"]>>;

// Faults (docs/reliability.md): the composed service on MySQL, with its Redis, its SMTP server and
// the OAuth providers each behind a TCP proxy the test pauses (a hung peer) or cuts (a peer gone),
// and a real server process stopped with SIGTERM under load. Everything on loopback; every wait
// is bounded.

const redisURL = new URL(process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379");
const database = useTestDatabase();
let service: Service;
let sink: SMTPSink;
let fake: FakeProviders;
let restoreDispatcher: () => void;
let redisProxy: TCPProxy;
let smtpProxy: TCPProxy;
let providerProxy: TCPProxy;
/** An address of this file's own, so it shares no Redis counter with other tests (they expire with the window). */
const clientIP = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`;
const oauthTimeoutMs = 300;

beforeAll(async () => {
  sink = await startSMTPSink();
  fake = await startFakeProviders();
  redisProxy = await startTCPProxy({ host: redisURL.hostname, port: Number(redisURL.port || 6379) });
  smtpProxy = await startTCPProxy({ host: "127.0.0.1", port: Number(new URL(sink.url).port) });
  providerProxy = await startTCPProxy({ host: "127.0.0.1", port: Number(new URL(fake.origin).port) });
  // Provider traffic goes to the proxy, which forwards it to the fake.
  restoreDispatcher = routeProvidersTo({ origin: `http://127.0.0.1:${providerProxy.port}` });
  const config = integrationTestConfig({
    DATABASE_URL: database.url(),
    REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
    SMTP_URL: `smtp://127.0.0.1:${smtpProxy.port}`,
    MAIL_FROM: "SuperOAuth <no-reply@superoauth.test>",
    APP_URL: "https://app.superoauth.test",
    COOKIE_SECRET: "integration-cookie-secret-0123456789-abcdef",
    OAUTH_SUCCESS_REDIRECT: "https://app.example/oauth/complete",
    OAUTH_HTTP_TIMEOUT: `${oauthTimeoutMs}ms`,
    GITHUB_CLIENT_ID: fakeClients.github.clientId,
    GITHUB_CLIENT_SECRET: fakeClients.github.clientSecret,
  });
  service = await composeService(config, undefined);
});
afterAll(async () => {
  await service?.close();
  restoreDispatcher?.();
  await Promise.all([
    redisProxy?.close(),
    smtpProxy?.close(),
    providerProxy?.close(),
    fake?.close(),
    sink?.close(),
  ]);
});
afterEach(async () => {
  await Promise.all([redisProxy, smtpProxy, providerProxy].map((proxy) => proxy.restore()));
  fake.reset();
});

function post(url: string, payload: Record<string, unknown>): Promise<Response> {
  return service.app.inject({ method: "POST", url: `/api/v1${url}`, payload, remoteAddress: clientIP });
}

/** The response and how long it took, in milliseconds. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** Figures for docs/reliability.md, printed when RELIABILITY_REPORT is set. */
function report(figure: string): void {
  if (process.env.RELIABILITY_REPORT !== undefined) console.log(`fault figure: ${figure}`);
}

const providers = () => service.app.inject({ url: "/api/v1/oauth/providers", remoteAddress: clientIP });

describe("Redis (rate-limit counters) gone", () => {
  it.each([
    ["cut", (proxy: TCPProxy) => proxy.cut()],
    ["hung", (proxy: TCPProxy) => proxy.pause()],
  ] as const)(
    "%s: limited routes answer 503 SERVICE_UNAVAILABLE in bounded time, /health answers, and service comes back when Redis does",
    async (kind, fail) => {
      expect((await providers()).statusCode).toBe(200);

      await fail(redisProxy);
      const during = await Promise.all(Array.from({ length: 10 }, () => timed(providers)));
      const login = await post("/auth/login", { email: "nobody@example.com", password: "Wr0ng-password!" });

      for (const { value } of during) expectErrorEnvelope(value, "SERVICE_UNAVAILABLE", 503);
      expectErrorEnvelope(login, "SERVICE_UNAVAILABLE", 503);
      const slowest = Math.max(...during.map((d) => d.ms));
      expect(slowest).toBeLessThan(5_000);
      expect((await service.app.inject({ url: "/health" })).statusCode).toBe(200);
      // The public status page is not refused with the limited routes: it says Redis is down, and
      // so is the API (every limited route answers 503), not "degraded".
      await timeUntil(async () => {
        const status = await service.app.inject({ url: "/status.json", remoteAddress: clientIP });
        expect(status.statusCode).toBe(200);
        const { data } = status.json() as {
          data: { status: string; components: { name: string; status: string }[] };
        };
        return (
          data.status === "down" &&
          data.components.some((c) => c.name === "redis" && c.status === "down") &&
          data.components.some((c) => c.name === "api" && c.status === "down")
        );
      }, 10_000);
      const page = await service.app.inject({ url: "/status", remoteAddress: clientIP });
      expect(page.statusCode).toBe(200);
      expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(page.body).toContain('<th scope="row">Redis</th><td class="status-down">Down</td>');

      await redisProxy.restore();
      const recoveryMs = await timeUntil(async () => (await providers()).statusCode === 200, 10_000);
      report(`redis ${kind}: slowest 503 ${Math.round(slowest)} ms, recovery ${Math.round(recoveryMs)} ms`);
    },
  );
});

describe("SMTP down or slow", () => {
  const forgot = (email: string) => timed(() => post("/auth/forgot-password", { email }));

  async function registered(email: string): Promise<void> {
    const response = await post("/auth/register", {
      email,
      password: "Integr4tion-pass!",
      nickname: "faulty",
    });
    expect(response.statusCode, response.body).toBe(201);
    await sink.waitForMail((m) => m.to.includes(email) && /verif/i.test(m.subject));
  }

  it.each([
    ["cut", (proxy: TCPProxy) => proxy.cut(), 1_000],
    ["hung", (proxy: TCPProxy) => proxy.pause(), 2_500],
  ] as const)(
    "%s: forgot-password answers the same 200 at the same speed, and the mail is delivered after the server is back",
    async (kind, fail, outageMs) => {
      const email = `smtp-${kind}@example.com`;
      await registered(email);
      // The baseline for another account: a second request for one account within a minute mails
      // nothing (its link is still on its way), and the one during the outage must mail.
      const other = `smtp-${kind}-baseline@example.com`;
      await registered(other);
      const baseline = await forgot(other);
      await sink.waitForMail((m) => m.to.includes(other) && /reset/i.test(m.subject));
      const before = sink.mails.length;

      await fail(smtpProxy);
      const during = await forgot(email);
      await new Promise((resolve) => setTimeout(resolve, outageMs));
      await smtpProxy.restore();
      const restoredAt = performance.now();
      await sink.waitForMail(
        (m) => sink.mails.indexOf(m) >= before && m.to.includes(email) && /reset/i.test(m.subject),
        15_000,
      );
      const deliveredAfterMs = performance.now() - restoredAt;

      expect({ status: during.value.statusCode, body: during.value.body }).toStrictEqual({
        status: baseline.value.statusCode,
        body: baseline.value.body,
      });
      // The request only queues the mail: the outage costs it nothing (bounded generously for a busy machine).
      expect(during.ms).toBeLessThan(Math.max(250, baseline.ms * 5));
      report(
        `smtp ${kind}: request ${Math.round(during.ms)} ms (baseline ${Math.round(baseline.ms)} ms), mail delivered ${Math.round(deliveredAfterMs)} ms after restore`,
      );
    },
    30_000,
  );
});

describe("an OAuth provider hanging", () => {
  // APP_URL is https here, so the state cookie is `__Host-` prefixed (ADR 0013).
  const cookieName = "__Host-superoauth_oauth_state";

  async function callbackFromGitHub() {
    // A front end binds its sign-in with an S256 challenge (ADR 0013); the JSON callback needs no verifier.
    const challenge = createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");
    const start = await service.app.inject({
      url: `/api/v1/oauth/github?code_challenge=${challenge}&code_challenge_method=S256`,
      remoteAddress: clientIP,
    });
    expect(start.statusCode, start.body).toBe(302);
    const back = fake.approve(String(start.headers.location), {
      subject: "4242",
      email: "hang@github.example",
      emailVerified: true,
      displayName: "Hang Tester",
    });
    const cookie = start.cookies.find((c) => c.name === cookieName)?.value ?? "";
    return timed(() =>
      service.app.inject({
        url: `/api/v1/oauth/github/callback?${new URLSearchParams(back).toString()}`,
        cookies: { [cookieName]: cookie },
        headers: { accept: "application/json" },
        remoteAddress: clientIP,
      }),
    );
  }

  it.each([
    ["hung", (proxy: TCPProxy) => proxy.pause()],
    ["cut", (proxy: TCPProxy) => proxy.cut()],
  ] as const)(
    "%s: the callback ends within OAUTH_HTTP_TIMEOUT with TOKEN_EXCHANGE_FAILED, and sign-in works once the provider is back",
    async (kind, fail) => {
      await fail(providerProxy);
      const during = await callbackFromGitHub();

      expectErrorEnvelope(during.value, "TOKEN_EXCHANGE_FAILED", 500);
      expect(during.ms).toBeLessThan(oauthTimeoutMs + 1_500);

      await providerProxy.restore();
      const after = await callbackFromGitHub();
      expect(after.value.statusCode, after.value.body).toBe(200);
      report(
        `provider ${kind}: callback answered in ${Math.round(during.ms)} ms (timeout ${oauthTimeoutMs} ms)`,
      );
    },
  );
});

describe("SIGTERM under load", () => {
  let processDatabase: TestDatabase;
  let outbox: string;
  beforeAll(async () => {
    processDatabase = await createTestDatabase();
    outbox = await mkdtemp(join(tmpdir(), "superoauth-sigterm-outbox-"));
  });
  afterAll(async () => {
    await processDatabase?.drop();
    await rm(outbox, { recursive: true, force: true });
  });

  /** POST over a connection of its own; resolves with status and body, rejects if the connection breaks. */
  function postOverTCP(
    baseURL: string,
    path: string,
    body: object,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        `${baseURL}${path}`,
        { method: "POST", agent: false, headers: { "content-type": "application/json" } },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(JSON.stringify(body));
    });
  }

  it("30 registrations in flight, SIGTERM: every accepted request gets a complete response, all are stored, the process exits 0", async () => {
    const server = await startServerProcess({
      env: {
        DATABASE_URL: processDatabase.url,
        JWT_SECRET: "integration-test-secret-0123456789-abcdefghij",
        RATE_LIMIT_REGISTER_MAX: "1000",
        LOG_LEVEL: "info",
        OUTBOX_DIR: outbox,
      },
    });
    const count = 30;
    const responses = Array.from({ length: count }, (_, i) =>
      postOverTCP(server.baseURL, "/api/v1/auth/register", {
        email: `sigterm-${i}@example.com`,
        password: "Integr4tion-pass!",
        nickname: "sigterm",
      }),
    );
    // Wait until the server has accepted all of them (each logs "incoming request"), then stop it.
    await timeUntil(async () => (server.output().match(/incoming request/g) ?? []).length >= count, 10_000);
    const stopping = timed(() => server.stop());

    const settled = await Promise.allSettled(responses);
    const { value: exitCode, ms: shutdownMs } = await stopping;

    expect(settled.filter((s) => s.status === "rejected")).toStrictEqual([]);
    const answers = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    expect(answers.map((a) => a.status)).toStrictEqual(Array(count).fill(201));
    for (const answer of answers) expect(JSON.parse(answer.body)).toMatchObject({ success: true });
    expect(exitCode).toBe(0);
    const users = await processDatabase.db.selectFrom("users").select("email").execute();
    expect(users).toHaveLength(count);
    report(
      `sigterm: ${count} in flight, all answered 201, exit 0 ${Math.round(shutdownMs)} ms after the signal`,
    );
  }, 60_000);
});
