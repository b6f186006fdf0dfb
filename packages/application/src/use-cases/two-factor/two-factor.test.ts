import { totpTimeStepAt, type UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { OverloadedError } from "../../overloaded-error.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { tokenFromMail } from "../../testing/in-memory-mail.ts";
import { InMemoryTOTPService } from "../../testing/in-memory-two-factor.ts";
import { enableTwoFactorFor } from "../../testing/two-factor-helpers.ts";
import { registerAccount, strongPassword, unwrap, unwrapSignedIn } from "../../testing/use-case-helpers.ts";
import { requestPasswordReset } from "../recovery/request-password-reset.ts";
import { resetPassword } from "../recovery/reset-password.ts";
import { authenticateAccessToken } from "../sessions/authenticate-access-token.ts";
import { logInWithPassword } from "../sign-in/log-in-with-password.ts";
import { verifyTwoFactorLogin } from "../sign-in/verify-two-factor-login.ts";
import { disableTwoFactor } from "./disable-two-factor.ts";
import { enableTwoFactor } from "./enable-two-factor.ts";
import { getTwoFactorStatus } from "./get-two-factor-status.ts";
import { regenerateBackupCodes } from "./regenerate-backup-codes.ts";
import { setUpTwoFactor, type TwoFactorSetup } from "./set-up-two-factor.ts";

const client = { userAgent: "vitest", ip: "127.0.0.1" };

async function setUp() {
  const deps = createInMemoryDependencies();
  const { user, session } = await registerAccount(deps, { email: "ada@example.com", verified: true });
  const logIn = async () => {
    const outcome = unwrap(
      await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client }),
    );
    if (!("mfaRequired" in outcome)) throw new Error("expected the second-factor step");
    return outcome;
  };
  const eventTypes = () => deps.securityEvents.all().map((e) => e.type);
  return { deps, userId: user.id, session, logIn, eventTypes };
}

describe("2FA waits for a verified address", () => {
  it("setup answers EMAIL_NOT_VERIFIED on an unverified address and stores no factor", async () => {
    const deps = createInMemoryDependencies();
    const { user, session } = await registerAccount(deps);
    expect(user.emailVerified).toBe(false);
    expect(await setUpTwoFactor(deps, { session })).toMatchObject({
      ok: false,
      error: "EMAIL_NOT_VERIFIED",
      message: expect.stringMatching(/^Verify your email address before turning on two-factor/),
    });
    expect(await deps.twoFactor.findTOTPFactor(user.id)).toBeNull();
    await deps.users.markEmailVerified({ userId: user.id, now: deps.clock.now() });
    expect((await setUpTwoFactor(deps, { session })).ok).toBe(true);
  });

  it("enable answers EMAIL_NOT_VERIFIED to a set-up left waiting on an unverified address, and keeps it off", async () => {
    // A set-up begun before the rule: the factor waits, pending, on an account nobody has proven.
    const deps = createInMemoryDependencies();
    const { user, session } = await registerAccount(deps);
    const secret = deps.totp.generateTOTPSecret();
    await deps.twoFactor.savePendingTOTPFactor({
      userId: user.id,
      encryptedSecret: deps.secretCipher.encryptSecret({ plaintext: secret, associatedData: user.id }),
      now: deps.clock.now(),
    });
    const code = InMemoryTOTPService.codeAt(secret, deps.clock.now());
    expect(await enableTwoFactor(deps, { session, code })).toMatchObject({
      ok: false,
      error: "EMAIL_NOT_VERIFIED",
    });
    expect(await deps.twoFactor.findTOTPFactor(user.id)).toMatchObject({ status: "pending" });
    expect(deps.securityEvents.all().map((e) => e.type)).not.toContain("two_factor_enabled");
  });

  it("setup and enable answer USER_NOT_FOUND for an account that no longer exists", async () => {
    const deps = createInMemoryDependencies();
    const { user, session } = await registerAccount(deps, { verified: true });
    deps.users.deleteUser(user.id);
    expect(await setUpTwoFactor(deps, { session })).toMatchObject({ ok: false, error: "USER_NOT_FOUND" });
    expect(await enableTwoFactor(deps, { session, code: "123456" })).toMatchObject({
      ok: false,
      error: "USER_NOT_FOUND",
    });
  });

  it("a stale session is asked for its proof first (REAUTH_REQUIRED), the address only then", async () => {
    const deps = createInMemoryDependencies();
    const { session } = await registerAccount(deps);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    expect(await setUpTwoFactor(deps, { session })).toMatchObject({ error: "REAUTH_REQUIRED" });
  });
});

