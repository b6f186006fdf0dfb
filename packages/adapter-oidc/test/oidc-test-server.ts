import { createHash, generateKeyPairSync, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import {
  type Clock,
  type OIDCModelStore,
  OverloadedError,
  type ProviderPages,
} from "@superoauth/application";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll } from "vitest";
import type { BackchannelLogoutResult } from "../src/backchannel-logout.ts";
import type { OIDCAccount, OIDCClientRecord, RecordedGrant, ThirdPartyRefreshResult } from "../src/index.ts";
import { createOIDCProvider, type OIDCProvider } from "../src/provider.ts";

// A real SuperOAuth provider on 127.0.0.1: Fastify + the provider's plugin + stand-ins for what
// other packages supply (apps, accounts, grants, hosted pages, browser sessions). The hosted
// pages are replaced by a test-only interaction route driven by query parameters.

export const sha256 = (value: string): string => createHash("sha256").update(value).digest("hex");

export const confidentialApp = {
  clientId: "app-confidential",
  secret: "app-confidential-secret-0123456789abcdef",
  redirectURI: "https://app.example/callback",
};
export const otherApp = {
  clientId: "app-other",
  secret: "app-other-secret-0123456789abcdef0123",
  redirectURI: "https://other.example/callback",
};
export const postApp = {
  clientId: "app-post",
  secret: "app-post-secret-0123456789abcdef01234",
  redirectURI: "https://post.example/callback",
};
/** A confidential app whose owner turned PKCE off, for a relying party that cannot send a challenge. */
export const noPKCEApp = {
  clientId: "app-no-pkce",
  secret: "app-no-pkce-secret-0123456789abcdef012",
  redirectURI: "https://legacy.example/callback",
};
export const publicApp = { clientId: "app-public", redirectURI: "http://127.0.0.1:8765/callback" };
/** A mobile app (public) receiving the code through its private-use scheme (RFC 8252 section 7.1). */
export const mobileApp = {
  clientId: "app-mobile",
  redirectURI: "com.example.app:/oauth2redirect",
  postLogoutRedirectURI: "com.example.app:/signed-out",
};
/** A public app allowed only `openid profile`: no email, no refresh tokens. */
export const narrowApp = { clientId: "app-narrow", redirectURI: "http://127.0.0.1:8766/callback" };

export function appRecord(input: {
  clientId: string;
  secret: string | null;
  redirectURI: string;
  method: OIDCClientRecord["tokenEndpointAuthMethod"];
  allowedScopes?: readonly string[];
  postLogoutRedirectURI?: string;
  idTokenSigningAlg?: OIDCClientRecord["idTokenSigningAlg"];
  requirePKCE?: boolean;
  backchannelLogoutURI?: string;
}): OIDCClientRecord {
  return {
    clientId: input.clientId,
    name: `App ${input.clientId}`,
    logoURL: null,
    homepageURL: "https://app.example",
    redirectURIs: [input.redirectURI],
    postLogoutRedirectURIs: [input.postLogoutRedirectURI ?? "https://app.example/signed-out"],
    allowedScopes: input.allowedScopes ?? ["openid", "profile", "email", "offline_access", "user:read"],
    type: input.secret === null ? "public" : "confidential",
    tokenEndpointAuthMethod: input.method,
    idTokenSigningAlg: input.idTokenSigningAlg ?? "ES256",
    requirePKCE: input.requirePKCE ?? true,
    backchannelLogoutURI: input.backchannelLogoutURI ?? null,
    secretHash: input.secret === null ? null : sha256(input.secret),
  };
}

export const accounts = new Map<string, OIDCAccount>([
  [
    "user-1",
    {
      accountId: "user-1",
      email: "ada@example.com",
      emailVerified: true,
      nickname: "ada",
      updatedAt: new Date("2026-11-01T00:00:00Z"),
    },
  ],
  [
    "user-2",
    {
      accountId: "user-2",
      email: "bob@example.com",
      emailVerified: false,
      nickname: "bob",
      updatedAt: new Date("2026-11-02T00:00:00Z"),
    },
  ],
]);

