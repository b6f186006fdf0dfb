import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, strongPassword } from "../../testing/use-case-helpers.ts";
import { setPassword } from "../account/set-password.ts";
import { logOut } from "../sessions/log-out.ts";
import { logOutEverywhere } from "../sessions/log-out-everywhere.ts";
import { refreshSession } from "../sessions/refresh-session.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";

const client = { userAgent: "Firefox", ip: "203.0.113.9" };

describe("security events written by the core use cases", () => {
  it("records failed and successful password logins with the client", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps);
    await logInWithPassword(deps, { email: user.email, password: "Wrong-pass-1!", client });
    await logInWithPassword(deps, { email: user.email, password: strongPassword, client });
    const events = await deps.securityEvents.listSecurityEventsOfUser({ userId: user.id, limit: 10 });
    // The account signed up from another network, so this sign-in is also a new device's (ADR 0016).
    expect(events.map((e) => e.type)).toEqual(["new_device_sign_in", "login_succeeded", "login_failed"]);
    expect(events[1]).toMatchObject({
      ip: "203.0.113.9",
      userAgent: "Firefox",
      details: { method: "password" },
    });
    expect(events[1]?.occurredAt).toEqual(deps.clock.now());
  });

  it("records nothing for an unknown email (there is no account to attach it to)", async () => {
    const deps = createInMemoryDependencies();
    await logInWithPassword(deps, { email: "nobody@example.com", password: strongPassword, client });
    expect(deps.securityEvents.all()).toEqual([]);
  });

  it("records a password change, logout, logout everywhere and refresh-token reuse", async () => {
    const deps = createInMemoryDependencies();
    const account = await registerAccount(deps);
    const userId = account.user.id;
    await setPassword(deps, {
      session: account.session,
      currentPassword: strongPassword,
      newPassword: "Another-pass-2!",
      client,
    });
    const rotated = await refreshSession(deps, { refreshToken: account.refreshToken });
    expect(rotated.ok).toBe(true);
    deps.clock.advance(60_000);
    await refreshSession(deps, { refreshToken: account.refreshToken });
    await logOut(deps, { userId, sessionId: account.sessionId, client });
    await logOutEverywhere(deps, { userId, client });
    const types = (await deps.securityEvents.listSecurityEventsOfUser({ userId, limit: 10 })).map(
      (e) => e.type,
    );
    expect(types).toEqual([
      "sessions_revoked",
      "session_revoked",
      "refresh_token_reuse_detected",
      "password_changed",
    ]);
  });
});
