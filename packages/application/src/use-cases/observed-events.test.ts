import { describe, expect, it, vi } from "vitest";
import type { ProviderProfile } from "../ports/index.ts";
import { createInMemoryDependencies } from "../testing/in-memory.ts";
import { RecordingObserver } from "../testing/recording-observer.ts";
import { enableTwoFactorFor } from "../testing/two-factor-helpers.ts";
import { registerAccount, strongPassword, unwrap } from "../testing/use-case-helpers.ts";
import { createUseCases } from "../use-cases.ts";
import { finishProviderSignIn } from "./social/finish-provider-sign-in.ts";

const client = { ip: "203.0.113.9", userAgent: "vitest" };

async function setUp() {
  const observer = new RecordingObserver();
  const base = createInMemoryDependencies();
  // Registered before the observer is attached: each test reads only the events of its own steps.
  const account = await registerAccount(base, { email: "ada@example.com" });
  const deps = { ...base, observer };
  return { deps, observer, account, useCases: createUseCases(deps) };
}

function githubProfile(input: { subject: string; email: string; emailVerified: boolean }): ProviderProfile {
  return { provider: "github", displayName: "Someone", avatarURL: null, ...input };
}

describe("what the use cases report to the observer (metrics)", () => {
  it("password sign-ins: succeeded, or the error code, per attempt", async () => {
    const { observer, useCases } = await setUp();
    await useCases.logInWithPassword({ email: "ada@example.com", password: strongPassword, client });
    await useCases.logInWithPassword({ email: "ada@example.com", password: "Wrong-password-1!", client });
    await useCases.logInWithPassword({ email: "nobody@example.com", password: strongPassword, client });
    expect(observer.events).toEqual([
      { type: "sign_in", method: "password", result: "succeeded" },
      { type: "sign_in", method: "password", result: "INVALID_CREDENTIALS" },
      { type: "sign_in", method: "password", result: "INVALID_CREDENTIALS" },
    ]);
  });

  it("a lockout is reported once when it locks, then sign-ins end in ACCOUNT_LOCKED", async () => {
    const { observer, useCases } = await setUp();
    for (let i = 0; i < 5; i++)
      await useCases.logInWithPassword({ email: "ada@example.com", password: "Wrong-password-1!", client });
    await useCases.logInWithPassword({ email: "ada@example.com", password: strongPassword, client });
    expect(observer.events.filter((e) => e.type === "account_locked")).toHaveLength(1);
    expect(observer.events.at(-1)).toEqual({ type: "sign_in", method: "password", result: "ACCOUNT_LOCKED" });
  });

  it("the lock is reported even when the log that records the attempt fails (the attempt answers 503)", async () => {
    const { deps, observer, useCases } = await setUp();
    for (let i = 0; i < 4; i++)
      await useCases.logInWithPassword({ email: "ada@example.com", password: "Wrong-password-1!", client });
    vi.spyOn(deps.securityEvents, "recordSecurityEvent").mockRejectedValue(new Error("log down"));
    await expect(
      useCases.logInWithPassword({ email: "ada@example.com", password: "Wrong-password-1!", client }),
    ).rejects.toThrow("log down");
    expect(observer.events.filter((e) => e.type === "account_locked")).toHaveLength(1);
  });

  it("a lockout of an address without an account is reported as one of an account: the metric tells neither", async () => {
    const { observer, useCases } = await setUp();
    for (const email of ["ada@example.com", "nobody@example.com"]) {
      for (let i = 0; i < 5; i++)
        await useCases.logInWithPassword({ email, password: "Wrong-password-1!", client });
    }
    expect(observer.events.filter((e) => e.type === "account_locked")).toHaveLength(2);
    // The unknown address's five attempts report exactly what the account's did.
    const half = observer.events.length / 2;
    expect(observer.events.slice(half)).toEqual(observer.events.slice(0, half));
  });

  it("two-factor sign-ins: the first step asks for the second, which reports totp or backup_code", async () => {
    const { deps, observer, account, useCases } = await setUp();
    const { codeNow, backupCodes } = await enableTwoFactorFor(deps, account.session);
    const first = unwrap(
      await useCases.logInWithPassword({ email: "ada@example.com", password: strongPassword, client }),
    );
    if (!("mfaRequired" in first)) throw new Error("expected the second-factor step");
    await useCases.verifyTwoFactorLogin({ mfaToken: first.mfaToken, code: codeNow(), client });
    const again = unwrap(
      await useCases.logInWithPassword({ email: "ada@example.com", password: strongPassword, client }),
    );
    if (!("mfaRequired" in again)) throw new Error("expected the second-factor step");
    await useCases.verifyTwoFactorLogin({ mfaToken: again.mfaToken, backupCode: "0000-0000-0000", client });
    await useCases.verifyTwoFactorLogin({ mfaToken: again.mfaToken, backupCode: backupCodes[0], client });
    expect(observer.events).toEqual([
      { type: "sign_in", method: "password", result: "second_factor_required" },
      { type: "sign_in", method: "totp", result: "succeeded" },
      { type: "sign_in", method: "password", result: "second_factor_required" },
      { type: "sign_in", method: "backup_code", result: "INVALID_TWO_FACTOR_CODE" },
      { type: "sign_in", method: "backup_code", result: "succeeded" },
    ]);
  });

  it("refreshes: rotated, reissued within the grace period, reuse detected, rejected", async () => {
    const { deps, observer, account, useCases } = await setUp();
    const next = unwrap(await useCases.refreshSession({ refreshToken: account.refreshToken }));
    await useCases.refreshSession({ refreshToken: account.refreshToken });
    deps.clock.advance(60_000);
    await useCases.refreshSession({ refreshToken: account.refreshToken });
    await useCases.refreshSession({ refreshToken: next.refreshToken });
    await useCases.refreshSession({ refreshToken: "garbage" });
    expect(observer.events).toEqual([
      { type: "refresh", result: "rotated" },
      { type: "refresh", result: "reissued" },
      { type: "refresh", result: "reuse_detected" },
      { type: "refresh", result: "rejected" },
      { type: "refresh", result: "rejected" },
    ]);
  });

  it("a disabled account's refresh is reported as refused", async () => {
    const { deps, observer, account, useCases } = await setUp();
    deps.users.setStatus(account.user.id, "disabled");
    await useCases.refreshSession({ refreshToken: account.refreshToken });
    expect(observer.events).toEqual([{ type: "refresh", result: "refused" }]);
  });

  it("password sign-ups, through the API's use case and the pages': created, taken or invalid", async () => {
    const { observer, useCases } = await setUp();
    const signUp = (email: string, password = strongPassword) => ({
      email,
      password,
      nickname: "grace",
      client,
    });
    await useCases.registerWithPassword(signUp("grace@example.com"));
    await useCases.registerAwaitingVerification(signUp("alan@example.com"));
    await useCases.registerWithPassword(signUp("ADA@example.com"));
    await useCases.registerAwaitingVerification(signUp("not-an-address"));
    await useCases.registerWithPassword(signUp("linus@example.com", "short"));
    expect(observer.events).toEqual(
      ["created", "created", "taken", "invalid", "invalid"].map((result) => ({
        type: "registration",
        method: "password",
        result,
      })),
    );
  });

  it("provider sign-ups: created once, taken, unverified; a returning identity is no sign-up", async () => {
    const { deps, observer } = await setUp();
    const finish = (profile: ProviderProfile) =>
      finishProviderSignIn(deps, {
        provider: "github",
        profile,
        codeChallengeHash: null,
        respondWith: "tokens",
        client,
      });
    const grace = githubProfile({ subject: "1", email: "grace@example.com", emailVerified: true });
    expect((await finish(grace)).ok).toBe(true);
    expect((await finish(grace)).ok).toBe(true);
    // ada@example.com is a password account whose address is not verified: no link, no account.
    expect(
      await finish(githubProfile({ subject: "2", email: "ada@example.com", emailVerified: true })),
    ).toMatchObject({ ok: false, error: "OAUTH_EMAIL_CONFLICT" });
    expect(
      await finish(githubProfile({ subject: "3", email: "alan@example.com", emailVerified: false })),
    ).toMatchObject({ ok: false, error: "EMAIL_NOT_VERIFIED" });
    expect(observer.events.filter((event) => event.type === "registration")).toEqual([
      { type: "registration", method: "github", result: "created" },
      { type: "registration", method: "github", result: "taken" },
      { type: "registration", method: "github", result: "unverified_email" },
    ]);
  });
});