/** The grants the apps use cases would keep: one remembered grant per (account, client). */
export class TestGrants {
  readonly remembered = new Map<string, { grantId: string; scopes: readonly string[] }>();
  readonly touched: string[] = [];
  async find(input: { accountId: string; clientId: string }): Promise<RecordedGrant | null> {
    return this.remembered.get(`${input.accountId}|${input.clientId}`) ?? null;
  }
  /** As the apps use cases record: only while the record is what the consent read (`replacing`). */
  async record(input: {
    accountId: string;
    clientId: string;
    grantId: string;
    scopes: readonly string[];
    replacing: RecordedGrant | null;
  }): Promise<boolean> {
    const key = `${input.accountId}|${input.clientId}`;
    const current = this.remembered.get(key);
    const { replacing } = input;
    const asRead =
      replacing === null
        ? current === undefined
        : current?.grantId === replacing.grantId && current.scopes.join(" ") === replacing.scopes.join(" ");
    if (!asRead) return false;
    this.remembered.set(key, { grantId: input.grantId, scopes: [...input.scopes] });
    return true;
  }
  async forget(input: { accountId: string; clientId: string; grantId: string }) {
    const key = `${input.accountId}|${input.clientId}`;
    if (this.remembered.get(key)?.grantId === input.grantId) this.remembered.delete(key);
  }
  async touch(input: { accountId: string; clientId: string }) {
    this.touched.push(`${input.accountId}|${input.clientId}`);
  }
  /** Every consent given, remembered or not, as the security log is told of it. */
  readonly consents: {
    accountId: string;
    clientId: string;
    scopes: readonly string[];
    remembered: boolean;
    renewed: boolean;
    client?: { ip?: string | undefined; userAgent?: string | undefined } | undefined;
  }[] = [];
  async consented(input: TestGrants["consents"][number]) {
    this.consents.push(input);
  }
  /** Every refresh token reused past the grace, as the security log is told of it. */
  readonly reuses: {
    accountId: string;
    clientId: string;
    client?: { ip?: string | undefined; userAgent?: string | undefined } | undefined;
  }[] = [];
  async reused(input: TestGrants["reuses"][number]) {
    this.reuses.push(input);
  }
}

const escapeHTML = (value: string) =>
  value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** Pages that show what they were given, so tests can read it back. */
export const testPages: ProviderPages = {
  contentSecurityPolicy:
    "default-src 'none'; script-src 'self'; form-action 'self' https: http://127.0.0.1:*; frame-ancestors 'none'",
  contentSecurityPolicyFor: ({ privateUseSchemes }) =>
    `default-src 'none'; script-src 'self'; form-action 'self' https: http://127.0.0.1:* ${privateUseSchemes.join(" ")}; frame-ancestors 'none'`,
  error: ({ error, description, during, reference }) =>
    `<!doctype html><title>Error</title><p id="error">${escapeHTML(error)}</p><p>${escapeHTML(description ?? "")}</p><p id="during">${during}</p><p id="reference">${escapeHTML(reference ?? "")}</p>`,
  logoutConfirm: ({ formHTML, formId, clientName }) =>
    `<!doctype html><title>Sign out</title><p>${escapeHTML(clientName ?? "")}</p>${formHTML}<button form="${formId}" name="logout" value="yes">Sign out</button>`,
  logoutDone: ({ clientName }) =>
    `<!doctype html><title>Signed out</title><p id="done">${escapeHTML(clientName ?? "")}</p>`,
  deviceCodeInput: ({ formHTML, error }) =>
    `<!doctype html><title>Device</title><p id="device-error">${escapeHTML(error ?? "")}</p>${formHTML}`,
  deviceConfirm: ({ formHTML, clientName, userCode, scopes }) =>
    `<!doctype html><title>Confirm</title><p id="client">${escapeHTML(clientName)}</p><p id="user-code">${escapeHTML(userCode)}</p><p id="scopes">${escapeHTML(scopes.join(" "))}</p>${formHTML}`,
  deviceDone: ({ approved, clientName }) =>
    `<!doctype html><title>Done</title><p id="device-done">${approved ? "approved" : "declined"}</p><p id="device-client">${escapeHTML(clientName ?? "")}</p>`,
  continueForm: ({ action, fields, during }) =>
    `<!doctype html><title>Continue</title><p id="continue-during">${during}</p><form method="post" action="${escapeHTML(action)}">${fields.map(([name, value]) => `<input type="hidden" name="${escapeHTML(name)}" value="${escapeHTML(value)}">`).join("")}<button>Continue</button></form>`,
};

