import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { bearer, buildTestApp, expectError, registerUser } from "./test-app.ts";

// CORS_ORIGINS: a front end on its own origin calls /api/v1 from a browser; nothing else opens.

const front = "https://app.example";
const stranger = "https://evil.example";

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(options: Parameters<typeof buildTestApp>[0] = {}): Promise<FastifyInstance> {
  const { app } = await buildTestApp({ corsOrigins: [front, "http://localhost:5173"], ...options });
  apps.push(app);
  return app;
}

const preflight = (app: FastifyInstance, origin: string, url = "/api/v1/auth/login") =>
  app.inject({
    method: "OPTIONS",
    url,
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, authorization",
    },
  });

/** The names of an answer's CORS headers (Access-Control-*). */
const corsHeadersOf = (response: { headers: Record<string, unknown> }): string[] =>
  Object.keys(response.headers).filter((name) => name.toLowerCase().startsWith("access-control-"));

describe("cross-origin calls to the API", () => {
  it("answers a listed origin's preflight: its origin, credentials, the methods and headers, cached 10 minutes", async () => {
    const app = await start();
    const response = await preflight(app, front);
    expect(response.statusCode).toBe(204);
    expect(response.headers["access-control-allow-origin"]).toBe(front);
    expect(response.headers["access-control-allow-credentials"]).toBe("true");
    expect(response.headers["access-control-allow-methods"]).toBe("GET, HEAD, POST, PUT, PATCH, DELETE");
    expect(response.headers["access-control-allow-headers"]).toBe(
      "authorization, content-type, accept, x-request-id",
    );
    expect(response.headers["access-control-max-age"]).toBe("600");
    expect(response.headers.vary).toContain("Origin");
  });

  it("gives an origin that is not listed no CORS headers, so the browser refuses the call", async () => {
    const app = await start();
    for (const origin of [stranger, "https://app.example.evil.example", "http://app.example", "null"]) {
      // Its preflight is answered as without CORS_ORIGINS: the 404 envelope, no CORS at all.
      const response = await preflight(app, origin);
      expectError(response, "NOT_FOUND", 404);
      expect(corsHeadersOf(response)).toStrictEqual([]);
      const call = await app.inject({ method: "GET", url: "/api/v1/oauth/providers", headers: { origin } });
      expect(call.statusCode).toBe(200);
      expect(corsHeadersOf(call)).toStrictEqual([]);
    }
  });

  it("puts no CORS headers on a call that names no origin (a server's, curl's)", async () => {
    const app = await start();
    const call = await app.inject({ method: "GET", url: "/api/v1/oauth/providers" });

    expect(call.statusCode).toBe(200);
    expect(corsHeadersOf(call)).toStrictEqual([]);
  });

  it("lets a listed origin read an answer, its error code and the headers a client acts on", async () => {
    const app = await start();
    const user = await registerUser(app);
    const me = await app.inject({
      method: "GET",
      url: "/api/v1/auth/me",
      headers: { origin: front, ...bearer(user.accessToken) },
    });
    expect(me.statusCode).toBe(200);
    expect(me.headers["access-control-allow-origin"]).toBe(front);
    expect(me.headers["access-control-expose-headers"]).toBe(
      "retry-after, x-request-id, www-authenticate, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, content-disposition, x-content-sha256, repr-digest",
    );
    const refused = await app.inject({ method: "GET", url: "/api/v1/auth/me", headers: { origin: front } });
    expectError(refused, "UNAUTHORIZED", 401);
    expect(refused.headers["access-control-allow-origin"]).toBe(front);
  });

  it("puts the headers on a rate limit's 429 too, so the app can read Retry-After", async () => {
    const app = await start({
      rateLimit: { enabled: true, windowMs: 60_000, loginMax: 1, registerMax: 1, generalMax: 1 },
    });
    const call = () =>
      app.inject({ method: "GET", url: "/api/v1/oauth/providers", headers: { origin: front } });
    expect((await call()).statusCode).toBe(200);
    const limited = await call();
    expectError(limited, "RATE_LIMIT_EXCEEDED", 429);
    expect(limited.headers["access-control-allow-origin"]).toBe(front);
    expect(limited.headers["retry-after"]).toMatch(/^\d+$/);
    // A preflight counts against no budget.
    expect((await preflight(app, front, "/api/v1/oauth/providers")).statusCode).toBe(204);
  });

  it("opens nothing outside /api/v1: pages and health answer no CORS, their preflight is a 404", async () => {
    const app = await start();
    const health = await app.inject({ method: "GET", url: "/health", headers: { origin: front } });
    expect(health.headers["access-control-allow-origin"]).toBeUndefined();
    const page = await preflight(app, front, "/forgot-password");
    expectError(page, "NOT_FOUND", 404);
    expect(page.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("answers an OPTIONS that is no preflight with the 404 envelope, not a plain-text 400", async () => {
    const app = await start();
    for (const headers of [{}, { origin: front }, { "access-control-request-method": "POST" }]) {
      const response = await app.inject({ method: "OPTIONS", url: "/api/v1/auth/login", headers });
      expectError(response, "NOT_FOUND", 404);
      expect(response.headers["content-type"]).toMatch(/^application\/json/);
      expect(response.headers["access-control-allow-methods"]).toBeUndefined();
    }
    const listed = await app.inject({
      method: "OPTIONS",
      url: "/api/v1/auth/login",
      headers: { origin: front },
    });
    expect(listed.headers["access-control-allow-origin"]).toBe(front);
  });

  it("without CORS_ORIGINS, a preflight is a 404 and no answer carries CORS headers", async () => {
    const app = await start({ corsOrigins: [] });
    expectError(await preflight(app, front), "NOT_FOUND", 404);
    const call = await app.inject({
      method: "GET",
      url: "/api/v1/oauth/providers",
      headers: { origin: front },
    });
    expect(corsHeadersOf(call)).toStrictEqual([]);
  });
});
