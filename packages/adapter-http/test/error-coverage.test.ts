import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StorageUnavailableError } from "@superoauth/application";
import { ScriptedOAuthProviderGateway } from "@superoauth/application/testing";
import { type ErrorCode, err, errorCodes, type UserId } from "@superoauth/domain";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { errorStatus } from "../src/index.ts";
import {
  bearer,
  buildTestApp,
  buildTestAppWithGitHub,
  capturingLogger,
  expectError,
  registerUser,
  type TestDependencies,
} from "./test-app.ts";

// Every error code must be reached through HTTP somewhere, with its status. This file holds the
// paths no feature file covers with a literal assertion, and a check that keeps it that way.

const cookieName = "superoauth_oauth_state";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function startWithGitHub(): Promise<{
  app: FastifyInstance;
  deps: TestDependencies;
  github: ScriptedOAuthProviderGateway;
}> {
  const built = await buildTestAppWithGitHub();
  app = built.app;
  return built;
}

/** A browser's trip to GitHub and back with `code`. */
async function signInWithGitHub(target: FastifyInstance, code: string): Promise<LightMyRequestResponse> {
  // The JSON callback answers tokens, not a login code, so any well-formed challenge will do.
  const start = await target.inject({
    method: "GET",
    url: `/api/v1/oauth/github?code_challenge=${"c".repeat(43)}&code_challenge_method=S256`,
  });
  expect(start.statusCode, start.body).toBe(302);
  const state = new URL(String(start.headers.location)).searchParams.get("state") ?? "";
  const cookie = start.cookies.find((c) => c.name === cookieName)?.value ?? "";
  return target.inject({
    method: "GET",
    url: `/api/v1/oauth/github/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`,
    cookies: { [cookieName]: cookie },
    headers: { accept: "application/json" },
  });
}

describe("OAuth failures without a literal assertion elsewhere", () => {
  it("answers ACCOUNT_LINK_FAILED 500 when the new account cannot be linked to the identity", async () => {
    const { app, deps, github } = await startWithGitHub();
    github.answer("new-identity", { subject: "gh-42", email: "newcomer@example.com", emailVerified: true });
    // As if a concurrent sign-in had linked this GitHub identity and unlinked it again meanwhile: the
    // link is refused, yet no account holds it. Both the atomic create-with-link and the plain link
    // are stubbed, so the test holds whichever of them the use case writes through.
    const refuse = async () => err("PROVIDER_ALREADY_LINKED");
    Object.assign(deps.linkedProviders, { linkProvider: refuse, createUserWithLinkedProvider: refuse });

    const response = await signInWithGitHub(app, "new-identity");

    expectError(response, "ACCOUNT_LINK_FAILED", 500);
    expect(response.json().message).toContain("GitHub");
    expect(response.body).not.toMatch(/accessToken|refreshToken/);
  });

  it("answers ACCOUNT_LINK_FAILED 500 when the store fails while linking, logging the cause and leaking nothing", async () => {
    const entries: unknown[][] = [];
    const built = await buildTestApp({
      cookieSecret: "cookie-secret-for-tests-0123456789abcdef",
      oauth: { successRedirectURL: "https://app.example/oauth/complete", secureCookies: true },
      logger: capturingLogger(entries),
    });
    app = built.app;
    const github = new ScriptedOAuthProviderGateway("github", { supportsPKCE: false });
    (built.deps.oauthProviders as { github?: ScriptedOAuthProviderGateway }).github = github;
    github.answer("db-down", { subject: "gh-7", email: "db@example.com", emailVerified: true });
    const broken = async () => {
      throw new Error("connect ECONNREFUSED 10.1.2.3:3306 SECRET_DB_DETAIL");
    };
    Object.assign(built.deps.linkedProviders, { linkProvider: broken, createUserWithLinkedProvider: broken });

    const response = await signInWithGitHub(built.app, "db-down");

    expectError(response, "ACCOUNT_LINK_FAILED", 500);
    expect(response.body).not.toContain("SECRET_DB_DETAIL");
    const logged = entries.map(([fields]) => (fields as { err?: Error; code?: string } | undefined) ?? {});
    expect(logged).toContainEqual(expect.objectContaining({ code: "ACCOUNT_LINK_FAILED" }));
    expect(logged.map((fields) => fields.err?.message ?? "").join()).toContain("SECRET_DB_DETAIL");
  });

  it("answers SERVICE_UNAVAILABLE 503, not ACCOUNT_LINK_FAILED, when the database cannot be reached while linking", async () => {
    const { app, deps, github } = await startWithGitHub();
    github.answer("db-unreachable", {
      subject: "gh-8",
      email: "unreachable@example.com",
      emailVerified: true,
    });
    const unreachable = async () => {
      throw new StorageUnavailableError({
        code: "ECONNREFUSED",
        message: "connect ECONNREFUSED 10.1.2.3:3306",
      });
    };
    Object.assign(deps.linkedProviders, {
      linkProvider: unreachable,
      createUserWithLinkedProvider: unreachable,
    });

    const response = await signInWithGitHub(app, "db-unreachable");

    expectError(response, "SERVICE_UNAVAILABLE", 503);
    expect(response.body).not.toContain("10.1.2.3");
  });

  it("answers TOKEN_EXCHANGE_FAILED 500 when the provider will not exchange the code", async () => {
    const { app, github } = await startWithGitHub();
    github.answer("exchange-fails", { ok: false, error: "TOKEN_EXCHANGE_FAILED" });

    expectError(await signInWithGitHub(app, "exchange-fails"), "TOKEN_EXCHANGE_FAILED", 500);
  });
});