/** Our browser session, as a plain cookie naming the account (the real one is adapter-web's). */
export const browserSessionCookie = "test_browser_session";
function cookieOf(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return null;
}

/** REFRESH_REUSE_GRACE's default: a refresh token used this recently reads as unknown, not as used. */
export const testRefreshReuseGraceMs = 10_000;

/**
 * An authorization request's parameters for `clientId` at `redirectURI`: code, openid, and RFC
 * 7636's example S256 challenge (for requests that never reach the token endpoint).
 */
export function authorizationParameters(clientId: string, redirectURI: string): URLSearchParams {
  return new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectURI,
    response_type: "code",
    scope: "openid",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
  });
}

/** A clock the store reads; the library reads the system time itself. */
export class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

function signingKeys(): Record<string, unknown>[] {
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  return [
    { ...ec, kid: "es-1", alg: "ES256", use: "sig" },
    { ...rsa, kid: "rs-1", alg: "RS256", use: "sig" },
  ];
}

export interface TestServer {
  issuer: string;
  app: FastifyInstance;
  provider: OIDCProvider;
  grants: TestGrants;
  clock: ShiftedClock;
  disabledAccounts: Set<string>;
  endedBrowserSessions: string[];
  /** Ends the account's browser session on the server's side, as a sign-out in another tab would. */
  endBrowserSession(accountId: string): void;
  /** When set, what ending a browser session (`browserSessions.end`) throws, once. */
  browserSessionEndFailure: { next: Error | null };
  /** When set, runs before each read of the browser session (`browserSessions.current`): a test's failure. */
  browserSessionRead: { before: (() => void) | null };
  /** What the provider reported of each refresh-token exchange (ProviderOptions.onRefresh), in order. */
  refreshes: ThirdPartyRefreshResult[];
  /** How each logout token's delivery ended (ProviderOptions.onBackchannelLogout), in order. */
  backchannelLogouts: BackchannelLogoutResult[];
  /** The id of the account's browser session (a new one at each sign-in), as our sessions have. */
  sessionIdOf(accountId: string): string | undefined;
  /** The apps as the provider finds them, by client id: a test may change one mid-flow. */
  clients: Map<string, OIDCClientRecord>;
  publicJWKS(): Promise<{ keys: Record<string, unknown>[] }>;
}

