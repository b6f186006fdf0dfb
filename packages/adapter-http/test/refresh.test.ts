import type { UserId } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildTestApp,
  expectError,
  getMe,
  messageOf,
  refresh,
  registerUser,
  type SignedInData,
  type TestDependencies,
} from "./test-app.ts";

const sevenDaysMs = 7 * 24 * 3600 * 1000;
const graceMs = 10_000;

let app: FastifyInstance;
let deps: TestDependencies;
let signedIn: SignedInData;
beforeEach(async () => {
  ({ app, deps } = await buildTestApp());
  signedIn = await registerUser(app);
});
afterEach(async () => {
  await app.close();
});

async function refreshOk(refreshToken: string): Promise<{ accessToken: string; refreshToken: string }> {
  const response = await refresh(app, refreshToken);
  expect(response.statusCode).toBe(200);
  return response.json().data;
}

describe("POST /api/v1/auth/refresh", () => {
  it("answers 200 with a new token pair that is not cached", async () => {
    const response = await refresh(app, signedIn.refreshToken);

    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.json()).toStrictEqual({
      success: true,
      data: {
        accessToken: expect.stringMatching(/\S/),
        refreshToken: expect.stringMatching(/\S/),
        expiresIn: 300,
        tokenType: "Bearer",
      },
    });
  });

  it("rotates: the new refresh token differs and works, and the new access token works", async () => {
    const first = await refreshOk(signedIn.refreshToken);
    expect(first.refreshToken).not.toBe(signedIn.refreshToken);
    expect((await getMe(app, first.accessToken)).statusCode).toBe(200);

    const second = await refreshOk(first.refreshToken);

    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await getMe(app, second.accessToken)).statusCode).toBe(200);
  });

  it("gives a new access token that outlives the old one", async () => {
    deps.clock.advance(4 * 60_000);
    const next = await refreshOk(signedIn.refreshToken);

    deps.clock.advance(2 * 60_000);

    expectError(await getMe(app, signedIn.accessToken), "TOKEN_EXPIRED", 401);
    expect((await getMe(app, next.accessToken)).statusCode).toBe(200);
  });

  it("answers a rotated token presented again within the 10 s grace period with the same current refresh token", async () => {
    const first = await refreshOk(signedIn.refreshToken);
    deps.clock.advance(graceMs - 1_000);

    const again = await refreshOk(signedIn.refreshToken);

    expect(again.refreshToken).toBe(first.refreshToken);
    expect((await getMe(app, again.accessToken)).statusCode).toBe(200);
    expect((await refresh(app, again.refreshToken)).statusCode).toBe(200);
    expect((await getMe(app, first.accessToken)).statusCode).toBe(200);
  });

  it("treats a rotated token presented after the grace period as reuse and revokes its family", async () => {
    const first = await refreshOk(signedIn.refreshToken);
    const newest = await refreshOk(first.refreshToken);
    deps.clock.advance(graceMs + 1_000);

    const reused = await refresh(app, signedIn.refreshToken);

    expectError(reused, "INVALID_REFRESH_TOKEN", 401);
    expectError(await refresh(app, newest.refreshToken), "INVALID_REFRESH_TOKEN", 401);
    expectError(await getMe(app, newest.accessToken), "INVALID_TOKEN", 401);
  });

  it("records where a reused token came from, so the owner's notice names the IP and the browser", async () => {
    await refreshOk(signedIn.refreshToken);
    deps.clock.advance(graceMs + 1_000);

    const reused = await app.inject({
      method: "POST",
      url: "/api/v1/auth/refresh",
      payload: { refreshToken: signedIn.refreshToken },
      remoteAddress: "203.0.113.7",
      headers: { "user-agent": "thief-agent/1.0" },
    });

    expectError(reused, "INVALID_REFRESH_TOKEN", 401);
    const event = deps.securityEvents.all().find((e) => e.type === "refresh_token_reuse_detected");
    expect(event).toMatchObject({ ip: "203.0.113.7", userAgent: "thief-agent/1.0" });
  });

  it("revokes the family when the immediate predecessor is replayed after the grace period", async () => {
    const newest = await refreshOk(signedIn.refreshToken);
    deps.clock.advance(11_000);

    expectError(await refresh(app, signedIn.refreshToken), "INVALID_REFRESH_TOKEN", 401);

    expectError(await refresh(app, newest.refreshToken), "INVALID_REFRESH_TOKEN", 401);
  });

  it("leaves the user's other sessions alone when one family is revoked for reuse", async () => {
    const other = await registerUser(app, {
      email: "other@example.com",
      password: "Sup3r-secret!",
      nickname: "other",
    });
    await refreshOk(signedIn.refreshToken);
    deps.clock.advance(11_000);

    await refresh(app, signedIn.refreshToken);

    expect((await refresh(app, other.refreshToken)).statusCode).toBe(200);
  });

  describe("answers INVALID_REFRESH_TOKEN 401 for a token that is not a live refresh token", () => {
    it("garbage", async () => {
      expectError(await refresh(app, "garbage"), "INVALID_REFRESH_TOKEN", 401);
    });

    it("an empty string", async () => {
      expectError(await refresh(app, ""), "INVALID_REFRESH_TOKEN", 401);
    });

    it("a well-formed token with the wrong secret", async () => {
      const [id] = signedIn.refreshToken.split(".");
      const forged = `${id}.${"A".repeat(43)}`;

      expectError(await refresh(app, forged), "INVALID_REFRESH_TOKEN", 401);
    });

    it("an access token", async () => {
      expectError(await refresh(app, signedIn.accessToken), "INVALID_REFRESH_TOKEN", 401);
    });

    it("an expired token (seven days old)", async () => {
      deps.clock.advance(sevenDaysMs);

      expectError(await refresh(app, signedIn.refreshToken), "INVALID_REFRESH_TOKEN", 401);
    });
  });

  it("still refreshes a token just before its seven days are over", async () => {
    deps.clock.advance(sevenDaysMs - 1);

    expect((await refresh(app, signedIn.refreshToken)).statusCode).toBe(200);
  });

  it("answers ACCOUNT_DISABLED 403 for a disabled account", async () => {
    deps.users.setStatus(signedIn.user.id as UserId, "disabled");

    expectError(await refresh(app, signedIn.refreshToken), "ACCOUNT_DISABLED", 403);
  });

  it("answers VALIDATION_ERROR 400 naming refreshToken when the field is missing", async () => {
    const response = await app.inject({ method: "POST", url: "/api/v1/auth/refresh", payload: {} });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toContain("refreshToken");
  });

  it("answers VALIDATION_ERROR 400 when refreshToken is not a string", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/api/v1/auth/refresh",
      payload: { refreshToken: 1 },
    });

    expectError(response, "VALIDATION_ERROR", 400);
    expect(messageOf(response)).toContain("refreshToken");
  });

  it("does not need an access token", async () => {
    deps.clock.advance(5 * 60_000);

    const response = await refresh(app, signedIn.refreshToken);

    expect(response.statusCode).toBe(200);
  });
});
