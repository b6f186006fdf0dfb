import type { Session } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { Dependencies } from "../../ports/index.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { ScriptedOAuthProviderGateway } from "../../testing/in-memory-oauth.ts";
import { enableTwoFactorFor } from "../../testing/two-factor-helpers.ts";
import {
  registerAccount,
  storedRefreshToken,
  strongPassword,
  unwrap,
} from "../../testing/use-case-helpers.ts";
import { authenticateAccessToken } from "../sessions/authenticate-access-token.ts";
import { refreshSession } from "../sessions/refresh-session.ts";
import { finishOAuthAuthorization } from "../social/finish-oauth-authorization.ts";
import { startLinkingProvider } from "../social/start-linking-provider.ts";
import { startOAuthAuthorization } from "../social/start-oauth-authorization.ts";
import { unlinkProvider } from "../social/unlink-provider.ts";
import { disableTwoFactor } from "../two-factor/disable-two-factor.ts";
import { enableTwoFactor } from "../two-factor/enable-two-factor.ts";
import { regenerateBackupCodes } from "../two-factor/regenerate-backup-codes.ts";
import { setUpTwoFactor } from "../two-factor/set-up-two-factor.ts";
import { reauthenticate } from "./reauthenticate.ts";
import { setPassword } from "./set-password.ts";
import { startProviderReauthentication } from "./start-provider-reauthentication.ts";

// ASVS 5.0 V7.5.1 (issue 7, weak item 3): a stolen access token must not be enough to change how
// the account signs in. Every sensitive change needs a proof within REAUTH_MAX_AGE.

const client = { userAgent: "vitest", ip: "127.0.0.1" };
const newPassword = "Brand-new-secret-2?";

function setUp() {
  const github = new ScriptedOAuthProviderGateway("github", { supportsPKCE: false });
  const deps = { ...createInMemoryDependencies(), oauthProviders: { github } } satisfies Dependencies;
  return { deps, github };
}
type TestDeps = ReturnType<typeof setUp>["deps"];

/** The session as the next request would see it (its proof may have moved). */
async function reread(deps: TestDeps, session: Session): Promise<Session> {
  const found = await deps.sessions.findSession(session.id);
  if (found === null) throw new Error("session gone");
  return found;
}

/** A trip to the provider and back, as a browser with its cookie would make it. */
async function comeBack(deps: TestDeps, input: { state: string; code: string }) {
  return finishOAuthAuthorization(deps, {
    provider: "github",
    state: input.state,
    code: input.code,
    cookie: { state: input.state, codeVerifier: null },
    respondWith: "tokens",
    client,
  });
}

/** A GitHub sign-in start as a front end makes it, bound to its S256 challenge (ADR 0013). */
function startWithChallenge(deps: TestDeps) {
  const codeChallenge = deps.secretHasher.codeChallengeOf("front-end-verifier".padEnd(43, "0"));
  return { provider: "github", codeChallenge, codeChallengeMethod: "S256" };
}

/** An account that signs in only through GitHub (identity `subject`), and its session. */
async function socialAccount(deps: TestDeps, github: ScriptedOAuthProviderGateway, subject = "gh-1") {
  github.answer("sign-in", { subject, email: `${subject}@example.com` });
  const { state } = unwrap(await startOAuthAuthorization(deps, startWithChallenge(deps)));
  const finished = unwrap(await comeBack(deps, { state, code: "sign-in" }));
  if (finished.kind !== "signed-in" || !("refreshToken" in finished.signIn)) throw new Error("no tokens");
  const { session } = await storedRefreshToken(deps, finished.signIn.refreshToken);
  return { session, signIn: finished.signIn };
}

