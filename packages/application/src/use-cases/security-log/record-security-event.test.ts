import type { UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { registerAccount, strongPassword, unwrap, unwrapSignedIn } from "../../testing/use-case-helpers.ts";
import { setPassword } from "../account/set-password.ts";
import { logOut } from "../sessions/log-out.ts";
import { logOutEverywhere } from "../sessions/log-out-everywhere.ts";
import { refreshSession } from "../sessions/refresh-session.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { listSecurityEvents } from "./list-security-events.ts";
import { recordSecurityEvent } from "./steps/record-security-event.ts";

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
    // The reuse ended the first session: a second one is signed out (an ended one records nothing).
    const second = unwrapSignedIn(
      await logInWithPassword(deps, { email: account.user.email, password: "Another-pass-2!", client }),
    );
    await logOut(deps, { userId, sessionId: second.sessionId, client });
    await logOut(deps, { userId, sessionId: account.sessionId, client });
    // Signed out everywhere from a session (with none live, it would end nothing and record nothing).
    unwrapSignedIn(
      await logInWithPassword(deps, { email: account.user.email, password: "Another-pass-2!", client }),
    );
    await logOutEverywhere(deps, { userId, client });
    const types = (await deps.securityEvents.listSecurityEventsOfUser({ userId, limit: 10 })).map(
      (e) => e.type,
    );
    expect(types).toEqual([
      "sessions_revoked",
      "login_succeeded",
      "session_revoked",
      "new_device_sign_in",
      "login_succeeded",
      "refresh_token_reuse_detected",
      "password_changed",
    ]);
  });
});

describe('a member of staff\'s client (docs/admin.md, "Audit")', () => {
  const staffClient = {
    userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    ip: "198.51.100.23",
  };

  it("is recorded on the event for the audit, and kept from the account's holder: their log and their notice", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps);
    deps.mailer.sent.length = 0;

    await recordSecurityEvent(deps, {
      userId: user.id,
      type: "account_disabled",
      actor: { id: "staff-1" as UserId, role: "admin", client: staffClient },
    });

    expect(deps.securityEvents.all().at(-1)).toMatchObject({
      type: "account_disabled",
      actorId: "staff-1",
      ip: staffClient.ip,
      userAgent: staffClient.userAgent,
    });
    const { events } = unwrap(await listSecurityEvents(deps, { userId: user.id }));
    expect(events[0]).toMatchObject({
      type: "account_disabled",
      actorId: "staff-1",
      ip: null,
      userAgent: null,
    });
    expect(deps.mailer.sent).toHaveLength(1);
    const notice = deps.mailer.sent[0];
    expect(notice?.subject).toMatch(/disabled/i);
    for (const body of [notice?.text ?? "", notice?.html ?? ""]) {
      expect(body).not.toContain(staffClient.ip);
      expect(body).not.toContain("Firefox");
      expect(body).not.toContain("IP address");
    }
  });

  it("of what staff did on their own account stays theirs to see", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps);
    await recordSecurityEvent(deps, {
      userId: user.id,
      type: "maintenance_notice_changed",
      actor: { id: user.id, role: "admin", client: staffClient },
    });
    const { events } = unwrap(await listSecurityEvents(deps, { userId: user.id }));
    expect(events[0]).toMatchObject({
      type: "maintenance_notice_changed",
      ip: staffClient.ip,
      userAgent: staffClient.userAgent,
    });
  });
});
