import { err } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { errorsOf } from "../src/error-responses.ts";
import { takeUndeclaredErrors } from "./declared-errors.ts";
import { buildTestApp, expectError, refresh, registerUser } from "./test-app.ts";

// The check every test app runs (declared-errors.ts) must itself be able to fail.

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe("the declared-errors check", () => {
  it("records a code of an undeclared status, and a code its status's declaration does not list", async () => {
    let answer: "LAST_ADMIN" | "INVALID_TOKEN" = "LAST_ADMIN";
    ({ app } = await buildTestApp({
      replaceUseCases: (useCases) => ({
        ...useCases,
        // Codes POST /auth/refresh never declares: 409 not at all, 401 only for INVALID_REFRESH_TOKEN.
        refreshSession: async () => err(answer as "ACCOUNT_DISABLED"),
      }),
    }));

    const undeclaredStatus = await refresh(app, "a-refresh-token");
    answer = "INVALID_TOKEN";
    const undeclaredCode = await refresh(app, "a-refresh-token");

    // The replies are left as they are, so a test's own assertions still see what the route sent.
    expectError(undeclaredStatus, "LAST_ADMIN", 409);
    expectError(undeclaredCode, "INVALID_TOKEN", 401);
    expect(takeUndeclaredErrors()).toStrictEqual([
      "POST /api/v1/auth/refresh: 409 LAST_ADMIN",
      "POST /api/v1/auth/refresh: 401 INVALID_TOKEN",
    ]);
  });

  it("records nothing for the codes a route declares", async () => {
    ({ app } = await buildTestApp());
    await registerUser(app);

    expectError(await refresh(app, "not-a-refresh-token"), "INVALID_REFRESH_TOKEN", 401);
    expect(takeUndeclaredErrors()).toStrictEqual([]);
  });
});

describe("errorsOf", () => {
  it("groups codes by the table's status, each status an enum of exactly its codes, plus the codes of every route", () => {
    const responses = errorsOf(
      "INVALID_CREDENTIALS",
      "ACCOUNT_LOCKED",
      "UNAUTHORIZED",
      "INVALID_CREDENTIALS",
    );
    const enumOf = (status: number) =>
      (responses[status]?.properties.error as { enum?: unknown } | undefined)?.enum;

    expect(Object.keys(responses)).toStrictEqual(["401", "423", "429", "500", "503"]);
    expect(enumOf(401)).toStrictEqual(["INVALID_CREDENTIALS", "UNAUTHORIZED"]);
    expect(enumOf(423)).toStrictEqual(["ACCOUNT_LOCKED"]);
    expect(enumOf(429)).toStrictEqual(["RATE_LIMIT_EXCEEDED"]);
    expect(enumOf(500)).toStrictEqual(["INTERNAL_ERROR"]);
    expect(enumOf(503)).toStrictEqual(["SERVICE_UNAVAILABLE"]);
    expect(responses[500]?.required).toContain("requestId");
    expect(responses[401]?.required).not.toContain("requestId");
  });
});