describe("a session's proof", () => {
  it("is its sign-in, and refreshing the tokens does not renew it", async () => {
    const { deps } = setUp();
    const { session, refreshToken } = await registerAccount(deps);
    expect(session.authenticatedAt).toEqual(session.createdAt);
    expect(session.authenticationMethods).toEqual(["pwd"]);
    deps.clock.advance(4 * 60_000);
    const refreshed = unwrap(await refreshSession(deps, { refreshToken }));
    deps.clock.advance(2 * 60_000);
    const { session: seen } = unwrap(await authenticateAccessToken(deps, { token: refreshed.accessToken }));
    expect(seen.authenticatedAt).toEqual(session.createdAt);
    expect(await setUpTwoFactor(deps, { session: seen })).toMatchObject({
      ok: false,
      error: "REAUTH_REQUIRED",
    });
  });
});

describe("every sensitive change refuses a stale session with REAUTH_REQUIRED and changes nothing", () => {
  it("setting a first password on a social-only account (the stolen-token takeover)", async () => {
    const { deps, github } = setUp();
    const { session } = await socialAccount(deps, github);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    expect(await setPassword(deps, { session, newPassword, client })).toMatchObject({
      ok: false,
      error: "REAUTH_REQUIRED",
    });
    expect((await deps.users.findUserById(session.userId))?.passwordHash).toBeNull();
  });

  it("setting up, enabling, renewing backup codes and turning 2FA off", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps, { verified: true });
    unwrap(await setUpTwoFactor(deps, { session }));
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    expect(await setUpTwoFactor(deps, { session })).toMatchObject({ error: "REAUTH_REQUIRED" });
    expect(await enableTwoFactor(deps, { session, code: "123456" })).toMatchObject({
      error: "REAUTH_REQUIRED",
    });
    expect(await deps.twoFactor.findTOTPFactor(session.userId)).toMatchObject({ status: "pending" });

    const other = await registerAccount(deps, { email: "grace@example.com", nickname: "grace" });
    const { codeNow } = await enableTwoFactorFor(deps, other.session);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    const stale = other.session;
    expect(await regenerateBackupCodes(deps, { session: stale, code: codeNow() })).toMatchObject({
      error: "REAUTH_REQUIRED",
    });
    expect(await disableTwoFactor(deps, { session: stale, code: codeNow() })).toMatchObject({
      error: "REAUTH_REQUIRED",
    });
    expect(await deps.twoFactor.findTwoFactorStatus(stale.userId)).toEqual({
      enabled: true,
      backupCodesRemaining: 10,
    });
  });

  it("linking and unlinking a provider", async () => {
    const { deps, github } = setUp();
    const { session } = await socialAccount(deps, github);
    unwrap(await setPassword(deps, { session, newPassword, client }));
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    expect(await startLinkingProvider(deps, { session, provider: "github" })).toMatchObject({
      error: "REAUTH_REQUIRED",
    });
    expect(await unlinkProvider(deps, { session, provider: "github" })).toMatchObject({
      error: "REAUTH_REQUIRED",
    });
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(session.userId)).toHaveLength(1);
  });

  it("but changing a password with the current one in the request needs no fresh session", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    expect(await setPassword(deps, { session, currentPassword: strongPassword, newPassword })).toEqual({
      ok: true,
      value: undefined,
    });
  });
});