/** Starts the server for the calling test file (beforeAll/afterAll); read `server()` inside tests. */
export function useOIDCTestServer(
  store: () => OIDCModelStore,
  /** Where the server's log lines go (JSON, one per line); none are kept without it. */
  logLines?: string[],
  /** Whether logout tokens may go to 127.0.0.1 (ADR 0073: as in development and tests; not in production). */
  settings: { backchannelLogoutToPrivateAddresses?: boolean; sessionMaxAgeSeconds?: number } = {},
): () => TestServer {
  let current: TestServer | undefined;
  beforeAll(async () => {
    // The issuer needs the port before the app is built: listen first, then hand the server to Fastify.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const grants = new TestGrants();
    const clock = new ShiftedClock();
    const disabledAccounts = new Set<string>();
    const endedBrowserSessions: string[] = [];
    // Ended on the server's side too, as a real session's row is: a request of the same browser in
    // flight, which still sends the cookie, finds it ended. A new sign-in of the account starts it again.
    const endedOnServer = new Set<string>();
    const browserSessionEndFailure: { next: Error | null } = { next: null };
    const browserSessionRead: { before: (() => void) | null } = { before: null };
    const refreshes: ThirdPartyRefreshResult[] = [];
    const backchannelLogouts: BackchannelLogoutResult[] = [];
    // Each sign-in opens a session of its own; its end is told to the provider, as the composed
    // service's session repository tells it (SessionEndings, ADR 0073).
    const sessionIds = new Map<string, string>();
    let sessionCount = 0;
    const openSession = (accountId: string) => {
      sessionCount += 1;
      sessionIds.set(accountId, `session-${sessionCount}-of-${accountId}`);
    };
    const endSession = (accountId: string) => {
      endedOnServer.add(accountId);
      const sessionId = sessionIds.get(accountId);
      return sessionId === undefined ? Promise.resolve() : provider.sessionsEnded([sessionId]);
    };
    const log =
      logLines === undefined
        ? undefined
        : (pino(
            new Writable({
              write(chunk, _encoding, done) {
                logLines.push(String(chunk));
                done();
              },
            }),
          ) as FastifyBaseLogger);
    const clients = new Map<string, OIDCClientRecord>(
      [
        appRecord({ ...confidentialApp, method: "client_secret_basic" }),
        // Its ID tokens signed RS256, as a relying party that accepts nothing else asks.
        appRecord({ ...otherApp, method: "client_secret_basic", idTokenSigningAlg: "RS256" }),
        appRecord({ ...postApp, method: "client_secret_post" }),
        appRecord({ ...noPKCEApp, method: "client_secret_basic", requirePKCE: false }),
        // Stored without the requirement, as no validated app can be: a public app must use PKCE still.
        appRecord({ ...publicApp, secret: null, method: "none", requirePKCE: false }),
        appRecord({ ...mobileApp, secret: null, method: "none" }),
        appRecord({ ...narrowApp, secret: null, method: "none", allowedScopes: ["openid", "profile"] }),
      ].map((record) => [record.clientId, record]),
    );
    const provider = createOIDCProvider({
      issuer,
      findClient: async (clientId) => clients.get(clientId) ?? null,
      verifyClientSecret: ({ secret, hash }) => {
        const presented = Buffer.from(sha256(secret));
        const stored = Buffer.from(hash);
        return presented.length === stored.length && timingSafeEqual(presented, stored);
      },
      findAccount: async (accountId) =>
        disabledAccounts.has(accountId) ? null : (accounts.get(accountId) ?? null),
      grants,
      jwks: { keys: signingKeys() },
      pages: testPages,
      browserSessions: {
        current: async (req) => {
          browserSessionRead.before?.();
          const accountId = cookieOf(req, browserSessionCookie);
          return accountId === null || accountId === "" || endedOnServer.has(accountId)
            ? null
            : { accountId, sessionId: sessionIds.get(accountId) ?? `session-of-${accountId}` };
        },
        end: async (req: IncomingMessage, res: ServerResponse) => {
          const failure = browserSessionEndFailure.next;
          browserSessionEndFailure.next = null;
          if (failure !== null) throw failure;
          endedBrowserSessions.push(cookieOf(req, browserSessionCookie) ?? "");
          await endSession(cookieOf(req, browserSessionCookie) ?? "");
          res.setHeader("set-cookie", `${browserSessionCookie}=; Path=/; Max-Age=0`);
        },
      },
      store: store(),
      clock,
      masterSecret: "test-master-secret-0123456789abcdef",
      refreshReuseGraceMs: testRefreshReuseGraceMs,
      onRefresh: (result) => void refreshes.push(result),
      onBackchannelLogout: (result) => void backchannelLogouts.push(result),
      ...(log === undefined ? {} : { log }),
      // The apps' logout URIs are on 127.0.0.1 (ADR 0073).
      backchannelLogoutToPrivateAddresses: settings.backchannelLogoutToPrivateAddresses ?? true,
      ...(settings.sessionMaxAgeSeconds === undefined
        ? {}
        : { sessionMaxAgeSeconds: settings.sessionMaxAgeSeconds }),
    });
    const served = Fastify({
      ...(log === undefined ? {} : { loggerInstance: log }),
      serverFactory: (handler) => {
        server.on("request", handler);
        return server;
      },
    });
    await provider.plugin(served);
    registerTestInteractionRoutes(served, provider, endedOnServer, openSession);
    await served.ready();
    current = {
      issuer,
      app: served,
      provider,
      grants,
      clock,
      disabledAccounts,
      endedBrowserSessions,
      endBrowserSession: (accountId) => void endSession(accountId),
      browserSessionEndFailure,
      browserSessionRead,
      refreshes,
      backchannelLogouts,
      sessionIdOf: (accountId) => sessionIds.get(accountId),
      clients,
      publicJWKS: async () =>
        (await (await fetch(`${issuer}/oidc/jwks`)).json()) as { keys: Record<string, unknown>[] },
    };
  });
  afterAll(async () => {
    await current?.app.close();
    await new Promise<void>((resolve) => current?.app.server.close(() => resolve()) ?? resolve());
  });
  return () => {
    if (current === undefined) throw new Error("the OIDC test server is not started");
    return current;
  };
}

