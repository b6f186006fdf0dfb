import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DeletedMeanwhileError, StorageUnavailableError, type UseCases } from "@superoauth/application";
import { type ErrorCode, errorCodes } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { defaultErrorMessage, errorStatus } from "../src/index.ts";
import {
  bearer,
  buildTestApp,
  capturingLogger,
  expectError,
  messageOf,
  registerUser,
  servicePagesSpy,
  validRegistration,
  verifyAddressOf,
} from "./test-app.ts";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(options: Parameters<typeof buildTestApp>[0] = {}): Promise<FastifyInstance> {
  ({ app } = await buildTestApp(options));
  return app;
}

const login = { email: validRegistration.email, password: validRegistration.password };

describe("unknown routes", () => {
  it.each([
    ["GET", "/api/v1/nope"],
    ["GET", "/nope"],
    ["POST", "/api/v2/auth/login"],
    ["GET", "/api/v1/auth/me/extra"],
  ] as const)("answer NOT_FOUND 404 with the envelope for %s %s", async (method, url) => {
    const response = await (await start()).inject({ method, url });

    expectError(response, "NOT_FOUND", 404);
  });

  it.each([
    ["DELETE", "/api/v1/auth/me", "GET, HEAD"],
    ["GET", "/api/v1/auth/login", "POST"],
    ["PUT", "/api/v1/auth/register", "POST"],
    ["DELETE", "/api/v1/auth/sessions", "GET, HEAD"],
  ] as const)(
    "answer METHOD_NOT_ALLOWED 405 with the envelope and Allow for a served path's other method: %s %s",
    async (method, url, allow) => {
      const response = await (await start()).inject({ method, url });

      expectError(response, "METHOD_NOT_ALLOWED", 405);
      expect(response.headers.allow).toBe(allow);
      expect(response.json().message).toBe(
        `${url} does not take ${method}: use ${allow.replaceAll(", ", " or ")}`,
      );
    },
  );

  it("answer NOT_FOUND 404 without Allow for a path no method serves, an OPTIONS and a path outside the API", async () => {
    const app = await start();
    for (const [method, url] of [
      ["POST", "/nope"],
      ["OPTIONS", "/nope"],
      ["PUT", "/api/v1/auth/me/extra"],
      ["OPTIONS", "/api/v1/auth/login"],
      ["POST", "/health"],
    ] as const) {
      const response = await app.inject({ method, url });
      expectError(response, "NOT_FOUND", 404);
      expect(response.headers.allow, `${method} ${url}`).toBeUndefined();
    }
    const withQuery = await app.inject({ method: "PUT", url: "/api/v1/auth/login?next=/x" });
    expectError(withQuery, "METHOD_NOT_ALLOWED", 405);
    expect(withQuery.headers.allow).toBe("POST");
  });

  it.each(["/", "/nope", "/verify-email/x"])(
    "answer a browser's GET %s with the 404 page (the hosted pages render it), not the envelope",
    async (url) => {
      const app = await start();
      const browse = (method: "GET" | "HEAD") =>
        app.inject({ method, url, headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
      const response = await browse("GET");

      expect(response.statusCode).toBe(404);
      expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(response.headers["content-security-policy"]).toBe("default-src 'none'");
      expect(response.headers["cross-origin-opener-policy"]).toBe("same-origin");
      expect(response.body).toBe(servicePagesSpy().pages.notFound());
      // HEAD says what GET would: the page's headers, no body.
      const head = await browse("HEAD");
      expect(head.statusCode).toBe(404);
      expect(head.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(head.body).toBe("");
    },
  );

  it("say nosniff on every JSON answer: the envelope, a 404, /health", async () => {
    const app = await start();
    for (const url of ["/api/v1/auth/me", "/nope", "/health"]) {
      const response = await app.inject({ method: "GET", url });
      expect(response.headers["x-content-type-options"], url).toBe("nosniff");
    }
  });

  it("answer a browser's GET with the envelope when no pages are wired, and serve /status.json alone", async () => {
    const app = await start({ pages: undefined });
    const html = { accept: "text/html" };
    expectError(await app.inject({ method: "GET", url: "/nope", headers: html }), "NOT_FOUND", 404);
    expectError(await app.inject({ method: "GET", url: "/status", headers: html }), "NOT_FOUND", 404);
    expect((await app.inject({ method: "GET", url: "/status.json" })).statusCode).toBe(200);
  });

  it("name the operator's brand (escaped) in the title of the social sign-in landing page", async () => {
    const app = await start({ brandName: "Acme <ID>" });
    const body = (
      await app.inject({ method: "GET", url: "/oauth/complete", headers: { accept: "text/html" } })
    ).body;

    expect(/<title>(.*)<\/title>/.exec(body)?.[1]).toBe("Signing in · Acme &lt;ID&gt;");
  });

  it("answer a browser's GET under the API, the provider or a POST with the envelope all the same", async () => {
    const app = await start();
    const html = { accept: "text/html" };
    expectError(await app.inject({ method: "GET", url: "/api/v1/nope", headers: html }), "NOT_FOUND", 404);
    expectError(
      await app.inject({ method: "GET", url: "/.well-known/nope", headers: html }),
      "NOT_FOUND",
      404,
    );
    expectError(await app.inject({ method: "POST", url: "/nope", headers: html }), "NOT_FOUND", 404);
  });

  it("do not echo the query string", async () => {
    const response = await (await start()).inject({ method: "GET", url: "/nope?token=SECRET_QUERY" });

    expectError(response, "NOT_FOUND", 404);
    expect(response.body).not.toContain("SECRET_QUERY");
  });
});

describe("malformed requests", () => {
  it("answer VALIDATION_ERROR 400 for malformed JSON", async () => {
    const response = await (await start()).inject({
      method: "POST",
      url: "/api/v1/auth/login",
      headers: { "content-type": "application/json" },
      payload: '{"email": "ada@example.com", ',
    });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toMatch(/JSON/);
  });

  it("answer VALIDATION_ERROR 400 for JSON in a charset other than UTF-8, which would be misread", async () => {
    const server = await start();
    const logInAs = (charset: string) =>
      server.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        headers: { "content-type": `application/json; charset=${charset}` },
        payload: JSON.stringify(login),
      });
    for (const charset of ["utf-16", "latin1", '"ISO-8859-1"']) {
      const response = await logInAs(charset);
      expectError(response, "VALIDATION_ERROR", 400);
      expect(messageOf(response)).toBe("JSON must be sent in UTF-8 (charset=utf-8)");
    }
    for (const charset of ["utf-8", "UTF-8", "utf8"]) {
      expect((await logInAs(charset)).json().error, charset).not.toBe("VALIDATION_ERROR");
    }
  });

  it("answer VALIDATION_ERROR 400 for a compressed body, plain or really gzipped", async () => {
    const server = await start();
    for (const payload of [JSON.stringify(login), gzipSync(JSON.stringify(login))]) {
      const response = await server.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        headers: { "content-type": "application/json", "content-encoding": "gzip" },
        payload,
      });
      expectError(response, "VALIDATION_ERROR", 400);
      expect(messageOf(response)).toMatch(/not accepted compressed/);
    }
  });

  it("drop a prototype-poisoning key like any unknown field, rather than call valid JSON invalid", async () => {
    const server = await start();
    await registerUser(server);
    for (const poison of ['"__proto__": {"admin": true}', '"constructor": {"prototype": {"admin": true}}']) {
      const response = await server.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        headers: { "content-type": "application/json" },
        payload: `{"email": "${login.email}", "password": "${login.password}", ${poison}}`,
      });
      expect(response.statusCode, response.body).toBe(200);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("answer VALIDATION_ERROR 400 for a text/plain body", async () => {
    const response = await (await start()).inject({
      method: "POST",
      url: "/api/v1/auth/login",
      headers: { "content-type": "text/plain" },
      payload: JSON.stringify(login),
    });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toBe("Content-Type must be application/json");
  });

  it("answer VALIDATION_ERROR 400 for an unsupported content type", async () => {
    const response = await (await start()).inject({
      method: "POST",
      url: "/api/v1/auth/login",
      headers: { "content-type": "application/xml" },
      payload: "<login/>",
    });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toMatch(/application\/json/);
  });

  it("answer VALIDATION_ERROR 400 for an empty body declared as JSON where the route needs a body", async () => {
    const response = await (await start()).inject({
      method: "POST",
      url: "/api/v1/auth/login",
      headers: { "content-type": "application/json" },
      payload: "",
    });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toBe("Request body must not be empty with Content-Type application/json");
  });

  it("take an empty body declared as JSON as no body on the routes that need none", async () => {
    // The contract's sample client sends Content-Type: application/json on every call, bodiless
    // POSTs and DELETEs included (fetch then sends Content-Length: 0).
    const { app: server, deps } = await buildTestApp();
    app = server;
    const { accessToken, user } = await registerUser(server);
    await verifyAddressOf(deps, user); // so that 2FA setup answers 200
    const asJSON = { ...bearer(accessToken), "content-type": "application/json; charset=utf-8" };

    const sessions = await server.inject({ method: "GET", url: "/api/v1/auth/sessions", headers: asJSON });
    expect(sessions.statusCode, sessions.body).toBe(200);
    const bodiless = async (method: "DELETE" | "POST", url: string) =>
      server.inject({ method, url, headers: asJSON, payload: "" });
    expectError(
      await bodiless("DELETE", "/api/v1/auth/sessions/01a234df-0000-7000-8000-000000000000"),
      "SESSION_NOT_FOUND",
      404,
    );
    for (const url of ["/api/v1/auth/2fa/setup", "/api/v1/auth/logout"]) {
      const response = await bodiless("POST", url);
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
    }
  });

  it("still answer VALIDATION_ERROR 400 for a body that is not JSON on a route that needs none", async () => {
    const server = await start();
    const { accessToken } = await registerUser(server);
    const response = await server.inject({
      method: "POST",
      url: "/api/v1/auth/logout-all",
      headers: { ...bearer(accessToken), "content-type": "application/json" },
      payload: "{not json",
    });

    expectError(response, "VALIDATION_ERROR", 400);
  });

  it("answer VALIDATION_ERROR 400 for no body at all where one is required", async () => {
    const response = await (await start()).inject({ method: "POST", url: "/api/v1/auth/register" });

    expectError(response, "VALIDATION_ERROR", 400);
  });

  it.each(["null", "[]", '"ada@example.com"', "42"])(
    "answer VALIDATION_ERROR 400 for the JSON body %s",
    async (json) => {
      const response = await (await start()).inject({
        method: "POST",
        url: "/api/v1/auth/login",
        headers: { "content-type": "application/json" },
        payload: json,
      });

      expectError(response, "VALIDATION_ERROR", 400);
    },
  );

  it("answer PAYLOAD_TOO_LARGE 413 with the envelope for a body over the limit", async () => {
    const small = await start({ bodyLimitBytes: 1024 });

    const response = await small.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { ...login, password: "x".repeat(2048) },
    });

    expectError(response, "PAYLOAD_TOO_LARGE", 413);
  });

  it("accept a body just under the limit", async () => {
    const small = await start({ bodyLimitBytes: 1024 });

    const payload = JSON.stringify({ ...login, password: "x".repeat(950) });
    expect(Buffer.byteLength(payload)).toBeLessThan(1024);

    const response = await small.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      headers: { "content-type": "application/json" },
      payload,
    });

    expectError(response, "INVALID_CREDENTIALS", 401);
  });

  it("answer VALIDATION_ERROR 400 for a field longer than its bound, before any use case runs", async () => {
    const response = await (await start()).inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { ...login, password: "x".repeat(5000) },
    });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toContain("password");
  });
});

