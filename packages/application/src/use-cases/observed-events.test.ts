import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../testing/in-memory.ts";
import { RecordingObserver } from "../testing/recording-observer.ts";
import { enableTwoFactorFor } from "../testing/two-factor-helpers.ts";
import { registerAccount, strongPassword, unwrap } from "../testing/use-case-helpers.ts";
import { createUseCases } from "../use-cases.ts";

const client = { ip: "203.0.113.9", userAgent: "vitest" };

async function setUp() {
  const observer = new RecordingObserver();
  const deps = { ...createInMemoryDependencies(), observer };
  const account = await registerAccount(deps, { email: "ada@example.com" });
  return { deps, observer, account, useCases: createUseCases(deps) };
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
});
