import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildTestApp,
  expectError,
  messageOf,
  type TestDependencies,
  validRegistration,
} from "./test-app.ts";

let app: FastifyInstance;
let deps: TestDependencies;
beforeEach(async () => {
  ({ app, deps } = await buildTestApp());
});
afterEach(async () => {
  await app.close();
});

function register(payload: Record<string, unknown>) {
  return app.inject({ method: "POST", url: "/api/v1/auth/register", payload });
}

describe("POST /api/v1/auth/register", () => {
  it("creates the account and answers 201 with the user and a token pair", async () => {
    const response = await register(validRegistration);

    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toStrictEqual({
      success: true,
      data: {
        user: {
          id: expect.any(String),
          email: "ada@example.com",
          emailVerified: false,
          nickname: "ada_lovelace",
          hasPassword: true,
          createdAt: deps.clock.now().toISOString(),
        },
        accessToken: expect.stringMatching(/\S/),
        refreshToken: expect.stringMatching(/\S/),
        expiresIn: 300,
        tokenType: "Bearer",
      },
    });
    expect(body.data.accessToken).not.toBe(body.data.refreshToken);
  });

  it("exposes only the public user fields, never the password hash", async () => {
    const response = await register(validRegistration);

    const user = response.json().data.user;
    expect(Object.keys(user).sort()).toStrictEqual(
      ["createdAt", "email", "emailVerified", "hasPassword", "id", "nickname"].sort(),
    );
    expect(response.body).not.toContain("passwordHash");
    expect(response.body).not.toContain("reversed:");
    expect(response.body).not.toContain(validRegistration.password);
  });

  it("stores the email trimmed and lower-cased", async () => {
    const response = await register({ ...validRegistration, email: "  MiXeD.Case@Example.COM  " });

    expect(response.statusCode).toBe(201);
    expect(response.json().data.user.email).toBe("mixed.case@example.com");
  });

  it("forbids caching the tokens", async () => {
    const response = await register(validRegistration);

    expect(response.headers["cache-control"]).toBe("no-store");
  });

  // Another case is the same account; full-width letters would look the same as another account.
  it.each([
    ["in another case: USER_EXISTS 409", " ADA@example.COM", "USER_EXISTS", 409],
    [
      "in full-width letters: VALIDATION_ERROR 400, not a second account",
      "ａda@ｅxample.com",
      "VALIDATION_ERROR",
      400,
    ],
  ] as const)("answers a variant of a registered email %s", async (_case, email, code, status) => {
    await register(validRegistration);

    const response = await register({ ...validRegistration, email, nickname: "someone_else" });

    expectError(response, code, status);
    if (code === "VALIDATION_ERROR") {
      expect(response.json().message).toBe(
        "Email must be typed without full-width or other compatibility characters (as ada@example.com)",
      );
    }
  });

  it("takes an internationalised domain and its xn-- spelling for one account (a browser sends the latter)", async () => {
    const created = await register({ ...validRegistration, email: "ida@bücher.de" });
    expect(created.statusCode).toBe(201);
    expect(created.json().data.user.email).toBe("ida@xn--bcher-kva.de");

    const again = await register({
      ...validRegistration,
      email: "IDA@XN--BCHER-KVA.DE",
      nickname: "someone_else",
    });
    expectError(again, "USER_EXISTS", 409);
  });

  describe("rejects a missing field with VALIDATION_ERROR 400 naming the field", () => {
    it.each(["email", "password", "nickname"] as const)("%s", async (field) => {
      const { [field]: _omitted, ...rest } = validRegistration;

      const response = await register(rest);

      expectError(response, "VALIDATION_ERROR", 400);
      expect(messageOf(response)).toContain(field);
    });
  });

  describe("rejects a field of the wrong type with VALIDATION_ERROR 400, without coercion", () => {
    it.each([
      ["email", 12345],
      ["email", null],
      ["email", ["ada@example.com"]],
      ["password", 12345678],
      ["password", true],
      ["nickname", 42],
      ["nickname", { name: "ada" }],
    ] as const)("%s = %j", async (field, value) => {
      const response = await register({ ...validRegistration, [field]: value });

      expectError(response, "VALIDATION_ERROR", 400);
      expect(messageOf(response)).toContain(field);
    });
  });

  it("creates no account when a field has the wrong type", async () => {
    await register({ ...validRegistration, nickname: 42 });

    const retry = await register(validRegistration);
    expect(retry.statusCode).toBe(201);
  });

  describe("rejects an invalid email with VALIDATION_ERROR 400", () => {
    it.each([
      "",
      "   ",
      "not-an-email",
      "ada@",
      "@example.com",
      "ada@@example.com",
      "ada@example",
      "a da@example.com",
    ])("%j", async (email) => {
      const response = await register({ ...validRegistration, email });

      expectError(response, "VALIDATION_ERROR", 400);
      expect(messageOf(response)).toMatch(/email/i);
    });
  });

  describe("rejects a password that breaks a rule with VALIDATION_ERROR 400", () => {
    it.each([
      ["shorter than 8 characters", "Sh0rt!a", /8/],
      ["longer than 128 characters", `Aa1!${"x".repeat(125)}`, /128/],
      ["without an upper-case letter", "sup3r-secret!", /uppercase/i],
      ["without a lower-case letter", "SUP3R-SECRET!", /lowercase/i],
      ["without a digit", "Super-secret!", /digit/i],
      ["without a special character", "Sup3rsecret", /special/i],
    ])("%s", async (_rule, password, expected) => {
      const response = await register({ ...validRegistration, password });

      expectError(response, "VALIDATION_ERROR", 400);
      expect(messageOf(response)).toMatch(/password/i);
      expect(messageOf(response)).toMatch(expected);
    });
  });

  it.each([
    ["a variant of a common password", "P@ssw0rd1!", /commonly used password/],
    ["one built from the nickname", "Ada_lovelace9!", /built from your email address or nickname/],
  ])("rejects %s with VALIDATION_ERROR 400 saying it is too easy to guess", async (_label, password, why) => {
    const response = await register({ ...validRegistration, password });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toMatch(/^Password is too easy to guess: /);
    expect(messageOf(response)).toMatch(why);
  });

  it("accepts a password of exactly 8 and of exactly 128 characters", async () => {
    const eight = await register({ ...validRegistration, password: "Abcde1!x" });
    const longest = await register({
      ...validRegistration,
      email: "long@example.com",
      password: `Aa1!${"x".repeat(124)}`,
    });

    expect(eight.statusCode).toBe(201);
    expect(longest.statusCode).toBe(201);
  });

  describe("rejects a nickname that breaks a rule with VALIDATION_ERROR 400", () => {
    it.each([
      ["shorter than 2 characters", "a"],
      ["longer than 30 characters", "n".repeat(31)],
      ["with a space", "ada lovelace"],
      ["with punctuation", "ada!"],
      ["empty", ""],
    ])("%s", async (_rule, nickname) => {
      const response = await register({ ...validRegistration, nickname });

      expectError(response, "VALIDATION_ERROR", 400);
      expect(messageOf(response)).toMatch(/nickname/i);
    });
  });

  it("accepts a nickname of 2 and of 30 letters, digits, underscores and hyphens", async () => {
    const shortest = await register({ ...validRegistration, nickname: "ab" });
    const longest = await register({
      ...validRegistration,
      email: "b@example.com",
      nickname: `a-_1${"b".repeat(26)}`,
    });

    expect(shortest.statusCode).toBe(201);
    expect(longest.statusCode).toBe(201);
    expect(longest.json().data.user.nickname).toHaveLength(30);
  });

  it("ignores unknown fields rather than storing them", async () => {
    const response = await register({ ...validRegistration, emailVerified: true, status: "admin" });

    expect(response.statusCode).toBe(201);
    expect(response.json().data.user.emailVerified).toBe(false);
  });
});
