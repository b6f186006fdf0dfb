import { describe, expect, it } from "vitest";
import type { Dependencies } from "../../ports/index.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, strongPassword, unwrap, unwrapSignedIn } from "../../testing/use-case-helpers.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { authenticateAccessToken } from "./authenticate-access-token.ts";
import { logOut } from "./log-out.ts";
import { logOutEverywhere } from "./log-out-everywhere.ts";
import { refreshSession } from "./refresh-session.ts";

const client = { userAgent: "vitest", ip: "127.0.0.1" };

async function signInAgain(deps: Dependencies, email: string) {
  const signedIn = unwrapSignedIn(await logInWithPassword(deps, { email, password: strongPassword, client }));
  const { session } = unwrap(await authenticateAccessToken(deps, { token: signedIn.accessToken }));
  return { ...signedIn, sessionId: session.id };
}

async function isLive(deps: Dependencies, tokens: { accessToken: string }): Promise<boolean> {
  return (await authenticateAccessToken(deps, { token: tokens.accessToken })).ok;
}

describe("logOut", () => {
  it("ends the session of the caller's access token, and its refresh token with it", async () => {
    const deps = createInMemoryDependencies();
    const { user, sessionId, accessToken, refreshToken } = await registerAccount(deps);
    const other = await signInAgain(deps, "ada@example.com");

    expect(await logOut(deps, { userId: user.id, sessionId })).toEqual({ ok: true, value: undefined });
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).toEqual(deps.clock.now());
    expect(await authenticateAccessToken(deps, { token: accessToken })).toMatchObject({
      error: "INVALID_TOKEN",
    });
    expect(await refreshSession(deps, { refreshToken })).toMatchObject({ error: "INVALID_REFRESH_TOKEN" });
    expect(await isLive(deps, other)).toBe(true);
  });

  it("ends the session a given refresh token belongs to rather than the caller's", async () => {
    const deps = createInMemoryDependencies();
    const caller = await registerAccount(deps);
    const other = await signInAgain(deps, "ada@example.com");

    const result = await logOut(deps, {
      userId: caller.user.id,
      sessionId: caller.sessionId,
      refreshToken: other.refreshToken,
    });
    expect(result.ok).toBe(true);
    expect(await isLive(deps, other)).toBe(false);
    expect(await isLive(deps, caller)).toBe(true);
  });

  it.each([
    ["the access token", false],
    ["its refresh token", true],
  ])(
    "of two sign-outs of one session at once (a double submit) by %s, both answer done and one records it",
    async (_, withRefreshToken) => {
      const deps = createInMemoryDependencies();
      const caller = await registerAccount(deps);
      const other = await signInAgain(deps, "ada@example.com");
      const signOut = () =>
        logOut(deps, {
          userId: caller.user.id,
          sessionId: other.sessionId,
          ...(withRefreshToken ? { refreshToken: other.refreshToken } : {}),
        });
      // Both requests read the session live; the other's sign-out lands just before this one's write.
      const revoke = deps.sessions.revokeSession.bind(deps.sessions);
      let overtaken = false;
      deps.sessions.revokeSession = async (input) => {
        if (!overtaken) {
          overtaken = true;
          expect(await signOut()).toEqual({ ok: true, value: undefined });
        }
        return revoke(input);
      };
      expect(await signOut()).toEqual({ ok: true, value: undefined });
      expect(deps.securityEvents.all().filter((e) => e.type === "session_revoked")).toHaveLength(1);
      expect(await isLive(deps, other)).toBe(false);
      expect(await isLive(deps, caller)).toBe(true);
    },
  );

  it("answers a refresh token of a session ended already as done, and records no second sign-out", async () => {
    const deps = createInMemoryDependencies();
    const caller = await registerAccount(deps);
    const other = await signInAgain(deps, "ada@example.com");
    const signOuts = () => deps.securityEvents.all().filter((e) => e.type === "session_revoked");

    expect(await logOut(deps, { userId: caller.user.id, sessionId: other.sessionId })).toMatchObject({
      ok: true,
    });
    expect(signOuts()).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      const again = await logOut(deps, {
        userId: caller.user.id,
        sessionId: caller.sessionId,
        refreshToken: other.refreshToken,
      });
      expect(again).toEqual({ ok: true, value: undefined });
    }
    expect(signOuts()).toEqual([
      expect.objectContaining({ details: { sessionId: other.sessionId, reason: "logout" } }),
    ]);
    expect(await isLive(deps, caller)).toBe(true);
  });

  it("refuses another user's refresh token with INVALID_REFRESH_TOKEN and revokes nothing", async () => {
    const deps = createInMemoryDependencies();
    const ada = await registerAccount(deps, { email: "ada@example.com" });
    const eve = await registerAccount(deps, { email: "eve@example.com", nickname: "eve" });

    const result = await logOut(deps, {
      userId: eve.user.id,
      sessionId: eve.sessionId,
      refreshToken: ada.refreshToken,
    });
    expect(result).toMatchObject({ ok: false, error: "INVALID_REFRESH_TOKEN" });
    expect(await isLive(deps, ada)).toBe(true);
    expect(await isLive(deps, eve)).toBe(true);
    expect((await refreshSession(deps, { refreshToken: ada.refreshToken })).ok).toBe(true);
  });

  it.each([
    ["garbage", () => "garbage"],
    [
      "the right id with a wrong secret",
      (presented: string) => `${presented.split(".")[0]}.${"y".repeat(43)}`,
    ],
  ])(
    "refuses %s as the refresh token with INVALID_REFRESH_TOKEN and revokes nothing",
    async (_label, make) => {
      const deps = createInMemoryDependencies();
      const ada = await registerAccount(deps);
      const result = await logOut(deps, {
        userId: ada.user.id,
        sessionId: ada.sessionId,
        refreshToken: make(ada.refreshToken),
      });
      expect(result).toMatchObject({ ok: false, error: "INVALID_REFRESH_TOKEN" });
      expect(await isLive(deps, ada)).toBe(true);
    },
  );
});