describe("unexpected failures", () => {
  function failingLogIn(useCases: UseCases): UseCases {
    return {
      ...useCases,
      logInWithPassword: async () => {
        throw new Error("SECRET_DB_DETAIL: connection to mysql://root:hunter2@db refused");
      },
    };
  }

  it("answer INTERNAL_ERROR 500 without the details of the failure", async () => {
    const failing = await start({ replaceUseCases: failingLogIn });

    const response = await failing.inject({ method: "POST", url: "/api/v1/auth/login", payload: login });

    expectError(response, "INTERNAL_ERROR", 500);
    expect(response.body).not.toContain("SECRET_DB_DETAIL");
    expect(response.body).not.toContain("hunter2");
    expect(response.body).not.toContain("stack");
  });

  it("log the failure whole for the operators", async () => {
    const entries: unknown[][] = [];
    const failing = await start({ replaceUseCases: failingLogIn, logger: capturingLogger(entries) });

    await failing.inject({ method: "POST", url: "/api/v1/auth/login", payload: login });

    expect(entries).toContainEqual([
      { err: expect.objectContaining({ message: expect.stringContaining("SECRET_DB_DETAIL") }) },
      expect.any(String),
    ]);
  });

  it("leave other routes working", async () => {
    const failing = await start({ replaceUseCases: failingLogIn });
    await failing.inject({ method: "POST", url: "/api/v1/auth/login", payload: login });

    const response = await failing.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: validRegistration,
    });

    expect(response.statusCode).toBe(201);
  });
});

