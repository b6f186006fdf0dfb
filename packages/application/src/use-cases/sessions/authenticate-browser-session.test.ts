import { describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../../storage-unavailable.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, unwrap } from "../../testing/use-case-helpers.ts";
import { authenticateBrowserSession } from "./authenticate-browser-session.ts";
import { logOut } from "./log-out.ts";
import { logOutEverywhere } from "./log-out-everywhere.ts";
import { refreshSession } from "./refresh-session.ts";

describe("authenticateBrowserSession", () => {
  it("resolves a live session's refresh token to its user, without rotating it", async () => {
    const deps = createInMemoryDependencies();
    const { user, refreshToken, sessionId } = await registerAccount(deps);

    const first = unwrap(await authenticateBrowserSession(deps, { token: refreshToken }));
    const again = unwrap(await authenticateBrowserSession(deps, { token: refreshToken }));
    expect([first.user.id, first.session.id, again.session.id]).toEqual([user.id, sessionId, sessionId]);
    // Not rotated: the token still refreshes once, as a fresh one would.
    expect((await refreshSession(deps, { refreshToken })).ok).toBe(true);
  });

  it("records the session as seen when it recognises it, at most once a minute", async () => {
    const deps = createInMemoryDependencies();
    const { refreshToken, sessionId } = await registerAccount(deps);
    const writes: Date[] = [];
    const record = deps.sessions.recordSessionSeen.bind(deps.sessions);
    deps.sessions.recordSessionSeen = async (input) => {
      writes.push(input.now);
      await record(input);
    };
    const firstSeen = deps.clock.now();

    const first = unwrap(await authenticateBrowserSession(deps, { token: refreshToken }));
    expect(first.session.lastSeenAt).toEqual(firstSeen);
    deps.clock.advance(59_999);
    const again = unwrap(await authenticateBrowserSession(deps, { token: refreshToken }));
    expect(again.session.lastSeenAt).toEqual(firstSeen);
    deps.clock.advance(1);
    unwrap(await authenticateBrowserSession(deps, { token: refreshToken }));

    expect(writes).toEqual([firstSeen, deps.clock.now()]);
    const stored = await deps.sessions.findSession(sessionId);
    expect(stored?.lastSeenAt).toEqual(deps.clock.now());
    // Seeing is not a refresh: the session's liveness (last use) is its sign-in still.
    expect(stored?.lastUsedAt).toEqual(firstSeen);
  });

  it("still recognises the session when the store refuses the sighting's write; other failures pass", async () => {
    const deps = createInMemoryDependencies();
    const { user, refreshToken } = await registerAccount(deps);
    deps.sessions.recordSessionSeen = async () => {
      throw new StorageUnavailableError({ code: "SQLITE_FULL", message: "database or disk is full" });
    };
    const recognised = unwrap(await authenticateBrowserSession(deps, { token: refreshToken }));
    expect([recognised.user.id, recognised.session.lastSeenAt]).toEqual([user.id, null]);
    deps.sessions.recordSessionSeen = async () => {
      throw new TypeError("a bug");
    };
    await expect(authenticateBrowserSession(deps, { token: refreshToken })).rejects.toThrow("a bug");
  });

  it("records nothing for a session it does not recognise", async () => {
    const deps = createInMemoryDependencies();
    const { user, refreshToken, sessionId } = await registerAccount(deps);
    unwrap(await logOut(deps, { userId: user.id, sessionId }));
    expect((await authenticateBrowserSession(deps, { token: refreshToken })).ok).toBe(false);
    expect((await deps.sessions.findSession(sessionId))?.lastSeenAt).toBeNull();
  });

  it("answers INVALID_TOKEN once the session is signed out, or ended everywhere", async () => {
    const deps = createInMemoryDependencies();
    const one = await registerAccount(deps);
    unwrap(await logOut(deps, { userId: one.user.id, sessionId: one.sessionId }));
    expect(await authenticateBrowserSession(deps, { token: one.refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });

    const other = await registerAccount(deps, { email: "eve@example.com", nickname: "eve" });
    unwrap(await logOutEverywhere(deps, { userId: other.user.id }));
    expect(await authenticateBrowserSession(deps, { token: other.refreshToken })).toMatchObject({
      error: "INVALID_TOKEN",
    });
  });

  it("answers INVALID_TOKEN for a wrong secret, a malformed value and an expired token", async () => {
    const deps = createInMemoryDependencies();
    const { refreshToken } = await registerAccount(deps);
    const [id] = refreshToken.split(".");
    for (const token of [`${id}.${"A".repeat(43)}`, "not-a-token", ""]) {
      expect(await authenticateBrowserSession(deps, { token })).toMatchObject({ error: "INVALID_TOKEN" });
    }
    deps.clock.advance(deps.settings.refreshTokenTtlMs);
    expect(await authenticateBrowserSession(deps, { token: refreshToken })).toMatchObject({
      error: "INVALID_TOKEN",
    });
  });

  it("treats its rotated token as stolen: the session ends and the reuse is recorded (RFC 9700 §4.14.2)", async () => {
    const deps = createInMemoryDependencies();
    const { user, refreshToken, sessionId } = await registerAccount(deps);
    // Whoever took the cookie out of the browser exchanges it at /auth/refresh...
    const thief = unwrap(await refreshSession(deps, { refreshToken }));
    deps.clock.advance(deps.settings.refreshReuseGraceMs + 1);
    // ...and the browser comes back with the cookie it still holds.
    expect(await authenticateBrowserSession(deps, { token: refreshToken })).toMatchObject({
      error: "INVALID_TOKEN",
    });
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).not.toBeNull();
    expect(await refreshSession(deps, { refreshToken: thief.refreshToken })).toMatchObject({
      ok: false,
      error: "INVALID_REFRESH_TOKEN",
    });
    expect(
      deps.securityEvents
        .all()
        .filter((event) => event.userId === user.id)
        .map((event) => event.type),
    ).toContain("refresh_token_reuse_detected");
  });

  it("ends nothing for a token whose secret does not match", async () => {
    const deps = createInMemoryDependencies();
    const { refreshToken, sessionId } = await registerAccount(deps);
    unwrap(await refreshSession(deps, { refreshToken }));
    const [id] = refreshToken.split(".");
    expect(await authenticateBrowserSession(deps, { token: `${id}.${"A".repeat(43)}` })).toMatchObject({
      error: "INVALID_TOKEN",
    });
    expect((await deps.sessions.findSession(sessionId))?.revokedAt).toBeNull();
  });

  it("answers ACCOUNT_DISABLED for a disabled account", async () => {
    const deps = createInMemoryDependencies();
    const { user, refreshToken } = await registerAccount(deps);
    deps.users.setStatus(user.id, "disabled");
    expect(await authenticateBrowserSession(deps, { token: refreshToken })).toMatchObject({
      error: "ACCOUNT_DISABLED",
    });
  });
});