describe("setting up TOTP", () => {
  it("answers a base32 secret, its otpauth URI and a QR code, and stores the secret only encrypted", async () => {
    const { deps, userId, session } = await setUp();
    const setup = unwrap(await setUpTwoFactor(deps, { session }));
    expect(setup.secret).toMatch(/^[A-Z2-7]+$/);
    expect(setup.otpauthURL).toContain(`secret=${setup.secret}`);
    expect(setup.qrCode).toMatch(/^data:image\//);
    const factor = await deps.twoFactor.findTOTPFactor(userId);
    expect(factor).toMatchObject({ status: "pending" });
    expect(
      deps.secretCipher.decryptSecret({ ciphertext: factor?.encryptedSecret ?? "", associatedData: userId }),
    ).toBe(setup.secret);
    expect(await getTwoFactorStatus(deps, { userId })).toEqual({
      ok: true,
      value: { enabled: false, backupCodesRemaining: 0 },
    });
  });

  it("confirming with an empty code is a form to fill in (VALIDATION_ERROR), and the pending set-up still takes the right code", async () => {
    const { deps, session } = await setUp();
    const setup = unwrap(await setUpTwoFactor(deps, { session }));
    for (const code of ["", "   "]) {
      expect(await enableTwoFactor(deps, { session, code })).toMatchObject({
        error: "VALIDATION_ERROR",
        message: "Type the code from your authenticator app",
      });
    }
    const code = InMemoryTOTPService.codeAt(setup.secret, deps.clock.now());
    expect((await enableTwoFactor(deps, { session, code })).ok).toBe(true);
  });

  it("an empty code is asked for only where a code would be checked: a stale session, no set-up, or 2FA already on answer as before", async () => {
    const { deps, session } = await setUp();
    expect(await enableTwoFactor(deps, { session, code: "" })).toMatchObject({
      error: "TWO_FACTOR_SETUP_REQUIRED",
    });
    const setup = unwrap(await setUpTwoFactor(deps, { session }));
    unwrap(
      await enableTwoFactor(deps, {
        session,
        code: InMemoryTOTPService.codeAt(setup.secret, deps.clock.now()),
      }),
    );
    expect(await enableTwoFactor(deps, { session, code: " " })).toMatchObject({
      error: "TWO_FACTOR_ALREADY_ENABLED",
    });
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    expect(await enableTwoFactor(deps, { session, code: "" })).toMatchObject({ error: "REAUTH_REQUIRED" });
  });

  it("a new setup replaces the pending secret; with keepPending the pending one is shown again, still behind a fresh proof", async () => {
    const { deps, session } = await setUp();
    const first = unwrap(await setUpTwoFactor(deps, { session }));
    expect(unwrap(await setUpTwoFactor(deps, { session, keepPending: true })).secret).toBe(first.secret);
    const second = unwrap(await setUpTwoFactor(deps, { session }));
    expect(second.secret).not.toBe(first.secret);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    expect(await setUpTwoFactor(deps, { session, keepPending: true })).toMatchObject({
      ok: false,
      error: "REAUTH_REQUIRED",
    });
  });

  it("keepPending shows again only a set-up begun in this session, never one an earlier session left", async () => {
    const { deps, session } = await setUp();
    const left = unwrap(await setUpTwoFactor(deps, { session }));
    deps.clock.advance(1000);
    const later = { ...session, id: "later-session" as typeof session.id, createdAt: deps.clock.now() };
    const shown = unwrap(
      await setUpTwoFactor(deps, {
        session: { ...later, authenticatedAt: deps.clock.now() },
        keepPending: true,
      }),
    );
    expect(shown.secret).not.toBe(left.secret);
  });

  describe("another set-up saved between this one's read and its write (a double submit, two tabs)", () => {
    /** Runs `meanwhile` once, just before the next save of a pending factor. */
    function beforeTheSave(
      deps: Awaited<ReturnType<typeof setUp>>["deps"],
      meanwhile: () => Promise<unknown>,
    ) {
      const save = deps.twoFactor.savePendingTOTPFactor.bind(deps.twoFactor);
      deps.twoFactor.savePendingTOTPFactor = async (input) => {
        deps.twoFactor.savePendingTOTPFactor = save;
        await meanwhile();
        return save(input);
      };
    }

    it("the API's set-up answers 503 with what happened, and the key stored stays the other's", async () => {
      const { deps, userId, session } = await setUp();
      let other: TwoFactorSetup | undefined;
      beforeTheSave(deps, async () => {
        other = unwrap(await setUpTwoFactor(deps, { session }));
      });
      const lost = await setUpTwoFactor(deps, { session }).catch((error: unknown) => error);
      expect(lost).toBeInstanceOf(OverloadedError);
      expect(lost).toMatchObject({
        retryAfterSeconds: 1,
        publicMessage: expect.stringMatching(/^Another two-factor set-up of this account was started/),
      });
      const stored = await deps.twoFactor.findTOTPFactor(userId);
      expect(stored?.status).toBe("pending");
      const code = InMemoryTOTPService.codeAt(other?.secret ?? "", deps.clock.now());
      expect((await enableTwoFactor(deps, { session, code })).ok).toBe(true);
    });

    it("the account center's (keepPending) shows the set-up stored, begun in this session, as resumed", async () => {
      const { deps, session } = await setUp();
      let other: TwoFactorSetup | undefined;
      beforeTheSave(deps, async () => {
        other = unwrap(await setUpTwoFactor(deps, { session, keepPending: true }));
      });
      const shown = unwrap(await setUpTwoFactor(deps, { session, keepPending: true }));
      expect(other?.resumed).toBeUndefined();
      expect(shown).toMatchObject({ secret: other?.secret, resumed: true });
    });

    it("replacing a pending set-up, the same: it never writes over a key it did not read", async () => {
      const { deps, session } = await setUp();
      unwrap(await setUpTwoFactor(deps, { session }));
      let other: TwoFactorSetup | undefined;
      beforeTheSave(deps, async () => {
        other = unwrap(await setUpTwoFactor(deps, { session }));
      });
      await expect(setUpTwoFactor(deps, { session })).rejects.toBeInstanceOf(OverloadedError);
      expect(unwrap(await setUpTwoFactor(deps, { session, keepPending: true })).secret).toBe(other?.secret);
    });

    it("answers TWO_FACTOR_ALREADY_ENABLED when the other tab turned 2FA on meanwhile", async () => {
      const { deps, session } = await setUp();
      beforeTheSave(deps, async () => {
        const setup = unwrap(await setUpTwoFactor(deps, { session }));
        const code = InMemoryTOTPService.codeAt(setup.secret, deps.clock.now());
        unwrap(await enableTwoFactor(deps, { session, code }));
      });
      expect(await setUpTwoFactor(deps, { session, keepPending: true })).toMatchObject({
        ok: false,
        error: "TWO_FACTOR_ALREADY_ENABLED",
      });
    });
  });

  it("does not ask for a code at login while the factor is only pending", async () => {
    const { deps, session } = await setUp();
    unwrap(await setUpTwoFactor(deps, { session }));
    unwrapSignedIn(
      await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client }),
    );
  });

  it("answers TWO_FACTOR_SETUP_REQUIRED to enable before setup", async () => {
    const { deps, session } = await setUp();
    expect(await enableTwoFactor(deps, { session, code: "123456" })).toMatchObject({
      ok: false,
      error: "TWO_FACTOR_SETUP_REQUIRED",
    });
  });

  it("answers TWO_FACTOR_SETUP_REQUIRED when a new setup replaced the secret while the code was checked", async () => {
    const { deps, userId, session } = await setUp();
    const setup = unwrap(await setUpTwoFactor(deps, { session }));
    const code = InMemoryTOTPService.codeForStep(setup.secret, totpTimeStepAt(deps.clock.now()));
    // A second setup (another tab) lands between enable's read of the factor and its write.
    const enableFactor = deps.twoFactor.enableTOTPFactor.bind(deps.twoFactor);
    deps.twoFactor.enableTOTPFactor = async (input) => {
      unwrap(await setUpTwoFactor(deps, { session }));
      return enableFactor(input);
    };
    expect(await enableTwoFactor(deps, { session, code })).toMatchObject({
      ok: false,
      error: "TWO_FACTOR_SETUP_REQUIRED",
    });
    expect(await deps.twoFactor.findTOTPFactor(userId)).toMatchObject({ status: "pending" });
  });

  it("answers INVALID_TWO_FACTOR_CODE to enable with a wrong code and stays pending", async () => {
    const { deps, userId, session } = await setUp();
    const { secret } = unwrap(await setUpTwoFactor(deps, { session }));
    const wrong = InMemoryTOTPService.codeAt(secret, new Date(deps.clock.now().getTime() + 5 * 60_000));
    expect(await enableTwoFactor(deps, { session, code: wrong })).toMatchObject({
      ok: false,
      error: "INVALID_TWO_FACTOR_CODE",
    });
    expect(await deps.twoFactor.findTOTPFactor(userId)).toMatchObject({ status: "pending" });
  });

  it("enables with a current code, answers ten distinct backup codes and records two_factor_enabled", async () => {
    const { deps, userId, session, eventTypes } = await setUp();
    const { backupCodes } = await enableTwoFactorFor(deps, session);
    expect(backupCodes).toHaveLength(10);
    expect(new Set(backupCodes).size).toBe(10);
    for (const code of backupCodes) expect(code).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
    const stored = await deps.twoFactor.listUnusedBackupCodes(userId);
    expect(stored.map((c) => c.codeHash)).not.toContain(backupCodes[0]);
    // Each code's first two characters are its lookup id, stored in clear and distinct (ADR 0010).
    expect(stored.map((c) => c.lookupId).sort()).toEqual(backupCodes.map((c) => c.slice(0, 2)).sort());
    expect(new Set(stored.map((c) => c.lookupId)).size).toBe(10);
    expect(eventTypes()).toContain("two_factor_enabled");
    expect(unwrap(await getTwoFactorStatus(deps, { userId }))).toEqual({
      enabled: true,
      backupCodesRemaining: 10,
    });
  });

  it("answers TWO_FACTOR_ALREADY_ENABLED to setup or enable once on", async () => {
    const { deps, session, logIn } = await setUp();
    const { codeNow } = await enableTwoFactorFor(deps, session);
    expect(await setUpTwoFactor(deps, { session })).toMatchObject({
      ok: false,
      error: "TWO_FACTOR_ALREADY_ENABLED",
    });
    expect(await enableTwoFactor(deps, { session, code: codeNow() })).toMatchObject({
      ok: false,
      error: "TWO_FACTOR_ALREADY_ENABLED",
    });
    // The secret did not change: the app's codes still work.
    const { mfaToken } = await logIn();
    expect((await verifyTwoFactorLogin(deps, { mfaToken, code: codeNow(), client })).ok).toBe(true);
  });
});

