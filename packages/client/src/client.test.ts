import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SuperOAuthClient, type SuperOAuthClientOptions } from "./client.ts";
import { SuperOAuthError, SuperOAuthNetworkError } from "./errors.ts";
import { cutOff, FakeFetch, fail, hang, ok } from "./testing/fake-fetch.ts";
import { MemoryTokenStorage } from "./token-storage.ts";
import type { RateLimitSeen, SessionEnded } from "./transport.ts";

const baseURL = "https://auth.example.test";
const user = {
  id: "u1",
  email: "ada@example.com",
  emailVerified: true,
  nickname: "ada",
  hasPassword: true,
  createdAt: "2026-11-30T12:00:00.000Z",
};
const pair = (n: number) => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  expiresIn: 300,
  tokenType: "Bearer",
});

let server: FakeFetch;
let storage: MemoryTokenStorage;
let ended: SessionEnded[];

function client(options: Partial<SuperOAuthClientOptions> = {}): SuperOAuthClient {
  return new SuperOAuthClient({
    baseURL,
    fetch: server.fetch,
    storage,
    // Jitter at its middle: every delay below is exact.
    random: () => 0.5,
    onSessionEnded: (event) => ended.push(event),
    ...options,
  });
}

/** The rejection of a promise, for assertions (fails the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

beforeEach(() => {
  vi.useFakeTimers();
  server = new FakeFetch();
  storage = new MemoryTokenStorage();
  ended = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe("errors", () => {
  it("an error envelope becomes a SuperOAuthError with code, status, message, requestId and retryAfter", async () => {
    server.on("POST /auth/login", () =>
      fail("ACCOUNT_LOCKED", 423, { "retry-after": "900", "x-request-id": "req-1" }),
    );
    const error = await rejectionOf(client().auth.logIn({ email: "a@example.com", password: "x" }));
    expect(error).toBeInstanceOf(SuperOAuthError);
    expect(error).toMatchObject({
      name: "SuperOAuthError",
      code: "ACCOUNT_LOCKED",
      status: 423,
      message: "ACCOUNT_LOCKED message",
      requestId: "req-1",
      retryAfter: 900,
    });
  });

  it("a rate-limited answer's X-RateLimit-* headers are the error's rateLimit; without all three, null", async () => {
    server.on("POST /auth/register", () =>
      fail("RATE_LIMIT_EXCEEDED", 429, {
        "retry-after": "733",
        "x-ratelimit-limit": "3",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": "1796589077",
      }),
    );
    const input = { email: "a@example.com", password: "x", nickname: "ab" };
    const error = await rejectionOf(client().auth.register(input));
    expect(error).toMatchObject({ code: "RATE_LIMIT_EXCEEDED", retryAfter: 733 });
    expect((error as SuperOAuthError).rateLimit).toEqual({
      limit: 3,
      remaining: 0,
      resetAt: new Date(1_796_589_077_000),
    });
    server.on("POST /auth/login", () =>
      fail("INVALID_CREDENTIALS", 401, { "x-ratelimit-limit": "5", "x-ratelimit-remaining": "4" }),
    );
    const partial = await rejectionOf(client().auth.logIn({ email: "a@example.com", password: "x" }));
    expect(partial).toMatchObject({ code: "INVALID_CREDENTIALS", rateLimit: null });
  });

  it("onRateLimit hears every answer's budget, a success's and each retried attempt's; none without all three headers", async () => {
    const budget = (remaining: number) => ({
      "x-ratelimit-limit": "5",
      "x-ratelimit-remaining": String(remaining),
      "x-ratelimit-reset": "1796589077",
    });
    const heard: RateLimitSeen[] = [];
    const withListener = client({ onRateLimit: (event) => heard.push(event) });
    const loggedIn = { user, ...pair(1) };
    const login = Response.json({ success: true, data: loggedIn }, { headers: budget(4) });
    server.on("POST /auth/login", () => login);
    await withListener.auth.logIn({ email: "ada@example.com", password: "x" });
    await Promise.resolve();
    expect(heard).toEqual([
      {
        route: "auth.logIn",
        status: 200,
        rateLimit: { limit: 5, remaining: 4, resetAt: new Date(1_796_589_077_000) },
      },
    ]);

    // A 429 retried after its Retry-After, then answered: both answers are heard, in order.
    heard.length = 0;
    let calls = 0;
    server.on("POST /auth/register", () => {
      calls += 1;
      return calls === 1
        ? fail("RATE_LIMIT_EXCEEDED", 429, { "retry-after": "1", ...budget(0) })
        : Response.json({ success: true, data: loggedIn }, { status: 201, headers: budget(2) });
    });
    const registered = withListener.auth.register({ email: "b@example.com", password: "x", nickname: "ab" });
    await vi.advanceTimersByTimeAsync(1000);
    await registered;
    await Promise.resolve();
    expect(heard.map((event) => [event.route, event.status, event.rateLimit.remaining])).toEqual([
      ["auth.register", 429, 0],
      ["auth.register", 201, 2],
    ]);

    // No budget told (a route without one): nothing heard.
    heard.length = 0;
    server.on("GET /auth/me", () => ok({ user }));
    await withListener.auth.me();
    await Promise.resolve();
    expect(heard).toEqual([]);
  });

  it("instanceof recognises the errors of another copy of the package (two copies installed)", async () => {
    // A second instance of the module, as a dependency bundling its own copy of the client would load.
    const specifier = "./errors.ts?another-copy";
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof import("./errors.ts");
    expect(copy.SuperOAuthError).not.toBe(SuperOAuthError);
    const apiError = new copy.SuperOAuthError({
      code: "USER_EXISTS",
      status: 409,
      message: "taken",
      requestId: null,
      retryAfter: null,
    });
    const networkError = new copy.SuperOAuthNetworkError({ code: "TIMEOUT", message: "slow" });
    expect(apiError instanceof SuperOAuthError).toBe(true);
    expect(networkError instanceof SuperOAuthNetworkError).toBe(true);
    expect(apiError instanceof SuperOAuthNetworkError).toBe(false);
    expect(networkError instanceof SuperOAuthError).toBe(false);
    expect(new Error("plain") instanceof SuperOAuthError).toBe(false);
    expect({ code: "USER_EXISTS" } instanceof SuperOAuthError).toBe(false);
    expect(apiError instanceof Error).toBe(true);
  });

  it("a 5xx body's requestId is preferred to the header", async () => {
    server.on("POST /auth/register", () =>
      fail("INTERNAL_ERROR", 500, { "x-request-id": "header-id" }, { requestId: "body-id" }),
    );
    const error = await rejectionOf(
      client().auth.register({ email: "a@example.com", password: "x", nickname: "a" }),
    );
    expect(error).toMatchObject({ code: "INTERNAL_ERROR", status: 500, requestId: "body-id" });
  });

  it("an answer that is not the API's JSON is INVALID_RESPONSE with its status", async () => {
    server.on("POST /auth/register", () => new Response("<html>Bad gateway</html>", { status: 502 }));
    const error = await rejectionOf(
      client().auth.register({ email: "a@example.com", password: "x", nickname: "a" }),
    );
    expect(error).toBeInstanceOf(SuperOAuthNetworkError);
    expect(error).toMatchObject({ code: "INVALID_RESPONSE", status: 502 });
  });

  it("an error code this client does not know is INVALID_RESPONSE naming the code", async () => {
    server.on("GET /oauth/providers", () =>
      Response.json({ success: false, error: "SOMETHING_NEW", message: "new" }, { status: 400 }),
    );
    const error = await rejectionOf(client().oauth.listProviders());
    expect(error).toMatchObject({ code: "INVALID_RESPONSE", status: 400 });
    expect((error as Error).message).toContain("SOMETHING_NEW");
  });
});

describe("retries", () => {
  it("a 503 is retried after exactly its Retry-After, then succeeds", async () => {
    let calls = 0;
    server.on("GET /oauth/providers", () =>
      ++calls === 1 ? fail("SERVICE_UNAVAILABLE", 503, { "retry-after": "2" }) : ok({ providers: [] }),
    );
    const result = client().oauth.listProviders();
    await vi.advanceTimersByTimeAsync(1999);
    expect(server.count("GET /oauth/providers")).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toEqual({ providers: [] });
    expect(server.count("GET /oauth/providers")).toBe(2);
  });

  it("a 429 is retried even for a POST (the limiter refused it before any work)", async () => {
    let calls = 0;
    server.on("POST /auth/login", () =>
      ++calls === 1 ? fail("RATE_LIMIT_EXCEEDED", 429, { "retry-after": "1" }) : ok({ user, ...pair(1) }),
    );
    const result = client().auth.logIn({ email: "a@example.com", password: "x" });
    await vi.advanceTimersByTimeAsync(1000);
    expect(await result).toMatchObject({ accessToken: "access-1" });
    expect(server.count("POST /auth/login")).toBe(2);
  });

  it("a 503 that is not the API's envelope (a proxy's page) is not repeated for a POST: the service may have acted", async () => {
    server.on(
      "POST /auth/forgot-password",
      () =>
        new Response("<h1>503 Service Unavailable</h1>", { status: 503, headers: { "retry-after": "1" } }),
    );
    const result = rejectionOf(client().auth.requestPasswordReset({ email: "a@example.com" }));
    await vi.advanceTimersByTimeAsync(5000);
    expect(await result).toMatchObject({ code: "INVALID_RESPONSE", status: 503 });
    expect(server.count("POST /auth/forgot-password")).toBe(1);
  });

  it("timeoutMs: Infinity means no timeout (a timer past its range fired at once, timing every request out)", async () => {
    // Real timers: the fake ones take any delay as given.
    vi.useRealTimers();
    // Answers after 50 ms, unless the request is aborted first (as fetch does).
    server.on(
      "GET /oauth/providers",
      (request) =>
        new Promise<Response>((resolve, reject) => {
          const timer = setTimeout(() => resolve(ok({ providers: [] })), 50);
          request.signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(request.signal?.reason);
          });
        }),
    );
    expect(await client({ timeoutMs: Number.POSITIVE_INFINITY }).oauth.listProviders()).toEqual({
      providers: [],
    });
  });

  it("a Retry-After longer than maxRetryAfterMs is thrown at once with retryAfter", async () => {
    server.on("POST /auth/login", () => fail("RATE_LIMIT_EXCEEDED", 429, { "retry-after": "873" }));
    const error = await rejectionOf(client().auth.logIn({ email: "a@example.com", password: "x" }));
    expect(error).toMatchObject({ code: "RATE_LIMIT_EXCEEDED", status: 429, retryAfter: 873 });
    expect(server.count("POST /auth/login")).toBe(1);
  });

  it("a GET failing with 500 is tried maxAttempts times with exponential backoff, then thrown", async () => {
    server.on("GET /auth/sessions", () => fail("INTERNAL_ERROR", 500));
    storage.set(pair(1));
    const result = rejectionOf(client().sessions.list());
    // Jitter 0.5: 300 ms steps doubling -> 225 ms, then 450 ms.
    await vi.advanceTimersByTimeAsync(224);
    expect(server.count("GET /auth/sessions")).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.count("GET /auth/sessions")).toBe(2);
    await vi.advanceTimersByTimeAsync(449);
    expect(server.count("GET /auth/sessions")).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toMatchObject({ code: "INTERNAL_ERROR", status: 500 });
    expect(server.count("GET /auth/sessions")).toBe(3);
  });

  it("a POST failing with 500 is not repeated (it may have been carried out)", async () => {
    server.on("POST /auth/register", () => fail("INTERNAL_ERROR", 500));
    const error = await rejectionOf(
      client().auth.register({ email: "a@example.com", password: "x", nickname: "a" }),
    );
    expect(error).toMatchObject({ code: "INTERNAL_ERROR" });
    expect(server.count("POST /auth/register")).toBe(1);
  });

  it.each([
    ["VALIDATION_ERROR", 400],
    ["INVALID_CREDENTIALS", 401],
    ["ACCOUNT_DISABLED", 403],
    ["USER_EXISTS", 409],
    ["ACCOUNT_LOCKED", 423],
  ] as const)("a %s (%i) is never retried", async (code, status) => {
    server.on("GET /oauth/providers", () => fail(code, status, { "retry-after": "1" }));
    const error = await rejectionOf(client().oauth.listProviders());
    expect(error).toMatchObject({ code, status });
    expect(server.count("GET /oauth/providers")).toBe(1);
  });

  it("a retry setting given as undefined keeps its default (spread over it, it retried without backoff or end)", async () => {
    let calls = 0;
    server.on("GET /auth/sessions", () =>
      ++calls <= 3 ? fail("INTERNAL_ERROR", 500) : ok({ sessions: [] }),
    );
    storage.set(pair(1));
    // What an app passes from a configuration whose values are unset.
    const unset: { attempts?: number; delayMs?: number } = {};
    const result = rejectionOf(
      client({ retry: { maxAttempts: unset.attempts, baseDelayMs: unset.delayMs } }).sessions.list({
        retry: { maxAttempts: unset.attempts, maxDelayMs: unset.delayMs },
      }),
    );
    await vi.advanceTimersByTimeAsync(224);
    expect(server.count("GET /auth/sessions")).toBe(1);
    await vi.advanceTimersByTimeAsync(1 + 450);
    expect(await result).toMatchObject({ code: "INTERNAL_ERROR", status: 500 });
    expect(server.count("GET /auth/sessions")).toBe(3);
  });

  it("retry: false makes one attempt", async () => {
    server.on("GET /oauth/providers", () => fail("SERVICE_UNAVAILABLE", 503, { "retry-after": "1" }));
    await rejectionOf(client({ retry: false }).oauth.listProviders());
    expect(server.count("GET /oauth/providers")).toBe(1);
  });
});

describe("the call's deadline (deadlineMs)", () => {
  it("bounds the attempts: the last one's timeout is cut to what is left, and no wait starts past it", async () => {
    server.on("GET /oauth/providers", hang);
    const result = rejectionOf(client({ timeoutMs: 10_000, deadlineMs: 15_000 }).oauth.listProviders());
    // The first attempt times out at 10 s; after 225 ms of backoff the second has 4,775 ms left.
    await vi.advanceTimersByTimeAsync(10_225);
    expect(server.count("GET /oauth/providers")).toBe(2);
    await vi.advanceTimersByTimeAsync(4_774);
    expect(server.seen[1]?.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await result;
    expect(error).toBeInstanceOf(SuperOAuthNetworkError);
    expect(error).toMatchObject({ code: "TIMEOUT" });
    expect((error as Error).message).toBe(
      "GET /api/v1/oauth/providers reached the call's deadline (4775 ms were left for this attempt)",
    );
    // A third attempt would start past the deadline: none.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.count("GET /oauth/providers")).toBe(2);
  });

  it("by default 60 s: a Retry-After wait that would end past it is not waited, the answer that asked for it is thrown", async () => {
    server.on("GET /oauth/providers", () => fail("SERVICE_UNAVAILABLE", 503, { "retry-after": "45" }));
    const result = rejectionOf(client().oauth.listProviders());
    await vi.advanceTimersByTimeAsync(45_000);
    // The second 503 at 45 s asks for 45 s more: past the 60 s deadline (before: a third attempt at 90 s).
    expect(await result).toMatchObject({ code: "SERVICE_UNAVAILABLE", status: 503, retryAfter: 45 });
    expect(server.count("GET /oauth/providers")).toBe(2);
  });

  it("a per-call deadline overrides the client's, and Infinity means none", async () => {
    server.on("GET /oauth/providers", () => fail("SERVICE_UNAVAILABLE", 503, { "retry-after": "45" }));
    const shorter = rejectionOf(client().oauth.listProviders({ deadlineMs: 30_000 }));
    expect(await shorter).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect(server.count("GET /oauth/providers")).toBe(1);

    const unbounded = rejectionOf(client().oauth.listProviders({ deadlineMs: Number.POSITIVE_INFINITY }));
    await vi.advanceTimersByTimeAsync(90_000);
    expect(await unbounded).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect(server.count("GET /oauth/providers")).toBe(1 + 3);
  });

  it("covers a refresh on the way: the resend after it has what is left", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", (request) =>
      request.authorization === "Bearer access-1" ? fail("TOKEN_EXPIRED", 401) : hang(request),
    );
    // The refresh answers after 6 s.
    server.on(
      "POST /auth/refresh",
      () => new Promise<Response>((resolve) => setTimeout(() => resolve(ok(pair(2))), 6_000)),
    );
    const result = rejectionOf(client({ deadlineMs: 8_000 }).auth.me());
    await vi.advanceTimersByTimeAsync(6_000);
    expect(server.count("POST /auth/refresh")).toBe(1);
    expect(server.count("GET /auth/me")).toBe(2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await result).toMatchObject({ code: "TIMEOUT" });
    expect((await result) as Error).toHaveProperty(
      "message",
      "GET /api/v1/auth/me reached the call's deadline (2000 ms were left for this attempt)",
    );
    // The refresh was stored: the session goes on.
    expect(await storage.get()).toMatchObject({ accessToken: "access-2" });
  });

  it("ends the call's wait for a refresh that outlasts it; the refresh runs on and its tokens are kept", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", () => fail("TOKEN_EXPIRED", 401));
    server.on(
      "POST /auth/refresh",
      () => new Promise<Response>((resolve) => setTimeout(() => resolve(ok(pair(2))), 6_000)),
    );
    const result = rejectionOf(client({ deadlineMs: 3_000 }).auth.me());
    await vi.advanceTimersByTimeAsync(3_000);
    const error = await result;
    expect(error).toBeInstanceOf(SuperOAuthNetworkError);
    expect(error).toMatchObject({
      code: "TIMEOUT",
      message: "GET /api/v1/auth/me reached the call's deadline while its tokens were being refreshed",
    });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await storage.get()).toMatchObject({ accessToken: "access-2" });
    // No resend: the call had ended.
    expect(server.count("GET /auth/me")).toBe(1);
  });

  it("a call with no time left is not sent at all", async () => {
    server.on("GET /oauth/providers", () => ok({ providers: [] }));
    const error = await rejectionOf(client().oauth.listProviders({ deadlineMs: 0 }));
    expect(error).toMatchObject({
      code: "TIMEOUT",
      message: "GET /api/v1/oauth/providers reached the call's deadline before it could be sent",
    });
    expect(server.count("GET /oauth/providers")).toBe(0);
  });
});

describe("the numeric settings are checked where they are given", () => {
  it.each([
    ["deadlineMs", { deadlineMs: Number.NaN }, /^deadlineMs must be a number of milliseconds of at least 0/],
    ["deadlineMs", { deadlineMs: -1 }, /^deadlineMs must be .* not -1$/],
    [
      "timeoutMs",
      { timeoutMs: 0 },
      /^timeoutMs must be a number of milliseconds of at least 1 \(Infinity for none\), not 0$/,
    ],
    ["timeoutMs", { timeoutMs: "5000" as unknown as number }, /^timeoutMs must be .* not 5000$/],
    ["refreshReuseGraceMs", { refreshReuseGraceMs: Number.NaN }, /^refreshReuseGraceMs must be .* not NaN$/],
    [
      "retry.maxAttempts",
      { retry: { maxAttempts: 0 } },
      /^retry.maxAttempts must be a whole number of at least 1, not 0$/,
    ],
    ["retry.maxAttempts", { retry: { maxAttempts: 2.5 } }, /^retry.maxAttempts must be .* not 2.5$/],
    ["retry.baseDelayMs", { retry: { baseDelayMs: -300 } }, /^retry.baseDelayMs must be .* not -300$/],
  ] as const)("the client refuses %s: %o (a RangeError naming it)", (_name, options, message) => {
    expect(() => client(options)).toThrow(RangeError);
    expect(() => client(options)).toThrow(message);
  });

  it("a call refuses a NaN deadline or a zero timeout of its own, and sends nothing", async () => {
    server.on("GET /oauth/providers", () => ok({ providers: [] }));
    const nan = await rejectionOf(client().oauth.listProviders({ deadlineMs: Number.NaN }));
    expect(nan).toBeInstanceOf(RangeError);
    expect(nan).toMatchObject({ message: expect.stringMatching(/^options.deadlineMs must be .* not NaN$/) });
    const zero = await rejectionOf(client().oauth.listProviders({ timeoutMs: 0 }));
    expect(zero).toMatchObject({ message: expect.stringMatching(/^options.timeoutMs must be .* not 0$/) });
    const retry = await rejectionOf(client().oauth.listProviders({ retry: { maxRetryAfterMs: -1 } }));
    expect(retry).toMatchObject({ message: expect.stringMatching(/^options.retry.maxRetryAfterMs must be/) });
    expect(server.count("GET /oauth/providers")).toBe(0);
  });

  it("takes Infinity and 0 where they mean something: no timeout, no deadline, no grace, no backoff", async () => {
    server.on("GET /oauth/providers", () => ok({ providers: [] }));
    const unbounded = client({
      timeoutMs: Number.POSITIVE_INFINITY,
      deadlineMs: Number.POSITIVE_INFINITY,
      refreshReuseGraceMs: 0,
      retry: { baseDelayMs: 0, maxAttempts: 1 },
    });
    expect(await unbounded.oauth.listProviders()).toEqual({ providers: [] });
  });
});

describe("network failures and timeouts", () => {
  it("a GET that fails on the network is retried; the last failure is NETWORK_ERROR", async () => {
    server.on("GET /oauth/providers", () => Promise.reject(new TypeError("fetch failed")));
    const result = rejectionOf(client().oauth.listProviders());
    await vi.advanceTimersByTimeAsync(225 + 450);
    const error = await result;
    expect(error).toBeInstanceOf(SuperOAuthNetworkError);
    expect(error).toMatchObject({ code: "NETWORK_ERROR", status: null });
    expect(server.count("GET /oauth/providers")).toBe(3);
  });

  it("a POST that fails on the network is not repeated, unless the call says it is idempotent", async () => {
    server.on("POST /auth/verify-email", () => Promise.reject(new TypeError("fetch failed")));
    const error = await rejectionOf(client().auth.verifyEmail({ token: "t" }));
    expect(error).toMatchObject({ code: "NETWORK_ERROR" });
    expect(server.count("POST /auth/verify-email")).toBe(1);

    const repeated = rejectionOf(client().auth.verifyEmail({ token: "t" }, { idempotent: true }));
    await vi.advanceTimersByTimeAsync(225 + 450);
    await repeated;
    expect(server.count("POST /auth/verify-email")).toBe(1 + 3);
  });

  it("an attempt that outlives its timeout is aborted: TIMEOUT, retried for a GET", async () => {
    server.on("GET /oauth/providers", hang);
    const result = rejectionOf(client({ timeoutMs: 1000 }).oauth.listProviders());
    await vi.advanceTimersByTimeAsync(999);
    expect(server.seen[0]?.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.seen[0]?.signal?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(225 + 1000 + 450 + 1000);
    expect(await result).toMatchObject({ code: "TIMEOUT" });
    expect(server.count("GET /oauth/providers")).toBe(3);
  });

  it("an answer cut off in its body is NETWORK_ERROR with the status and request id that came, and a GET is retried", async () => {
    let calls = 0;
    server.on("GET /oauth/providers", () => {
      calls += 1;
      return calls === 1 ? cutOff(200, { "x-request-id": "req-cut" }) : ok({ providers: [] });
    });
    const answered = client().oauth.listProviders();
    await vi.advanceTimersByTimeAsync(225);
    expect(await answered).toEqual({ providers: [] });
    expect(server.count("GET /oauth/providers")).toBe(2);

    server.on("POST /auth/verify-email", () => cutOff(200, { "x-request-id": "req-cut-2" }));
    const error = await rejectionOf(client().auth.verifyEmail({ token: "t" }));
    expect(error).toBeInstanceOf(SuperOAuthNetworkError);
    expect(error).toMatchObject({ code: "NETWORK_ERROR", status: 200, requestId: "req-cut-2" });
    expect((error as Error).message).toContain("(HTTP 200, cut off in its body)");
    expect(server.count("POST /auth/verify-email")).toBe(1);
  });

  it("a per-call timeout overrides the client's", async () => {
    server.on("POST /auth/login", hang);
    const result = rejectionOf(
      client().auth.logIn({ email: "a@example.com", password: "x" }, { timeoutMs: 50 }),
    );
    await vi.advanceTimersByTimeAsync(50);
    expect(await result).toMatchObject({ code: "TIMEOUT" });
    expect(server.count("POST /auth/login")).toBe(1);
  });

  it("the caller's abort rejects with its reason, aborts the request, and nothing is retried", async () => {
    server.on("GET /oauth/providers", hang);
    const controller = new AbortController();
    const result = rejectionOf(client().oauth.listProviders({ signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(10);
    const reason = new DOMException("user left", "AbortError");
    controller.abort(reason);
    expect(await result).toBe(reason);
    expect(server.seen[0]?.signal?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.count("GET /oauth/providers")).toBe(1);
  });

  it("an abort during the wait between attempts ends the call at once", async () => {
    server.on("GET /oauth/providers", () => fail("SERVICE_UNAVAILABLE", 503, { "retry-after": "30" }));
    const controller = new AbortController();
    const result = rejectionOf(client().oauth.listProviders({ signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort();
    expect(await result).toMatchObject({ name: "AbortError" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.count("GET /oauth/providers")).toBe(1);
  });

  it("an already aborted signal sends nothing", async () => {
    const error = await rejectionOf(client().oauth.listProviders({ signal: AbortSignal.abort() }));
    expect(error).toMatchObject({ name: "AbortError" });
    expect(server.seen).toHaveLength(0);
  });
});

describe("tokens", () => {
  it("a sign-in stores its tokens; bearer calls send the access token; non-bearer calls send none", async () => {
    server.on("POST /auth/login", () => ok({ user, ...pair(1) }));
    server.on("GET /auth/me", () => ok({ user }));
    server.on("GET /oauth/providers", () => ok({ providers: [] }));
    const c = client();
    await c.auth.logIn({ email: "a@example.com", password: "x" });
    expect(storage.get()).toEqual({ accessToken: "access-1", refreshToken: "refresh-1" });
    await c.auth.me();
    await c.oauth.listProviders();
    expect(server.seen.map((r) => r.authorization)).toEqual([null, "Bearer access-1", null]);
  });

  it("the second-factor step stores nothing until the code is verified", async () => {
    server.on("POST /auth/login", () => ok({ mfaRequired: true, mfaToken: "mfa", expiresIn: 300 }));
    server.on("POST /auth/2fa/verify", () => ok({ user, ...pair(2) }));
    const c = client();
    const outcome = await c.auth.logIn({ email: "a@example.com", password: "x" });
    expect(outcome).toEqual({ mfaRequired: true, mfaToken: "mfa", expiresIn: 300 });
    expect(storage.get()).toBeNull();
    await c.twoFactor.verify({ mfaToken: "mfa", code: "123456" });
    expect(storage.get()).toEqual({ accessToken: "access-2", refreshToken: "refresh-2" });
    expect(server.seen[1]?.body).toEqual({ mfaToken: "mfa", code: "123456" });
  });

  it("logging out sends the stored refresh token, whose session the server ends, and forgets the tokens", async () => {
    storage.set(pair(1));
    server.on("POST /auth/logout", () => ok({ loggedOut: true }));
    await client().auth.logOut();
    expect(server.seen[0]).toMatchObject({
      authorization: "Bearer access-1",
      body: { refreshToken: "refresh-1" },
    });
    expect(storage.get()).toBeNull();
    expect(ended).toEqual([]);
  });

  it("logging out another session by its refresh token keeps this client's tokens; naming this one's forgets them", async () => {
    storage.set(pair(1));
    server.on("POST /auth/logout", () => ok({ loggedOut: true }));
    const c = client();
    await c.auth.logOut({ refreshToken: "refresh-of-another-device" });
    expect(server.seen[0]).toMatchObject({
      authorization: "Bearer access-1",
      body: { refreshToken: "refresh-of-another-device" },
    });
    expect(storage.get()).toEqual({ accessToken: "access-1", refreshToken: "refresh-1" });
    await c.auth.logOut({ refreshToken: "refresh-1" }, { timeoutMs: 1_000 });
    expect(storage.get()).toBeNull();
  });

  it("a refused log-out (a refresh token not the account's) keeps the tokens", async () => {
    storage.set(pair(1));
    server.on("POST /auth/logout", () => fail("INVALID_REFRESH_TOKEN", 401));
    const refused = await rejectionOf(client().auth.logOut({ refreshToken: "not-ours" }));
    expect(refused).toMatchObject({ code: "INVALID_REFRESH_TOKEN", status: 401 });
    expect(storage.get()).toEqual({ accessToken: "access-1", refreshToken: "refresh-1" });
    expect(ended).toEqual([]);
  });

  it("N parallel calls with an expired token cause exactly one refresh; the rotated token is stored", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", (r) =>
      r.authorization === "Bearer access-2" ? ok({ user }) : fail("TOKEN_EXPIRED", 401),
    );
    server.on("POST /auth/refresh", async (r) => {
      expect(r.body).toEqual({ refreshToken: "refresh-1" });
      // The refresh takes a while: every call's TOKEN_EXPIRED arrives while it is in flight.
      await new Promise((resolve) => setTimeout(resolve, 100));
      return ok(pair(2));
    });
    const c = client();
    const calls = Array.from({ length: 8 }, () => c.auth.me());
    await vi.advanceTimersByTimeAsync(100);
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 8 }, () => ({ user })));
    expect(server.count("POST /auth/refresh")).toBe(1);
    expect(server.count("GET /auth/me")).toBe(16);
    expect(storage.get()).toEqual({ accessToken: "access-2", refreshToken: "refresh-2" });
  });

  it("a call whose stale token another call already refreshed is sent again without a second refresh", async () => {
    storage.set(pair(1));
    server.on("GET /auth/sessions", async (r) => {
      if (r.authorization === "Bearer access-2") return ok({ sessions: [] });
      // This answer comes back only after the other call's refresh completed.
      await new Promise((resolve) => setTimeout(resolve, 500));
      return fail("TOKEN_EXPIRED", 401);
    });
    server.on("GET /auth/me", (r) =>
      r.authorization === "Bearer access-2" ? ok({ user }) : fail("TOKEN_EXPIRED", 401),
    );
    server.on("POST /auth/refresh", () => ok(pair(2)));
    const c = client();
    const slow = c.sessions.list();
    await c.auth.me();
    await vi.advanceTimersByTimeAsync(500);
    expect(await slow).toEqual({ sessions: [] });
    expect(server.count("POST /auth/refresh")).toBe(1);
  });

  it("a refresh refused with INVALID_REFRESH_TOKEN clears the tokens and tells onSessionEnded once", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", () => fail("TOKEN_EXPIRED", 401));
    server.on("POST /auth/refresh", () => fail("INVALID_REFRESH_TOKEN", 401));
    const c = client();
    const errors = await Promise.all([c.auth.me(), c.auth.me(), c.auth.me()].map(rejectionOf));
    for (const error of errors) expect(error).toMatchObject({ code: "INVALID_REFRESH_TOKEN", status: 401 });
    expect(server.count("POST /auth/refresh")).toBe(1);
    expect(storage.get()).toBeNull();
    await Promise.resolve();
    expect(ended).toEqual([{ reason: "INVALID_REFRESH_TOKEN" }]);
  });

  it("a call whose TOKEN_EXPIRED comes back after the refused refresh settled throws that refusal too", async () => {
    storage.set(pair(1));
    server.on("GET /auth/sessions", async () => {
      // This answer comes back only after the other call's refresh was refused and the tokens cleared.
      await new Promise((resolve) => setTimeout(resolve, 500));
      return fail("TOKEN_EXPIRED", 401);
    });
    server.on("GET /auth/me", () => fail("TOKEN_EXPIRED", 401));
    server.on("POST /auth/refresh", () => fail("INVALID_REFRESH_TOKEN", 401));
    const c = client();
    const slow = rejectionOf(c.sessions.list());
    expect(await rejectionOf(c.auth.me())).toMatchObject({ code: "INVALID_REFRESH_TOKEN", status: 401 });
    expect(storage.get()).toBeNull();
    await vi.advanceTimersByTimeAsync(500);
    expect(await slow).toMatchObject({ code: "INVALID_REFRESH_TOKEN", status: 401 });
    expect(server.count("POST /auth/refresh")).toBe(1);
    expect(ended).toEqual([{ reason: "INVALID_REFRESH_TOKEN" }]);
  });

  it("INVALID_TOKEN (a session ended on the server) refreshes once; a refused refresh ends the session", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", () => fail("INVALID_TOKEN", 401));
    server.on("POST /auth/refresh", () => fail("INVALID_REFRESH_TOKEN", 401));
    expect(await rejectionOf(client().auth.me())).toMatchObject({ code: "INVALID_REFRESH_TOKEN" });
    expect(server.count("GET /auth/me")).toBe(1);
    expect(storage.get()).toBeNull();
    await Promise.resolve();
    expect(ended).toEqual([{ reason: "INVALID_REFRESH_TOKEN" }]);
  });

  it("twoFactor.disable takes the factor, a code or a backup code: the password alone does not compile", async () => {
    storage.set(pair(1));
    server.on("POST /auth/2fa/disable", () => ok({ disabled: true }));
    const c = client();
    // @ts-expect-error the password is no proof of the factor (the server answers VALIDATION_ERROR)
    const passwordOnly: Parameters<typeof c.twoFactor.disable>[0] = { password: "Sup3r-secret!" };
    // @ts-expect-error nor is nothing
    const nothing: Parameters<typeof c.twoFactor.disable>[0] = {};
    expect([passwordOnly, nothing]).toHaveLength(2);
    expect(await c.twoFactor.disable({ code: "123456", password: "Sup3r-secret!" })).toEqual({
      disabled: true,
    });
    expect(await c.twoFactor.disable({ backupCode: "abcd-efgh" })).toEqual({ disabled: true });
    expect(server.seen.map((request) => request.body)).toEqual([
      { code: "123456", password: "Sup3r-secret!" },
      { backupCode: "abcd-efgh" },
    ]);
  });

  it("ACCOUNT_DISABLED on a bearer call ends the session at once (no refresh can help); another account's USER_NOT_FOUND does not", async () => {
    storage.set(pair(1));
    server.on("GET /admin/users/u-9", () => fail("USER_NOT_FOUND", 404));
    const c = client();
    // Staff reading an account that is gone: about that account, not the caller's session.
    expect(await rejectionOf(c.admin.getUser({ id: "u-9" }))).toMatchObject({ code: "USER_NOT_FOUND" });
    expect(storage.get()).toEqual({ accessToken: "access-1", refreshToken: "refresh-1" });
    expect(ended).toEqual([]);
    server.on("GET /auth/me", () => fail("ACCOUNT_DISABLED", 403));

    expect(await rejectionOf(c.auth.me())).toMatchObject({ code: "ACCOUNT_DISABLED", status: 403 });

    expect(server.count("POST /auth/refresh")).toBe(0);
    expect(storage.get()).toBeNull();
    expect(await c.isSignedIn()).toBe(false);
    expect(ended).toEqual([{ reason: "ACCOUNT_DISABLED" }]);
  });

  it("INVALID_TOKEN with a refresh token that still works (a removed signing key): refreshed, then answered", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", (r) =>
      r.authorization === "Bearer access-2" ? ok({ user }) : fail("INVALID_TOKEN", 401),
    );
    server.on("POST /auth/refresh", () => ok(pair(2)));
    expect(await client().auth.me()).toEqual({ user });
    expect(server.count("POST /auth/refresh")).toBe(1);
    expect(storage.get()).toEqual({ accessToken: "access-2", refreshToken: "refresh-2" });
  });

  it("a call still refused after its refresh is thrown, not refreshed again", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", () => fail("TOKEN_EXPIRED", 401));
    server.on("POST /auth/refresh", () => ok(pair(2)));
    expect(await rejectionOf(client().auth.me())).toMatchObject({ code: "TOKEN_EXPIRED" });
    expect(server.count("POST /auth/refresh")).toBe(1);
    expect(server.count("GET /auth/me")).toBe(2);
  });

  it("a refresh whose answer is lost is sent again at once, inside the reuse grace: the server's same answer is stored", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", (request) =>
      request.authorization === "Bearer access-2" ? ok({ user }) : fail("TOKEN_EXPIRED", 401),
    );
    let refreshes = 0;
    server.on("POST /auth/refresh", () => {
      refreshes += 1;
      // The first answer is lost on the way (the server had rotated the token already).
      return refreshes === 1 ? Promise.reject(new TypeError("fetch failed")) : ok(pair(2));
    });
    expect(await client().auth.me()).toEqual({ user });
    expect(server.seen.filter((r) => r.path === "/auth/refresh").map((r) => r.body)).toEqual([
      { refreshToken: "refresh-1" },
      { refreshToken: "refresh-1" },
    ]);
    expect(storage.get()).toEqual({ accessToken: "access-2", refreshToken: "refresh-2" });
  });

  it("a refresh that keeps failing on the network is tried 3 times at once, then thrown; the tokens stay", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", () => fail("TOKEN_EXPIRED", 401));
    server.on("POST /auth/refresh", () => Promise.reject(new TypeError("fetch failed")));
    expect(await rejectionOf(client().auth.me())).toMatchObject({ code: "NETWORK_ERROR" });
    expect(server.count("POST /auth/refresh")).toBe(3);
    expect(storage.get()).toEqual({ accessToken: "access-1", refreshToken: "refresh-1" });
    await Promise.resolve();
    expect(ended).toEqual([]);
  });

  it("a refresh answered 503 is sent again at once, not after its Retry-After, which could outlast the grace", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", () => fail("TOKEN_EXPIRED", 401));
    server.on("POST /auth/refresh", () => fail("SERVICE_UNAVAILABLE", 503, { "retry-after": "30" }));
    expect(await rejectionOf(client().auth.me())).toMatchObject({ code: "SERVICE_UNAVAILABLE", status: 503 });
    // No timer was advanced: the three attempts waited for nothing.
    expect(server.count("POST /auth/refresh")).toBe(3);
    expect(storage.get()).toEqual({ accessToken: "access-1", refreshToken: "refresh-1" });
  });

  it("a refresh answered 429 was not handled: sent again after its Retry-After, as any call, and the new pair stored", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", (request) =>
      request.authorization === "Bearer access-2" ? ok({ user }) : fail("TOKEN_EXPIRED", 401),
    );
    let refreshes = 0;
    server.on("POST /auth/refresh", () =>
      ++refreshes === 1 ? fail("RATE_LIMIT_EXCEEDED", 429, { "retry-after": "12" }) : ok(pair(2)),
    );
    const result = client().auth.me();
    // Past the reuse grace (10 s): nothing was spent, so the wait may be longer than it.
    await vi.advanceTimersByTimeAsync(11_999);
    expect(server.count("POST /auth/refresh")).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toEqual({ user });
    expect(server.count("POST /auth/refresh")).toBe(2);
    expect(storage.get()).toEqual({ accessToken: "access-2", refreshToken: "refresh-2" });
  });

  it("a refresh still answered 429 after the client's attempts, or asked to wait longer than it waits out, is thrown; the tokens stay", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", () => fail("TOKEN_EXPIRED", 401));
    server.on("POST /auth/refresh", () => fail("RATE_LIMIT_EXCEEDED", 429, { "retry-after": "1" }));
    const result = rejectionOf(client().auth.me());
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await result).toMatchObject({ code: "RATE_LIMIT_EXCEEDED", retryAfter: 1 });
    expect(server.count("POST /auth/refresh")).toBe(3);
    expect(storage.get()).toEqual({ accessToken: "access-1", refreshToken: "refresh-1" });

    server.on("POST /auth/refresh", () => fail("RATE_LIMIT_EXCEEDED", 429, { "retry-after": "873" }));
    expect(await rejectionOf(client().auth.me())).toMatchObject({
      code: "RATE_LIMIT_EXCEEDED",
      retryAfter: 873,
    });
    expect(server.count("POST /auth/refresh")).toBe(4);
    await Promise.resolve();
    expect(ended).toEqual([]);
  });

  it("a refresh answered 429 after an answer was lost is thrown, not waited out: the token may be spent, and the grace would pass", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", () => fail("TOKEN_EXPIRED", 401));
    let refreshes = 0;
    server.on("POST /auth/refresh", () =>
      ++refreshes === 1
        ? Promise.reject(new TypeError("fetch failed"))
        : fail("RATE_LIMIT_EXCEEDED", 429, { "retry-after": "1" }),
    );
    expect(await rejectionOf(client().auth.me())).toMatchObject({ code: "RATE_LIMIT_EXCEEDED" });
    expect(server.count("POST /auth/refresh")).toBe(2);
  });

  it("a refresh's attempts end inside the reuse grace: the timeout is cut to what is left of 80 % of it", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", () => fail("TOKEN_EXPIRED", 401));
    server.on("POST /auth/refresh", hang);
    const result = rejectionOf(client({ refreshReuseGraceMs: 1000, timeoutMs: 10_000 }).auth.me());
    await vi.advanceTimersByTimeAsync(800);
    // One attempt of 800 ms, and less than 250 ms left for another: none is sent after the window.
    expect(await result).toMatchObject({ code: "TIMEOUT" });
    expect(server.count("POST /auth/refresh")).toBe(1);
  });

  it("a refreshed pair the storage refuses is kept in memory: the call says why, the next call uses the new pair", async () => {
    const failing = new MemoryTokenStorage();
    failing.set(pair(1));
    const set = failing.set.bind(failing);
    failing.set = () => {
      throw new Error("QuotaExceededError");
    };
    storage = failing;
    server.on("GET /auth/me", (request) =>
      request.authorization === "Bearer access-2" ? ok({ user }) : fail("TOKEN_EXPIRED", 401),
    );
    server.on("POST /auth/refresh", () => ok(pair(2)));
    const c = client();
    expect(await rejectionOf(c.auth.me())).toMatchObject({ message: "QuotaExceededError" });
    // The old pair is spent on the server; the new one, held in memory, is what the next call sends.
    expect(await c.auth.me()).toEqual({ user });
    expect(server.count("POST /auth/refresh")).toBe(1);
    // Forgetting the tokens forgets that pair too: signed out, the next call sends no token.
    expect(await c.isSignedIn()).toBe(true);
    await c.forgetTokens();
    expect(await c.isSignedIn()).toBe(false);
    server.on("GET /auth/me", (request) =>
      fail(request.authorization === null ? "UNAUTHORIZED" : "TOKEN_EXPIRED", 401),
    );
    expect(await rejectionOf(c.auth.me())).toMatchObject({ code: "UNAUTHORIZED" });
    failing.set = set;
  });

  it("a refresh that comes back after a sign-out or a new sign-in stores nothing over them", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", (request) =>
      request.authorization === null ? fail("UNAUTHORIZED", 401) : fail("TOKEN_EXPIRED", 401),
    );
    server.on(
      "POST /auth/refresh",
      () => new Promise<Response>((resolve) => setTimeout(() => resolve(ok(pair(2))), 100)),
    );
    server.on("POST /auth/login", () => ok({ user, ...pair(3) }));
    const c = client();
    // Signed out on this device while a refresh was on its way: it stays signed out.
    const first = rejectionOf(c.auth.me());
    await vi.advanceTimersByTimeAsync(50);
    await c.forgetTokens();
    await vi.advanceTimersByTimeAsync(50);
    expect(await first).toMatchObject({ code: "UNAUTHORIZED" });
    expect(await c.isSignedIn()).toBe(false);
    // Someone else signed in meanwhile: the earlier session's pair does not replace theirs.
    storage.set(pair(1));
    const second = rejectionOf(c.auth.me());
    await vi.advanceTimersByTimeAsync(50);
    await c.auth.logIn({ email: "b@example.com", password: "x" });
    await vi.advanceTimersByTimeAsync(50);
    await second;
    expect(storage.get()).toEqual({ accessToken: "access-3", refreshToken: "refresh-3" });
    expect(server.count("POST /auth/refresh")).toBe(2);
  });

  it("a refresh answered 200 without a token pair is an INVALID_RESPONSE, and nothing is stored", async () => {
    storage.set(pair(1));
    server.on("GET /auth/me", () => fail("TOKEN_EXPIRED", 401));
    server.on("POST /auth/refresh", () => ok({ expiresIn: 300 }));
    expect(await rejectionOf(client().auth.me())).toMatchObject({ code: "INVALID_RESPONSE" });
    expect(storage.get()).toEqual({ accessToken: "access-1", refreshToken: "refresh-1" });
  });

  it("auth.refresh joins a refresh already in flight", async () => {
    storage.set(pair(1));
    server.on("POST /auth/refresh", async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return ok(pair(2));
    });
    const c = client();
    const both = Promise.all([c.auth.refresh(), c.auth.refresh()]);
    await vi.advanceTimersByTimeAsync(100);
    expect(await both).toEqual([pair(2), pair(2)]);
    expect(server.count("POST /auth/refresh")).toBe(1);
  });

  it("auth.refresh keeps to its own deadline, and refuses a NaN one before sending", async () => {
    storage.set(pair(1));
    server.on(
      "POST /auth/refresh",
      () => new Promise<Response>((resolve) => setTimeout(() => resolve(ok(pair(2))), 6_000)),
    );
    const c = client();
    await expect(c.auth.refresh({ deadlineMs: Number.NaN })).rejects.toThrow(RangeError);
    expect(server.seen).toHaveLength(0);
    const result = rejectionOf(c.auth.refresh({ deadlineMs: 1_000 }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await result).toMatchObject({
      code: "TIMEOUT",
      message: "POST /api/v1/auth/refresh reached the call's deadline while its tokens were being refreshed",
    });
    // The refresh runs on for the other calls, and its tokens are kept.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await storage.get()).toMatchObject({ accessToken: "access-2" });
  });

  it("auth.refresh without stored tokens says to sign in first and sends nothing", async () => {
    await expect(client().auth.refresh()).rejects.toThrow("sign in first");
    expect(server.seen).toHaveLength(0);
  });
});

describe("requests", () => {
  it("path parameters are encoded, absent query values left out", async () => {
    storage.set(pair(1));
    server.on("DELETE /auth/sessions/a%2Fb", () => ok({ revoked: true }));
    server.on("GET /admin/users", () => ok({ users: [], nextCursor: null }));
    const c = client();
    await c.sessions.revoke({ id: "a/b" });
    await c.admin.searchUsers({ q: "ada", limit: 5 });
    expect(server.seen.map((r) => r.url.href)).toEqual([
      `${baseURL}/api/v1/auth/sessions/a%2Fb`,
      `${baseURL}/api/v1/admin/users?q=ada&limit=5`,
    ]);
  });

  it("admin.disableUser sends the reason in the body, and answers the reason that stands", async () => {
    storage.set(pair(1));
    const answer = { status: "disabled", disabledReason: "Chargeback fraud", alreadyDisabled: true } as const;
    server.on("POST /admin/users/u-1/disable", () => ok(answer));
    const disabled = await client().admin.disableUser({ id: "u-1", reason: "Spam (ticket 4127)" });
    // Typed (UserDisabled): the reason that stands, and whether this call disabled the account.
    expect([disabled.status, disabled.disabledReason, disabled.alreadyDisabled]).toEqual([
      "disabled",
      "Chargeback fraud",
      true,
    ]);
    expect(server.seen[0]?.body).toEqual({ reason: "Spam (ticket 4127)" });
  });

  it("admin.unlinkProvider sends the provider in the body, and answers what is left to sign in with", async () => {
    storage.set(pair(1));
    const answer = {
      provider: "github",
      unlinked: true,
      remainingSignIn: { password: false, providers: [] },
      accountStatus: "disabled",
    };
    server.on("POST /admin/users/u-1/unlink-provider", () => ok(answer));
    const unlinked = await client().admin.unlinkProvider({ id: "u-1", provider: "github" });
    // Typed (UserProviderUnlinked): whether this call unlinked it, the account's ways in now, and
    // whether it is disabled (no reset link reaches it then).
    expect([
      unlinked.unlinked,
      unlinked.remainingSignIn.password,
      unlinked.remainingSignIn.providers,
      unlinked.accountStatus,
    ]).toEqual([true, false, [], "disabled"]);
    expect(server.seen[0]?.body).toEqual({ provider: "github" });
  });

  it("the social sign-in URL carries an S256 challenge of the verifier it returns", async () => {
    const { url, codeVerifier } = await client().oauth.createSignInURL({ provider: "github" });
    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).toBe(`${baseURL}/api/v1/oauth/github`);
    expect(parsed.searchParams.get("code_challenge_method")).toBe("S256");
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(codeVerifier)),
    );
    const expected = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect(parsed.searchParams.get("code_challenge")).toBe(expected);
    expect(codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("the login-code exchange sends code_verifier and stores the session", async () => {
    server.on("POST /oauth/exchange", () => ok({ user, ...pair(3) }));
    await client().oauth.exchangeLoginCode({ code: "c", codeVerifier: "v" });
    expect(server.seen[0]?.body).toEqual({ code: "c", code_verifier: "v" });
    expect(storage.get()).toEqual({ accessToken: "access-3", refreshToken: "refresh-3" });
  });

  it("an export download is a stream with its file name, size and SHA-256; its failure is the API's error", async () => {
    storage.set(pair(1));
    server.on(
      "GET /user/export/e1/download",
      () =>
        new Response(new Uint8Array([80, 75, 3, 4]), {
          headers: {
            "content-type": "application/zip",
            "content-disposition": 'attachment; filename="superoauth-export.zip"',
            "content-length": "4",
            "x-content-sha256": "ab".repeat(32),
          },
        }),
    );
    server.on("GET /user/export/e2/download", () => fail("EXPORT_NOT_READY", 409));
    const c = client();
    const archive = await c.dataExports.download({ id: "e1" });
    expect(archive).toMatchObject({
      fileName: "superoauth-export.zip",
      sizeBytes: 4,
      sha256: "ab".repeat(32),
    });
    expect([...new Uint8Array(await new Response(archive.body).arrayBuffer())]).toEqual([80, 75, 3, 4]);
    expect(await rejectionOf(c.dataExports.download({ id: "e2" }))).toMatchObject({
      code: "EXPORT_NOT_READY",
      status: 409,
    });
  });

  it("the caller's signal still cancels an export download after its headers arrived", async () => {
    storage.set(pair(1));
    server.on("GET /user/export/e1/download", (request) => {
      const body = new ReadableStream<Uint8Array>({
        start(stream) {
          stream.enqueue(new Uint8Array([80, 75]));
          // The rest never comes: a slow download, which the fetch's signal errors.
          request.signal?.addEventListener("abort", () => stream.error(request.signal?.reason), {
            once: true,
          });
        },
      });
      return new Response(body, { headers: { "content-type": "application/zip" } });
    });
    const controller = new AbortController();
    const archive = await client().dataExports.download({ id: "e1" }, { signal: controller.signal });
    const reader = archive.body.getReader();
    expect((await reader.read()).value).toEqual(new Uint8Array([80, 75]));
    controller.abort(new Error("the person cancelled"));
    expect(server.seen.at(-1)?.signal?.aborted).toBe(true);
    await expect(reader.read()).rejects.toThrow("the person cancelled");
  });

  it("a signal given to many downloads keeps no listener once each is read, cancelled or failed", async () => {
    storage.set(pair(1));
    let failing = false;
    server.on("GET /user/export/e1/download", () => {
      const body = new ReadableStream<Uint8Array>({
        start(stream) {
          stream.enqueue(new Uint8Array([80, 75]));
          if (failing) stream.error(new Error("the connection dropped"));
          else stream.close();
        },
      });
      return new Response(body, { headers: { "content-type": "application/zip" } });
    });
    const signal = new AbortController().signal;
    // The abort listeners the signal holds (this package's types are the browser's: no node:events).
    const listening = new Set<unknown>();
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (type: string, listener: unknown, options?: unknown) => {
      listening.add(listener);
      add(type, listener as EventListener, options as AddEventListenerOptions);
    };
    signal.removeEventListener = (type: string, listener: unknown, options?: unknown) => {
      listening.delete(listener);
      remove(type, listener as EventListener, options as EventListenerOptions);
    };
    const c = client();
    for (let i = 0; i < 3; i += 1) {
      const archive = await c.dataExports.download({ id: "e1" }, { signal });
      expect(listening.size).toBe(1);
      expect([...new Uint8Array(await new Response(archive.body).arrayBuffer())]).toEqual([80, 75]);
    }
    expect(listening.size).toBe(0);

    await (await c.dataExports.download({ id: "e1" }, { signal })).body.cancel();
    expect(listening.size).toBe(0);

    failing = true;
    const broken = await c.dataExports.download({ id: "e1" }, { signal });
    await expect(new Response(broken.body).arrayBuffer()).rejects.toThrow();
    expect(listening.size).toBe(0);
  });

  it("lists the exports as the array the API wraps in { exports }", async () => {
    storage.set(pair(1));
    const listed = [{ exportId: "e1", status: "ready" }];
    server.on("GET /user/export", () => ok({ exports: listed }));
    expect(await client().dataExports.list()).toEqual(listed);
    expect(server.seen[0]?.authorization).toBe("Bearer access-1");
  });

  it("the provider callback is not repeated after a 500: its state is spent, and the first answer is the one that says why", async () => {
    server.on("GET /oauth/discord/callback", () =>
      fail("TOKEN_EXCHANGE_FAILED", 500, {}, { requestId: "req-1" }),
    );
    const error = await rejectionOf(
      client().oauth.finishCallback({ provider: "discord", code: "c", state: "s" }),
    );
    expect(error).toBeInstanceOf(SuperOAuthError);
    expect(error).toMatchObject({ code: "TOKEN_EXCHANGE_FAILED", status: 500, requestId: "req-1" });
    expect(server.count("GET /oauth/discord/callback")).toBe(1);
  });

  it("the provider callback as JSON stores the tokens of a sign-in, not of a linking", async () => {
    server.on("GET /oauth/github/callback", (r) =>
      r.url.searchParams.get("state") === "link"
        ? ok({ linked: true, provider: "github" })
        : ok({ user, ...pair(4) }),
    );
    const c = client();
    expect(await c.oauth.finishCallback({ provider: "github", code: "c", state: "link" })).toEqual({
      linked: true,
      provider: "github",
    });
    expect(storage.get()).toBeNull();
    await c.oauth.finishCallback({ provider: "github", code: "c", state: "s" });
    expect(storage.get()).toEqual({ accessToken: "access-4", refreshToken: "refresh-4" });
    expect(server.seen[1]?.url.search).toBe("?code=c&state=s");
  });
});
