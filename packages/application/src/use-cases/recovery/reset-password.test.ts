import { mailRepeatWindowMs } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { Transactions } from "../../ports/index.ts";
import { createInMemoryDependencies, InMemoryUserRepository } from "../../testing/in-memory.ts";
import { InMemoryBackgroundTasks } from "../../testing/in-memory-background-tasks.ts";
import { tokenFromMail } from "../../testing/in-memory-mail.ts";
import { enableTwoFactorFor, enableTwoFactorOnUnverifiedAddress } from "../../testing/two-factor-helpers.ts";
import {
  accountWithoutPassword,
  linkIdentity,
  recordingTransactions,
  registerAccount,
  sessionTokensOutcome,
  strongPassword,
  unwrap,
} from "../../testing/use-case-helpers.ts";
import { verifyEmail } from "../email-verification/verify-email.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { requestPasswordReset } from "./request-password-reset.ts";
import { resetPassword } from "./reset-password.ts";

const hour = 3600 * 1000;
const client = { userAgent: "vitest", ip: "127.0.0.1" };
const newPassword = "Reset-passw0rd!";

function logIn(deps: ReturnType<typeof createInMemoryDependencies>, password: string) {
  return logInWithPassword(deps, { email: "ada@example.com", password, client });
}

async function withResetMail() {
  const deps = createInMemoryDependencies();
  const account = await registerAccount(deps);
  deps.mailer.sent.length = 0; // forget the verification mail
  expect(await requestPasswordReset(deps, { email: "Ada@Example.com", client })).toEqual({
    ok: true,
    value: undefined,
  });
  await deps.backgroundTasks.drain();
  const [mail] = deps.mailer.sent;
  if (mail === undefined) throw new Error("no reset mail was sent");
  return { deps, account, mail, token: tokenFromMail(mail) };
}

/** A user store whose database cannot be reached. */
class UnreachableUserRepository extends InMemoryUserRepository {
  override async findUserByEmail(): Promise<never> {
    throw new Error("database unreachable");
  }
}

