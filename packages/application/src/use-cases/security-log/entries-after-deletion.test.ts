import type { UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { afterNextHashing, registerAccount } from "../../testing/use-case-helpers.ts";
import { reauthenticate } from "../account/reauthenticate.ts";
import { logOutEverywhere } from "../sessions/log-out-everywhere.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";

// An entry of the security log written by a request in flight when the account's deletion commits
// is not written under the deleted id, with the request's address and browser (docs/admin.md,
// "Deletion"); the store decides it, for every plain entry. A review (2026-12-05) found these three
// written regardless. The deletion is made to land where a real one can.

const attacker = { userAgent: "in-flight-attempt/1.0", ip: "203.0.113.77" };
const email = "ada@example.com";

async function setUp() {
  const deps = createInMemoryDependencies();
  const registered = await registerAccount(deps, { email });
  const userId = registered.user.id as UserId;
  const duringVerification = (change: () => void) => afterNextHashing(deps, "verifyPassword", change);
  const underTheId = () => deps.securityEvents.all().filter((e) => e.userId === userId);
  return { deps, registered, userId, duringVerification, underTheId };
}

describe("an entry written after the account's deletion committed", () => {
  it("account_locked: the wrong password that reaches the lock, deleted while argon2id checks it, leaves nothing under the id", async () => {
    const { deps, userId, duringVerification, underTheId } = await setUp();
    const logIn = () => logInWithPassword(deps, { email, password: "Wrong-pass-1!", client: attacker });
    for (let i = 0; i < deps.settings.lockout.threshold - 1; i++) {
      expect(await logIn()).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
    }
    duringVerification(() => deps.users.deleteUser(userId));
    expect(await logIn()).toMatchObject({ ok: false });
    expect(underTheId().filter((e) => e.type === "account_locked")).toEqual([]);
  });

  it("reauthentication_failed: a wrong password at POST /auth/reauthenticate, deleted while argon2id checks it, leaves nothing under the id", async () => {
    const { deps, registered, userId, duringVerification, underTheId } = await setUp();
    duringVerification(() => deps.users.deleteUser(userId));
    const answer = await reauthenticate(deps, {
      session: registered.session,
      password: "Wrong-pass-1!",
      client: attacker,
    });
    expect(answer).toMatchObject({ ok: false, error: "INVALID_CURRENT_PASSWORD" });
    expect(underTheId().filter((e) => e.type === "reauthentication_failed")).toEqual([]);
  });

  it("sessions_revoked: a sign-out everywhere whose sessions were ended as the deletion committed leaves nothing under the id", async () => {
    const { deps, registered, userId, underTheId } = await setUp();
    const revoke = deps.sessions.revokeSessionsOfUser.bind(deps.sessions);
    deps.sessions.revokeSessionsOfUser = async (input) => {
      const ended = await revoke(input);
      deps.users.deleteUser(userId);
      return ended;
    };
    await logOutEverywhere(deps, { userId: registered.user.id as UserId, client: attacker });
    expect(underTheId().filter((e) => e.type === "sessions_revoked")).toEqual([]);
  });
});
