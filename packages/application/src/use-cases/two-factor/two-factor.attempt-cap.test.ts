import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { enableTwoFactorFor } from "../../testing/two-factor-helpers.ts";
import { registerAccount, strongPassword } from "../../testing/use-case-helpers.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { verifyTwoFactorLogin } from "../sign-in/verify-two-factor-login.ts";
import { disableTwoFactor } from "./disable-two-factor.ts";
import { regenerateBackupCodes } from "./regenerate-backup-codes.ts";

// The issue: "repeated wrong codes count toward lockout". Guessing a code (or the password) at
// /2fa/disable or /2fa/backup-codes, with a stolen access token, must cost what guessing at sign-in costs.

const owner: ClientInfo = { ip: "10.0.0.1", userAgent: "owner", deviceId: "owner-device-cookie" };
const thief: ClientInfo = { ip: "203.0.113.9", userAgent: "thief" };

async function setUp() {
  const deps = createInMemoryDependencies();
  const { user, session } = await registerAccount(deps, { email: "ada@example.com" });
  const twoFactor = await enableTwoFactorFor(deps, session);
  const logIn = (client: ClientInfo) =>
    logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client });
  const lockEvents = () => deps.securityEvents.all().filter((e) => e.type === "account_locked");
  return { deps, userId: user.id, session, logIn, lockEvents, ...twoFactor };
}

describe("wrong codes at /2fa/disable count toward lockout", () => {
  it("five wrong codes lock: a right code then answers ACCOUNT_LOCKED with the time left, and 2FA stays on", async () => {
    const { deps, userId, session, codeNow, lockEvents } = await setUp();
    for (let i = 0; i < 5; i++) {
      expect(await disableTwoFactor(deps, { session, code: "000000", client: thief })).toMatchObject({
        ok: false,
        error: i < 4 ? "INVALID_TWO_FACTOR_CODE" : "ACCOUNT_LOCKED",
      });
    }
    expect(await disableTwoFactor(deps, { session, code: codeNow(), client: thief })).toMatchObject({
      ok: false,
      error: "ACCOUNT_LOCKED",
      retryAfterSeconds: 1800,
    });
    expect(await deps.twoFactor.findTOTPFactor(userId)).toMatchObject({ status: "enabled" });
    expect(lockEvents()).toHaveLength(1);
  });

  it("five wrong passwords lock too, and the same source is then locked out of sign-in", async () => {
    const { deps, session, codeNow, logIn } = await setUp();
    for (let i = 0; i < 5; i++) {
      expect(
        await disableTwoFactor(deps, {
          session,
          password: "Wrong-password-1!",
          code: codeNow(),
          client: thief,
        }),
      ).toMatchObject({ ok: false, error: i < 4 ? "INVALID_CURRENT_PASSWORD" : "ACCOUNT_LOCKED" });
    }
    expect(
      await disableTwoFactor(deps, { session, password: strongPassword, code: codeNow(), client: thief }),
    ).toMatchObject({
      ok: false,
      error: "ACCOUNT_LOCKED",
    });
    expect(await logIn(thief)).toMatchObject({ ok: false, error: "ACCOUNT_LOCKED" });
  });

  it("wrong codes here and at sign-in add up", async () => {
    const { deps, session, codeNow } = await setUp();
    for (let i = 0; i < 4; i++) {
      await logInWithPassword(deps, {
        email: "ada@example.com",
        password: "Wrong-password-1!",
        client: thief,
      });
    }
    await disableTwoFactor(deps, { session, code: "000000", client: thief });
    expect(
      await disableTwoFactor(deps, { session, password: strongPassword, code: codeNow(), client: thief }),
    ).toMatchObject({
      error: "ACCOUNT_LOCKED",
    });
  });

  it("four wrong codes do not lock", async () => {
    const { deps, session, codeNow } = await setUp();
    for (let i = 0; i < 4; i++) await disableTwoFactor(deps, { session, code: "000000", client: thief });
    expect(
      (await disableTwoFactor(deps, { session, password: strongPassword, code: codeNow(), client: thief }))
        .ok,
    ).toBe(true);
  });

  it("the lock ends after its duration", async () => {
    const { deps, session, codeNow } = await setUp();
    for (let i = 0; i < 5; i++) await disableTwoFactor(deps, { session, code: "000000", client: thief });
    deps.clock.advance(30 * 60_000 - 1000);
    // The session's own proof is stale by now: the password in the request is the fresh proof.
    const proof = { session, password: strongPassword, client: thief };
    expect(await disableTwoFactor(deps, { ...proof, code: codeNow() })).toMatchObject({
      error: "ACCOUNT_LOCKED",
    });
    deps.clock.advance(1000);
    expect((await disableTwoFactor(deps, { ...proof, code: codeNow() })).ok).toBe(true);
  });

  it("a thief's failures from elsewhere do not lock the owner's known device out of signing in", async () => {
    const { deps, session, logIn, codeNow } = await setUp();
    // The owner signed in from this device before: it is known to the account.
    const challenge = await logIn(owner);
    expect(challenge).toMatchObject({ ok: true, value: { mfaRequired: true } });
    if (!challenge.ok || !("mfaRequired" in challenge.value)) throw new Error("expected the 2FA step");
    expect(
      (
        await verifyTwoFactorLogin(deps, {
          mfaToken: challenge.value.mfaToken,
          code: codeNow(),
          client: owner,
        })
      ).ok,
    ).toBe(true);
    for (let i = 0; i < 5; i++) await disableTwoFactor(deps, { session, code: "000000", client: thief });
    expect(await logIn(owner)).toMatchObject({ ok: true, value: { mfaRequired: true } });
  });
});

describe("wrong codes at /2fa/backup-codes count toward lockout", () => {
  it("five wrong codes lock: a right code then answers ACCOUNT_LOCKED and the old backup codes stay", async () => {
    const { deps, userId, session, codeNow, logIn } = await setUp();
    for (let i = 0; i < 5; i++) {
      expect(await regenerateBackupCodes(deps, { session, code: "000000", client: thief })).toMatchObject({
        ok: false,
        error: i < 4 ? "INVALID_TWO_FACTOR_CODE" : "ACCOUNT_LOCKED",
      });
    }
    expect(await regenerateBackupCodes(deps, { session, code: codeNow(), client: thief })).toMatchObject({
      ok: false,
      error: "ACCOUNT_LOCKED",
      retryAfterSeconds: 1800,
    });
    expect((await deps.twoFactor.findTwoFactorStatus(userId)).backupCodesRemaining).toBe(10);
    expect(await logIn(thief)).toMatchObject({ ok: false, error: "ACCOUNT_LOCKED" });
  });
});