/**
 * Stands in for adapter-web's hosted pages: GET answers the details as JSON; the POSTs finish the
 * interaction as the query says (`account`, `amr`, `remember`) and 303 back into the provider.
 * Signing in also sets the browser session cookie, as the real sign-in does.
 */
function registerTestInteractionRoutes(
  app: FastifyInstance,
  provider: OIDCProvider,
  endedOnServer: Set<string>,
  openSession: (accountId: string) => void,
): void {
  const { interactions } = provider;
  app.get("/interaction/:uid", async (request, reply) => {
    const details = await interactions.details(request.raw, reply.raw);
    if (details === null) return reply.code(404).send({ error: "unknown interaction" });
    return details;
  });
  app.post("/interaction/:uid/login", async (request, reply) => {
    const { account } = request.query as { account: string };
    const to = await interactions.finishLogin(request.raw, reply.raw, { accountId: account, amr: ["pwd"] });
    appendCookie(reply.raw, `${browserSessionCookie}=${account}; Path=/; HttpOnly`);
    endedOnServer.delete(account);
    openSession(account);
    return reply.redirect(to, 303);
  });
  app.post("/interaction/:uid/consent", async (request, reply) => {
    const { remember } = request.query as { remember?: string };
    try {
      const to = await interactions.finishConsent(request.raw, reply.raw, {
        remember: remember !== "no",
        client: { ip: request.ip, userAgent: request.headers["user-agent"] },
      });
      return reply.redirect(to, 303);
    } catch (error) {
      // As the hosted pages answer a busy store (adapter-web's page kit): 503, try again.
      if (!(error instanceof OverloadedError)) throw error;
      return reply.code(503).header("retry-after", String(error.retryAfterSeconds)).send("busy");
    }
  });
  app.post("/interaction/:uid/deny", async (request, reply) => {
    const to = await interactions.deny(request.raw, reply.raw);
    return reply.redirect(to, 303);
  });
  app.post("/interaction/:uid/select-account", async (request, reply) => {
    const to = await interactions.selectAccount(request.raw, reply.raw);
    return reply.redirect(to, 303);
  });
}

/** Adds a cookie without dropping the ones the provider set on the raw response. */
function appendCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader("set-cookie");
  const cookies = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("set-cookie", [...cookies, cookie]);
}