describe("signing in with 2FA", () => {
  it("asks for the second factor after the right password, with a token that is not an access token", async () => {
    const { deps, session, logIn } = await setUp();
    await enableTwoFactorFor(deps, session);
    const challenge = await logIn();
    expect(challenge).toEqual({ mfaRequired: true, mfaToken: expect.any(String), expiresIn: 300 });
    expect(await authenticateAccessToken(deps, { token: challenge.mfaToken })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
    // Nothing is recorded as a sign-in before the second factor.
    expect(deps.securityEvents.all().filter((e) => e.type === "login_succeeded")).toHaveLength(0);
  });

  it("signs in with a current TOTP code and records login_succeeded with the first factor's method and the second's use", async () => {
    const { deps, userId, session, logIn } = await setUp();
    const { codeNow } = await enableTwoFactorFor(deps, session);
    const { mfaToken } = await logIn();
    const signedIn = unwrap(await verifyTwoFactorLogin(deps, { mfaToken, code: codeNow(), client }));
    const authenticated = unwrap(await authenticateAccessToken(deps, { token: signedIn.accessToken }));
    expect(authenticated.user.id).toBe(userId);
    // The session keeps both factors, for the amr of the ID tokens single sign-on issues from it.
    expect(authenticated.session.authenticationMethods).toEqual(["pwd", "otp", "mfa"]);
    // It names the session it opened, as the event of that session's end will.
    expect(deps.securityEvents.all().at(-1)).toMatchObject({
      type: "login_succeeded",
      details: { method: "password", secondFactor: true, sessionId: authenticated.session.id },
    });
  });

  it.each([
    ["one step back", -30_000],
    ["one step ahead", 30_000],
  ])("accepts the code of %s (clock drift)", async (_name, offset) => {
    const { deps, session, logIn } = await setUp();
    const { secret } = await enableTwoFactorFor(deps, session);
    deps.clock.advance(60_000);
    const { mfaToken } = await logIn();
    const code = InMemoryTOTPService.codeAt(secret, new Date(deps.clock.now().getTime() + offset));
    expect((await verifyTwoFactorLogin(deps, { mfaToken, code, client })).ok).toBe(true);
  });

  it.each([
    ["two steps back", -60_000],
    ["two steps ahead", 60_000],
  ])("refuses the code of %s with INVALID_TWO_FACTOR_CODE", async (_name, offset) => {
    const { deps, session, logIn } = await setUp();
    const { secret } = await enableTwoFactorFor(deps, session);
    deps.clock.advance(120_000);
    const { mfaToken } = await logIn();
    const code = InMemoryTOTPService.codeAt(secret, new Date(deps.clock.now().getTime() + offset));
    expect(await verifyTwoFactorLogin(deps, { mfaToken, code, client })).toMatchObject({
      ok: false,
      error: "INVALID_TWO_FACTOR_CODE",
    });
  });

  it("answers INVALID_MFA_TOKEN to an expired, forged or access token", async () => {
    const { deps, session, logIn } = await setUp();
    const registered = await registerAccount(deps, { email: "grace@example.com" });
    const { codeNow } = await enableTwoFactorFor(deps, session);
    const { mfaToken } = await logIn();
    for (const token of ["", "nonsense", registered.accessToken]) {
      expect(await verifyTwoFactorLogin(deps, { mfaToken: token, code: codeNow(), client })).toMatchObject({
        ok: false,
        error: "INVALID_MFA_TOKEN",
      });
    }
    deps.clock.advance(5 * 60_000);
    expect(await verifyTwoFactorLogin(deps, { mfaToken, code: codeNow(), client })).toMatchObject({
      ok: false,
      error: "INVALID_MFA_TOKEN",
    });
  });

  it("answers INVALID_MFA_TOKEN once 2FA was turned off and on again (another authenticator) since the first step", async () => {
    const { deps, session, logIn } = await setUp();
    const { backupCodes } = await enableTwoFactorFor(deps, session);
    const { mfaToken } = await logIn();
    deps.clock.advance(1_000);
    unwrap(await disableTwoFactor(deps, { session, backupCode: backupCodes[0] }));
    const again = await enableTwoFactorFor(deps, session);
    expect(await verifyTwoFactorLogin(deps, { mfaToken, code: again.codeNow(), client })).toMatchObject({
      ok: false,
      error: "INVALID_MFA_TOKEN",
    });
    // Refused before the code was checked: it is not spent, and a new sign-in completes with it.
    const { mfaToken: fresh } = await logIn();
    unwrapSignedIn(await verifyTwoFactorLogin(deps, { mfaToken: fresh, code: again.codeNow(), client }));
  });

  it("answers VALIDATION_ERROR unless exactly one of code and backupCode is sent", async () => {
    const { deps, session, logIn } = await setUp();
    const { codeNow, backupCodes } = await enableTwoFactorFor(deps, session);
    const { mfaToken } = await logIn();
    expect(await verifyTwoFactorLogin(deps, { mfaToken, client })).toMatchObject({
      error: "VALIDATION_ERROR",
      message: "Send code (from the authenticator app) or backupCode",
    });
    expect(
      await verifyTwoFactorLogin(deps, { mfaToken, code: codeNow(), backupCode: backupCodes[0], client }),
    ).toMatchObject({ error: "VALIDATION_ERROR", message: "Send either code or backupCode, not both" });
  });

  it("counts wrong codes toward lockout: five lock the sign-in, even with a right code after", async () => {
    const { deps, session, logIn } = await setUp();
    const { codeNow } = await enableTwoFactorFor(deps, session);
    const { mfaToken } = await logIn();
    for (let i = 0; i < 5; i++) {
      expect(await verifyTwoFactorLogin(deps, { mfaToken, code: "000000", client })).toMatchObject({
        error: i < 4 ? "INVALID_TWO_FACTOR_CODE" : "ACCOUNT_LOCKED",
      });
    }
    expect(await verifyTwoFactorLogin(deps, { mfaToken, code: codeNow(), client })).toMatchObject({
      ok: false,
      error: "ACCOUNT_LOCKED",
      retryAfterSeconds: 1800,
    });
    expect(
      await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client }),
    ).toMatchObject({ ok: false, error: "ACCOUNT_LOCKED" });
  });

  it("records the wrong code that locks before the lock, so the newest-first log reads the lock on top", async () => {
    const { deps, session, logIn, eventTypes } = await setUp();
    await enableTwoFactorFor(deps, session);
    const { mfaToken } = await logIn();
    for (let i = 0; i < 5; i++) await verifyTwoFactorLogin(deps, { mfaToken, code: "000000", client });
    const failedOrLocked = eventTypes().filter(
      (type) => type === "login_failed" || type === "account_locked",
    );
    expect(failedOrLocked).toEqual([...Array(5).fill("login_failed"), "account_locked"]);
  });

  it("records a wrong code as login_failed naming the kind of code typed", async () => {
    const { deps, session, logIn } = await setUp();
    await enableTwoFactorFor(deps, session);
    const { mfaToken } = await logIn();
    await verifyTwoFactorLogin(deps, { mfaToken, code: "000000", client });
    await verifyTwoFactorLogin(deps, { mfaToken, backupCode: "wrong-code", client });
    const failed = deps.securityEvents.all().filter((e) => e.type === "login_failed");
    expect(failed.map((e) => e.details.method)).toEqual(["totp", "backup_code"]);
  });

  it("refuses an empty code or backup code (VALIDATION_ERROR) without counting it toward lockout, at sign-in and in a signed-in session", async () => {
    const { deps, session, logIn, eventTypes } = await setUp();
    const { codeNow } = await enableTwoFactorFor(deps, session);
    const { mfaToken } = await logIn();
    for (let i = 0; i < 6; i++) {
      expect(await verifyTwoFactorLogin(deps, { mfaToken, code: "", client })).toMatchObject({
        error: "VALIDATION_ERROR",
        message: "Type the code from your authenticator app",
      });
      expect(await verifyTwoFactorLogin(deps, { mfaToken, backupCode: "  ", client })).toMatchObject({
        error: "VALIDATION_ERROR",
        message: "Type one of your backup codes",
      });
    }
    expect(await regenerateBackupCodes(deps, { session, code: "", client })).toMatchObject({
      error: "VALIDATION_ERROR",
    });
    expect(await disableTwoFactor(deps, { session, backupCode: "", client })).toMatchObject({
      error: "VALIDATION_ERROR",
    });
    expect(eventTypes()).not.toContain("login_failed");
    expect(eventTypes()).not.toContain("reauthentication_failed");
    unwrapSignedIn(await verifyTwoFactorLogin(deps, { mfaToken, code: codeNow(), client }));
  });

  it("reads the form before the token: nothing typed is VALIDATION_ERROR even with a token that cannot complete", async () => {
    const { deps, session, logIn, eventTypes } = await setUp();
    await enableTwoFactorFor(deps, session);
    await logIn();
    for (const mfaToken of ["not-a-token", ""]) {
      expect(await verifyTwoFactorLogin(deps, { mfaToken, code: "", client })).toMatchObject({
        error: "VALIDATION_ERROR",
        message: "Type the code from your authenticator app",
      });
      expect(await verifyTwoFactorLogin(deps, { mfaToken, backupCode: "", client })).toMatchObject({
        error: "VALIDATION_ERROR",
        message: "Type one of your backup codes",
      });
    }
    expect(eventTypes()).not.toContain("login_failed");
  });

  it("answers ACCOUNT_DISABLED when the account was disabled between the two steps", async () => {
    const { deps, userId, session, logIn } = await setUp();
    const { codeNow } = await enableTwoFactorFor(deps, session);
    const { mfaToken } = await logIn();
    deps.users.setStatus(userId, "disabled");
    expect(await verifyTwoFactorLogin(deps, { mfaToken, code: codeNow(), client })).toMatchObject({
      ok: false,
      error: "ACCOUNT_DISABLED",
    });
  });
});