describe("error-path coverage of the HTTP API", () => {
  const testDirectories = [
    import.meta.dirname,
    join(import.meta.dirname, "..", "..", "..", "apps", "api", "test"),
  ];

  /** Every `expectError(response, "CODE", status)` (on one line or several) in the HTTP test files. */
  function assertedCodes(): Map<string, Set<number>> {
    const asserted = new Map<string, Set<number>>();
    for (const directory of testDirectories) {
      for (const file of readdirSync(directory).filter((name) => name.endsWith(".test.ts"))) {
        const source = readFileSync(join(directory, file), "utf8");
        for (const match of source.matchAll(
          /expectError\(([^;]*?),\s*"([A-Z][A-Z0-9_]*)",\s*(\d{3}),?\s*\)/g,
        )) {
          const [, , code = "", status = ""] = match;
          asserted.set(code, (asserted.get(code) ?? new Set()).add(Number(status)));
        }
      }
    }
    return asserted;
  }

  it("asserts every error code, with the status of the table, in at least one HTTP test", () => {
    const asserted = assertedCodes();

    const missing = errorCodes.filter((code) => !asserted.has(code));
    expect(missing, "error codes no HTTP test asserts with expectError").toStrictEqual([]);
    const wrongStatus = errorCodes.filter((code) =>
      [...(asserted.get(code) ?? [])].some((status) => status !== errorStatus[code]),
    );
    expect(wrongStatus, "error codes asserted with a status the table does not give").toStrictEqual([]);
  });
});

interface DeclaredOperation {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The path with plausible values for its parameters (which no refusal below reads). */
  readonly url: string;
  readonly name: string;
  readonly bearer: boolean;
  declares(status: number, code: ErrorCode): boolean;
}

/** Every operation the app's own API description (GET /docs/openapi.json) lists, with its declaration. */
async function declaredOperations(): Promise<DeclaredOperation[]> {
  const { app: documented } = await buildTestApp({
    apiDocs: { version: "0.0.0", serverURL: "http://localhost:3000" },
  });
  try {
    const document = (await documented.inject({ method: "GET", url: "/docs/openapi.json" })).json() as {
      paths: Record<
        string,
        Record<
          string,
          {
            security?: unknown[];
            responses: Record<
              string,
              { content?: Record<string, { schema?: { properties?: { error?: { enum?: string[] } } } }> }
            >;
          }
        >
      >;
    };
    return Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase() as DeclaredOperation["method"],
        url: path.replace("{provider}", "github").replace(/\{\w+\}/g, "00000000-0000-7000-8000-000000000001"),
        name: `${method.toUpperCase()} ${path}`,
        bearer: operation.security !== undefined,
        declares: (status, code) =>
          operation.responses[String(status)]?.content?.[
            "application/json"
          ]?.schema?.properties?.error?.enum?.includes(code) ?? false,
      })),
    );
  } finally {
    await documented.close();
  }
}

