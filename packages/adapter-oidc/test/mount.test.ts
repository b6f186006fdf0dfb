import { generateKeyPairSync } from "node:crypto";
import { InMemoryOIDCModelStore } from "@superoauth/application/testing";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOIDCProvider, type ProviderOptions } from "../src/provider.ts";
import { appRecord, authorizationParameters, publicApp, testPages } from "./oidc-test-server.ts";

// How the provider sits in the Fastify app: which rate-limit budget each path draws from, and how
// a refused protocol request answers (adapter-http's rate-limit hook calls `limitReply`; here a
// stand-in hook refuses every protocol request, so the reply itself is under test).

let app: FastifyInstance;
const seen = new Map<string, string>();

/** A provider with no accounts, behind no trusted proxy, at `issuer`, knowing the apps `findClient` finds. */
function bareProvider(
  issuer: string,
  findClient: ProviderOptions["findClient"] = async () => null,
  more: Partial<ProviderOptions> = {},
) {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return createOIDCProvider({
    issuer,
    findClient,
    verifyClientSecret: () => false,
    findAccount: async () => null,
    grants: {
      find: async () => null,
      record: async () => true,
      forget: async () => {},
      touch: async () => {},
    },
    jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: "k", alg: "ES256", use: "sig" }] },
    pages: testPages,
    browserSessions: { current: async () => null, end: async () => {} },
    store: new InMemoryOIDCModelStore(),
    clock: { now: () => new Date() },
    masterSecret: "test-master-secret-0123456789abcdef",
    ...more,
  });
}

beforeAll(async () => {
  const provider = bareProvider("http://127.0.0.1:1");
  app = Fastify();
  app.addHook("onRequest", async (request, reply) => {
    const { limit = "general", limitReply } = request.routeOptions.config;
    seen.set(request.url.split("?")[0] ?? "", limit);
    // As adapter-http's rate-limit hook does on every counted request.
    reply.header("x-ratelimit-limit", 1000).header("x-ratelimit-remaining", 999);
    if (limitReply !== undefined && request.headers["x-test-refuse"] === "yes") {
      reply.header("retry-after", 7);
      await limitReply(reply, { code: "RATE_LIMIT_EXCEEDED", retryAfterSeconds: 7 });
    }
  });
  // As @fastify/formbody would: a root parser that consumes form bodies. The provider's scope must not use it.
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_request, _body, done) => done(null, { consumedByFastify: true }),
  );
  await provider.plugin(app);
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