describe("backup codes", () => {
  it("sign in once each, whatever the case and spacing, recording backup_code_used", async () => {
    const { deps, userId, session, logIn, eventTypes } = await setUp();
    const { backupCodes } = await enableTwoFactorFor(deps, session);
    const code = backupCodes[3] ?? "";
    const typed = ` ${code.toUpperCase().replace("-", " ")} `;
    expect(
      (await verifyTwoFactorLogin(deps, { mfaToken: (await logIn()).mfaToken, backupCode: typed, client }))
        .ok,
    ).toBe(true);
    expect(eventTypes()).toContain("backup_code_used");
    expect(deps.securityEvents.all().find((e) => e.type === "backup_code_used")?.details).toEqual({
      remaining: 9,
    });
    expect(
      await verifyTwoFactorLogin(deps, { mfaToken: (await logIn()).mfaToken, backupCode: code, client }),
    ).toMatchObject({ ok: false, error: "INVALID_TWO_FACTOR_CODE" });
    expect(unwrap(await getTwoFactorStatus(deps, { userId })).backupCodesRemaining).toBe(9);
  });

  it("are replaced by ten new ones given a current code; the old ones stop working", async () => {
    const { deps, session, logIn, eventTypes } = await setUp();
    const { backupCodes, codeNow } = await enableTwoFactorFor(deps, session);
    const fresh = unwrap(await regenerateBackupCodes(deps, { session, code: codeNow() })).backupCodes;
    expect(fresh).toHaveLength(10);
    expect(eventTypes()).toContain("backup_codes_regenerated");
    expect(
      await verifyTwoFactorLogin(deps, {
        mfaToken: (await logIn()).mfaToken,
        backupCode: backupCodes[0] ?? "",
        client,
      }),
    ).toMatchObject({ error: "INVALID_TWO_FACTOR_CODE" });
    expect(
      (
        await verifyTwoFactorLogin(deps, {
          mfaToken: (await logIn()).mfaToken,
          backupCode: fresh[0] ?? "",
          client,
        })
      ).ok,
    ).toBe(true);
  });

  it("are not regenerated without a right code, nor without 2FA", async () => {
    const { deps, session } = await setUp();
    expect(await regenerateBackupCodes(deps, { session, code: "123456" })).toMatchObject({
      error: "TWO_FACTOR_NOT_ENABLED",
    });
    await enableTwoFactorFor(deps, session);
    expect(await regenerateBackupCodes(deps, { session, code: "000000" })).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
  });

  it("are not shown when 2FA was turned off while the new codes were hashed: TWO_FACTOR_NOT_ENABLED, no codes", async () => {
    const { deps, userId, session } = await setUp();
    const { codeNow } = await enableTwoFactorFor(deps, session);
    const hash = deps.passwordHasher.hashPassword.bind(deps.passwordHasher);
    deps.passwordHasher.hashPassword = async (code) => {
      await deps.twoFactor.deleteTwoFactor(userId);
      return hash(code);
    };
    expect(await regenerateBackupCodes(deps, { session, code: codeNow() })).toMatchObject({
      ok: false,
      error: "TWO_FACTOR_NOT_ENABLED",
    });
    expect(await deps.twoFactor.listUnusedBackupCodes(userId)).toEqual([]);
  });
});

