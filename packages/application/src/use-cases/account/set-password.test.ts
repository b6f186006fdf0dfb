import { describe, expect, it } from "vitest";
import type { Dependencies } from "../../ports/index.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import {
  accountWithoutPassword,
  recordingTransactions,
  registerAccount,
  strongPassword,
  unwrap,
  unwrapSignedIn,
} from "../../testing/use-case-helpers.ts";
import { authenticateAccessToken } from "../sessions/authenticate-access-token.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { setPassword } from "./set-password.ts";

const client = { userAgent: "vitest", ip: "127.0.0.1" };
const newPassword = "Brand-new-secret-2?";

async function logIn(deps: Dependencies, password: string) {
  return logInWithPassword(deps, { email: "ada@example.com", password, client });
}

/** An account that signs in only through a provider, with one session. */
const providerOnlyAccount = (deps: Dependencies) =>
  accountWithoutPassword(deps, { email: "ada@example.com", nickname: "ada", client });

describe("setPassword", () => {
  it("sets a first password without asking for a current one, and it then signs in", async () => {
    const deps = createInMemoryDependencies();
    const { session } = await providerOnlyAccount(deps);
    expect(await setPassword(deps, { session, newPassword })).toEqual({
      ok: true,
      value: undefined,
    });
    expect((await logIn(deps, newPassword)).ok).toBe(true);
  });

  it("changes the password given the right current one: the new signs in, the old no longer does", async () => {
    const deps = createInMemoryDependencies();
    const { user, session } = await registerAccount(deps);
    const result = await setPassword(deps, {
      session,
      currentPassword: strongPassword,
      newPassword,
    });
    expect(result.ok).toBe(true);
    expect((await logIn(deps, newPassword)).ok).toBe(true);
    expect(await logIn(deps, strongPassword)).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
    expect((await deps.users.findUserById(user.id))?.passwordHash).not.toContain(newPassword);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
  ])("answers VALIDATION_ERROR to a change with the current password %s", async (_label, currentPassword) => {
    const deps = createInMemoryDependencies();
    const { session } = await registerAccount(deps);
    const result = await setPassword(deps, { session, currentPassword, newPassword });
    expect(result).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
    expect((await logIn(deps, strongPassword)).ok).toBe(true);
  });

  it.each([
    ["as typed", strongPassword],
    ["in another Unicode form (full-width letters, NFKC-equal)", strongPassword.replace("a", "\uff41")],
  ])(
    "refuses the current password as the new one %s with VALIDATION_ERROR, and changes nothing",
    async (_label, again) => {
      const deps = createInMemoryDependencies();
      const { user, session } = await registerAccount(deps);
      expect(strongPassword).toContain("a");
      const other = unwrapSignedIn(await logIn(deps, strongPassword));
      const hash = (await deps.users.findUserById(user.id))?.passwordHash;
      const result = await setPassword(deps, {
        session,
        currentPassword: strongPassword,
        newPassword: again,
      });
      expect(result).toEqual({
        ok: false,
        error: "VALIDATION_ERROR",
        message: "New password is your current password: choose a different one",
      });
      expect((await deps.users.findUserById(user.id))?.passwordHash).toBe(hash);
      expect((await authenticateAccessToken(deps, { token: other.accessToken })).ok).toBe(true);
    },
  );

  it("answers a wrong current password typed again as the new one with INVALID_CURRENT_PASSWORD, not the refusal", async () => {
    const deps = createInMemoryDependencies();
    const { session } = await registerAccount(deps);
    const result = await setPassword(deps, {
      session,
      currentPassword: "Not-my-password-1!",
      newPassword: "Not-my-password-1!",
    });
    expect(result).toMatchObject({ ok: false, error: "INVALID_CURRENT_PASSWORD" });
  });

  it("answers INVALID_CURRENT_PASSWORD to a wrong current password and keeps the old password and sessions", async () => {
    const deps = createInMemoryDependencies();
    const { session } = await registerAccount(deps);
    const other = unwrapSignedIn(await logIn(deps, strongPassword));
    const result = await setPassword(deps, {
      session,
      currentPassword: "Not-my-password-1!",
      newPassword,
    });
    expect(result).toMatchObject({ ok: false, error: "INVALID_CURRENT_PASSWORD" });
    expect((await logIn(deps, strongPassword)).ok).toBe(true);
    expect((await authenticateAccessToken(deps, { token: other.accessToken })).ok).toBe(true);
  });

  it.each([
    ["too short", "Ab1!"],
    ["without a digit", "Abcdefgh!"],
    ["without a special character", "Abcdefgh1"],
  ])("answers VALIDATION_ERROR to a new password %s and changes nothing", async (_label, weak) => {
    const deps = createInMemoryDependencies();
    const { session } = await registerAccount(deps);
    const result = await setPassword(deps, {
      session,
      currentPassword: strongPassword,
      newPassword: weak,
    });
    expect(result).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
    expect((await logIn(deps, strongPassword)).ok).toBe(true);
  });

  it("ends every other session of the user and keeps the current one", async () => {
    const deps = createInMemoryDependencies();
    const current = await registerAccount(deps);
    const other = unwrapSignedIn(await logIn(deps, strongPassword));
    const stranger = await registerAccount(deps, { email: "eve@example.com", nickname: "eve" });

    unwrap(
      await setPassword(deps, {
        session: current.session,
        currentPassword: strongPassword,
        newPassword,
      }),
    );
    expect((await authenticateAccessToken(deps, { token: current.accessToken })).ok).toBe(true);
    expect(await authenticateAccessToken(deps, { token: other.accessToken })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
    expect((await authenticateAccessToken(deps, { token: stranger.accessToken })).ok).toBe(true);
  });

  it("stores the password and ends the other sessions in one transaction, the user's row first (ADR 0056)", async () => {
    const deps = createInMemoryDependencies();
    const current = await registerAccount(deps);
    const transactions = recordingTransactions(deps);
    unwrap(
      await setPassword(
        { ...deps, transactions },
        { session: current.session, currentPassword: strongPassword, newPassword },
      ),
    );
    expect(transactions.calls).toEqual(["users.updatePasswordHash", "sessions.revokeSessionsOfUser"]);
  });

  it("sets no first password from a session that ended since its request was authenticated (an admin required a new password meanwhile)", async () => {
    const deps = createInMemoryDependencies();
    // Signed in with the password, the proof fresh: the session as the request's authentication read it.
    const { user, session } = await registerAccount(deps);
    // An admin requires a new password before the use case reads the account: the password removed
    // and every session ended, in one transaction.
    await deps.users.updatePasswordHash({ userId: user.id, passwordHash: null, now: deps.clock.now() });
    await deps.sessions.revokeSessionsOfUser({ userId: user.id, now: deps.clock.now() });
    const result = await setPassword(deps, { session, currentPassword: strongPassword, newPassword });
    expect(result).toMatchObject({ ok: false, error: "INVALID_TOKEN" });
    expect((await deps.users.findUserById(user.id))?.passwordHash).toBeNull();
    expect(await logIn(deps, newPassword)).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
  });

  it("answers USER_NOT_FOUND for an account that no longer exists", async () => {
    const deps = createInMemoryDependencies();
    const { user, session } = await registerAccount(deps);
    deps.users.deleteUser(user.id);
    const result = await setPassword(deps, {
      session,
      currentPassword: strongPassword,
      newPassword,
    });
    expect(result).toMatchObject({ ok: false, error: "USER_NOT_FOUND" });
  });
});