describe("reauthenticate", () => {
  it("with the password records the proof on the session, which may then make changes again", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps, { verified: true });
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    expect(await reauthenticate(deps, { session, password: strongPassword, client })).toEqual({
      ok: true,
      value: { reauthenticatedAt: deps.clock.now() },
    });
    const fresh = await reread(deps, session);
    expect(fresh.authenticatedAt).toEqual(deps.clock.now());
    expect(fresh.authenticationMethods).toEqual(["pwd"]);
    expect((await setUpTwoFactor(deps, { session: fresh })).ok).toBe(true);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    expect(await setUpTwoFactor(deps, { session: fresh })).toMatchObject({ error: "REAUTH_REQUIRED" });
  });

  it("with a TOTP code or a backup code, each accepted once", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps);
    const { codeNow, backupCodes } = await enableTwoFactorFor(deps, session);
    const code = codeNow();
    deps.clock.advance(1000);
    expect((await reauthenticate(deps, { session, code, client })).ok).toBe(true);
    // The proof was a one-time code alone: that is how the session last authenticated.
    expect(await reread(deps, session)).toMatchObject({
      authenticatedAt: deps.clock.now(),
      authenticationMethods: ["otp"],
    });
    expect(await reauthenticate(deps, { session, code, client })).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
    const backupCode = backupCodes[0];
    expect((await reauthenticate(deps, { session, backupCode, client })).ok).toBe(true);
    expect(await reauthenticate(deps, { session, backupCode, client })).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
    expect(deps.securityEvents.all().map((e) => e.type)).toContain("backup_code_used");
  });

  it("of one TOTP code sent twice at once, exactly one re-authenticates", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps);
    const { codeNow } = await enableTwoFactorFor(deps, session);
    const code = codeNow();
    const results = await Promise.all([
      reauthenticate(deps, { session, code, client }),
      reauthenticate(deps, { session, code, client }),
    ]);
    expect(results.map((r) => (r.ok ? "ok" : r.error)).sort()).toEqual(["INVALID_TWO_FACTOR_CODE", "ok"]);
  });

  it("refuses wrong factors, a code without 2FA, and anything but exactly one proof", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps);
    const stale = session.authenticatedAt;
    expect(await reauthenticate(deps, { session, password: "Wrong-password-1!", client })).toMatchObject({
      error: "INVALID_CURRENT_PASSWORD",
    });
    expect(await reauthenticate(deps, { session, code: "123456", client })).toMatchObject({
      error: "TWO_FACTOR_NOT_ENABLED",
    });
    expect(await reauthenticate(deps, { session, client })).toMatchObject({ error: "VALIDATION_ERROR" });
    expect(
      await reauthenticate(deps, { session, password: strongPassword, code: "123456", client }),
    ).toMatchObject({ error: "VALIDATION_ERROR" });
    const { codeNow } = await enableTwoFactorFor(deps, session);
    expect(await reauthenticate(deps, { session, code: "000000", client })).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
    expect(codeNow()).not.toBe("000000");
    expect(await reauthenticate(deps, { session, backupCode: "not-a-code", client })).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
    expect((await reread(deps, session)).authenticatedAt).toEqual(stale);
    // Each wrong proof is in the person's log, where it came from and of which kind; the refusals
    // of a malformed request or a code without 2FA are not.
    const failed = deps.securityEvents.all().filter((event) => event.type === "reauthentication_failed");
    expect(failed.map((event) => event.details)).toEqual([
      { method: "password", during: "reauthentication" },
      { method: "code", during: "reauthentication" },
      { method: "backup_code", during: "reauthentication" },
    ]);
    expect(failed.every((event) => event.ip === client.ip)).toBe(true);
  });

  it("records a wrong password or code sent with a change, saying which change; not a malformed request", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps);
    const wrongPassword = "Wrong-password-1!";
    expect(
      await setPassword(deps, { session, currentPassword: wrongPassword, newPassword, client }),
    ).toMatchObject({ error: "INVALID_CURRENT_PASSWORD" });
    expect(await setPassword(deps, { session, currentPassword: "", newPassword, client })).toMatchObject({
      error: "VALIDATION_ERROR",
    });
    const { codeNow } = await enableTwoFactorFor(deps, session);
    expect(codeNow()).not.toBe("000000");
    expect(await regenerateBackupCodes(deps, { session, code: "000000", client })).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
    expect(
      await disableTwoFactor(deps, { session, password: wrongPassword, code: codeNow(), client }),
    ).toMatchObject({ error: "INVALID_CURRENT_PASSWORD" });
    expect(await disableTwoFactor(deps, { session, backupCode: "not-a-code", client })).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
    });
    expect(await disableTwoFactor(deps, { session, client })).toMatchObject({ error: "VALIDATION_ERROR" });
    const failed = deps.securityEvents.all().filter((event) => event.type === "reauthentication_failed");
    expect(failed.map((event) => event.details)).toEqual([
      { method: "password", during: "password_change" },
      { method: "code", during: "backup_codes" },
      { method: "password", during: "two_factor_off" },
      { method: "backup_code", during: "two_factor_off" },
    ]);
    expect(failed.every((event) => event.ip === client.ip && event.userId === session.userId)).toBe(true);
    // Nothing was changed by the wrong proofs: 2FA is still on.
    expect((await deps.twoFactor.findTOTPFactor(session.userId))?.status).toBe("enabled");
  });

  it("records the wrong password or code that locks, before the lock, whatever the occasion", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps);
    const { codeNow } = await enableTwoFactorFor(deps, session);
    expect(codeNow()).not.toBe("000000");
    const attempts = [
      () => reauthenticate(deps, { session, password: "Wrong-password-1!", client }),
      () => reauthenticate(deps, { session, code: "000000", client }),
      () => regenerateBackupCodes(deps, { session, code: "000000", client }),
      () => disableTwoFactor(deps, { session, backupCode: "not-a-code", client }),
      () => setPassword(deps, { session, currentPassword: "Wrong-password-1!", newPassword, client }),
    ];
    const answers = [];
    for (const attempt of attempts) answers.push((await attempt()) as { error?: string });
    expect(answers.map((answer) => answer.error)).toEqual([
      "INVALID_CURRENT_PASSWORD",
      "INVALID_TWO_FACTOR_CODE",
      "INVALID_TWO_FACTOR_CODE",
      "INVALID_TWO_FACTOR_CODE",
      "ACCOUNT_LOCKED",
    ]);
    const logged = deps.securityEvents
      .all()
      .filter((event) => event.type === "reauthentication_failed" || event.type === "account_locked");
    expect(logged.map((event) => [event.type, event.details])).toEqual([
      ["reauthentication_failed", { method: "password", during: "reauthentication" }],
      ["reauthentication_failed", { method: "code", during: "reauthentication" }],
      ["reauthentication_failed", { method: "code", during: "backup_codes" }],
      ["reauthentication_failed", { method: "backup_code", during: "two_factor_off" }],
      ["reauthentication_failed", { method: "password", during: "password_change" }],
      ["account_locked", expect.anything()],
    ]);
  });

  it("records no failed proof when the sign-in lock refuses the attempt", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps);
    for (let i = 0; i < deps.settings.lockout.threshold; i++)
      await reauthenticate(deps, { session, password: "Wrong-password-1!", client });
    const before = deps.securityEvents
      .all()
      .filter((event) => event.type === "reauthentication_failed").length;
    expect(await reauthenticate(deps, { session, password: strongPassword, client })).toMatchObject({
      error: "ACCOUNT_LOCKED",
    });
    expect(
      deps.securityEvents.all().filter((event) => event.type === "reauthentication_failed"),
    ).toHaveLength(before);
  });

  it("refuses a proof with nothing typed (VALIDATION_ERROR) without counting it toward lockout or recording it", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps);
    await enableTwoFactorFor(deps, session);
    for (let i = 0; i < 6; i++) {
      expect(await reauthenticate(deps, { session, password: "", client })).toEqual({
        ok: false,
        error: "VALIDATION_ERROR",
        message: "Password is required",
      });
      expect(await reauthenticate(deps, { session, code: " ", client })).toEqual({
        ok: false,
        error: "VALIDATION_ERROR",
        message: "Type the code from your authenticator app",
      });
      expect(await reauthenticate(deps, { session, backupCode: "", client })).toEqual({
        ok: false,
        error: "VALIDATION_ERROR",
        message: "Type one of your backup codes",
      });
    }
    expect(deps.securityEvents.all().map((event) => event.type)).not.toContain("reauthentication_failed");
    // Eighteen of them, past the lockout's five: the right password still proves.
    unwrap(await reauthenticate(deps, { session, password: strongPassword, client }));
  });

  it("counts wrong passwords and codes toward lockout: the fifth locks, even the right password", async () => {
    const { deps } = setUp();
    const { session } = await registerAccount(deps);
    await enableTwoFactorFor(deps, session);
    for (let i = 0; i < 3; i++)
      await reauthenticate(deps, { session, password: "Wrong-password-1!", client });
    for (let i = 0; i < 2; i++) await reauthenticate(deps, { session, code: "000000", client });
    expect(await reauthenticate(deps, { session, password: strongPassword, client })).toMatchObject({
      ok: false,
      error: "ACCOUNT_LOCKED",
      retryAfterSeconds: 1800,
    });
  });
});