describe("turning 2FA off", () => {
  it("works with a current code in a fresh session, deletes the secret and codes, and records two_factor_disabled", async () => {
    const { deps, userId, session, eventTypes } = await setUp();
    const { codeNow } = await enableTwoFactorFor(deps, session);
    expect(await disableTwoFactor(deps, { session, code: codeNow() })).toEqual({
      ok: true,
      value: undefined,
    });
    expect(await deps.twoFactor.findTOTPFactor(userId)).toBeNull();
    expect(eventTypes()).toContain("two_factor_disabled");
    unwrapSignedIn(
      await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client }),
    );
  });

  it("works with a backup code, recording it as used", async () => {
    const { deps, session, eventTypes } = await setUp();
    const { backupCodes } = await enableTwoFactorFor(deps, session);
    expect((await disableTwoFactor(deps, { session, backupCode: backupCodes[0] })).ok).toBe(true);
    expect(eventTypes()).toEqual(expect.arrayContaining(["backup_code_used", "two_factor_disabled"]));
  });

  it("refuses the password alone (VALIDATION_ERROR): it takes a code or a backup code", async () => {
    const { deps, userId, session } = await setUp();
    await enableTwoFactorFor(deps, session);
    expect(await disableTwoFactor(deps, { session, password: strongPassword })).toMatchObject({
      ok: false,
      error: "VALIDATION_ERROR",
    });
    expect(await deps.twoFactor.findTOTPFactor(userId)).toMatchObject({ status: "enabled" });
  });

  it("needs a fresh proof on top of the code: a stale session answers REAUTH_REQUIRED, the password in the request will do", async () => {
    const { deps, userId, session } = await setUp();
    const { codeNow } = await enableTwoFactorFor(deps, session);
    deps.clock.advance(deps.settings.reauthMaxAgeMs);
    expect(await disableTwoFactor(deps, { session, code: codeNow() })).toMatchObject({
      ok: false,
      error: "REAUTH_REQUIRED",
    });
    expect(await deps.twoFactor.findTOTPFactor(userId)).toMatchObject({ status: "enabled" });
    expect(await disableTwoFactor(deps, { session, password: strongPassword, code: codeNow() })).toEqual({
      ok: true,
      value: undefined,
    });
  });

  it("refuses an empty password as no attempt: VALIDATION_ERROR, nothing counted toward the lockout", async () => {
    const { deps, userId, session } = await setUp();
    const { codeNow } = await enableTwoFactorFor(deps, session);
    for (let i = 0; i < 6; i++) {
      expect(await disableTwoFactor(deps, { session, password: "", code: codeNow() })).toMatchObject({
        ok: false,
        error: "VALIDATION_ERROR",
        message: "Password is empty: send the current password, or leave it out to rely on a recent proof",
      });
    }
    expect(await deps.twoFactor.findTOTPFactor(userId)).toMatchObject({ status: "enabled" });
    // Six of them, past the lockout's five: the account still signs in.
    expect(
      await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client }),
    ).toMatchObject({ ok: true });
  });

  it("refuses a wrong password, a wrong code, both codes or neither, or 2FA that is off", async () => {
    const { deps, userId, session } = await setUp();
    expect(await disableTwoFactor(deps, { session, code: "123456" })).toMatchObject({
      error: "TWO_FACTOR_NOT_ENABLED",
    });
    const { codeNow, backupCodes } = await enableTwoFactorFor(deps, session);
    expect(
      await disableTwoFactor(deps, { session, password: "Wrong-password-1!", code: codeNow() }),
    ).toMatchObject({ error: "INVALID_CURRENT_PASSWORD" });
    expect(await disableTwoFactor(deps, { session, code: "000000" })).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
    expect(await disableTwoFactor(deps, { session, backupCode: "aaaaa-bbbbb" })).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
    expect(await disableTwoFactor(deps, { session })).toMatchObject({ error: "VALIDATION_ERROR" });
    expect(
      await disableTwoFactor(deps, { session, code: codeNow(), backupCode: backupCodes[0] }),
    ).toMatchObject({ error: "VALIDATION_ERROR" });
    expect(await deps.twoFactor.findTOTPFactor(userId as UserId)).toMatchObject({ status: "enabled" });
  });
});

