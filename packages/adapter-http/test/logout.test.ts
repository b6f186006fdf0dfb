import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestApp,
  expectError,
  getMe,
  logIn,
  otherRegistration,
  refresh,
  registerUser,
  type SignedInData,
} from "./test-app.ts";

let app: FastifyInstance;
let signedIn: SignedInData;
beforeEach(async () => {
  ({ app } = await buildTestApp());
  signedIn = await registerUser(app);
});
afterEach(async () => {
  await app.close();
});

function logOut(accessToken: string, payload?: Record<string, unknown>) {
  return app.inject({
    method: "POST",
    url: "/api/v1/auth/logout",
    headers: bearer(accessToken),
    ...(payload === undefined ? {} : { payload }),
  });
}

describe("POST /api/v1/auth/logout", () => {
  it("ends the session of the given refresh token: that token no longer refreshes", async () => {
    const response = await logOut(signedIn.accessToken, { refreshToken: signedIn.refreshToken });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({ success: true, data: { loggedOut: true } });
    expectError(await refresh(app, signedIn.refreshToken), "INVALID_REFRESH_TOKEN", 401);
    expectError(await getMe(app, signedIn.accessToken), "INVALID_TOKEN", 401);
  });

  it("ends the caller's own session when sent with no body at all", async () => {
    const response = await logOut(signedIn.accessToken);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({ success: true, data: { loggedOut: true } });
    expectError(await refresh(app, signedIn.refreshToken), "INVALID_REFRESH_TOKEN", 401);
  });

  it("ends the caller's own session when sent an empty object", async () => {
    const response = await logOut(signedIn.accessToken, {});

    expect(response.statusCode).toBe(200);
    expectError(await refresh(app, signedIn.refreshToken), "INVALID_REFRESH_TOKEN", 401);
  });

  it("ends only the session the refresh token belongs to, even if it is another of the caller's", async () => {
    const other = await logIn(app);

    const response = await logOut(signedIn.accessToken, { refreshToken: other.refreshToken });

    expect(response.statusCode).toBe(200);
    expectError(await refresh(app, other.refreshToken), "INVALID_REFRESH_TOKEN", 401);
    expect((await getMe(app, signedIn.accessToken)).statusCode).toBe(200);
  });

  it("keeps the user's other sessions", async () => {
    const other = await logIn(app);

    await logOut(signedIn.accessToken);

    expect((await refresh(app, other.refreshToken)).statusCode).toBe(200);
  });

  it("answers INVALID_REFRESH_TOKEN 401 for another user's refresh token and ends nothing", async () => {
    const stranger = await registerUser(app, otherRegistration);

    const response = await logOut(signedIn.accessToken, { refreshToken: stranger.refreshToken });

    expectError(response, "INVALID_REFRESH_TOKEN", 401);
    expect((await refresh(app, stranger.refreshToken)).statusCode).toBe(200);
    expect((await getMe(app, signedIn.accessToken)).statusCode).toBe(200);
  });

  it("answers INVALID_REFRESH_TOKEN 401 for a garbage refresh token", async () => {
    expectError(
      await logOut(signedIn.accessToken, { refreshToken: "garbage" }),
      "INVALID_REFRESH_TOKEN",
      401,
    );
  });

  it("answers UNAUTHORIZED 401 without a Bearer token, and the session survives", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/v1/auth/logout",
      payload: { refreshToken: signedIn.refreshToken },
    });

    expectError(response, "UNAUTHORIZED", 401);
    expect((await refresh(app, signedIn.refreshToken)).statusCode).toBe(200);
  });

  it("answers INVALID_TOKEN 401 when the session already logged out", async () => {
    await logOut(signedIn.accessToken);

    expectError(await logOut(signedIn.accessToken), "INVALID_TOKEN", 401);
  });

  it("answers VALIDATION_ERROR 400 when refreshToken is not a string", async () => {
    expectError(await logOut(signedIn.accessToken, { refreshToken: 42 }), "VALIDATION_ERROR", 400);
  });
});

describe("POST /api/v1/auth/logout-all", () => {
  it("ends every session of the user, the caller's included", async () => {
    const second = await logIn(app);
    const third = await logIn(app);

    const response = await app.inject({
      method: "POST",
      url: "/api/v1/auth/logout-all",
      headers: bearer(second.accessToken),
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({ success: true, data: { loggedOut: true } });
    for (const session of [signedIn, second, third]) {
      expectError(await refresh(app, session.refreshToken), "INVALID_REFRESH_TOKEN", 401);
      expectError(await getMe(app, session.accessToken), "INVALID_TOKEN", 401);
    }
  });

  it("leaves other users' sessions alone", async () => {
    const stranger = await registerUser(app, otherRegistration);

    await app.inject({
      method: "POST",
      url: "/api/v1/auth/logout-all",
      headers: bearer(signedIn.accessToken),
    });

    expect((await refresh(app, stranger.refreshToken)).statusCode).toBe(200);
  });

  it("still lets the user log in again afterwards", async () => {
    await app.inject({
      method: "POST",
      url: "/api/v1/auth/logout-all",
      headers: bearer(signedIn.accessToken),
    });

    const again = await logIn(app);

    expect((await getMe(app, again.accessToken)).statusCode).toBe(200);
  });

  it("answers UNAUTHORIZED 401 without a Bearer token", async () => {
    const response = await app.inject({ method: "POST", url: "/api/v1/auth/logout-all" });

    expectError(response, "UNAUTHORIZED", 401);
  });
});