describe("logOutEverywhere", () => {
  it("ends every session of the user, the caller's included, and no one else's", async () => {
    const deps = createInMemoryDependencies();
    const first = await registerAccount(deps, { email: "ada@example.com" });
    const second = await signInAgain(deps, "ada@example.com");
    const stranger = await registerAccount(deps, { email: "eve@example.com", nickname: "eve" });

    expect(await logOutEverywhere(deps, { userId: first.user.id })).toEqual({
      ok: true,
      value: { sessionsEnded: 2 },
    });
    expect(await isLive(deps, first)).toBe(false);
    expect(await isLive(deps, second)).toBe(false);
    expect(await refreshSession(deps, { refreshToken: first.refreshToken })).toMatchObject({
      error: "INVALID_REFRESH_TOKEN",
    });
    expect(await refreshSession(deps, { refreshToken: second.refreshToken })).toMatchObject({
      error: "INVALID_REFRESH_TOKEN",
    });
    expect(await isLive(deps, stranger)).toBe(true);
  });

  it("with keepSessionId ends every other session and keeps that one, recorded as logout_others", async () => {
    const deps = createInMemoryDependencies();
    const first = await registerAccount(deps, { email: "ada@example.com" });
    const second = await signInAgain(deps, "ada@example.com");
    const third = await signInAgain(deps, "ada@example.com");

    expect(
      await logOutEverywhere(deps, { userId: first.user.id, keepSessionId: second.sessionId, client }),
    ).toEqual({ ok: true, value: { sessionsEnded: 2 } });
    expect(await isLive(deps, first)).toBe(false);
    expect(await isLive(deps, second)).toBe(true);
    expect(await isLive(deps, third)).toBe(false);
    const [latest] = await deps.securityEvents.listSecurityEventsOfUser({ userId: first.user.id, limit: 1 });
    expect(latest).toMatchObject({ type: "sessions_revoked", details: { reason: "logout_others" } });
  });

  it("with no other live session (ended, or expired but not yet pruned) ends none and records nothing", async () => {
    const deps = createInMemoryDependencies();
    const first = await registerAccount(deps, { email: "ada@example.com" });
    deps.clock.advance(deps.settings.refreshTokenTtlMs + 60_000);
    const second = await signInAgain(deps, "ada@example.com");
    const logged = async () =>
      (await deps.securityEvents.listSecurityEventsOfUser({ userId: first.user.id, limit: 100 })).filter(
        (event) => event.type === "sessions_revoked",
      );

    for (let i = 0; i < 2; i++) {
      expect(
        await logOutEverywhere(deps, { userId: first.user.id, keepSessionId: second.sessionId, client }),
      ).toEqual({ ok: true, value: { sessionsEnded: 0 } });
    }

    expect(await logged()).toEqual([]);
    expect(await isLive(deps, second)).toBe(true);
  });
});
