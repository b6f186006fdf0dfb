import type { SessionId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { Dependencies } from "../../ports/index.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, strongPassword, unwrap } from "../../testing/use-case-helpers.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { authenticateAccessToken } from "./authenticate-access-token.ts";
import { authenticateBrowserSession } from "./authenticate-browser-session.ts";
import { listSessions } from "./list-sessions.ts";
import { refreshSession } from "./refresh-session.ts";
import { revokeSession } from "./revoke-session.ts";

const day = 24 * 3600 * 1000;

/** Signs the registered account in again from another browser. */
async function logIn(deps: Dependencies) {
  const login = unwrap(
    await logInWithPassword(deps, {
      email: "ada@example.com",
      password: strongPassword,
      client: { userAgent: "Firefox", ip: "10.0.0.2" },
    }),
  );
  if (!("accessToken" in login)) throw new Error("unexpected second-factor step");
  return login;
}

/** The session an access token belongs to. */
async function sessionIdOf(deps: Dependencies, accessToken: string): Promise<SessionId> {
  return unwrap(await authenticateAccessToken(deps, { token: accessToken })).session.id;
}

async function signedInTwice() {
  const deps = createInMemoryDependencies();
  const first = await registerAccount(deps);
  deps.clock.advance(1000);
  const login = await logIn(deps);
  const second = unwrap(await authenticateAccessToken(deps, { token: login.accessToken }));
  return { deps, first, second, secondAccessToken: login.accessToken };
}

describe("listSessions", () => {
  it("lists the user's live sessions, most recently used first, marking the current one", async () => {
    const { deps, first, second } = await signedInTwice();
    const sessions = unwrap(
      await listSessions(deps, { userId: first.user.id, currentSessionId: second.session.id }),
    );
    expect(sessions).toEqual([
      {
        id: second.session.id,
        userAgent: "Firefox",
        ip: "10.0.0.2",
        createdAt: new Date("2026-01-01T00:00:01.000Z"),
        lastUsedAt: new Date("2026-01-01T00:00:01.000Z"),
        current: true,
      },
      {
        id: first.sessionId,
        userAgent: "vitest",
        ip: "127.0.0.1",
        createdAt: new Date("2026-01-01T00:00:00.000Z"),
        lastUsedAt: new Date("2026-01-01T00:00:00.000Z"),
        current: false,
      },
    ]);
  });

  it("lists the current session first, used now: this request uses it, whatever its last refresh", async () => {
    // The account center's browser session is never refreshed: its stored last use stays its sign-in.
    const { deps, first, second } = await signedInTwice();
    deps.clock.advance(3 * 3600_000);
    const sessions = unwrap(
      await listSessions(deps, { userId: first.user.id, currentSessionId: first.sessionId }),
    );
    expect(sessions.map((s) => [s.id, s.current, s.lastUsedAt])).toEqual([
      [first.sessionId, true, deps.clock.now()],
      [second.session.id, false, new Date("2026-01-01T00:00:01.000Z")],
    ]);
    // Only the listing says so: what is stored is unchanged.
    expect((await deps.sessions.findSession(first.sessionId))?.lastUsedAt).toEqual(
      new Date("2026-01-01T00:00:00.000Z"),
    );
  });

  it("lists a browser session by when a page last recognised it, when that is after its last refresh", async () => {
    const { deps, first, second } = await signedInTwice();
    deps.clock.advance(3600_000);
    // The first session is a browser's: a page recognises it an hour later.
    unwrap(await authenticateBrowserSession(deps, { token: first.refreshToken }));
    const seenAt = deps.clock.now();
    deps.clock.advance(1000);
    const sessions = unwrap(
      await listSessions(deps, { userId: first.user.id, currentSessionId: second.session.id }),
    );
    expect(sessions.map((s) => [s.id, s.lastUsedAt])).toEqual([
      [second.session.id, deps.clock.now()],
      [first.sessionId, seenAt],
    ]);
  });

  it("leaves out sessions unused for longer than the refresh-token lifetime", async () => {
    const { deps, first } = await signedInTwice();
    deps.clock.advance(7 * day - 1000);
    const sessions = unwrap(
      await listSessions(deps, { userId: first.user.id, currentSessionId: first.sessionId }),
    );
    expect(sessions.map((s) => s.id)).not.toContain(first.sessionId);
    expect(sessions).toHaveLength(1);
  });
});

describe("sessions past their maximum age (SESSION_MAX_AGE)", () => {
  it("are no longer listed, counted toward the cap, or revocable, though used within the refresh-token lifetime", async () => {
    const deps = createInMemoryDependencies({ maxSessionsPerUser: 2 });
    const old = await registerAccount(deps);
    // Refreshed every five days, the session is used often, but it opened 31 days ago.
    let refreshToken = old.refreshToken;
    for (const days of [5, 5, 5, 5, 5, 4]) {
      deps.clock.advance(days * day);
      refreshToken = unwrap(await refreshSession(deps, { refreshToken })).refreshToken;
    }
    deps.clock.advance(2 * day);
    expect(await refreshSession(deps, { refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });

    const second = await logIn(deps);
    const secondId = unwrap(await authenticateAccessToken(deps, { token: second.accessToken })).session.id;
    const listed = unwrap(await listSessions(deps, { userId: old.user.id, currentSessionId: secondId }));
    expect(listed.map((s) => s.id)).toEqual([secondId]);
    expect(await revokeSession(deps, { userId: old.user.id, sessionId: old.sessionId })).toMatchObject({
      ok: false,
      error: "SESSION_NOT_FOUND",
    });

    // Under a cap of two, a third sign-in ends nothing: the dead session takes no place.
    deps.clock.advance(1000);
    const third = await logIn(deps);
    const thirdId = unwrap(await authenticateAccessToken(deps, { token: third.accessToken })).session.id;
    expect(deps.securityEvents.all().filter((e) => e.type === "session_revoked")).toEqual([]);
    const live = unwrap(await listSessions(deps, { userId: old.user.id, currentSessionId: thirdId }));
    expect(live.map((s) => s.id)).toEqual([thirdId, secondId]);
  });
});

describe("revokeSession", () => {
  it("ends another session of the user, which then no longer authenticates, and records session_revoked", async () => {
    const { deps, first, second, secondAccessToken } = await signedInTwice();
    expect(await revokeSession(deps, { userId: first.user.id, sessionId: second.session.id })).toEqual({
      ok: true,
      value: undefined,
    });
    expect(await authenticateAccessToken(deps, { token: secondAccessToken })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
    expect((await authenticateAccessToken(deps, { token: first.accessToken })).ok).toBe(true);
    expect(deps.securityEvents.all().at(-1)).toMatchObject({
      type: "session_revoked",
      details: { sessionId: second.session.id },
    });
  });

  it("names the session the sign-in opened, so the log ties the sign-out to its sign-in (device and address)", async () => {
    const { deps, first, second } = await signedInTwice();
    await revokeSession(deps, { userId: first.user.id, sessionId: second.session.id });
    const events = deps.securityEvents.all();
    const signIn = events.find((e) => e.type === "login_succeeded");
    expect(signIn).toMatchObject({
      ip: "10.0.0.2",
      userAgent: "Firefox",
      details: { method: "password", sessionId: second.session.id },
    });
    // The sign-in came from a new device and network: its notice names the same session.
    expect(events.find((e) => e.type === "new_device_sign_in")).toMatchObject({
      details: { method: "password", sessionId: second.session.id },
    });
    expect(events.at(-1)).toMatchObject({
      type: "session_revoked",
      details: { sessionId: signIn?.details.sessionId },
    });
  });

  it("of two ends of one session at once (a double click), one records it and the other answers SESSION_NOT_FOUND", async () => {
    const { deps, first, second } = await signedInTwice();
    // Both requests read the session live; the other one's end lands just before this one's write.
    const revoke = deps.sessions.revokeSession.bind(deps.sessions);
    let overtaken = false;
    deps.sessions.revokeSession = async (input) => {
      if (!overtaken) {
        overtaken = true;
        expect(await revokeSession(deps, { userId: first.user.id, sessionId: second.session.id })).toEqual({
          ok: true,
          value: undefined,
        });
      }
      return revoke(input);
    };
    expect(await revokeSession(deps, { userId: first.user.id, sessionId: second.session.id })).toMatchObject({
      ok: false,
      error: "SESSION_NOT_FOUND",
    });
    expect(deps.securityEvents.all().filter((e) => e.type === "session_revoked")).toHaveLength(1);
  });

  it("answers SESSION_NOT_FOUND for a session already revoked", async () => {
    const { deps, first, second } = await signedInTwice();
    await revokeSession(deps, { userId: first.user.id, sessionId: second.session.id });
    expect(await revokeSession(deps, { userId: first.user.id, sessionId: second.session.id })).toMatchObject({
      ok: false,
      error: "SESSION_NOT_FOUND",
    });
  });

  it("answers SESSION_NOT_FOUND for an unknown id", async () => {
    const { deps, first } = await signedInTwice();
    expect(
      await revokeSession(deps, { userId: first.user.id, sessionId: "00000000-0000-7000-8000-00000000ffff" }),
    ).toMatchObject({ ok: false, error: "SESSION_NOT_FOUND" });
  });

  it("answers SESSION_NOT_FOUND for someone else's session and leaves it alive", async () => {
    const { deps, first } = await signedInTwice();
    const grace = await registerAccount(deps, { email: "grace@example.com", nickname: "grace" });
    expect(
      await revokeSession(deps, { userId: first.user.id, sessionId: grace.sessionId as SessionId }),
    ).toMatchObject({ ok: false, error: "SESSION_NOT_FOUND" });
    expect((await authenticateAccessToken(deps, { token: grace.accessToken })).ok).toBe(true);
  });
});

describe("the cap on live sessions (MAX_SESSIONS_PER_USER)", () => {
  /** Under a cap of two: the registration's session, and a sign-in a second later. */
  async function twoSessionsUnderACapOfTwo() {
    const deps = createInMemoryDependencies({ maxSessionsPerUser: 2 });
    const first = await registerAccount(deps);
    deps.clock.advance(1000);
    const second = await logIn(deps);
    return { deps, first, second, secondId: await sessionIdOf(deps, second.accessToken) };
  }

  it("a sign-in beyond the cap ends the least recently used session and records why", async () => {
    const { deps, first, second, secondId } = await twoSessionsUnderACapOfTwo();
    deps.clock.advance(1000);
    // Refreshing the first session makes the second the least recently used.
    unwrap(await refreshSession(deps, { refreshToken: first.refreshToken }));
    deps.clock.advance(1000);
    const third = await logIn(deps);

    const thirdId = unwrap(await authenticateAccessToken(deps, { token: third.accessToken })).session.id;
    const live = unwrap(await listSessions(deps, { userId: first.user.id, currentSessionId: thirdId }));
    expect(live.map((s) => s.id)).toEqual([thirdId, first.sessionId]);
    expect(await authenticateAccessToken(deps, { token: second.accessToken })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
    const ended = deps.securityEvents.all().filter((e) => e.type === "session_revoked");
    expect(ended).toHaveLength(1);
    expect(ended[0]?.details).toEqual({ sessionId: secondId, reason: "session_limit" });
  });

  it("counts a browser session a page recognised as used then: the API session refreshed before it ends", async () => {
    // The account center's session signs in first and is never refreshed, but is in use.
    const { deps, first: browser, second: api, secondId: apiId } = await twoSessionsUnderACapOfTwo();
    deps.clock.advance(3600_000);
    unwrap(await refreshSession(deps, { refreshToken: api.refreshToken }));
    deps.clock.advance(60_000);
    unwrap(await authenticateBrowserSession(deps, { token: browser.refreshToken }));
    deps.clock.advance(1000);

    await logIn(deps);

    expect((await authenticateBrowserSession(deps, { token: browser.refreshToken })).ok).toBe(true);
    const ended = deps.securityEvents.all().filter((e) => e.type === "session_revoked");
    expect(ended.map((e) => e.details)).toEqual([{ sessionId: apiId, reason: "session_limit" }]);
  });

  it("sessions past the refresh-token lifetime do not count toward the cap", async () => {
    const deps = createInMemoryDependencies({ maxSessionsPerUser: 1 });
    await registerAccount(deps);
    deps.clock.advance(7 * day);
    await logIn(deps);
    expect(deps.securityEvents.all().filter((e) => e.type === "session_revoked")).toEqual([]);
    deps.clock.advance(1000);
    await logIn(deps);
    expect(deps.securityEvents.all().filter((e) => e.type === "session_revoked")).toHaveLength(1);
  });
});
