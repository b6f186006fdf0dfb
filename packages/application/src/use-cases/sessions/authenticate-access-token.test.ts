import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, unwrap } from "../../testing/use-case-helpers.ts";
import {
  authenticateAccessToken,
  authenticateCallerWithTwoFactorStatus,
} from "./authenticate-access-token.ts";
import { logOut } from "./log-out.ts";

const fiveMinutes = 5 * 60 * 1000;

describe("authenticateAccessToken", () => {
  it("resolves a fresh access token to its user and session", async () => {
    const deps = createInMemoryDependencies();
    const { user, sessionId, accessToken } = await registerAccount(deps);
    const authenticated = unwrap(await authenticateAccessToken(deps, { token: accessToken }));
    expect(authenticated.user).toEqual(user);
    expect(authenticated.session.id).toBe(sessionId);
  });

  it("accepts the token until just before five minutes and answers TOKEN_EXPIRED at five minutes", async () => {
    const deps = createInMemoryDependencies();
    const { accessToken } = await registerAccount(deps);
    deps.clock.advance(fiveMinutes - 1);
    expect((await authenticateAccessToken(deps, { token: accessToken })).ok).toBe(true);
    deps.clock.advance(1);
    expect(await authenticateAccessToken(deps, { token: accessToken })).toMatchObject({
      ok: false,
      error: "TOKEN_EXPIRED",
    });
  });

  it.each([
    ["garbage", "garbage"],
    ["an empty token", ""],
    ["a tampered token", "test-access.{not json"],
  ])("answers INVALID_TOKEN for %s", async (_label, token) => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps);
    expect(await authenticateAccessToken(deps, { token })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
  });

  it("answers INVALID_TOKEN for a refresh token used as an access token", async () => {
    const deps = createInMemoryDependencies();
    const { refreshToken } = await registerAccount(deps);
    expect(await authenticateAccessToken(deps, { token: refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
  });

  it("answers INVALID_TOKEN at once after its session is logged out, before the token expires", async () => {
    const deps = createInMemoryDependencies();
    const { user, sessionId, accessToken } = await registerAccount(deps);
    unwrap(await logOut(deps, { userId: user.id, sessionId }));
    expect(await authenticateAccessToken(deps, { token: accessToken })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
  });

  it("answers INVALID_TOKEN for a token naming another user's session", async () => {
    const deps = createInMemoryDependencies();
    const ada = await registerAccount(deps, { email: "ada@example.com" });
    const eve = await registerAccount(deps, { email: "eve@example.com", nickname: "eve" });
    const forged = await deps.accessTokens.issueAccessToken({
      userId: eve.user.id,
      sessionId: ada.sessionId,
      now: deps.clock.now(),
    });
    expect(await authenticateAccessToken(deps, { token: forged })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
  });

  it("answers USER_NOT_FOUND once the user is deleted", async () => {
    const deps = createInMemoryDependencies();
    const { user, accessToken } = await registerAccount(deps);
    deps.users.deleteUser(user.id);
    expect(await authenticateAccessToken(deps, { token: accessToken })).toMatchObject({
      ok: false,
      error: "USER_NOT_FOUND",
    });
  });

  it("answers ACCOUNT_DISABLED once the user is disabled, and accepts the token again when re-enabled", async () => {
    const deps = createInMemoryDependencies();
    const { user, accessToken } = await registerAccount(deps);
    deps.users.setStatus(user.id, "disabled");
    expect(await authenticateAccessToken(deps, { token: accessToken })).toMatchObject({
      ok: false,
      error: "ACCOUNT_DISABLED",
    });
    deps.users.setStatus(user.id, "active");
    expect((await authenticateAccessToken(deps, { token: accessToken })).ok).toBe(true);
  });
});

describe("authenticateCallerWithTwoFactorStatus", () => {
  it("resolves our own token to its user, session and 2FA status, and refuses an ended session", async () => {
    const deps = createInMemoryDependencies();
    const { user, sessionId, accessToken } = await registerAccount(deps);
    const found = unwrap(
      await authenticateCallerWithTwoFactorStatus(deps, { token: accessToken, route: "GET /auth/me" }),
    );
    expect(found).toEqual({
      caller: { user, session: expect.objectContaining({ id: sessionId }) },
      twoFactor: { enabled: false, backupCodesRemaining: 0 },
    });
    unwrap(await logOut(deps, { userId: user.id, sessionId }));
    expect(
      await authenticateCallerWithTwoFactorStatus(deps, { token: accessToken, route: "GET /auth/me" }),
    ).toMatchObject({ ok: false, error: "INVALID_TOKEN" });
  });
});
