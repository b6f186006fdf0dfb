import { randomInt } from "node:crypto";
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import { InMemoryTOTPService } from "@superoauth/application/testing";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import type { RateLimitSettings } from "../src/index.ts";
import { counterStoreFailureLog } from "../src/rate-limit.ts";
import {
  bearer,
  buildTestApp,
  expectError,
  registerUser,
  type TestAppOptions,
  validRegistration,
  verifyAddressOf,
} from "./test-app.ts";

const windowMs = 900_000;
const limits: RateLimitSettings = { enabled: true, windowMs, loginMax: 5, registerMax: 3, generalMax: 100 };
const login = { email: "nobody@example.com", password: "Wr0ng-secret!" };

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(options: TestAppOptions = {}): Promise<FastifyInstance> {
  const { app } = await buildTestApp({ rateLimit: limits, ...options });
  apps.push(app);
  return app;
}

function logInFrom(app: FastifyInstance, remoteAddress: string, headers: InjectOptions["headers"] = {}) {
  // A new address each time, so the account lockout (five failures per address) stays out of the counts.
  const payload = { ...login, email: `nobody-${randomInt(1e9)}@example.com` };
  return app.inject({ method: "POST", url: "/api/v1/auth/login", payload, remoteAddress, headers });
}

async function repeat(
  times: number,
  send: () => Promise<LightMyRequestResponse>,
): Promise<LightMyRequestResponse[]> {
  const responses: LightMyRequestResponse[] = [];
  // In sequence: the order of the counts is what is under test.
  for (let i = 0; i < times; i++) responses.push(await send());
  return responses;
}

function header(response: LightMyRequestResponse, name: string): number {
  const value = response.headers[name];
  expect(value, `${name} header`).toMatch(/^\d+$/);
  return Number(value);
}

function expectNoRateLimitHeaders(response: LightMyRequestResponse): void {
  expect(response.headers).not.toHaveProperty("x-ratelimit-limit");
  expect(response.headers).not.toHaveProperty("x-ratelimit-remaining");
  expect(response.headers).not.toHaveProperty("x-ratelimit-reset");
  expect(response.headers).not.toHaveProperty("retry-after");
}

function expectLimited(response: LightMyRequestResponse): void {
  expectError(response, "RATE_LIMIT_EXCEEDED", 429);
  const retryAfter = header(response, "retry-after");
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowMs / 1000);
}