describe("re-authenticating through a provider", () => {
  it("records the proof when the linked identity comes back, so a social-only account can set a password", async () => {
    const { deps, github } = setUp();
    const { session } = await socialAccount(deps, github);
    expect(session.authenticationMethods).toEqual(["fed"]);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    const { state } = unwrap(await startProviderReauthentication(deps, { session, provider: "github" }));
    github.answer("again", { subject: "gh-1" });
    expect(await comeBack(deps, { state, code: "again" })).toEqual({
      ok: true,
      value: { kind: "reauthenticated", provider: "github" },
    });
    const fresh = await reread(deps, session);
    expect(fresh.authenticatedAt).toEqual(deps.clock.now());
    expect(fresh.authenticationMethods).toEqual(["fed"]);
    expect(await setPassword(deps, { session: fresh, newPassword, client })).toEqual({
      ok: true,
      value: undefined,
    });
  });

  it("refuses another identity with REAUTH_IDENTITY_MISMATCH, also one linked to someone else", async () => {
    const { deps, github } = setUp();
    const { session } = await socialAccount(deps, github, "gh-1");
    github.answer("sign-in", { subject: "gh-2", email: "eve@example.com" });
    const { state: eveState } = unwrap(await startOAuthAuthorization(deps, startWithChallenge(deps)));
    unwrap(await comeBack(deps, { state: eveState, code: "sign-in" }));
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    for (const subject of ["gh-2", "gh-never-seen"]) {
      const { state } = unwrap(await startProviderReauthentication(deps, { session, provider: "github" }));
      github.answer(subject, { subject });
      expect(await comeBack(deps, { state, code: subject })).toMatchObject({
        ok: false,
        error: "REAUTH_IDENTITY_MISMATCH",
      });
    }
    expect((await reread(deps, session)).authenticatedAt).toEqual(session.authenticatedAt);
  });

  it("is only for accounts without a password or 2FA: one with either uses its stronger factor (VALIDATION_ERROR)", async () => {
    const { deps, github } = setUp();
    const social = await socialAccount(deps, github, "gh-strong");
    await enableTwoFactorFor(deps, social.session);
    expect(
      await startProviderReauthentication(deps, { session: social.session, provider: "github" }),
    ).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
    const other = await socialAccount(deps, github, "gh-with-password");
    await deps.users.updatePasswordHash({
      userId: other.session.userId,
      passwordHash: await deps.passwordHasher.hashPassword(newPassword),
      now: deps.clock.now(),
    });
    expect(
      await startProviderReauthentication(deps, { session: other.session, provider: "github" }),
    ).toMatchObject({
      ok: false,
      error: "VALIDATION_ERROR",
    });
  });

  it("refuses to start for a provider that is not linked, and to finish for a session that ended", async () => {
    const { deps, github } = setUp();
    const { session } = await registerAccount(deps);
    expect(await startProviderReauthentication(deps, { session, provider: "github" })).toMatchObject({
      error: "PROVIDER_NOT_LINKED",
    });
    expect(await startProviderReauthentication(deps, { session, provider: "GitHub" })).toMatchObject({
      error: "UNSUPPORTED_PROVIDER",
    });
    const social = await socialAccount(deps, github, "gh-9");
    const { state } = unwrap(
      await startProviderReauthentication(deps, { session: social.session, provider: "github" }),
    );
    await deps.sessions.revokeSession({ sessionId: social.session.id, now: deps.clock.now() });
    github.answer("late", { subject: "gh-9" });
    expect(await comeBack(deps, { state, code: "late" })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
  });
});