describe("an unavailable database", () => {
  function unavailableStorage(useCases: UseCases): UseCases {
    const unavailable = async (): Promise<never> => {
      throw new StorageUnavailableError({
        code: "ECONNREFUSED",
        message: "connect ECONNREFUSED 10.1.2.3:3306",
      });
    };
    return { ...useCases, logInWithPassword: unavailable };
  }

  it("answers SERVICE_UNAVAILABLE 503 with Retry-After and no internals, where it used to answer 500", async () => {
    const failing = await start({ replaceUseCases: unavailableStorage });

    const response = await failing.inject({ method: "POST", url: "/api/v1/auth/login", payload: login });

    expectError(response, "SERVICE_UNAVAILABLE", 503);
    expect(response.headers["retry-after"]).toBe("5");
    expect(response.body).not.toContain("ECONNREFUSED");
    expect(response.body).not.toContain("10.1.2.3");
  });

  it("logs the driver's code for the operators", async () => {
    const entries: unknown[][] = [];
    const failing = await start({ replaceUseCases: unavailableStorage, logger: capturingLogger(entries) });

    await failing.inject({ method: "POST", url: "/api/v1/auth/login", payload: login });

    expect(entries).toContainEqual([
      expect.objectContaining({ code: "ECONNREFUSED" }),
      "database unavailable",
    ]);
  });
});