describe("the errors every route of a kind declares, answered by each such route", () => {
  // Authentication (a preValidation hook), the body parser and the rate limit are shared, so one
  // route's test of each proves the mechanism; this asks every route whose declaration lists the
  // code, so a route that declares one it cannot answer (or answers another in its place) fails here.
  let operations: DeclaredOperation[];
  beforeAll(async () => {
    operations = await declaredOperations();
  });

  /** Each operation (of those `which` picks) that declares `code` under `status`, asked by `ask`, answers exactly that. */
  async function expectEachAnswers(
    status: number,
    code: ErrorCode,
    ask: (operation: DeclaredOperation) => Promise<LightMyRequestResponse>,
    which: (operation: DeclaredOperation) => boolean = () => true,
  ): Promise<void> {
    const asked = operations.filter((operation) => which(operation) && operation.declares(status, code));
    expect(asked.length, `operations declaring ${status} ${code}`).toBeGreaterThan(0);
    const responses: LightMyRequestResponse[] = [];
    for (const operation of asked) responses.push(await ask(operation));
    expect(
      responses.map((response, i) => `${asked[i]?.name}: ${response.statusCode} ${response.json().error}`),
    ).toStrictEqual(asked.map((operation) => `${operation.name}: ${status} ${code}`));
    for (const response of responses) expectError(response, code, status);
  }

  const bearerRefusals: [
    ErrorCode,
    number,
    (target: FastifyInstance, deps: TestDependencies) => Promise<string | null>,
  ][] = [
    ["UNAUTHORIZED", 401, async () => null],
    ["INVALID_TOKEN", 401, async () => "not-a-token-anyone-issued"],
    [
      "TOKEN_EXPIRED",
      401,
      async (target, deps) => {
        const { accessToken } = await registerUser(target);
        deps.clock.advance(5 * 60_000);
        return accessToken;
      },
    ],
    [
      "ACCOUNT_DISABLED",
      403,
      async (target, deps) => {
        const { accessToken, user } = await registerUser(target);
        deps.users.setStatus(user.id as UserId, "disabled");
        return accessToken;
      },
    ],
    [
      "USER_NOT_FOUND",
      404,
      async (target, deps) => {
        const { accessToken, user } = await registerUser(target);
        deps.users.deleteUser(user.id as UserId);
        return accessToken;
      },
    ],
    [
      "INSUFFICIENT_SCOPE",
      403,
      async (target, deps) => {
        const { user } = await registerUser(target);
        deps.thirdPartyAccessTokens.issue("app-token", {
          userId: user.id as UserId,
          clientId: "app-client",
          scopes: ["openid"],
        });
        return "app-token";
      },
    ],
  ];

  it.each(bearerRefusals)(
    "answers %s %i on every route behind a Bearer token",
    async (code, status, tokenFor) => {
      const built = await buildTestApp();
      app = built.app;
      const token = await tokenFor(built.app, built.deps);

      await expectEachAnswers(
        status,
        code,
        (operation) =>
          built.app.inject({
            method: operation.method,
            url: operation.url,
            ...(token === null ? {} : { headers: bearer(token) }),
          }),
        (operation) => operation.bearer,
      );
    },
  );

  it("answers PAYLOAD_TOO_LARGE 413 on every route that reads a body, before authenticating", async () => {
    ({ app } = await buildTestApp());
    const target = app;

    await expectEachAnswers(413, "PAYLOAD_TOO_LARGE", (operation) =>
      target.inject({
        method: operation.method,
        url: operation.url,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify({ padding: "a".repeat(70 * 1024) }),
      }),
    );
  });

  it("answers VALIDATION_ERROR 400 to a body that is not JSON on every route that reads one, before authenticating", async () => {
    ({ app } = await buildTestApp());
    const target = app;

    await expectEachAnswers(
      400,
      "VALIDATION_ERROR",
      (operation) =>
        target.inject({
          method: operation.method,
          url: operation.url,
          headers: { "content-type": "application/json" },
          payload: '{"broken": ',
        }),
      (operation) => operation.method !== "GET",
    );
  });

  it("answers RATE_LIMIT_EXCEEDED 429 on every route once its budget is spent", async () => {
    ({ app } = await buildTestApp({
      rateLimit: { enabled: true, windowMs: 60_000, loginMax: 1, registerMax: 1, generalMax: 1, emailMax: 1 },
    }));
    const target = app;
    let client = 0;

    await expectEachAnswers(429, "RATE_LIMIT_EXCEEDED", async (operation) => {
      // An address per route: routes share budgets, and each is to be refused for its own.
      client += 1;
      const request = { method: operation.method, url: operation.url, remoteAddress: `10.1.0.${client}` };
      await target.inject(request);
      return target.inject(request);
    });
  });
});