describe("requestPasswordReset", () => {
  it("mails a link to APP_URL/reset-password and records password_reset_requested", async () => {
    const { deps, mail, token } = await withResetMail();
    expect(mail.to).toBe("ada@example.com");
    expect(mail.subject).toMatch(/reset/i);
    expect(mail.text).toContain(`http://localhost:3000/reset-password#token=${token}`);
    expect(mail.html).toContain(`href="http://localhost:3000/reset-password#token=${token}"`);
    expect(deps.securityEvents.all().map((e) => e.type)).toContain("password_reset_requested");
  });

  it("answers an unknown address exactly like a known one, mails nothing and records nothing", async () => {
    const deps = createInMemoryDependencies();
    expect(await requestPasswordReset(deps, { email: "nobody@example.com", client })).toEqual({
      ok: true,
      value: undefined,
    });
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent).toEqual([]);
    expect(deps.securityEvents.all()).toEqual([]);
  });

  it("answers before any per-account work: nothing is read, issued or mailed until the queue runs", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps);
    deps.mailer.sent.length = 0;

    expect(await requestPasswordReset(deps, { email: "ada@example.com", client })).toEqual({
      ok: true,
      value: undefined,
    });
    const beforeQueueRuns = {
      pending: deps.backgroundTasks.pending,
      resetTokens: deps.emailTokens.all().filter((t) => t.purpose === "reset_password"),
      mails: [...deps.mailer.sent],
    };
    await deps.backgroundTasks.drain();

    expect(beforeQueueRuns).toEqual({ pending: 1, resetTokens: [], mails: [] });
    expect(deps.mailer.sent).toHaveLength(1);
  });

  it("answers the same while the user store is down; the failure stays in the background", async () => {
    const deps = { ...createInMemoryDependencies(), users: new UnreachableUserRepository() };
    expect(await requestPasswordReset(deps, { email: "ada@example.com", client })).toEqual({
      ok: true,
      value: undefined,
    });
    await deps.backgroundTasks.drain();
    expect(deps.backgroundTasks.failures.map((f) => f.name)).toEqual(["password-reset-mail"]);
  });

  it("with the queue full, answers the same and mails nothing: the user asks again", async () => {
    const deps = {
      ...createInMemoryDependencies(),
      backgroundTasks: new InMemoryBackgroundTasks({ capacity: 0 }),
    };
    await registerAccount(deps);
    deps.mailer.sent.length = 0;
    expect(await requestPasswordReset(deps, { email: "ada@example.com", client })).toEqual({
      ok: true,
      value: undefined,
    });
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent).toEqual([]);
  });

  it("mails at most three links per address per hour and still answers the same", async () => {
    const { deps } = await withResetMail();
    for (let i = 0; i < 3; i++) {
      deps.clock.advance(mailRepeatWindowMs); // not a repeat of the one before (the test below)
      expect(await requestPasswordReset(deps, { email: "ada@example.com" })).toEqual({
        ok: true,
        value: undefined,
      });
    }
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent).toHaveLength(3);
  });

  it("a second request within a minute of the first mails nothing, and the first link works; a minute on, a new one supersedes it", async () => {
    const { deps, token: first } = await withResetMail();
    const mailed = deps.mailer.sent.length;
    // A double tap, then a try just inside the minute: the same answer, nothing mailed or recorded.
    expect(await requestPasswordReset(deps, { email: "ada@example.com" })).toEqual({
      ok: true,
      value: undefined,
    });
    deps.clock.advance(mailRepeatWindowMs - 1);
    expect(await requestPasswordReset(deps, { email: "ada@example.com" })).toEqual({
      ok: true,
      value: undefined,
    });
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent).toHaveLength(mailed);
    expect(deps.securityEvents.all().filter((e) => e.type === "password_reset_requested")).toHaveLength(1);
    // A minute after the first: a new link, and only it works.
    deps.clock.advance(1);
    await requestPasswordReset(deps, { email: "ada@example.com" });
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent).toHaveLength(mailed + 1);
    const second = tokenFromMail(deps.mailer.sent.at(-1) ?? { text: "" });
    expect(await resetPassword(deps, { token: first, newPassword })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect((await resetPassword(deps, { token: second, newPassword })).ok).toBe(true);
  });

  it("a double tap mails one link, and it works", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps);
    deps.mailer.sent.length = 0;
    await Promise.all([
      requestPasswordReset(deps, { email: "ada@example.com" }),
      requestPasswordReset(deps, { email: "ada@example.com" }),
    ]);
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent).toHaveLength(1);
    const token = tokenFromMail(deps.mailer.sent[0] ?? { text: "" });
    expect((await resetPassword(deps, { token, newPassword })).ok).toBe(true);
  });

  it("mails nothing for a disabled account", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps);
    deps.users.setStatus(user.id, "disabled");
    deps.mailer.sent.length = 0;
    expect((await requestPasswordReset(deps, { email: "ada@example.com" })).ok).toBe(true);
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent).toEqual([]);
  });
});