describe("a write under an account deleted while the request ran", () => {
  it("answers USER_NOT_FOUND 404, as the account's next request is answered, with no internals", async () => {
    const failing = await start({
      replaceUseCases: (useCases) => ({
        ...useCases,
        updateProfile: async () => {
          throw new DeletedMeanwhileError({ cause: new Error("sessions_user_id_fk refused the row") });
        },
      }),
    });
    const { accessToken } = await registerUser(failing);

    const response = await failing.inject({
      method: "PATCH",
      url: "/api/v1/user",
      headers: { authorization: `Bearer ${accessToken}` },
      payload: { nickname: "renamed" },
    });

    expectError(response, "USER_NOT_FOUND", 404);
    expect(response.body).not.toContain("sessions_user_id_fk");
  });
});

describe("the error-status table", () => {
  it("has a status for every error code and for no other", () => {
    expect(Object.keys(errorStatus).sort()).toStrictEqual([...errorCodes].sort());
  });

  it.each([...errorCodes])("gives %s a 4xx or 5xx status", (code) => {
    const status: number = errorStatus[code];
    expect(status >= 400 && status <= 599).toBe(true);
  });

  it("has a non-empty default message for every error code and for no other", () => {
    expect(Object.keys(defaultErrorMessage).sort()).toStrictEqual([...errorCodes].sort());
    for (const code of errorCodes) expect(defaultErrorMessage[code]).toMatch(/\S/);
  });

  it.each([
    ["VALIDATION_ERROR", 400],
    ["UNAUTHORIZED", 401],
    ["INVALID_CREDENTIALS", 401],
    ["TOKEN_EXPIRED", 401],
    ["INVALID_TOKEN", 401],
    ["ACCOUNT_DISABLED", 403],
    ["INVALID_REFRESH_TOKEN", 401],
    ["USER_EXISTS", 409],
    ["USER_NOT_FOUND", 404],
    ["UNSUPPORTED_PROVIDER", 400],
    ["INVALID_STATE", 400],
    ["INVALID_AUTHORIZATION_CODE", 400],
    ["OAUTH_INIT_FAILED", 500],
    ["ACCOUNT_LINK_FAILED", 500],
    ["CANNOT_UNLINK_LAST_AUTH", 400],
    ["INTERNAL_ERROR", 500],
    ["TOKEN_EXCHANGE_FAILED", 500],
    ["USER_INFO_FAILED", 500],
    ["RATE_LIMIT_EXCEEDED", 429],
  ] satisfies [ErrorCode, number][])("keeps the contract's status for %s (%i)", (code, status) => {
    expect(errorStatus[code]).toBe(status);
  });
});