describe("rate limiting", () => {
  it("answers the 6th login from one IP with RATE_LIMIT_EXCEEDED 429 and Retry-After", async () => {
    const app = await start();

    const responses = await repeat(6, () => logInFrom(app, "10.0.0.2"));

    for (const allowed of responses.slice(0, 5)) expectError(allowed, "INVALID_CREDENTIALS", 401);
    const sixth = responses[5];
    if (sixth === undefined) throw new Error("no sixth response");
    expectLimited(sixth);
  });

  it("does not let a correct password through once the login budget is spent", async () => {
    const app = await start();
    await registerUser(app);
    await repeat(5, () => logInFrom(app, "127.0.0.1"));

    const response = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: "ada@example.com", password: "Sup3r-secret!" },
    });

    expectLimited(response);
  });

  it("sends X-RateLimit-Limit, a counting-down X-RateLimit-Remaining and X-RateLimit-Reset in Unix seconds", async () => {
    const app = await start();
    const before = Date.now();

    const responses = await repeat(6, () => logInFrom(app, "10.0.0.2"));

    const after = Date.now();
    expect(responses.map((response) => header(response, "x-ratelimit-limit"))).toStrictEqual([
      5, 5, 5, 5, 5, 5,
    ]);
    expect(responses.map((response) => header(response, "x-ratelimit-remaining"))).toStrictEqual([
      4, 3, 2, 1, 0, 0,
    ]);
    const resets = responses.map((response) => header(response, "x-ratelimit-reset"));
    for (const reset of resets) {
      expect(reset).toBeGreaterThanOrEqual(Math.floor(before / 1000));
      expect(reset).toBeLessThanOrEqual(Math.ceil(after / 1000) + windowMs / 1000 + 1);
    }
    // One window: every response names the same moment (give or take rounding).
    expect(Math.max(...resets) - Math.min(...resets)).toBeLessThanOrEqual(1);
  });

  it("answers the 4th registration from one IP with RATE_LIMIT_EXCEEDED 429", async () => {
    const app = await start();
    const register = (n: number) =>
      app.inject({
        method: "POST",
        url: "/api/v1/auth/register",
        payload: { email: `user${n}@example.com`, password: "Sup3r-secret!", nickname: `user${n}` },
      });

    const responses = [await register(1), await register(2), await register(3), await register(4)];

    expect(responses.slice(0, 3).map((response) => response.statusCode)).toStrictEqual([201, 201, 201]);
    expect(responses.map((response) => header(response, "x-ratelimit-limit"))).toStrictEqual([3, 3, 3, 3]);
    expect(responses.map((response) => header(response, "x-ratelimit-remaining"))).toStrictEqual([
      2, 1, 0, 0,
    ]);
    const fourth = responses[3];
    if (fourth === undefined) throw new Error("no fourth response");
    expectLimited(fourth);
  });

  it("answers the 101st request to another route, such as /auth/me, with RATE_LIMIT_EXCEEDED 429", async () => {
    const app = await start();
    const { accessToken } = await registerUser(app);
    const getMe = () => app.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(accessToken) });

    const responses = await repeat(101, getMe);

    expect(responses.slice(0, 100).every((response) => response.statusCode === 200)).toBe(true);
    expect(header(responses[0] as LightMyRequestResponse, "x-ratelimit-limit")).toBe(100);
    expect(header(responses[0] as LightMyRequestResponse, "x-ratelimit-remaining")).toBe(99);
    expect(header(responses[99] as LightMyRequestResponse, "x-ratelimit-remaining")).toBe(0);
    expectLimited(responses[100] as LightMyRequestResponse);
  });

  it("keeps separate budgets for login, registration and the rest", async () => {
    const app = await start();
    await repeat(6, () => logInFrom(app, "127.0.0.1"));

    const registered = await app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { email: "ada@example.com", password: "Sup3r-secret!", nickname: "ada" },
    });
    const refreshed = await app.inject({
      method: "POST",
      url: "/api/v1/auth/refresh",
      payload: { refreshToken: "x" },
    });

    expect(registered.statusCode).toBe(201);
    expect(header(registered, "x-ratelimit-remaining")).toBe(2);
    expectError(refreshed, "INVALID_REFRESH_TOKEN", 401);
    expect(header(refreshed, "x-ratelimit-remaining")).toBe(99);
  });

  it("answers a login without an address or a password 400 without spending a login attempt", async () => {
    const app = await start();
    await registerUser(app);
    const send = (payload: InjectOptions["payload"]) =>
      app.inject({ method: "POST", url: "/api/v1/auth/login", payload });
    const incomplete = [
      {},
      { email: "", password: "" },
      { email: "ada@example.com" },
      { email: "ada@example.com", password: "" },
      { email: "   ", password: "Sup3r-secret!" },
      { password: "Sup3r-secret!" },
    ];

    const refused = [];
    for (let round = 0; round < 3; round++) for (const body of incomplete) refused.push(await send(body));
    const bodiless = await app.inject({ method: "POST", url: "/api/v1/auth/login" });

    for (const response of [...refused, bodiless]) {
      expectError(response, "VALIDATION_ERROR", 400);
      // Counted in the general budget, which bounds a flood of them.
      expect(header(response, "x-ratelimit-limit")).toBe(100);
    }
    // Every real attempt still counts: the contract's five, then 429, the right password too.
    const attempts = await repeat(5, () => logInFrom(app, "127.0.0.1"));
    for (const attempt of attempts) expectError(attempt, "INVALID_CREDENTIALS", 401);
    expect(attempts.map((response) => header(response, "x-ratelimit-remaining"))).toStrictEqual([
      4, 3, 2, 1, 0,
    ]);
    expectLimited(await send({ email: "ada@example.com", password: "Sup3r-secret!" }));
  });

  it("bounds a flood of incomplete or unreadable logins by the general budget", async () => {
    const app = await start({ rateLimit: { ...limits, generalMax: 4 } });
    const post = (payload: string, contentType = "application/json") =>
      app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload,
        headers: { "content-type": contentType },
      });

    const responses = [
      await post("{}"),
      await post("{not json"),
      await post("email=a&password=b", "application/x-www-form-urlencoded"),
      await post(JSON.stringify({ email: "", password: "" })),
      await post("{not json"),
    ];

    for (const response of responses.slice(0, 4)) expectError(response, "VALIDATION_ERROR", 400);
    expect(responses.slice(0, 4).map((response) => header(response, "x-ratelimit-remaining"))).toStrictEqual([
      3, 2, 1, 0,
    ]);
    expectLimited(responses[4] as LightMyRequestResponse);
    // The login budget is untouched: a real attempt is still answered.
    expectError(await logInFrom(app, "127.0.0.1"), "INVALID_CREDENTIALS", 401);
  });

  it("answers a second step without a code typed 400 without spending a login attempt", async () => {
    const { app, deps } = await buildTestApp({ rateLimit: limits });
    apps.push(app);
    const registered = await registerUser(app);
    await verifyAddressOf(deps, registered.user);
    const setup = await app.inject({
      method: "POST",
      url: "/api/v1/auth/2fa/setup",
      headers: bearer(registered.accessToken),
    });
    const code = () => InMemoryTOTPService.codeAt(setup.json().data.secret, deps.clock.now());
    const enabled = await app.inject({
      method: "POST",
      url: "/api/v1/auth/2fa/enable",
      headers: bearer(registered.accessToken),
      payload: { code: code() },
    });
    expect(enabled.statusCode).toBe(200);
    deps.clock.advance(30_000);
    // The first step is one login attempt of the five.
    const first = await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: validRegistration });
    expect(header(first, "x-ratelimit-remaining")).toBe(4);
    const { mfaToken } = first.json().data;
    const verify = (payload?: InjectOptions["payload"]) =>
      app.inject({ method: "POST", url: "/api/v1/auth/2fa/verify", ...(payload ? { payload } : {}) });

    const incomplete = [
      { mfaToken },
      { mfaToken, code: "" },
      { mfaToken, code: "   " },
      { mfaToken, backupCode: "" },
      { mfaToken, code: "123456", backupCode: "abcd-efgh" },
      { mfaToken: "not-a-token", code: "" },
    ];
    const refused = [];
    for (let round = 0; round < 3; round++) for (const body of incomplete) refused.push(await verify(body));
    for (const response of [...refused, await verify()]) {
      expectError(response, "VALIDATION_ERROR", 400);
      expect(header(response, "x-ratelimit-limit")).toBe(100);
    }
    // Every wrong code still counts (and none of the empty ones toward the lockout): four, then the
    // right code is refused by the budget.
    const wrong = await repeat(4, () => verify({ mfaToken, code: "000000" }));
    for (const response of wrong) expectError(response, "INVALID_TWO_FACTOR_CODE", 401);
    expect(wrong.map((response) => header(response, "x-ratelimit-remaining"))).toStrictEqual([3, 2, 1, 0]);
    expectLimited(await verify({ mfaToken, code: code() }));
  });

  it("answers a fresh proof without a proof typed 400 without spending a login attempt", async () => {
    const app = await start();
    const { accessToken } = await registerUser(app);
    const reauthenticate = (payload: InjectOptions["payload"]) =>
      app.inject({
        method: "POST",
        url: "/api/v1/auth/reauthenticate",
        headers: bearer(accessToken),
        payload,
      });

    const incomplete = [
      {},
      { password: "" },
      { code: "" },
      { backupCode: " " },
      { password: validRegistration.password, code: "123456" },
    ];
    const refused = [];
    for (let round = 0; round < 3; round++)
      for (const body of incomplete) refused.push(await reauthenticate(body));
    for (const response of refused) {
      expectError(response, "VALIDATION_ERROR", 400);
      expect(header(response, "x-ratelimit-limit")).toBe(100);
    }
    // Fifteen of them, past the lockout's five: the wrong passwords still count, four of them, and
    // the right one is the fifth attempt; the sixth is refused.
    const wrong = await repeat(4, () => reauthenticate({ password: "Wr0ng-secret!" }));
    for (const response of wrong) expectError(response, "INVALID_CURRENT_PASSWORD", 400);
    const right = await reauthenticate({ password: validRegistration.password });
    expect(right.statusCode).toBe(200);
    expect(header(right, "x-ratelimit-remaining")).toBe(0);
    expectLimited(await reauthenticate({ password: validRegistration.password }));
  });

  it("answers a sign-up without an address, a password or a nickname 400 without spending a sign-up", async () => {
    const app = await start();
    const register = (payload?: InjectOptions["payload"]) =>
      app.inject({ method: "POST", url: "/api/v1/auth/register", ...(payload ? { payload } : {}) });
    const incomplete = [
      {},
      { email: "", password: "", nickname: "" },
      { ...validRegistration, email: "  " },
      { ...validRegistration, password: "" },
      { ...validRegistration, nickname: "" },
    ];
    const refused = [];
    for (let round = 0; round < 2; round++) for (const body of incomplete) refused.push(await register(body));
    for (const response of [...refused, await register()]) {
      expectError(response, "VALIDATION_ERROR", 400);
      expect(header(response, "x-ratelimit-limit")).toBe(100);
    }
    // The contract's three sign-ups still count: a taken address is one, then the 429.
    const signUps = [
      await register(validRegistration),
      await register({ ...validRegistration, email: "grace@example.com" }),
      await register(validRegistration),
    ];
    expect(signUps.map((response) => response.statusCode)).toStrictEqual([201, 201, 409]);
    expect(signUps.map((response) => header(response, "x-ratelimit-remaining"))).toStrictEqual([2, 1, 0]);
    expectLimited(await register({ ...validRegistration, email: "linus@example.com" }));
  });

  it("keeps a budget per client IP", async () => {
    const app = await start();
    await repeat(6, () => logInFrom(app, "10.0.0.2"));

    const otherClient = await logInFrom(app, "10.0.0.3");

    expectError(otherClient, "INVALID_CREDENTIALS", 401);
    expect(header(otherClient, "x-ratelimit-remaining")).toBe(4);
    expectLimited(await logInFrom(app, "10.0.0.2"));
  });

  it("counts an IPv6 client's whole /64 as one budget, so a fresh address of the same network is no fresh budget", async () => {
    const app = await start();
    const responses = await repeat(6, () =>
      logInFrom(app, `2001:db8:1:2::${randomInt(1, 0xffff).toString(16)}`),
    );
    for (const allowed of responses.slice(0, 5)) expectError(allowed, "INVALID_CREDENTIALS", 401);
    expectLimited(responses[5] as LightMyRequestResponse);
  });

  it("ignores X-Forwarded-For without trustProxy, so a client cannot pick a fresh budget", async () => {
    const app = await start({ trustProxy: false });

    const responses = await repeat(6, async () =>
      logInFrom(app, "10.0.0.2", { "x-forwarded-for": `198.51.100.${randomInt(1, 255)}` }),
    );

    expect(responses.map((response) => header(response, "x-ratelimit-remaining"))).toStrictEqual([
      4, 3, 2, 1, 0, 0,
    ]);
    expectLimited(responses[5] as LightMyRequestResponse);
  });

  it("takes the client IP from X-Forwarded-For with trustProxy", async () => {
    const app = await start({ trustProxy: true });
    const fromClient = (ip: string) => logInFrom(app, "10.0.0.1", { "x-forwarded-for": ip });
    await repeat(5, () => fromClient("203.0.113.7"));

    const sameClient = await fromClient("203.0.113.7");
    const otherClient = await fromClient("203.0.113.8");

    expectLimited(sameClient);
    expectError(otherClient, "INVALID_CREDENTIALS", 401);
    expect(header(otherClient, "x-ratelimit-remaining")).toBe(4);
  });

  it.each(["/health", "/ready"])("does not limit %s, nor send rate-limit headers on it", async (url) => {
    const app = await start({ rateLimit: { ...limits, generalMax: 3 } });

    const responses = await repeat(10, () => app.inject({ method: "GET", url }));

    for (const response of responses) {
      expect(response.statusCode).toBe(200);
      expectNoRateLimitHeaders(response);
    }
  });

  it("limits requests to unknown routes too", async () => {
    const app = await start({ rateLimit: { ...limits, generalMax: 3 } });

    const responses = await repeat(4, () =>
      app.inject({ method: "GET", url: `/api/v1/nope-${randomInt(1e6)}` }),
    );

    for (const response of responses.slice(0, 3)) expectError(response, "NOT_FOUND", 404);
    expect(responses.map((response) => header(response, "x-ratelimit-remaining"))).toStrictEqual([
      2, 1, 0, 0,
    ]);
    expectLimited(responses[3] as LightMyRequestResponse);
  });

  it("sends no rate-limit headers and never 429 when disabled", async () => {
    const app = await start({ rateLimit: { ...limits, enabled: false } });

    const responses = await repeat(10, () => logInFrom(app, "10.0.0.2"));

    for (const response of responses) {
      expectError(response, "INVALID_CREDENTIALS", 401);
      expectNoRateLimitHeaders(response);
    }
  });
});

