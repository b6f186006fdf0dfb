import type { User, UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { DeletedMeanwhileError } from "../../deleted-meanwhile-error.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { tokenFromMail } from "../../testing/in-memory-mail.ts";
import { enableTwoFactorFor } from "../../testing/two-factor-helpers.ts";
import { afterNextHashing, registerAccount, strongPassword, unwrap } from "../../testing/use-case-helpers.ts";
import { setPassword } from "../account/set-password.ts";
import { requestPasswordReset } from "../recovery/request-password-reset.ts";
import { resetPassword } from "../recovery/reset-password.ts";
import { logInWithPassword } from "./log-in-with-password.ts";
import { verifyTwoFactorLogin } from "./verify-two-factor-login.ts";

// What happens when a change that ends every session (a disable, a new password, a deletion)
// commits while a sign-in or a change of password is under way: the change is made to land at the
// slowest step, inside the argon2id hashing, where a real one lands (docs/reliability.md).

const client = { userAgent: "vitest", ip: "127.0.0.1" };
const email = "ada@example.com";

async function setUp() {
  const deps = createInMemoryDependencies();
  const registered = await registerAccount(deps, { email });
  const userId = registered.user.id as UserId;
  const current = (): User => {
    const user = deps.users.peekUser(userId);
    if (user === null) throw new Error("the user is gone");
    return user;
  };
  const duringHashing = (method: "verifyPassword" | "hashPassword", change: () => void) =>
    afterNextHashing(deps, method, change);
  const liveSessions = () => deps.sessions.listLiveSessionsOfUser({ userId, usedSince: new Date(0) });
  const logIn = (password = strongPassword) => logInWithPassword(deps, { email, password, client });
  return { deps, registered, userId, current, duringHashing, liveSessions, logIn };
}

describe("a sign-in racing a change that ends every session", () => {
  it("disabled while the password is checked: ACCOUNT_DISABLED, and no session opens", async () => {
    const { deps, current, duringHashing, liveSessions, logIn } = await setUp();
    const before = await liveSessions();
    duringHashing("verifyPassword", () => deps.users.replaceUser({ ...current(), status: "disabled" }));
    expect(await logIn()).toMatchObject({ ok: false, error: "ACCOUNT_DISABLED" });
    expect(await liveSessions()).toEqual(before);
    expect(deps.securityEvents.all().map((e) => e.type)).not.toContain("login_succeeded");
  });

  it("its password changed while it is checked: INVALID_CREDENTIALS, and no session opens", async () => {
    const { deps, current, duringHashing, liveSessions, logIn } = await setUp();
    const before = await liveSessions();
    duringHashing("verifyPassword", () =>
      deps.users.replaceUser({ ...current(), passwordHash: "a-new-hash" }),
    );
    expect(await logIn()).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
    expect(await liveSessions()).toEqual(before);
  });

  it("deleted while the password is checked: INVALID_CREDENTIALS, not an error", async () => {
    const { deps, userId, duringHashing, logIn } = await setUp();
    duringHashing("verifyPassword", () => deps.users.deleteUser(userId));
    expect(await logIn()).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
  });

  it("deleted while a wrong password is checked: INVALID_CREDENTIALS, and no entry is written under its id", async () => {
    const { deps, userId, duringHashing, logIn } = await setUp();
    duringHashing("verifyPassword", () => deps.users.deleteUser(userId));
    expect(await logIn("Wrong-pass-1!")).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
    // The attempt's address and browser would stay under the deleted id (docs/admin.md, "Deletion").
    expect(deps.securityEvents.all().filter((e) => e.userId === userId && e.type === "login_failed")).toEqual(
      [],
    );
  });

  it("deleted once a wrong 2FA code was found wrong: the refusal stands, and no entry is written under its id", async () => {
    const { deps, registered, userId, logIn } = await setUp();
    await enableTwoFactorFor(deps, registered.session);
    const first = unwrap(await logIn());
    if (!("mfaRequired" in first)) throw new Error("expected the second-factor step");
    // The last read before the entry: whether 2FA is still on (a deletion before it turns it off).
    const findTOTPFactor = deps.twoFactor.findTOTPFactor.bind(deps.twoFactor);
    deps.twoFactor.findTOTPFactor = async (id) => {
      const found = await findTOTPFactor(id);
      deps.users.deleteUser(userId);
      return found;
    };
    const refused = await verifyTwoFactorLogin(deps, { mfaToken: first.mfaToken, code: "000000", client });
    expect(refused).toMatchObject({ ok: false, error: "INVALID_TWO_FACTOR_CODE" });
    expect(deps.securityEvents.all().filter((e) => e.userId === userId && e.type === "login_failed")).toEqual(
      [],
    );
  });

  it("deleted just after its session opened, before the sign-in is recorded: INVALID_CREDENTIALS, not an error", async () => {
    const { deps, userId, logIn } = await setUp();
    deps.lockout.rememberSignInSources = async () => {
      deps.users.deleteUser(userId);
      throw new DeletedMeanwhileError({ cause: new Error("FOREIGN KEY constraint failed") });
    };
    expect(await logIn()).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
  });

  it("a password change between the two steps of a 2FA sign-in ends it: INVALID_MFA_TOKEN, the code not spent", async () => {
    const { deps, registered, current, liveSessions, logIn } = await setUp();
    const { codeNow } = await enableTwoFactorFor(deps, registered.session);
    const first = unwrap(await logIn());
    if (!("mfaRequired" in first)) throw new Error("expected the second-factor step");
    deps.users.replaceUser({ ...current(), passwordHash: "a-new-hash" });
    const before = await liveSessions();
    const code = codeNow();

    expect(await verifyTwoFactorLogin(deps, { mfaToken: first.mfaToken, code, client })).toMatchObject({
      ok: false,
      error: "INVALID_MFA_TOKEN",
    });
    expect(await liveSessions()).toEqual(before);
    // Refused before the code was checked: the code was not spent, and no failure was counted.
    expect(deps.securityEvents.all().map((e) => e.type)).not.toContain("login_failed");
    deps.users.replaceUser({ ...current(), passwordHash: registered.user.passwordHash });
    const again = unwrap(await logIn());
    if (!("mfaRequired" in again)) throw new Error("expected the second-factor step");
    expect((await verifyTwoFactorLogin(deps, { mfaToken: again.mfaToken, code, client })).ok).toBe(true);
  });

  it("2FA turned off while a right backup code is checked: INVALID_MFA_TOKEN, as when it came first, and no failure recorded", async () => {
    const { deps, registered, userId, liveSessions, logIn } = await setUp();
    const { backupCodes } = await enableTwoFactorFor(deps, registered.session);
    const first = unwrap(await logIn());
    if (!("mfaRequired" in first)) throw new Error("expected the second-factor step");
    const before = await liveSessions();
    // As MySQL interleaves them: the disable commits while the code's hash is verified, so the
    // code is no longer there to be marked used.
    const verifyPassword = deps.passwordHasher.verifyPassword.bind(deps.passwordHasher);
    deps.passwordHasher.verifyPassword = async (input) => {
      const result = await verifyPassword(input);
      await deps.twoFactor.deleteTwoFactor(userId);
      return result;
    };

    expect(
      await verifyTwoFactorLogin(deps, {
        mfaToken: first.mfaToken,
        backupCode: backupCodes[0] ?? "",
        client,
      }),
    ).toMatchObject({ ok: false, error: "INVALID_MFA_TOKEN" });
    expect(await liveSessions()).toEqual(before);
    expect(deps.securityEvents.all().map((e) => e.type)).not.toContain("login_failed");
  });

  it("2FA turned off while a wrong code is checked: INVALID_MFA_TOKEN, as when it came first, and no failure recorded", async () => {
    const { deps, registered, userId, logIn } = await setUp();
    await enableTwoFactorFor(deps, registered.session);
    const first = unwrap(await logIn());
    if (!("mfaRequired" in first)) throw new Error("expected the second-factor step");
    // The disable commits while the code is checked against the factor's secret.
    const findTOTPTimeStep = deps.totp.findTOTPTimeStep.bind(deps.totp);
    deps.totp.findTOTPTimeStep = async (input) => {
      const step = await findTOTPTimeStep(input);
      await deps.twoFactor.deleteTwoFactor(userId);
      return step;
    };

    expect(
      await verifyTwoFactorLogin(deps, { mfaToken: first.mfaToken, code: "000000", client }),
    ).toMatchObject({ ok: false, error: "INVALID_MFA_TOKEN" });
    expect(deps.securityEvents.all().map((e) => e.type)).not.toContain("login_failed");
  });

  it("disabled between the code's check and the session: ACCOUNT_DISABLED, and no session opens", async () => {
    const { deps, registered, current, liveSessions, logIn } = await setUp();
    const { codeNow } = await enableTwoFactorFor(deps, registered.session);
    const first = unwrap(await logIn());
    if (!("mfaRequired" in first)) throw new Error("expected the second-factor step");
    const before = await liveSessions();
    // The sign-in's transaction is the first thing after the code's check.
    const run = deps.transactions.run.bind(deps.transactions);
    deps.transactions.run = (work) => {
      deps.users.replaceUser({ ...current(), status: "disabled" });
      return run(work);
    };
    expect(
      await verifyTwoFactorLogin(deps, { mfaToken: first.mfaToken, code: codeNow(), client }),
    ).toMatchObject({ ok: false, error: "ACCOUNT_DISABLED" });
    expect(await liveSessions()).toEqual(before);
  });
});

describe("a change of password racing another", () => {
  it("two changes proven with the same current password at once: one applies, the other INVALID_CURRENT_PASSWORD", async () => {
    const { deps, registered, current } = await setUp();
    const results = await Promise.all(
      ["First-new-passw0rd!", "Second-new-passw0rd!"].map((newPassword) =>
        setPassword(deps, { session: registered.session, currentPassword: strongPassword, newPassword }),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok)).toEqual([
      expect.objectContaining({ ok: false, error: "INVALID_CURRENT_PASSWORD" }),
    ]);
    const winner = results[0]?.ok ? "First-new-passw0rd!" : "Second-new-passw0rd!";
    expect(
      await deps.passwordHasher.verifyPassword({ hash: current().passwordHash ?? "", password: winner }),
    ).toBe(true);
    expect(deps.securityEvents.all().filter((e) => e.type === "password_changed")).toHaveLength(1);
  });

  it("a change whose account is disabled while the new password is hashed is not written: ACCOUNT_DISABLED", async () => {
    const { deps, registered, current, duringHashing } = await setUp();
    const hashBefore = current().passwordHash;
    duringHashing("hashPassword", () => deps.users.replaceUser({ ...current(), status: "disabled" }));
    expect(
      await setPassword(deps, {
        session: registered.session,
        currentPassword: strongPassword,
        newPassword: "Another-passw0rd!",
      }),
    ).toMatchObject({ ok: false, error: "ACCOUNT_DISABLED" });
    expect(current().passwordHash).toBe(hashBefore);
  });

  it("a reset whose account is disabled while the new password is hashed: INVALID_RESET_TOKEN, the password unchanged", async () => {
    const { deps, current, duringHashing } = await setUp();
    unwrap(await requestPasswordReset(deps, { email, client }));
    await deps.backgroundTasks.drain();
    const token = tokenFromMail(deps.mailer.sent.at(-1) ?? { text: "" });
    const hashBefore = current().passwordHash;
    duringHashing("hashPassword", () => deps.users.replaceUser({ ...current(), status: "disabled" }));
    expect(await resetPassword(deps, { token, newPassword: "Another-passw0rd!" })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect(current().passwordHash).toBe(hashBefore);
  });
});