describe("docs/errors.md", () => {
  const docsPath = join(import.meta.dirname, "..", "..", "..", "docs", "errors.md");

  /** Each `### CODE` heading with the `**HTTP status:** NNN` line that follows it within a few lines. */
  function documentedStatuses(markdown: string): Map<string, number | null> {
    const lines = markdown.split(/\r?\n/);
    const documented = new Map<string, number | null>();
    lines.forEach((line, index) => {
      const heading = /^###\s+([A-Z][A-Z0-9_]*)\s*$/.exec(line);
      if (heading?.[1] === undefined) return;
      let status: number | null = null;
      for (const next of lines.slice(index + 1, index + 6)) {
        if (/^#/.test(next)) break;
        const match = /^\*\*HTTP status:\*\*\s+(\d{3})\b/.exec(next);
        if (match?.[1] !== undefined) {
          status = Number(match[1]);
          break;
        }
      }
      expect(documented.has(heading[1]), `${heading[1]} is documented twice`).toBe(false);
      documented.set(heading[1], status);
    });
    return documented;
  }

  it("documents every error code, and no other, each with the status of the table", () => {
    const documented = documentedStatuses(readFileSync(docsPath, "utf8"));

    expect([...documented.keys()].sort()).toStrictEqual([...errorCodes].sort());
    const statuses = Object.fromEntries(errorCodes.map((code) => [code, documented.get(code)]));
    expect(statuses).toStrictEqual({ ...errorStatus });
  });

  it("names under REAUTH_REQUIRED every staff action the OpenAPI document says asks for a fresh proof", () => {
    const section = (markdown: string, code: ErrorCode) =>
      (markdown.split(`### ${code}\n`)[1] ?? "").split(/\n### /)[0] ?? "";
    const causes = section(readFileSync(docsPath, "utf8"), "REAUTH_REQUIRED");
    const openapi = JSON.parse(
      readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "openapi.json"), "utf8"),
    ) as { paths: Record<string, Record<string, { responses?: unknown }>> };
    const named: string[] = [];
    const unnamed: string[] = [];
    for (const [path, operations] of Object.entries(openapi.paths)) {
      const staff = /^\/api\/v1\/admin\/users\/\{id\}(?:\/([a-z0-9-]+))?$/.exec(path);
      if (staff === null) continue;
      for (const [method, operation] of Object.entries(operations)) {
        if (!JSON.stringify(operation.responses ?? {}).includes('"REAUTH_REQUIRED"')) continue;
        // A route with its own segment is named by it (`reset-2fa`), the account's own path by method.
        const name = `\`${staff[1] ?? method.toUpperCase()}\``;
        (causes.includes(name) ? named : unnamed).push(`${method.toUpperCase()} ${path}`);
      }
    }
    // Before 2026-12-06's walk, unlink-provider and require-new-password were left out.
    expect(unnamed).toStrictEqual([]);
    expect(named.length).toBeGreaterThanOrEqual(7);
  });
});
