import { Writable } from "node:stream";
import { createUseCases, type Dependencies, type UseCases } from "@superoauth/application";
import { createInMemoryDependencies, ScriptedOAuthProviderGateway } from "@superoauth/application/testing";
import type { ErrorCode, UserId } from "@superoauth/domain";
import type { FastifyBaseLogger, FastifyInstance, LightMyRequestResponse } from "fastify";
import pino from "pino";
import { expect } from "vitest";
import { buildHttpApp, type HttpAppOptions, type ServicePages, type ServiceStatus } from "../src/index.ts";
import { recordUndeclaredErrors } from "./declared-errors.ts";

export const validRegistration = {
  email: "Ada@Example.com",
  password: "Sup3r-secret!",
  nickname: "ada_lovelace",
};

export const otherRegistration = {
  email: "grace@example.com",
  password: "An0ther-secret!",
  nickname: "grace_hopper",
};

export type TestDependencies = ReturnType<typeof createInMemoryDependencies>;

export interface TestAppOptions extends Partial<Omit<HttpAppOptions, "useCases">> {
  /** Replace some use cases, e.g. with one that throws. */
  readonly replaceUseCases?: (useCases: UseCases) => UseCases;
  /** Tunables of the use cases, e.g. `{ requireEmailVerification: true }`. */
  readonly settings?: Partial<Dependencies["settings"]>;
}

/**
 * Stand-ins for the status and 404 pages adapter-web renders (its own tests check their HTML): each
 * page names what it was given, and `shown` keeps every status the status page was asked to show.
 */
export function servicePagesSpy(): { pages: ServicePages; shown: ServiceStatus[] } {
  const shown: ServiceStatus[] = [];
  return {
    shown,
    pages: {
      headers: {
        "content-security-policy": "default-src 'none'",
        "cross-origin-opener-policy": "same-origin",
      },
      status: (status) => {
        shown.push(status);
        return `<!doctype html><title>status page</title><p>${status.status}</p>`;
      },
      notFound: () => "<!doctype html><title>not-found page</title>",
    },
  };
}

/** An app over in-memory ports, with stand-in status and 404 pages; rate limits generous unless a test asks otherwise. */
export async function buildTestApp(
  options: TestAppOptions = {},
): Promise<{ app: FastifyInstance; deps: TestDependencies }> {
  const { replaceUseCases = (useCases) => useCases, settings, ...overrides } = options;
  // With metrics, the use cases report to them as the composed service's do.
  const deps = Object.assign(
    createInMemoryDependencies(settings),
    overrides.metrics === undefined ? {} : { observer: overrides.metrics.observer },
  );
  const app = await buildHttpApp({
    useCases: replaceUseCases(createUseCases(deps satisfies Dependencies)),
    trustProxy: false,
    checkReadiness: async () => true,
    rateLimit: {
      enabled: true,
      windowMs: 15 * 60_000,
      loginMax: 1000,
      registerMax: 1000,
      generalMax: 1000,
      emailMax: 1000,
    },
    pages: servicePagesSpy().pages,
    ...overrides,
  });
  recordUndeclaredErrors(app);
  return { app, deps };
}

/** An app with social sign-in on (a cookie secret, a landing page) and a scripted GitHub; over https if told. */
export async function buildTestAppWithGitHub(options: { hostPrefixedCookies?: boolean } = {}): Promise<{
  app: FastifyInstance;
  deps: TestDependencies;
  github: ScriptedOAuthProviderGateway;
}> {
  const built = await buildTestApp({
    cookieSecret: "cookie-secret-for-tests-0123456789abcdef",
    oauth: {
      successRedirectURL: "https://app.example/oauth/complete",
      secureCookies: true,
      hostPrefixedCookies: options.hostPrefixedCookies ?? false,
    },
  });
  const github = new ScriptedOAuthProviderGateway("github", { supportsPKCE: false });
  (built.deps.oauthProviders as { github?: ScriptedOAuthProviderGateway }).github = github;
  return { ...built, github };
}

export interface PublicUser {
  id: string;
  email: string;
  emailVerified: boolean;
  nickname: string;
  hasPassword: boolean;
  createdAt: string;
}

export interface SignedInData {
  user: PublicUser;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: "Bearer";
}

/** Registers a user (the default one unless told otherwise) and returns the response data. */
export async function registerUser(
  app: FastifyInstance,
  body: Record<string, unknown> = validRegistration,
): Promise<SignedInData> {
  const response = await app.inject({ method: "POST", url: "/api/v1/auth/register", payload: body });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.body}`);
  return response.json().data;
}

/** Marks a user's address verified, as the mailed link would (2FA is turned on only then). */
export async function verifyAddressOf(deps: TestDependencies, user: { id: string }): Promise<void> {
  await deps.users.markEmailVerified({ userId: user.id as UserId, now: deps.clock.now() });
}

/** Logs in and returns the response data; throws unless the login succeeds. */
export async function logIn(
  app: FastifyInstance,
  body: { email: string; password: string } = validRegistration,
): Promise<SignedInData> {
  const response = await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: body });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
  return response.json().data;
}

export function bearer(accessToken: string): { authorization: string } {
  return { authorization: `Bearer ${accessToken}` };
}

export function getMe(app: FastifyInstance, accessToken: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: "GET", url: "/api/v1/auth/me", headers: bearer(accessToken) });
}

export function refresh(app: FastifyInstance, refreshToken: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: { refreshToken } });
}

/**
 * Asserts the status and that the body is exactly the contract's error envelope
 * with this code and a non-empty message (and, on a 5xx, the request's id).
 */
export function expectError(response: LightMyRequestResponse, code: ErrorCode, status: number): void {
  const envelope = { success: false, error: code, message: expect.stringMatching(/\S/) };
  expect({ status: response.statusCode, body: response.json() }).toStrictEqual({
    status,
    body: status >= 500 ? { ...envelope, requestId: response.headers["x-request-id"] } : envelope,
  });
}

/** The message of an error response (after expectError has checked its shape). */
export function messageOf(response: LightMyRequestResponse): string {
  return (response.json() as { message: string }).message;
}

/** A logger that keeps warnings and errors (each call's arguments) in `entries`, for log assertions. */
export function capturingLogger(entries: unknown[][]): FastifyBaseLogger {
  const record = (...args: unknown[]) => {
    entries.push(args);
  };
  const logger: FastifyBaseLogger = {
    level: "info",
    fatal: record,
    error: record,
    warn: record,
    info: () => {},
    debug: () => {},
    trace: () => {},
    silent: () => {},
    child: () => logger,
  };
  return logger;
}

/** A real pino logger whose JSON lines land in `lines`. */
export function recordingLogger(lines: Record<string, unknown>[], level = "info"): FastifyBaseLogger {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level }, stream) as FastifyBaseLogger;
}