describe("resetPassword", () => {
  it("sets the new password: it signs in, the old one no longer does", async () => {
    const { deps, token } = await withResetMail();
    expect(await resetPassword(deps, { token, newPassword, client })).toEqual({
      ok: true,
      value: { twoFactor: "off" },
    });
    expect((await logIn(deps, newPassword)).ok).toBe(true);
    expect(await logIn(deps, strongPassword)).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
  });

  it("ends every session of the account and records password_reset", async () => {
    const { deps, account, token } = await withResetMail();
    await resetPassword(deps, { token, newPassword });
    expect(await sessionTokensOutcome(deps, account)).toEqual({
      access: "INVALID_TOKEN",
      refresh: "INVALID_REFRESH_TOKEN",
    });
    expect(deps.securityEvents.all().map((e) => e.type)).toContain("password_reset");
  });

  it("spends the link, signs everyone out, stores the password and (an address not proven before) forgets what came before the proof and marks it verified, in one transaction; records after (ADR 0056)", async () => {
    const { deps, account, token } = await withResetMail();
    await linkIdentity(deps, { userId: account.user.id, provider: "github", subject: "stranger-gh" });
    const transactions = recordingTransactions(deps);
    const eventsBefore = deps.securityEvents.all().length;
    const recording: Transactions = {
      run: (work) =>
        transactions.run(async (repositories) => {
          const answered = await work(repositories);
          // Nothing is recorded (nor mailed) from inside.
          expect(deps.securityEvents.all()).toHaveLength(eventsBefore);
          return answered;
        }),
    };
    expect(await resetPassword({ ...deps, transactions: recording }, { token, newPassword, client })).toEqual(
      {
        ok: true,
        value: { twoFactor: "off" },
      },
    );
    expect(transactions.calls).toEqual([
      "emailTokens.useEmailToken",
      "sessions.revokeSessionsOfUser",
      "thirdPartyGrants.revokeGrantsOfUser",
      "users.updatePasswordHash",
      "linkedProviders.listLinkedProvidersOfUser",
      "linkedProviders.unlinkProvider",
      "twoFactor.deleteTwoFactor",
      "users.markEmailVerified",
    ]);
    expect(deps.securityEvents.all().map((event) => event.type)).toEqual(
      expect.arrayContaining(["provider_unlinked", "email_verified", "password_reset"]),
    );
  });

  it("of an address proven before, holds only the link, the endings and the password in its transaction", async () => {
    const { deps, account, token } = await withResetMail();
    deps.users.replaceUser({
      ...((await deps.users.findUserById(account.user.id)) ?? account.user),
      emailVerified: true,
    });
    const transactions = recordingTransactions(deps);
    unwrap(await resetPassword({ ...deps, transactions }, { token, newPassword, client }));
    expect(transactions.calls).toEqual([
      "emailTokens.useEmailToken",
      "sessions.revokeSessionsOfUser",
      "thirdPartyGrants.revokeGrantsOfUser",
      "users.updatePasswordHash",
    ]);
  });

  it("killed right after the new password is stored: the sessions and third-party apps have already ended", async () => {
    const { deps, account, token } = await withResetMail();
    // The process dies once the password write has committed (SIGKILL, a lost machine), before
    // anything after it runs.
    const store = deps.users.updatePasswordHash.bind(deps.users);
    deps.users.updatePasswordHash = async (input) => {
      await store(input);
      throw new Error("the process died here");
    };
    await expect(resetPassword(deps, { token, newPassword, client })).rejects.toThrow(
      "the process died here",
    );
    // The owner finds the link spent and the new password signing in; whoever held the account
    // must be out: before the fix their access and refresh tokens still worked.
    expect((await logIn(deps, newPassword)).ok).toBe(true);
    expect(await sessionTokensOutcome(deps, account)).toEqual({
      access: "INVALID_TOKEN",
      refresh: "INVALID_REFRESH_TOKEN",
    });
    expect(deps.thirdPartyGrants.revokedUserIds).toContain(account.user.id);
  });

  it("ends every third-party app's access too: an app the intruder authorized keeps no way in", async () => {
    const { deps, account, token } = await withResetMail();
    expect(deps.thirdPartyGrants.revokedUserIds).toEqual([]);
    await resetPassword(deps, { token, newPassword });
    // Before the new password is stored and again after it.
    expect(new Set(deps.thirdPartyGrants.revokedUserIds)).toEqual(new Set([account.user.id]));
  });

  it("refuses the link of an account disabled since it was mailed, and changes nothing", async () => {
    const { deps, account, token } = await withResetMail();
    const before = await deps.users.findUserById(account.user.id);
    deps.users.setStatus(account.user.id, "disabled");
    expect(await resetPassword(deps, { token, newPassword })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect((await deps.users.findUserById(account.user.id))?.passwordHash).toBe(before?.passwordHash);
    expect(deps.thirdPartyGrants.revokedUserIds).toEqual([]);
  });

  it("counts as proof of the address: an unverified account becomes verified", async () => {
    const { deps, account, token } = await withResetMail();
    await resetPassword(deps, { token, newPassword });
    expect((await deps.users.findUserById(account.user.id))?.emailVerified).toBe(true);
  });

  it("refuses a used token with INVALID_RESET_TOKEN and leaves the password as the first reset set it", async () => {
    const { deps, token } = await withResetMail();
    await resetPassword(deps, { token, newPassword });
    expect(await resetPassword(deps, { token, newPassword: "An0ther-reset!" })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect((await logIn(deps, newPassword)).ok).toBe(true);
  });

  it("refuses a token another request spent after this one found it usable, and keeps the old password", async () => {
    const { deps, token } = await withResetMail();
    const use = deps.emailTokens.useEmailToken.bind(deps.emailTokens);
    deps.emailTokens.useEmailToken = async (input) => {
      await use(input); // the other request, a moment sooner
      return use(input);
    };
    expect(await resetPassword(deps, { token, newPassword })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect((await logIn(deps, strongPassword)).ok).toBe(true);
  });

  it("accepts the token one millisecond before 1 hour", async () => {
    const { deps, token } = await withResetMail();
    deps.clock.advance(hour - 1);
    expect((await resetPassword(deps, { token, newPassword })).ok).toBe(true);
  });

  it("refuses the token at 1 hour with INVALID_RESET_TOKEN and keeps the old password", async () => {
    const { deps, token } = await withResetMail();
    deps.clock.advance(hour);
    expect(await resetPassword(deps, { token, newPassword })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect((await logIn(deps, strongPassword)).ok).toBe(true);
  });

  it("of two concurrent resets with one token exactly one succeeds", async () => {
    const { deps, token } = await withResetMail();
    const outcomes = await Promise.all([
      resetPassword(deps, { token, newPassword }),
      resetPassword(deps, { token, newPassword: "An0ther-reset!" }),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.find((o) => !o.ok)).toMatchObject({ ok: false, error: "INVALID_RESET_TOKEN" });
    expect(deps.securityEvents.all().filter((e) => e.type === "password_reset")).toHaveLength(1);
  });

  it("refuses a password the policy refuses with VALIDATION_ERROR without spending the token", async () => {
    const { deps, token } = await withResetMail();
    expect(await resetPassword(deps, { token, newPassword: "short" })).toMatchObject({
      ok: false,
      error: "VALIDATION_ERROR",
    });
    expect((await resetPassword(deps, { token, newPassword })).ok).toBe(true);
  });

  it("refuses the account's current password with VALIDATION_ERROR without spending the token: whoever else knew it would keep it", async () => {
    const { deps, token } = await withResetMail();
    expect(await resetPassword(deps, { token, newPassword: strongPassword, client })).toEqual({
      ok: false,
      error: "VALIDATION_ERROR",
      message: "New password is your current password: choose a different one",
    });
    expect(deps.securityEvents.all().map((e) => e.type)).not.toContain("password_reset");
    expect((await resetPassword(deps, { token, newPassword, client })).ok).toBe(true);
    expect((await logIn(deps, newPassword)).ok).toBe(true);
  });

  it("gives an account with no password (a provider's sign-up) its first one: there is no current one to refuse", async () => {
    const deps = createInMemoryDependencies();
    await accountWithoutPassword(deps, { email: "ada@example.com", nickname: "ada", client });
    unwrap(await requestPasswordReset(deps, { email: "ada@example.com", client }));
    await deps.backgroundTasks.drain();
    const [mail] = deps.mailer.sent;
    if (mail === undefined) throw new Error("no reset mail was sent");

    expect(await resetPassword(deps, { token: tokenFromMail(mail), newPassword, client })).toEqual({
      ok: true,
      value: { twoFactor: "off" },
    });
    expect((await logIn(deps, newPassword)).ok).toBe(true);
  });

  it("refuses a verification token with INVALID_RESET_TOKEN", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps);
    const verification = tokenFromMail(deps.mailer.sent[0] ?? { text: "" });
    expect(await resetPassword(deps, { token: verification, newPassword })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
  });

  it("unlocks an account locked by failed sign-ins: the new password signs in at once", async () => {
    const { deps, token } = await withResetMail();
    for (let i = 0; i < 5; i++) await logIn(deps, "Wrong-passw0rd!");
    expect(await logIn(deps, strongPassword)).toMatchObject({ ok: false, error: "ACCOUNT_LOCKED" });

    expect((await resetPassword(deps, { token, newPassword })).ok).toBe(true);

    expect((await logIn(deps, newPassword)).ok).toBe(true);
  });

  it("of an unverified address, unlinks the providers linked before the address was proven (pre-hijacking)", async () => {
    // Someone registered Ada's address before she did and linked their own GitHub to it.
    const { deps, account, token } = await withResetMail();
    const attackerIdentity = { provider: "github" as const, subject: "attacker-42" };
    await linkIdentity(deps, { ...attackerIdentity, userId: account.user.id, displayName: "attacker" });
    expect((await resetPassword(deps, { token, newPassword, client })).ok).toBe(true);
    expect(await deps.linkedProviders.findLinkedProvider(attackerIdentity)).toBeNull();
    expect(deps.securityEvents.all()).toContainEqual(
      expect.objectContaining({
        type: "provider_unlinked",
        details: { provider: "github", reason: "password_reset_of_unverified_address" },
      }),
    );
  });

  it("of an unverified address, turns off a second factor turned on before the address was proven", async () => {
    // Someone registered Ada's address before she did and turned 2FA on with their own app (before
    // 2FA waited for a verified address): her reset must not leave her at a code prompt on the
    // account of her own address.
    const { deps, account, token } = await withResetMail();
    await enableTwoFactorOnUnverifiedAddress(deps, account.session);
    // The page that says the password is changed says this too.
    expect(await resetPassword(deps, { token, newPassword, client })).toEqual({
      ok: true,
      value: { twoFactor: "turned_off" },
    });
    expect(await deps.twoFactor.findTOTPFactor(account.user.id)).toBeNull();
    const signedIn = await logIn(deps, newPassword);
    expect(signedIn.ok && "accessToken" in signedIn.value).toBe(true);
    expect(deps.securityEvents.all()).toContainEqual(
      expect.objectContaining({
        type: "two_factor_disabled",
        details: { reason: "password_reset_of_unverified_address" },
      }),
    );
  });

  it("turns off a stranger's second factor even when the owner clicked the verification mail first", async () => {
    // The stranger who registered Ada's address sent her the verification mail: she clicks it (the
    // natural first step), finds she cannot sign in, and resets. The factor was turned on before
    // anyone proved the address, as above, and must not keep her at a code prompt either.
    const deps = createInMemoryDependencies();
    const account = await registerAccount(deps);
    await enableTwoFactorOnUnverifiedAddress(deps, account.session);
    const [verification] = deps.mailer.sentTo("ada@example.com");
    if (verification === undefined) throw new Error("no verification mail");
    expect((await verifyEmail(deps, { token: tokenFromMail(verification), client })).ok).toBe(true);
    deps.mailer.sent.length = 0;
    await requestPasswordReset(deps, { email: "ada@example.com", client });
    await deps.backgroundTasks.drain();
    const [mail] = deps.mailer.sent;
    if (mail === undefined) throw new Error("no reset mail");
    expect((await resetPassword(deps, { token: tokenFromMail(mail), newPassword, client })).ok).toBe(true);
    const signedIn = await logIn(deps, newPassword);
    expect(signedIn.ok && "accessToken" in signedIn.value).toBe(true);
  });

  it("of a verified address, keeps two-factor authentication: the next sign-in still asks for a code", async () => {
    const { deps, account, token } = await withResetMail();
    await deps.users.markEmailVerified({ userId: account.user.id, now: deps.clock.now() });
    await enableTwoFactorFor(deps, account.session);
    expect(await resetPassword(deps, { token, newPassword, client })).toEqual({
      ok: true,
      value: { twoFactor: "on" },
    });
    expect((await deps.twoFactor.findTOTPFactor(account.user.id))?.status).toBe("enabled");
    const signedIn = await logIn(deps, newPassword);
    expect(signedIn.ok && "mfaRequired" in signedIn.value).toBe(true);
  });

  it("of a verified address, keeps its linked providers", async () => {
    const { deps, account, token } = await withResetMail();
    await deps.users.markEmailVerified({ userId: account.user.id, now: deps.clock.now() });
    const identity = { provider: "github" as const, subject: "ada-1" };
    await linkIdentity(deps, { ...identity, userId: account.user.id, displayName: "Ada" });
    expect((await resetPassword(deps, { token, newPassword, client })).ok).toBe(true);
    expect(await deps.linkedProviders.findLinkedProvider(identity)).toMatchObject({
      userId: account.user.id,
    });
  });

  it("a newer reset link supersedes the older one before either is used", async () => {
    const { deps, token: first } = await withResetMail();
    deps.clock.advance(mailRepeatWindowMs);
    await requestPasswordReset(deps, { email: "ada@example.com" });
    await deps.backgroundTasks.drain();
    const second = tokenFromMail(deps.mailer.sent.at(-1) ?? { text: "" });
    expect(await resetPassword(deps, { token: first, newPassword })).toMatchObject({
      ok: false,
      error: "INVALID_RESET_TOKEN",
    });
    expect((await resetPassword(deps, { token: second, newPassword })).ok).toBe(true);
  });
});
