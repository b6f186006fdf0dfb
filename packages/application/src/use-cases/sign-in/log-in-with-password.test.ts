import { createUser, type Nickname, parseEmail, type UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import {
  noteWhatWaitsForTheCommit,
  recordingTransactions,
  registerAccount,
  storedRefreshToken,
  strongPassword,
  unwrap,
  unwrapSignedIn,
} from "../../testing/use-case-helpers.ts";
import { authenticateAccessToken } from "../sessions/authenticate-access-token.ts";
import { logInWithPassword } from "./log-in-with-password.ts";

const client = { userAgent: "vitest", ip: "127.0.0.1" };

describe("logInWithPassword", () => {
  it("signs in with the right password and opens a new session with working tokens", async () => {
    const deps = createInMemoryDependencies();
    const registered = await registerAccount(deps, { email: "ada@example.com" });
    const result = unwrapSignedIn(
      await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client }),
    );
    expect(result.user.id).toBe(registered.user.id);
    expect(result.tokenType).toBe("Bearer");
    const authenticated = unwrap(await authenticateAccessToken(deps, { token: result.accessToken }));
    expect(authenticated.user.id).toBe(registered.user.id);
    expect(authenticated.session.id).not.toBe(registered.sessionId);
    expect((await storedRefreshToken(deps, result.refreshToken)).session.id).toBe(authenticated.session.id);
  });

  it("finds the account whatever the email's case or surrounding spaces", async () => {
    const deps = createInMemoryDependencies();
    const registered = await registerAccount(deps, { email: "ada@example.com" });
    const result = await logInWithPassword(deps, {
      email: " ADA@Example.com ",
      password: strongPassword,
      client,
    });
    expect(unwrapSignedIn(result).user.id).toBe(registered.user.id);
  });

  it("answers INVALID_CREDENTIALS for a wrong password", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps, { email: "ada@example.com" });
    const result = await logInWithPassword(deps, {
      email: "ada@example.com",
      password: "Wrong-password-1!",
      client,
    });
    expect(result).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
  });

  it("answers INVALID_CREDENTIALS for an unknown email after a dummy verification", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps, { email: "ada@example.com" });
    const result = await logInWithPassword(deps, {
      email: "nobody@example.com",
      password: strongPassword,
      client,
    });
    expect(result).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
    expect(deps.passwordHasher.dummyVerifications).toBe(1);
  });

  it("answers VALIDATION_ERROR to text that is no address, before any hashing or counting", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps, { email: "ada@example.com" });
    const result = await logInWithPassword(deps, { email: "ada@example", password: strongPassword, client });
    expect(result).toMatchObject({
      ok: false,
      error: "VALIDATION_ERROR",
      message: "Email must be a valid email address",
    });
    expect(deps.passwordHasher.dummyVerifications).toBe(0);
  });

  it.each([
    ["an empty address", { email: "", password: strongPassword }, "Email is required"],
    ["an address of spaces", { email: "   ", password: strongPassword }, "Email is required"],
    ["an empty password", { email: "ada@example.com", password: "" }, "Password is required"],
  ])(
    "answers VALIDATION_ERROR to %s, spending nothing of the account's lockout",
    async (_, form, message) => {
      const deps = createInMemoryDependencies();
      await registerAccount(deps, { email: "ada@example.com" });

      for (let i = 0; i < 7; i++) {
        expect(await logInWithPassword(deps, { ...form, client })).toEqual({
          ok: false,
          error: "VALIDATION_ERROR",
          message,
        });
      }

      expect(deps.passwordHasher.dummyVerifications).toBe(0);
      expect(deps.securityEvents.all().filter((event) => event.type === "login_failed")).toHaveLength(0);
      // Seven of them, past the lockout's five, and the right password still signs in.
      unwrapSignedIn(
        await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client }),
      );
    },
  );

  it("answers an unknown email exactly as it answers a wrong password", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps, { email: "ada@example.com" });
    const wrongPassword = await logInWithPassword(deps, {
      email: "ada@example.com",
      password: "Nope-nope-1!",
      client,
    });
    const unknownEmail = await logInWithPassword(deps, {
      email: "eve@example.com",
      password: "Nope-nope-1!",
      client,
    });
    expect(unknownEmail).toEqual(wrongPassword);
  });

  it("answers INVALID_CREDENTIALS after a dummy verification for an account without a password", async () => {
    const deps = createInMemoryDependencies();
    await deps.users.insertUser(
      createUser({
        id: deps.random.generateId() as UserId,
        email: unwrap(parseEmail("oauth-only@example.com")),
        nickname: "oauthonly" as Nickname,
        passwordHash: null,
        now: deps.clock.now(),
      }),
    );
    const result = await logInWithPassword(deps, {
      email: "oauth-only@example.com",
      password: "Any-password-1!",
      client,
    });
    expect(result).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
    expect(deps.passwordHasher.dummyVerifications).toBe(1);
  });

  it("records the failure in the log of an account without a password, saying it has none", async () => {
    const deps = createInMemoryDependencies();
    const registered = await registerAccount(deps, { email: "ada@example.com" });
    await registerAccount(deps, { email: "grace@example.com" });
    // As after an admin required a new password, or for an account that signs in through a provider.
    deps.users.replaceUser({ ...registered.user, passwordHash: null });
    const attempt = { email: "ada@example.com", password: strongPassword, client };

    expect(await logInWithPassword(deps, attempt)).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
    expect(
      await logInWithPassword(deps, { ...attempt, email: "grace@example.com", password: "Nope-nope-1!" }),
    ).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
    const failed = deps.securityEvents.all().filter((event) => event.type === "login_failed");
    expect(failed.map((event) => [event.userId, event.details, event.ip])).toEqual([
      [registered.user.id, { method: "password", noPassword: true }, "127.0.0.1"],
      [expect.not.stringMatching(registered.user.id), { method: "password" }, "127.0.0.1"],
    ]);
  });

  it("answers ACCOUNT_DISABLED to a disabled account only once the password is right", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps, { email: "ada@example.com" });
    deps.users.setStatus(user.id, "disabled");
    const right = await logInWithPassword(deps, {
      email: "ada@example.com",
      password: strongPassword,
      client,
    });
    expect(right).toMatchObject({ ok: false, error: "ACCOUNT_DISABLED" });
  });

  it("answers INVALID_CREDENTIALS to a disabled account with a wrong password, not revealing its status", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps, { email: "ada@example.com" });
    deps.users.setStatus(user.id, "disabled");
    const wrong = await logInWithPassword(deps, {
      email: "ada@example.com",
      password: "Wrong-password-1!",
      client,
    });
    expect(wrong).toMatchObject({ ok: false, error: "INVALID_CREDENTIALS" });
  });

  it("opens the session, records the sign-in and makes the client known in one transaction (ADR 0056)", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps, { email: "ada@example.com" });
    const transactions = recordingTransactions(deps);
    const waited = noteWhatWaitsForTheCommit(deps, transactions);
    unwrapSignedIn(
      await logInWithPassword(
        { ...deps, transactions },
        { email: "ada@example.com", password: strongPassword, client: { ...client, ip: "203.0.113.9" } },
      ),
    );
    // The access token is signed and the "new sign-in" notice mailed after the commit.
    expect(waited).toEqual({ signedInside: [false], mailedInside: [false] });
    expect(transactions.calls).toEqual([
      "sessions.createSession",
      "securityEvents.recordSecurityEvent",
      // A network the account never signed in from, read again under the user's lock (a sign-in at
      // the same moment may have made it known): "was this you?" (ADR 0016).
      "lockout.findKnownSignInSources",
      "securityEvents.recordSecurityEvent",
      "lockout.clearLoginFailures",
      "lockout.rememberSignInSources",
      // The notice is composed inside (its holder; an unproven address's allowance), mailed after.
      "users.findUserById",
      "securityEvents.listSecurityEventsOfUser",
    ]);
    expect(deps.mailer.sentTo("ada@example.com").map((mail) => mail.subject)).toContainEqual(
      expect.stringMatching(/new sign-in/i),
    );
  });

  it('mails no "was this you?" for a sign-in that failed before its commit', async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps, { email: "ada@example.com" });
    const mailed = deps.mailer.sentTo("ada@example.com").length;
    deps.lockout.rememberSignInSources = async () => {
      throw new Error("the process died here");
    };
    await expect(
      logInWithPassword(deps, {
        email: "ada@example.com",
        password: strongPassword,
        client: { ...client, ip: "203.0.113.9" },
      }),
    ).rejects.toThrow("the process died here");
    // Before ADR 0056 the notice went before the client was made known: an alarm about a sign-in
    // the SQL transaction takes back.
    expect(deps.mailer.sentTo("ada@example.com")).toHaveLength(mailed);
  });
});