describe("mounting", () => {
  it("draws the endpoints apps' servers call (token, introspection, revocation, PAR, device authorization, userinfo, JWKS, discovery) from the protocol budget, the device-code page from its own, the browser's from the general", async () => {
    const protocol = [
      "/oidc/token",
      "/oidc/token/introspection",
      "/oidc/token/revocation",
      "/oidc/request",
      "/oidc/device/auth",
      "/oidc/me",
      "/oidc/jwks",
      "/.well-known/openid-configuration",
      "/.well-known/oauth-authorization-server",
    ];
    const general = ["/oidc/auth", "/oidc/session/end", "/oidc/interaction/abc"];
    for (const url of [...protocol, ...general, "/oidc/device"]) await app.inject({ method: "OPTIONS", url });
    expect(protocol.map((url) => seen.get(url))).toEqual(protocol.map(() => "protocol"));
    expect(general.map((url) => seen.get(url))).toEqual(general.map(() => "general"));
    expect(seen.get("/oidc/device")).toBe("deviceCode");
  });

  it("serves the device-code page in its own spelling only (the library's router would take others)", async () => {
    for (const url of ["/oidc/device/", "/oidc/Device", "/oidc/DEVICE//?user_code=X"]) {
      const response = await app.inject({ method: "GET", url });
      expect(response.statusCode, url).toBe(404);
    }
    expect((await app.inject({ method: "GET", url: "/oidc/device" })).statusCode).toBe(200);
  });

  it("answers a refused browser request under /oidc with the page of its flow, a client with JSON", async () => {
    const device = await app.inject({
      method: "GET",
      url: "/oidc/device",
      headers: { "x-test-refuse": "yes", accept: "text/html" },
    });
    expect(device.statusCode).toBe(429);
    expect(device.headers["content-type"]).toContain("text/html");
    expect(device.headers["content-security-policy"]).toBe(testPages.contentSecurityPolicy);
    expect(device.body).toContain("Too many codes were tried from your network. Try again in 1 minute.");
    expect(device.body).toContain('id="during">device<');
    const signIn = await app.inject({
      method: "GET",
      url: "/oidc/auth",
      headers: { "x-test-refuse": "yes", accept: "text/html" },
    });
    expect(signIn.statusCode).toBe(429);
    expect(signIn.body).toContain("Too many requests from your network.");
    expect(signIn.body).toContain('id="during">sign-in<');
    const client = await app.inject({
      method: "GET",
      url: "/oidc/auth",
      headers: { "x-test-refuse": "yes" },
    });
    expect(client.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: "Too many requests; retry in 7 seconds",
    });
  });

  // Refused before the library's CORS: without headers of its own, a single-page app's refresh
  // met a network error, not the 429, and could not read when to retry.
  it("lets a browser app read a refused protocol request and its Retry-After (CORS)", async () => {
    for (const url of ["/oidc/token", "/.well-known/openid-configuration"]) {
      const response = await app.inject({
        method: url === "/oidc/token" ? "POST" : "GET",
        url,
        headers: { "x-test-refuse": "yes", origin: "http://localhost:5173" },
        ...(url === "/oidc/token" ? { payload: "grant_type=refresh_token" } : {}),
      });
      expect(response.statusCode).toBe(429);
      expect(response.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
      expect(response.headers["access-control-allow-credentials"]).toBeUndefined();
      expect(response.headers.vary).toBe("Origin");
      expect(String(response.headers["access-control-expose-headers"]).split(", ")).toEqual(
        expect.arrayContaining(["retry-after", "x-request-id"]),
      );
    }
    // A server's request names no origin, and gets no CORS headers.
    const server = await app.inject({
      method: "POST",
      url: "/oidc/token",
      headers: { "x-test-refuse": "yes" },
      payload: "grant_type=refresh_token",
    });
    expect(server.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("answers a refused protocol request as an RFC 6749 error, not our envelope", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/oidc/token",
      headers: { "x-test-refuse": "yes" },
      payload: "grant_type=client_credentials",
    });
    expect(response.statusCode).toBe(429);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.headers["retry-after"]).toBe("7");
    expect(response.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: "Too many requests; retry in 7 seconds",
    });
  });

  it("keeps the headers the hooks set (X-RateLimit-*) on the answers the library writes, with no-store and Pragma", async () => {
    for (const request of [
      { method: "GET", url: "/oidc/jwks" },
      { method: "GET", url: "/.well-known/openid-configuration" },
      { method: "POST", url: "/oidc/token", payload: "grant_type=client_credentials" },
    ] as const) {
      const response = await app.inject({
        ...request,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      expect(response.headers["x-ratelimit-limit"], request.url).toBe("1000");
      expect(response.headers["x-ratelimit-remaining"], request.url).toBe("999");
      expect(response.headers["cache-control"], request.url).toBe("no-store");
      expect(response.headers.pragma, request.url).toBe("no-cache");
    }
  });

  it("answers a malformed Content-Type in the protocol's shape (a page to a browser), not the app's error handler's", async () => {
    for (const url of ["/oidc/token", "/oidc/token/revocation", "/oidc/auth"]) {
      const client = await app.inject({
        method: "POST",
        url,
        headers: { "content-type": "" },
        payload: "grant_type=client_credentials",
      });
      expect(client.statusCode, url).toBe(400);
      expect(client.headers["cache-control"], url).toBe("no-store");
      expect(client.json(), url).toEqual({
        error: "invalid_request",
        error_description: "the Content-Type header is malformed: send application/x-www-form-urlencoded",
      });
    }
    const browser = await app.inject({
      method: "POST",
      url: "/oidc/session/end",
      headers: { "content-type": "form", accept: "text/html" },
      payload: "logout=yes",
    });
    expect(browser.statusCode).toBe(400);
    expect(browser.headers["content-type"]).toContain("text/html");
    expect(browser.body).toContain('<p id="error">invalid_request</p>');
    expect(browser.body).toContain('<p id="during">sign-out</p>');
  });

  it("hands the body to the library unread, even when the app parses forms elsewhere", async () => {
    // Had the root parser consumed it, the library would see no client_id at all
    // ("no client authentication mechanism provided").
    const response = await app.inject({
      method: "POST",
      url: "/oidc/device/auth",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "client_id=no-such-app",
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      error: "invalid_client",
      error_description: "client authentication failed",
    });
  });
});