/** A plugin route like adapter-oidc's token endpoint: its own budget, refusals in RFC 6749 form. */
async function startWithProtocolRoute(
  protocolMax: number,
  options: { redisURL?: string; status?: number } = {},
): Promise<FastifyInstance> {
  return start({
    rateLimit: {
      ...limits,
      protocolMax,
      ...(options.redisURL === undefined ? {} : { redisURL: options.redisURL }),
    },
    plugins: [
      async (app) => {
        app.post("/oidc/token", {
          config: {
            limit: "protocol",
            limitReply: (reply, refusal) =>
              reply
                .code(options.status ?? 429)
                .send({ error: "temporarily_unavailable", error_description: refusal.code }),
          },
          handler: async () => ({ access_token: "x" }),
        });
        // As the library answers a preflight.
        app.options("/oidc/token", {
          config: {
            limit: "protocol",
            limitReply: (reply, refusal) => reply.code(429).send({ error_description: refusal.code }),
          },
          handler: async (_request, reply) => reply.code(204).send(),
        });
      },
    ],
  });
}

describe("the protocol budget (OIDC endpoints)", () => {
  it("answers past RATE_LIMIT_PROTOCOL_MAX in the route's own format, with Retry-After", async () => {
    const app = await startWithProtocolRoute(3);
    const responses = await repeat(4, () =>
      app.inject({ method: "POST", url: "/oidc/token", remoteAddress: "10.0.9.1" }),
    );
    expect(responses.slice(0, 3).map((r) => r.statusCode)).toEqual([200, 200, 200]);
    const fourth = responses[3];
    if (fourth === undefined) throw new Error("no fourth response");
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: "RATE_LIMIT_EXCEEDED",
    });
    expect(header(fourth, "retry-after")).toBeGreaterThan(0);
  });

  // Counted, a preflight refused past the budget failed in the browser as a CORS error (it must
  // answer 2xx), and the app never reached its request's readable 429.
  it("counts no CORS preflight, and still counts any other OPTIONS", async () => {
    const app = await startWithProtocolRoute(1);
    const preflight = () =>
      app.inject({
        method: "OPTIONS",
        url: "/oidc/token",
        remoteAddress: "10.0.9.3",
        headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
      });
    expect((await repeat(3, preflight)).map((r) => r.statusCode)).toEqual([204, 204, 204]);
    const spent = await app.inject({ method: "POST", url: "/oidc/token", remoteAddress: "10.0.9.3" });
    expect(spent.statusCode).toBe(200);
    expect(
      (await app.inject({ method: "POST", url: "/oidc/token", remoteAddress: "10.0.9.3" })).statusCode,
    ).toBe(429);
    expect((await preflight()).statusCode).toBe(204);
    const probe = await app.inject({ method: "OPTIONS", url: "/oidc/token", remoteAddress: "10.0.9.3" });
    expect(probe.statusCode).toBe(429);
  });

  it("draws from its own budget, not the general one", async () => {
    const app = await startWithProtocolRoute(2);
    await repeat(2, () => app.inject({ method: "POST", url: "/oidc/token", remoteAddress: "10.0.9.2" }));
    const general = await app.inject({
      method: "GET",
      url: "/api/v1/no-such-route",
      remoteAddress: "10.0.9.2",
    });
    expect(general.statusCode).toBe(404);
    expect(header(general, "x-ratelimit-remaining")).toBe(limits.generalMax - 1);
  });
});

