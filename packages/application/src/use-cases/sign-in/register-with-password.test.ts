import { parseEmail } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import {
  noteWhatWaitsForTheCommit,
  recordingTransactions,
  registerAccount,
  storedRefreshToken,
  strongPassword,
  unwrap,
} from "../../testing/use-case-helpers.ts";
import { authenticateAccessToken } from "../sessions/authenticate-access-token.ts";
import { refreshSession } from "../sessions/refresh-session.ts";
import { registerAwaitingVerification, registerWithPassword } from "./register-with-password.ts";

const valid = { email: "ada@example.com", password: strongPassword, nickname: "ada" };
const client = { userAgent: "vitest", ip: "127.0.0.1" };
/** What every sign-up writes in its transaction: the account, its link, its device and network made known. */
const accountWrites = [
  "users.insertUser",
  "emailTokens.issueEmailToken",
  "lockout.clearLoginFailures",
  "lockout.rememberSignInSources",
];

function email(raw: string) {
  return unwrap(parseEmail(raw));
}

describe("registerWithPassword", () => {
  it("creates an active, unverified account and returns it with a Bearer token pair", async () => {
    const deps = createInMemoryDependencies();
    const result = unwrap(
      await registerWithPassword(deps, {
        email: "  Ada@Example.COM ",
        password: strongPassword,
        nickname: " ada ",
        client,
      }),
    );
    expect(result.user).toMatchObject({
      email: "ada@example.com",
      nickname: "ada",
      emailVerified: false,
      status: "active",
      createdAt: deps.clock.now(),
    });
    expect(result.tokenType).toBe("Bearer");
    expect(result.expiresIn).toBe(300);
    expect(result.accessToken).not.toBe("");
    expect(result.refreshToken).not.toBe("");
    expect(await deps.users.findUserByEmail(email("ada@example.com"))).toEqual(result.user);
  });

  it.each([
    ["no address", { ...valid, email: " " }, "Email is required"],
    ["no password", { ...valid, password: "" }, "Password is required"],
    ["no nickname", { ...valid, nickname: "" }, "Nickname is required"],
  ])(
    "refuses a form with %s (VALIDATION_ERROR) before anything is checked or written",
    async (_, form, message) => {
      const deps = createInMemoryDependencies();
      for (const signUp of [registerWithPassword, registerAwaitingVerification]) {
        expect(await signUp(deps, { ...form, client })).toEqual({
          ok: false,
          error: "VALIDATION_ERROR",
          message,
        });
      }
      expect(await deps.users.findUserByEmail(email("ada@example.com"))).toBeNull();
    },
  );

  it("returns an access token that authenticates the new user", async () => {
    const deps = createInMemoryDependencies();
    const { user, accessToken } = unwrap(await registerWithPassword(deps, { ...valid, client }));
    const authenticated = unwrap(await authenticateAccessToken(deps, { token: accessToken }));
    expect(authenticated.user.id).toBe(user.id);
  });

  it("returns a refresh token that can be exchanged for new tokens of the same user", async () => {
    const deps = createInMemoryDependencies();
    const { user, refreshToken } = unwrap(await registerWithPassword(deps, { ...valid, client }));
    const refreshed = unwrap(await refreshSession(deps, { refreshToken }));
    expect(unwrap(await authenticateAccessToken(deps, { token: refreshed.accessToken })).user.id).toBe(
      user.id,
    );
  });

  it("records the client's user agent and address on the new session", async () => {
    const deps = createInMemoryDependencies();
    const { refreshToken } = unwrap(
      await registerWithPassword(deps, {
        ...valid,
        client: { userAgent: "x".repeat(600), ip: "203.0.113.7" },
      }),
    );
    const { session } = await storedRefreshToken(deps, refreshToken);
    expect(session.userAgent).toBe("x".repeat(512));
    expect(session.ip).toBe("203.0.113.7");
  });

  it("stores a hash of the password, never the password itself", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps, { password: strongPassword });
    const stored = await deps.users.findUserById(user.id);
    expect(stored?.passwordHash).toEqual(expect.any(String));
    expect(stored?.passwordHash).not.toContain(strongPassword);
    expect(
      await deps.passwordHasher.verifyPassword({
        hash: stored?.passwordHash ?? "",
        password: strongPassword,
      }),
    ).toBe(true);
  });

  it.each([
    ["email", { email: "not-an-email" }],
    ["password", { password: "weak" }],
    ["password without a special character", { password: "Abcdefg1" }],
    ["nickname", { nickname: "a" }],
    ["nickname with a space", { nickname: "ada lovelace" }],
  ])("rejects an invalid %s with VALIDATION_ERROR and creates nothing", async (_field, override) => {
    const deps = createInMemoryDependencies();
    const result = await registerWithPassword(deps, { ...valid, ...override, client });
    expect(result).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
    expect(await deps.users.findUserByEmail(email(valid.email))).toBeNull();
  });

  it.each([
    ["the same spelling", "ada@example.com"],
    ["different case", "ADA@Example.Com"],
    ["surrounding spaces", "  ada@example.com\t"],
  ])("refuses an email already registered, given in %s, with USER_EXISTS", async (_label, again) => {
    const deps = createInMemoryDependencies();
    const first = await registerAccount(deps, { email: "ada@example.com" });
    const result = await registerWithPassword(deps, { ...valid, email: again, nickname: "other", client });
    expect(result).toMatchObject({ ok: false, error: "USER_EXISTS" });
    expect((await deps.users.findUserByEmail(email("ada@example.com")))?.id).toBe(first.user.id);
  });

  it("treats a decomposed accent as the same email as the composed one", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps, { email: "ren\u00e9@example.com" });
    const result = await registerWithPassword(deps, { ...valid, email: "rene\u0301@example.com", client });
    expect(result).toMatchObject({ ok: false, error: "USER_EXISTS" });
  });

  it("lets exactly one of several concurrent registrations of one email succeed", async () => {
    const deps = createInMemoryDependencies();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        registerWithPassword(deps, {
          ...valid,
          email: i % 2 === 0 ? "ada@example.com" : "ADA@example.com",
          client,
        }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.error === "USER_EXISTS")).toHaveLength(4);
  });

  it("writes the account, its verification link, its known device and its session in one transaction, and mails the link after (ADR 0056)", async () => {
    const deps = createInMemoryDependencies();
    const transactions = recordingTransactions(deps);
    const waited = noteWhatWaitsForTheCommit(deps, transactions);
    unwrap(await registerWithPassword({ ...deps, transactions }, { ...valid, client }));
    expect(transactions.calls).toEqual([...accountWrites, "sessions.createSession"]);
    // The verification link is mailed and the access token signed after the commit.
    expect(waited).toEqual({ signedInside: [false], mailedInside: [false] });
    expect(deps.mailer.sentTo("ada@example.com").map((mail) => mail.kind)).toEqual(["verification"]);
  });

  it("a sign-up awaiting verification writes the same, without a session, in one transaction", async () => {
    const deps = createInMemoryDependencies();
    const transactions = recordingTransactions(deps);
    unwrap(await registerAwaitingVerification({ ...deps, transactions }, { ...valid, client }));
    expect(transactions.calls).toEqual(accountWrites);
    expect(deps.mailer.sentTo("ada@example.com")).toHaveLength(1);
  });

  it("mails no link when the session cannot be stored (the transaction gives the account up)", async () => {
    const deps = createInMemoryDependencies();
    deps.sessions.createSession = async () => {
      throw new Error("the process died here");
    };
    await expect(registerWithPassword(deps, { ...valid, client })).rejects.toThrow("the process died here");
    // Before ADR 0056 the link was mailed before the session was written: a link to an account the
    // SQL transaction takes back.
    expect(deps.mailer.sentTo("ada@example.com")).toEqual([]);
  });

  it("a taken address writes nothing more and mails nothing", async () => {
    const deps = createInMemoryDependencies();
    await registerAccount(deps, { email: "ada@example.com" });
    const mailed = deps.mailer.sentTo("ada@example.com").length;
    const transactions = recordingTransactions(deps);
    const result = await registerWithPassword({ ...deps, transactions }, { ...valid, client });
    expect(result).toMatchObject({ ok: false, error: "USER_EXISTS" });
    expect(transactions.calls).toEqual(["users.insertUser"]);
    expect(deps.mailer.sentTo("ada@example.com")).toHaveLength(mailed);
  });
});