/** An authorization started by a public app at a provider of `issuer`, over plain http, behind no trusted proxy. */
async function startAuthorization(issuer: string) {
  const client = appRecord({ ...publicApp, secret: null, method: "none" });
  const provider = bareProvider(issuer, async (clientId) => (clientId === client.clientId ? client : null));
  const served = Fastify();
  await provider.plugin(served);
  await served.ready();
  try {
    const query = authorizationParameters(client.clientId, publicApp.redirectURI);
    const response = await served.inject({ method: "GET", url: `/oidc/auth?${query}` });
    return { response, cookies: ([] as string[]).concat(response.headers["set-cookie"] ?? []) };
  } finally {
    await served.close();
  }
}

describe("an https issuer (APP_URL) behind a proxy not trusted to say so (TRUST_PROXY off)", () => {
  it("starts an authorization with Secure cookies over the proxy's plain http hop, not a 500", async () => {
    const { response, cookies } = await startAuthorization("https://auth.example.test");
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toMatch(/\/interaction\//);
    expect(cookies.some((cookie) => cookie.startsWith("__Secure-_interaction="))).toBe(true);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toContain("; secure");
  });
});

describe("an https issuer (APP_URL) behind a trusted proxy that terminates TLS", () => {
  // What the proxy may hand on: nginx's default Host is the upstream's (`proxy_pass`), and
  // X-Forwarded-Proto is sent only when configured; X-Forwarded-Host passes through from the client.
  const issuer = "https://auth.example.test";
  const client = appRecord({ ...publicApp, secret: null, method: "none" });
  const account = {
    accountId: "user-1",
    email: "ada@example.com",
    emailVerified: true,
    nickname: "ada",
    updatedAt: new Date("2026-11-01T00:00:00Z"),
  };
  let served: FastifyInstance;

  beforeAll(async () => {
    const provider = bareProvider(
      issuer,
      async (clientId) => (clientId === client.clientId ? client : null),
      {
        findAccount: async (accountId) => (accountId === account.accountId ? account : null),
      },
    );
    served = Fastify({ trustProxy: ["127.0.0.1"] });
    await provider.plugin(served);
    served.post("/interaction/:uid/login", async (request, reply) => {
      const to = await provider.interactions.finishLogin(request.raw, reply.raw, {
        accountId: account.accountId,
        amr: ["pwd"],
      });
      return reply.redirect(to, 303);
    });
    await served.ready();
  });

  afterAll(async () => {
    await served.close();
  });

  it.each([
    ["the upstream's Host and no X-Forwarded-Proto", { host: "127.0.0.1:4522" }],
    ["X-Forwarded-Proto: http", { host: "auth.example.test", "x-forwarded-proto": "http" }],
    ["a client's X-Forwarded-Host", { host: "auth.example.test", "x-forwarded-host": "evil.example" }],
  ])("publishes its endpoints at the issuer's origin whatever the request says (%s)", async (_, headers) => {
    const response = await served.inject({
      method: "GET",
      url: "/.well-known/openid-configuration",
      headers,
    });
    const metadata = response.json() as Record<string, unknown>;
    expect(metadata.issuer).toBe(issuer);
    const endpoints = Object.entries(metadata).filter(([name]) => /_(endpoint|uri)$/.test(name));
    expect(endpoints.length).toBeGreaterThan(5);
    for (const [, url] of endpoints) expect(String(url).startsWith(`${issuer}/oidc/`)).toBe(true);
  });

  it("returns a person from the sign-in page to the issuer's https address, and resumes without a 500", async () => {
    const headers = { host: "127.0.0.1:4522" };
    const query = authorizationParameters(client.clientId, publicApp.redirectURI);
    const start = await served.inject({ method: "GET", url: `/oidc/auth?${query}`, headers });
    expect(start.statusCode).toBe(303);
    const jar = new Map<string, string>();
    const keep = (setCookie: string | string[] | undefined) => {
      for (const cookie of ([] as string[]).concat(setCookie ?? [])) {
        expect(cookie.toLowerCase()).toContain("; secure");
        const [pair = ""] = cookie.split(";");
        const [name = "", value = ""] = pair.split("=");
        jar.set(name, value);
      }
    };
    keep(start.headers["set-cookie"]);
    const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const interaction = String(start.headers.location);
    const login = await served.inject({
      method: "POST",
      url: `${interaction}/login`,
      headers: { ...headers, cookie: cookie() },
    });
    const resume = new URL(String(login.headers.location));
    expect(resume.origin).toBe(issuer);
    const resumed = await served.inject({
      method: "GET",
      url: resume.pathname,
      headers: { ...headers, cookie: cookie() },
    });
    expect(resumed.statusCode).toBe(303);
    keep(resumed.headers["set-cookie"]);
  });

  it("names its cookies with the prefixes browsers enforce over https: __Host- for the session, __Secure- for the interaction's", async () => {
    const headers = { host: "auth.example.test", "x-forwarded-proto": "https" };
    const query = authorizationParameters(client.clientId, publicApp.redirectURI);
    const start = await served.inject({ method: "GET", url: `/oidc/auth?${query}`, headers });
    const interaction = String(start.headers.location);
    const set: string[] = [];
    const jar = new Map<string, string>();
    const keep = (setCookie: string | string[] | undefined) => {
      for (const cookie of ([] as string[]).concat(setCookie ?? [])) {
        set.push(cookie);
        const [pair = ""] = cookie.split(";");
        const [name = "", value = ""] = pair.split("=");
        jar.set(name, value);
      }
    };
    keep(start.headers["set-cookie"]);
    const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const login = await served.inject({
      method: "POST",
      url: `${interaction}/login`,
      headers: { ...headers, cookie: cookie() },
    });
    const resumed = await served.inject({
      method: "GET",
      url: new URL(String(login.headers.location)).pathname,
      headers: { ...headers, cookie: cookie() },
    });
    expect(resumed.statusCode).toBe(303);
    keep(resumed.headers["set-cookie"]);

    /** Each cookie set by name: its path, and whether it is Secure and names a Domain. */
    const attributes = new Map(
      set.map((line) => {
        const [pair = "", ...rest] = line.split(";").map((part) => part.trim());
        const lower = rest.map((part) => part.toLowerCase());
        return [
          pair.split("=")[0] ?? "",
          {
            path: rest.find((part) => part.toLowerCase().startsWith("path="))?.slice(5),
            secure: lower.includes("secure"),
            domain: lower.some((part) => part.startsWith("domain=")),
          },
        ] as const;
      }),
    );
    // The names the library would choose over http, none of them set here.
    for (const name of attributes.keys()) expect(name).toMatch(/^__(Host|Secure)-/);
    // __Host- (RFC 6265bis §4.1.3.2): Secure, Path=/ and no Domain, or a browser drops it.
    for (const name of ["__Host-_session", "__Host-_session.sig"]) {
      expect(attributes.get(name)).toEqual({ path: "/", secure: true, domain: false });
    }
    // Scoped to an interaction's own paths (the sign-in's, then the consent's), so __Secure-
    // (Secure, any path).
    for (const [name, path] of [
      ["__Secure-_interaction", /^\/interaction\/[^/]+$/],
      ["__Secure-_interaction.sig", /^\/interaction\/[^/]+$/],
      ["__Secure-_interaction_resume", /^\/oidc\/auth\/[^/]+$/],
      ["__Secure-_interaction_resume.sig", /^\/oidc\/auth\/[^/]+$/],
    ] as const) {
      expect(attributes.get(name)).toMatchObject({ secure: true, domain: false });
      expect(attributes.get(name)?.path).toMatch(path);
    }
  });
});

describe("an http issuer (local development)", () => {
  it("keeps the library's cookie names, which no prefix may carry without Secure", async () => {
    const { cookies } = await startAuthorization("http://127.0.0.1:4523");
    expect(cookies.map((cookie) => cookie.split("=")[0]).sort()).toEqual([
      "_interaction",
      "_interaction.sig",
      "_interaction_resume",
      "_interaction_resume.sig",
    ]);
  });
});