describe("rate limiting shared through Redis", () => {
  const redisURL = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379";

  /** A client for checks and clean-up; an unreachable Redis fails the test, it does not skip it. */
  async function connectRedis(): Promise<Redis> {
    const redis = new Redis(redisURL, {
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on("error", () => {});
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new Error(`Redis is not reachable at ${redisURL}: start it or set REDIS_TEST_URL`, {
        cause: error,
      });
    }
    return redis;
  }

  it("shares one budget between two app instances", async () => {
    const redis = await connectRedis();
    // A fresh client IP per run, so counters left by an earlier run (they live 15 minutes) do not collide.
    const clientIP = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
    onTestFinished(async () => {
      const keys = await redis.keys(`superoauth-rl:*:${clientIP}`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });
    const first = await start({ rateLimit: { ...limits, redisURL } });
    const second = await start({ rateLimit: { ...limits, redisURL } });

    const responses = [
      ...(await repeat(3, () => logInFrom(first, clientIP))),
      ...(await repeat(2, () => logInFrom(second, clientIP))),
      await logInFrom(first, clientIP),
      await logInFrom(second, clientIP),
    ];

    for (const response of responses.slice(0, 5)) expectError(response, "INVALID_CREDENTIALS", 401);
    expect(responses.map((response) => header(response, "x-ratelimit-remaining"))).toStrictEqual([
      4, 3, 2, 1, 0, 0, 0,
    ]);
    expectLimited(responses[5] as LightMyRequestResponse);
    expectLimited(responses[6] as LightMyRequestResponse);
    const reset = header(responses[6] as LightMyRequestResponse, "x-ratelimit-reset");
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + windowMs / 1000 + 1);
    expect(await redis.keys(`superoauth-rl:*:${clientIP}`)).toHaveLength(1);
  });

  it("counts apart two deployments with prefixes of their own on one Redis database", async () => {
    const redis = await connectRedis();
    const clientIP = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
    const [staging, production] = [`test-staging-${randomInt(1e9)}:`, `test-production-${randomInt(1e9)}:`];
    onTestFinished(async () => {
      const keys = [
        ...(await redis.keys(`${staging}*:${clientIP}`)),
        ...(await redis.keys(`${production}*:${clientIP}`)),
      ];
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });
    const stagingApp = await start({ rateLimit: { ...limits, redisURL, redisKeyPrefix: staging } });
    const productionApp = await start({ rateLimit: { ...limits, redisURL, redisKeyPrefix: production } });
    await repeat(6, () => logInFrom(stagingApp, clientIP));

    const response = await logInFrom(productionApp, clientIP);

    expectError(response, "INVALID_CREDENTIALS", 401);
    expect(header(response, "x-ratelimit-remaining")).toBe(limits.loginMax - 1);
    expectLimited(await logInFrom(stagingApp, clientIP));
    expect(await redis.keys(`${staging}*:${clientIP}`)).toHaveLength(1);
    expect(await redis.keys(`${production}*:${clientIP}`)).toHaveLength(1);
  });

  it("keeps a budget per client IP in Redis too", async () => {
    const redis = await connectRedis();
    const base = `10.${randomInt(256)}.${randomInt(256)}`;
    const [spender, bystander] = [`${base}.1`, `${base}.2`];
    onTestFinished(async () => {
      const keys = await redis.keys(`superoauth-rl:*:${base}.*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });
    const app = await start({ rateLimit: { ...limits, redisURL } });
    await repeat(6, () => logInFrom(app, spender));

    const response = await logInFrom(app, bystander);

    expectError(response, "INVALID_CREDENTIALS", 401);
    expect(header(response, "x-ratelimit-remaining")).toBe(4);
  });
});

describe("rate limiting when its Redis is down", () => {
  it("fails closed with SERVICE_UNAVAILABLE 503, not a 500, and /health still answers", async () => {
    // Port 1 on loopback: nothing listens, connections are refused at once.
    const app = await start({ rateLimit: { ...limits, redisURL: "redis://127.0.0.1:1" } });
    const response = await logInFrom(app, "10.9.9.9");
    expectError(response, "SERVICE_UNAVAILABLE", 503);
    expect(response.headers["retry-after"]).toBe("5");
    expect((await app.inject({ url: "/health" })).statusCode).toBe(200);
  });

  it("a route with its own refusal format (the OpenID endpoints) says when to come back too", async () => {
    const app = await startWithProtocolRoute(100, { redisURL: "redis://127.0.0.1:1", status: 503 });
    const response = await app.inject({ method: "POST", url: "/oidc/token", remoteAddress: "10.9.9.7" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: "SERVICE_UNAVAILABLE",
    });
    expect(response.headers["retry-after"]).toBe("5");
  });

  it("fails closed with SERVICE_UNAVAILABLE 503 within seconds when Redis accepts connections but never answers", async () => {
    // A hung Redis: the connection opens, no reply ever comes (docs/reliability.md).
    const silent = createServer(() => {});
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    try {
      const { port } = silent.address() as AddressInfo;
      const app = await start({ rateLimit: { ...limits, redisURL: `redis://127.0.0.1:${port}` } });
      const started = performance.now();

      const response = await logInFrom(app, "10.9.9.8");

      expectError(response, "SERVICE_UNAVAILABLE", 503);
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      silent.close();
    }
  });
});

describe("the log of a Redis that stays down", () => {
  it("says the first failure, then at most a line a minute counting the attempts, and when it answers again", () => {
    const lines: { level: "error" | "info"; msg: string; fields: Record<string, unknown> }[] = [];
    const log = {
      error: (fields: Record<string, unknown>, msg: string) => lines.push({ level: "error", msg, fields }),
      info: (fields: Record<string, unknown>, msg: string) => lines.push({ level: "info", msg, fields }),
    };
    let now = 0;
    const failures = counterStoreFailureLog(log as never, { now: () => now });
    const refused = new Error("connect ECONNREFUSED 127.0.0.1:6390");
    // ioredis reports a failed reconnect about every 1.5 s: 40 in the first minute.
    for (; now < 60_000; now += 1_500) failures.failed(refused);
    expect(lines.map((line) => line.msg)).toEqual(["rate-limit Redis error"]);
    failures.failed(refused);
    expect(lines.at(-1)).toEqual({
      level: "error",
      msg: "rate-limit Redis still failing",
      fields: { err: refused, failedAttempts: 40, failingForSeconds: 60 },
    });
    now = 90_000;
    failures.recovered();
    expect(lines.at(-1)).toEqual({
      level: "info",
      msg: "rate-limit Redis answers again",
      fields: { failingForSeconds: 90 },
    });
    // Connected again (ready) with no failure before: nothing to say.
    failures.recovered();
    // A new outage is told at once.
    failures.failed(refused);
    expect(lines.map((line) => line.msg)).toEqual([
      "rate-limit Redis error",
      "rate-limit Redis still failing",
      "rate-limit Redis answers again",
      "rate-limit Redis error",
    ]);
  });
});