describe("password reset and 2FA", () => {
  it("a password reset unlocks the account but never turns 2FA off: the next sign-in still asks for a code", async () => {
    const { deps, userId, session } = await setUp();
    // A proven address (setUp's): the reset of one nobody had proven turns off a factor a stranger
    // may have set up before 2FA waited for it (reset-password.test.ts).
    expect((await deps.users.findUserById(userId))?.emailVerified).toBe(true);
    await enableTwoFactorFor(deps, session);
    for (let i = 0; i < 5; i++) {
      await logInWithPassword(deps, { email: "ada@example.com", password: "Wrong-password-1!", client });
    }
    expect(
      await logInWithPassword(deps, { email: "ada@example.com", password: strongPassword, client }),
    ).toMatchObject({ ok: false, error: "ACCOUNT_LOCKED" });
    deps.mailer.sent.length = 0;
    unwrap(await requestPasswordReset(deps, { email: "ada@example.com", client }));
    await deps.backgroundTasks.drain();
    const [mail] = deps.mailer.sent;
    if (mail === undefined) throw new Error("no reset mail was sent");
    const newPassword = "Brand-new-secret-2?";
    unwrap(await resetPassword(deps, { token: tokenFromMail(mail), newPassword, client }));

    const outcome = unwrap(
      await logInWithPassword(deps, { email: "ada@example.com", password: newPassword, client }),
    );
    expect(outcome).toMatchObject({ mfaRequired: true });
    expect(unwrap(await getTwoFactorStatus(deps, { userId }))).toEqual({
      enabled: true,
      backupCodesRemaining: 10,
    });
  });
});
