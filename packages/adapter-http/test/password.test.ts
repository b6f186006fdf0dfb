import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestApp,
  expectError,
  getMe,
  logIn,
  messageOf,
  refresh,
  registerUser,
  type SignedInData,
  validRegistration,
} from "./test-app.ts";

const newPassword = "N3w-passw0rd!";

let app: FastifyInstance;
let current: SignedInData;
beforeEach(async () => {
  ({ app } = await buildTestApp());
  current = await registerUser(app);
});
afterEach(async () => {
  await app.close();
});

function changePassword(payload: Record<string, unknown>, accessToken = current.accessToken) {
  return app.inject({ method: "POST", url: "/api/v1/user/password", headers: bearer(accessToken), payload });
}

function logInWith(password: string) {
  return app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { email: validRegistration.email, password },
  });
}

describe("POST /api/v1/user/password", () => {
  it("changes the password given the current one", async () => {
    const response = await changePassword({ currentPassword: validRegistration.password, newPassword });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({
      success: true,
      data: { passwordChanged: true, otherSessionsEnded: true },
    });
  });

  it("ends the user's other sessions", async () => {
    const other = await logIn(app);

    await changePassword({ currentPassword: validRegistration.password, newPassword });

    expectError(await refresh(app, other.refreshToken), "INVALID_REFRESH_TOKEN", 401);
    expectError(await getMe(app, other.accessToken), "INVALID_TOKEN", 401);
  });

  it("keeps the current session working", async () => {
    await changePassword({ currentPassword: validRegistration.password, newPassword });

    expect((await getMe(app, current.accessToken)).statusCode).toBe(200);
    expect((await refresh(app, current.refreshToken)).statusCode).toBe(200);
  });

  it("makes the new password log in and the old one fail", async () => {
    await changePassword({ currentPassword: validRegistration.password, newPassword });

    expect((await logInWith(newPassword)).statusCode).toBe(200);
    expectError(await logInWith(validRegistration.password), "INVALID_CREDENTIALS", 401);
  });

  it("answers VALIDATION_ERROR 400 naming the current password when it is missing, and changes nothing", async () => {
    const other = await logIn(app);

    const response = await changePassword({ newPassword });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toMatch(/current password/i);
    expect((await logInWith(validRegistration.password)).statusCode).toBe(200);
    expect((await refresh(app, other.refreshToken)).statusCode).toBe(200);
  });

  it("answers VALIDATION_ERROR 400 for an empty current password", async () => {
    expectError(await changePassword({ currentPassword: "", newPassword }), "VALIDATION_ERROR", 400);
  });

  it("answers INVALID_CURRENT_PASSWORD 400 for a wrong current password, and changes nothing", async () => {
    const other = await logIn(app);

    const response = await changePassword({ currentPassword: "Wr0ng-secret!", newPassword });

    expectError(response, "INVALID_CURRENT_PASSWORD", 400);
    expectError(await logInWith(newPassword), "INVALID_CREDENTIALS", 401);
    expect((await refresh(app, other.refreshToken)).statusCode).toBe(200);
  });

  describe("answers VALIDATION_ERROR 400 for a new password that breaks a rule", () => {
    it.each([
      ["too short", "Sh0rt!a"],
      ["too long", `Aa1!${"x".repeat(125)}`],
      ["without an upper-case letter", "n3w-passw0rd!"],
      ["without a lower-case letter", "N3W-PASSW0RD!"],
      ["without a digit", "New-password!"],
      ["without a special character", "N3wpassw0rd"],
    ])("%s", async (_rule, weak) => {
      const response = await changePassword({
        currentPassword: validRegistration.password,
        newPassword: weak,
      });

      expectError(response, "VALIDATION_ERROR", 400);
      expect(messageOf(response)).toMatch(/new password/i);
      expect((await logInWith(validRegistration.password)).statusCode).toBe(200);
    });
  });

  it("answers VALIDATION_ERROR 400 to a guessable new password, saying so, and the old one still works", async () => {
    const response = await changePassword({
      currentPassword: validRegistration.password,
      newPassword: "P@ssw0rd1!",
    });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toMatch(/^New password is too easy to guess: /);
    expect((await logInWith(validRegistration.password)).statusCode).toBe(200);
  });

  it("answers VALIDATION_ERROR 400 to the current password as the new one, and ends no session", async () => {
    const other = await logIn(app);
    const response = await changePassword({
      currentPassword: validRegistration.password,
      newPassword: validRegistration.password,
    });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toBe("New password is your current password: choose a different one");
    expect((await getMe(app, other.accessToken)).statusCode).toBe(200);
  });

  it("answers VALIDATION_ERROR 400 naming newPassword when it is missing", async () => {
    const response = await changePassword({ currentPassword: validRegistration.password });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toContain("newPassword");
  });

  it("answers VALIDATION_ERROR 400 when newPassword is not a string", async () => {
    const response = await changePassword({
      currentPassword: validRegistration.password,
      newPassword: 12345678,
    });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toContain("newPassword");
  });

  it("answers UNAUTHORIZED 401 without a Bearer token", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/v1/user/password",
      payload: { currentPassword: validRegistration.password, newPassword },
    });

    expectError(response, "UNAUTHORIZED", 401);
    expect((await logInWith(validRegistration.password)).statusCode).toBe(200);
  });

  it("answers INVALID_TOKEN 401 from a session that was ended", async () => {
    const other = await logIn(app);
    await changePassword({ currentPassword: validRegistration.password, newPassword });

    const response = await changePassword(
      { currentPassword: newPassword, newPassword: "Th1rd-passw0rd!" },
      other.accessToken,
    );

    expectError(response, "INVALID_TOKEN", 401);
  });
});

describe("POST /api/v1/user/password under repeated wrong current passwords", () => {
  it("answers ACCOUNT_LOCKED 423 with Retry-After after five wrong current passwords", async () => {
    const { app: locked } = await buildTestApp();
    try {
      const registered = await registerUser(locked);
      const change = (currentPassword: string) =>
        locked.inject({
          method: "POST",
          url: "/api/v1/user/password",
          headers: bearer(registered.accessToken),
          payload: { currentPassword, newPassword: "Brand-new-pass9!" },
        });
      for (let i = 0; i < 5; i++)
        expectError(
          await change(`Wrong-guess-${i}!`),
          i < 4 ? "INVALID_CURRENT_PASSWORD" : "ACCOUNT_LOCKED",
          i < 4 ? 400 : 423,
        );
      const response = await change(validRegistration.password);
      expectError(response, "ACCOUNT_LOCKED", 423);
      expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
    } finally {
      await locked.close();
    }
  });
});
