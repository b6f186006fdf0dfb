import type { UserId } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildTestApp,
  expectError,
  getMe,
  messageOf,
  registerUser,
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

function logInWith(payload: Record<string, unknown>) {
  return app.inject({ method: "POST", url: "/api/v1/auth/login", payload });
}

describe("POST /api/v1/auth/login", () => {
  it("answers 200 with the user and a new token pair for the right password", async () => {
    const registered = await registerUser(app);

    const response = await logInWith({
      email: validRegistration.email,
      password: validRegistration.password,
    });

    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.json()).toStrictEqual({
      success: true,
      data: {
        user: registered.user,
        accessToken: expect.stringMatching(/\S/),
        refreshToken: expect.stringMatching(/\S/),
        expiresIn: 300,
        tokenType: "Bearer",
      },
    });
    const data = response.json().data;
    expect(data.refreshToken).not.toBe(registered.refreshToken);
    expect((await getMe(app, data.accessToken)).statusCode).toBe(200);
  });

  it("finds the account whatever the case and surrounding spaces of the email", async () => {
    await registerUser(app);

    const response = await logInWith({ email: "  ADA@EXAMPLE.COM ", password: validRegistration.password });

    expect(response.statusCode).toBe(200);
  });

  it("answers INVALID_CREDENTIALS 401 for a wrong password", async () => {
    await registerUser(app);

    const response = await logInWith({ email: validRegistration.email, password: "Wr0ng-secret!" });

    expectError(response, "INVALID_CREDENTIALS", 401);
  });

  it("answers INVALID_CREDENTIALS 401 for an unknown email", async () => {
    const response = await logInWith({ email: "nobody@example.com", password: validRegistration.password });

    expectError(response, "INVALID_CREDENTIALS", 401);
  });

  it("gives a wrong password and an unknown email identical answers", async () => {
    await registerUser(app);

    const wrongPassword = await logInWith({ email: validRegistration.email, password: "Wr0ng-secret!" });
    const unknownEmail = await logInWith({ email: "nobody@example.com", password: "Wr0ng-secret!" });

    expect(unknownEmail.statusCode).toBe(wrongPassword.statusCode);
    expect(unknownEmail.body).toBe(wrongPassword.body);
  });

  it("answers VALIDATION_ERROR 400 for an email that is not an address, as registration does", async () => {
    for (const email of ["not-an-email", "ada@example", "ada@@example.com"]) {
      const response = await logInWith({ email, password: validRegistration.password });

      expectError(response, "VALIDATION_ERROR", 400);
      expect(response.json().message).toBe("Email must be a valid email address");
    }
  });

  it("answers VALIDATION_ERROR 400 naming the field left empty, which spends no attempt of the lockout", async () => {
    await registerUser(app);
    const noEmail = await logInWith({ email: "", password: validRegistration.password });
    expectError(noEmail, "VALIDATION_ERROR", 400);
    expect(noEmail.json().message).toBe("Email is required");
    for (let i = 0; i < 6; i++) {
      const noPassword = await logInWith({ email: validRegistration.email, password: "" });
      expectError(noPassword, "VALIDATION_ERROR", 400);
      expect(noPassword.json().message).toBe("Password is required");
    }
    // Six of them, past the lockout's five: the right password still signs in.
    const signedIn = await logInWith({
      email: validRegistration.email,
      password: validRegistration.password,
    });
    expect(signedIn.statusCode).toBe(200);
  });

  it("answers ACCOUNT_DISABLED 403 for a disabled account with the right password", async () => {
    const registered = await registerUser(app);
    deps.users.setStatus(registered.user.id as UserId, "disabled");

    const response = await logInWith({
      email: validRegistration.email,
      password: validRegistration.password,
    });

    expectError(response, "ACCOUNT_DISABLED", 403);
  });

  it("does not reveal that an account is disabled to a wrong password", async () => {
    const registered = await registerUser(app);
    deps.users.setStatus(registered.user.id as UserId, "disabled");

    const response = await logInWith({ email: validRegistration.email, password: "Wr0ng-secret!" });

    expectError(response, "INVALID_CREDENTIALS", 401);
  });

  describe("rejects a missing field with VALIDATION_ERROR 400 naming the field", () => {
    it.each(["email", "password"] as const)("%s", async (field) => {
      const { [field]: _omitted, ...rest } = {
        email: validRegistration.email,
        password: validRegistration.password,
      };

      const response = await logInWith(rest);

      expectError(response, "VALIDATION_ERROR", 400);
      expect(messageOf(response)).toContain(field);
    });
  });

  it.each([
    ["email", 12345],
    ["password", 12345678],
  ] as const)(
    "rejects a number as the %s with VALIDATION_ERROR 400 instead of coercing it",
    async (field, value) => {
      await registerUser(app);

      const response = await logInWith({
        email: validRegistration.email,
        password: validRegistration.password,
        [field]: value,
      });

      expectError(response, "VALIDATION_ERROR", 400);
      expect(messageOf(response)).toContain(field);
    },
  );
});
