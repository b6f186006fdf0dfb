import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StorageUnavailableError } from "@superoauth/application";
import { ScriptedOAuthProviderGateway } from "@superoauth/application/testing";
import { err, errorCodes } from "@superoauth/domain";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { errorStatus } from "../src/index.ts";
import {
  buildTestApp,
  buildTestAppWithGitHub,
  capturingLogger,
  expectError,
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
