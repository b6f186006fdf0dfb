import { generateTOTPCode } from "@superoauth/adapter-crypto";
import type { HttpApp } from "@superoauth/adapter-http";
import { type SMTPSink, startSMTPSink, tokenFromReceivedMail } from "@superoauth/adapter-mail/testing";
import { failInserts, failWrites, useTestDatabase } from "@superoauth/adapter-sql/testing";
import { formAccountOf } from "@superoauth/adapter-web";
import { mailRepeatWindowMs, type UserId } from "@superoauth/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import type { Config } from "../src/config.ts";
import { ageMailedLinks } from "./email-token-rows.ts";
import { expectInternalErrorWhileRefused } from "./refused-write.ts";
import { integrationTestConfig } from "./test-config.ts";

type LightMyRequestResponse = Awaited<ReturnType<HttpApp["inject"]>>;

// The composed service on MySQL, mailing through a real SMTP server (the sink) on 127.0.0.1:
// every token these tests use comes out of a mail the sink received.

const database = useTestDatabase();
let sink: SMTPSink;
let service: Service;

function testConfig(input: { databaseURL: string; smtpURL: string }): Config {
  const config = integrationTestConfig({
    DATABASE_URL: input.databaseURL,
    SMTP_URL: input.smtpURL,
    MAIL_FROM: "SuperOAuth <no-reply@superoauth.test>",
    APP_URL: "https://app.superoauth.test",
    // The mails sign with the operator's brand and give its support address.
    BRAND_NAME: "Acme ID",
    SUPPORT_URL: "mailto:help@acme.test",
  });
  return config;
}

beforeAll(async () => {
  sink = await startSMTPSink();
  service = await composeService(testConfig({ databaseURL: database.url(), smtpURL: sink.url }), undefined);
});
afterAll(async () => {
  await service?.close();
  await sink?.close();
});

const password = "Integr4tion-pass!";
const newPassword = "Integr4tion-reset!";

function post(
  url: string,
  payload: Record<string, unknown> | undefined,
  accessToken?: string,
): Promise<LightMyRequestResponse> {
  return service.app.inject({
    method: "POST",
    url: `/api/v1${url}`,
    ...(payload === undefined ? {} : { payload }),
    ...(accessToken === undefined ? {} : { headers: { authorization: `Bearer ${accessToken}` } }),
  });
}

function me(accessToken: string): Promise<LightMyRequestResponse> {
  return service.app.inject({ url: "/api/v1/auth/me", headers: { authorization: `Bearer ${accessToken}` } });
}

async function register(email: string) {
  const response = await post("/auth/register", { email, password, nickname: "mailer" });
  expect(response.statusCode).toBe(201);
  return response.json().data as { accessToken: string; refreshToken: string; user: { id: string } };
}

function mailTo(address: string, subject: RegExp) {
  return sink.waitForMail((m) => m.to.includes(address) && subject.test(m.subject));
}

/**
 * Turns a second factor on straight in the store, as a stranger who registered an address could
 * have before 2FA needed a proven address: the first proof of the address must take it away.
 */
async function enableFactorFromBeforeTheRule(userId: UserId) {
  const sealed = "a secret sealed before the rule";
  await service.storage.twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: sealed, now: new Date() });
  return service.storage.twoFactor.enableTOTPFactor({
    userId,
    confirmedSecret: sealed,
    usedStep: 0,
    backupCodes: [],
    now: new Date(),
  });
}

/** Asks for a reset link for `address`, then sets `newPassword` through the mailed link. */
async function resetByMail(address: string): Promise<void> {
  expect((await post("/auth/forgot-password", { email: address })).statusCode).toBe(200);
  const mail = await mailTo(address, /reset/i);
  const reset = await post("/auth/reset-password", { token: tokenFromReceivedMail(mail), newPassword });
  expect(reset.statusCode).toBe(200);
}

/** What must not differ between two answers: status, body bytes and headers but the date and rate-limit counters. */
function comparable(response: LightMyRequestResponse) {
  const headers = Object.fromEntries(
    // The request id differs by design (a new one per request); it says nothing about the address.
    Object.entries(response.headers).filter(
      ([name]) => name !== "date" && name !== "x-request-id" && !name.startsWith("x-ratelimit-"),
    ),
  );
  return { status: response.statusCode, body: response.body, headers };
}

describe("mail flows through SMTP on MySQL", () => {
  it("register -> verification mail -> follow the link's token -> the address is verified", async () => {
    const registered = await register("verify@example.com");
    const mail = await mailTo("verify@example.com", /verify/i);

    expect(mail.fromHeader).toBe('"SuperOAuth" <no-reply@superoauth.test>');
    expect(mail.text).toMatch(/https:\/\/app\.superoauth\.test\/verify-email#token=/);
    expect(mail.html).toContain('href="https://app.superoauth.test/verify-email#token=');
    expect(mail.text).toContain("belongs to your Acme ID account");
    expect(mail.text).toContain("Need help? Write to help@acme.test");
    expect(mail.html).toContain('<a href="mailto:help@acme.test">Write to help@acme.test</a>');
    expect(mail.text.trimEnd().endsWith("Acme ID")).toBe(true);
    expect(`${mail.text}${mail.html}`).not.toContain("SuperOAuth");
    const verified = await post("/auth/verify-email", { token: tokenFromReceivedMail(mail) });

    expect(verified.statusCode).toBe(200);
    expect((await me(registered.accessToken)).json().data.user.emailVerified).toBe(true);
    // This account's token (the other tests' sign-ups have theirs).
    const [row] = await database
      .db()
      .selectFrom("email_tokens")
      .selectAll()
      .where("user_id", "=", registered.user.id)
      .where("purpose", "=", "verify_email")
      .execute();
    expect(row?.used_at).toBeInstanceOf(Date);
    expect(row?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(mail.text).not.toContain(row?.secret_hash);
  });

  it("a verification whose marking of the address fails lands nothing of it: the link still works, and then verifies (ADR 0056)", async () => {
    const registered = await register("verify-fails@example.com");
    const token = tokenFromReceivedMail(await mailTo("verify-fails@example.com", /verify/i));
    // What the first proof takes away (ADR 0043): a provider and a factor set before it, as a
    // stranger who registered the address could have (the factor from before 2FA needed a proof).
    const userId = registered.user.id as UserId;
    const strangers = { provider: "github" as const, subject: "stranger-before-proof" };
    await service.storage.linkedProviders.linkProvider({
      ...strangers,
      userId,
      email: null,
      displayName: null,
      linkedAt: new Date(),
    });
    expect(await enableFactorFromBeforeTheRule(userId)).toBe("enabled");
    const takenAway = async () => ({
      provider: (await service.storage.linkedProviders.findLinkedProvider(strangers)) === null,
      twoFactor: (await me(registered.accessToken)).json().data.user.twoFactorEnabled === false,
    });
    await expectInternalErrorWhileRefused(failWrites(database.db(), "users", "email_verified"), () =>
      post("/auth/verify-email", { token }),
    );
    expect((await me(registered.accessToken)).json().data.user.emailVerified).toBe(false);
    expect(await takenAway()).toEqual({ provider: false, twoFactor: false });

    const verified = await post("/auth/verify-email", { token });
    expect({ status: verified.statusCode, data: verified.json().data }).toEqual({
      status: 200,
      data: { emailVerified: true, alreadyVerified: false },
    });
    expect((await me(registered.accessToken)).json().data.user.emailVerified).toBe(true);
    expect(await takenAway()).toEqual({ provider: true, twoFactor: true });
  });

  it("a sign-up whose session cannot be stored lands nothing: no account, no link mailed, and signing up again works (ADR 0056)", async () => {
    const address = "register-fails@example.com";
    // The session's row is refused after the account's, as a crash there would leave them; before
    // ADR 0056 the account stayed, its link was mailed, and signing up again answered USER_EXISTS.
    await expectInternalErrorWhileRefused(failInserts(database.db(), "sessions"), () =>
      post("/auth/register", { email: address, password, nickname: "mailer" }),
    );
    const signIn = await post("/auth/login", { email: address, password });
    expect({ status: signIn.statusCode, error: signIn.json().error }).toEqual({
      status: 401,
      error: "INVALID_CREDENTIALS",
    });

    const registered = await register(address);
    const mail = await mailTo(address, /verify/i);
    expect(sink.mails.filter((received) => received.to.includes(address))).toEqual([mail]);
    const verified = await post("/auth/verify-email", { token: tokenFromReceivedMail(mail) });
    expect(verified.statusCode).toBe(200);
    expect((await me(registered.accessToken)).json().data.user.emailVerified).toBe(true);
  });

  it('a sign-in whose last write fails lands nothing: no session, no entry in the log, no "was this you?"; the next one does (ADR 0056)', async () => {
    const address = "login-fails@example.com";
    const { user } = await register(address);
    // From networks the account never used, so each sign-in is also a new device's (a notice
    // naming the address it came from).
    const logInFrom = (remoteAddress: string) =>
      service.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: address, password },
        remoteAddress,
      });
    const ofUser = (table: "sessions" | "security_events") =>
      database.db().selectFrom(table).where("user_id", "=", user.id).select("user_id").execute();
    const noticesNaming = (ip: string) =>
      sink.mails.filter(
        (mail) => mail.to.includes(address) && /new sign-in/i.test(mail.subject) && mail.text.includes(ip),
      );
    // The client's row (the last write) is refused, as a crash there would leave the rest; before
    // ADR 0056 the session, the log's entries and the notice stayed.
    const events = await ofUser("security_events");
    await expectInternalErrorWhileRefused(failInserts(database.db(), "known_sign_in_sources"), () =>
      logInFrom("203.0.113.9"),
    );
    expect(await ofUser("sessions")).toHaveLength(1);
    expect(await ofUser("security_events")).toHaveLength(events.length);

    expect((await logInFrom("203.0.113.10")).statusCode).toBe(200);
    // Mails go out at once and side by side: the refused sign-in's notice, had it been queued
    // first, would be in by the time the next one's is.
    await sink.waitForMail((mail) => noticesNaming("203.0.113.10").includes(mail));
    expect(noticesNaming("203.0.113.9")).toEqual([]);
    expect(await ofUser("sessions")).toHaveLength(2);
    expect(await ofUser("security_events")).toHaveLength(events.length + 2);
  });

  it("forgot -> reset mail -> reset: old sessions and third-party apps' grants are dead, the new password works, the old does not", async () => {
    const registered = await register("reset@example.com");
    // An app the account authorized (as the OpenID provider stores a grant and a refresh token under it).
    const grant = {
      model: "Grant",
      id: "grant-of-reset",
      payload: { accountId: registered.user.id, clientId: "an-app" },
    };
    const appToken = {
      model: "RefreshToken",
      id: "refresh-of-reset",
      payload: { accountId: registered.user.id, clientId: "an-app", grantId: grant.id },
    };
    for (const record of [grant, appToken])
      await service.storage.oidcModels.upsert({ ...record, expiresAt: null });
    const forgot = await post("/auth/forgot-password", { email: "reset@example.com" });
    expect(forgot.statusCode).toBe(200);
    const mail = await mailTo("reset@example.com", /reset/i);
    expect(mail.text).toMatch(/https:\/\/app\.superoauth\.test\/reset-password#token=/);

    const reset = await post("/auth/reset-password", { token: tokenFromReceivedMail(mail), newPassword });

    expect(reset.statusCode).toBe(200);
    expect((await me(registered.accessToken)).json()).toMatchObject({
      success: false,
      error: "INVALID_TOKEN",
    });
    for (const { model, id } of [grant, appToken]) {
      expect(await service.storage.oidcModels.find({ model, id, now: new Date() }), model).toBeNull();
    }
    expect((await post("/auth/refresh", { refreshToken: registered.refreshToken })).json()).toMatchObject({
      error: "INVALID_REFRESH_TOKEN",
    });
    expect(
      (await post("/auth/login", { email: "reset@example.com", password: newPassword })).statusCode,
    ).toBe(200);
    const old = await post("/auth/login", { email: "reset@example.com", password });
    expect({ status: old.statusCode, error: old.json().error }).toEqual({
      status: 401,
      error: "INVALID_CREDENTIALS",
    });
  });

  it("a password reset unlocks but never turns 2FA off: register, enable 2FA, forgot -> mail -> reset, login still asks for the code", async () => {
    const address = "reset-2fa@example.com";
    const registered = await register(address);
    // A proven address: the reset of one nobody had proven turns off a factor a stranger may have
    // set up (the next test).
    const verification = await mailTo(address, /verify/i);
    expect(
      (await post("/auth/verify-email", { token: tokenFromReceivedMail(verification) })).statusCode,
    ).toBe(200);
    const setup = await post("/auth/2fa/setup", undefined, registered.accessToken);
    expect(setup.statusCode).toBe(200);
    const { secret } = setup.json().data as { secret: string };
    const enabled = await post(
      "/auth/2fa/enable",
      { code: await generateTOTPCode({ secret, now: new Date() }) },
      registered.accessToken,
    );
    expect(enabled.statusCode).toBe(200);
    // Locked out by wrong passwords first: the reset lifts the lock, and still leaves 2FA on.
    for (let i = 0; i < 5; i++) {
      expect((await post("/auth/login", { email: address, password: "Wr0ng-password!" })).statusCode).toBe(
        i < 4 ? 401 : 423,
      );
    }
    const locked = await post("/auth/login", { email: address, password });
    expect({ status: locked.statusCode, error: locked.json().error }).toEqual({
      status: 423,
      error: "ACCOUNT_LOCKED",
    });

    await resetByMail(address);

    const login = await post("/auth/login", { email: address, password: newPassword });
    expect(login.statusCode).toBe(200);
    const challenge = login.json().data;
    expect(challenge).toEqual({ mfaRequired: true, mfaToken: expect.any(String), expiresIn: 300 });
    expect(challenge).not.toHaveProperty("accessToken");
    // The code that enabled 2FA is spent; the next step's code (within the one-step drift) is not.
    const code = await generateTOTPCode({ secret, now: new Date(Date.now() + 30_000) });
    const verified = await post("/auth/2fa/verify", { mfaToken: challenge.mfaToken, code });
    expect(verified.statusCode).toBe(200);
    expect((await me(verified.json().data.accessToken)).json().data.user).toMatchObject({
      email: address,
      twoFactorEnabled: true,
      backupCodesRemaining: 10,
    });
  });

  it("the reset of an address nobody had proven turns off 2FA a stranger who registered it first turned on", async () => {
    // A stranger registers the owner's address. Today they cannot turn 2FA on before the address is
    // proven; a factor they turned on before that rule may still be stored, and the owner's reset
    // must leave them signed in, not at a code prompt only the stranger can answer.
    const address = "reset-2fa-squatted@example.com";
    const registered = await register(address);
    const refused = await post("/auth/2fa/setup", undefined, registered.accessToken);
    expect({ status: refused.statusCode, error: refused.json().error }).toEqual({
      status: 403,
      error: "EMAIL_NOT_VERIFIED",
    });
    const userId = registered.user.id as UserId;
    expect(await enableFactorFromBeforeTheRule(userId)).toBe("enabled");
    expect((await me(registered.accessToken)).json().data.user).toMatchObject({ twoFactorEnabled: true });

    await resetByMail(address);

    const login = await post("/auth/login", { email: address, password: newPassword });
    expect(login.statusCode).toBe(200);
    expect(login.json().data).not.toHaveProperty("mfaRequired");
    expect((await me(login.json().data.accessToken)).json().data.user).toMatchObject({
      email: address,
      emailVerified: true,
      twoFactorEnabled: false,
    });
  });

  it("replaying a used reset token answers INVALID_RESET_TOKEN 400", async () => {
    await register("replay@example.com");
    await post("/auth/forgot-password", { email: "replay@example.com" });
    const token = tokenFromReceivedMail(await mailTo("replay@example.com", /reset/i));
    expect((await post("/auth/reset-password", { token, newPassword })).statusCode).toBe(200);

    const replay = await post("/auth/reset-password", { token, newPassword: "Another-pass1!" });

    expect({ status: replay.statusCode, body: replay.json() }).toEqual({
      status: 400,
      body: { success: false, error: "INVALID_RESET_TOKEN", message: expect.any(String) },
    });
  });

  it("a reset whose password store fails lands nothing of it: the link still works, no one is signed out, the old password still signs in (ADR 0056)", async () => {
    const registered = await register("reset-fails@example.com");
    await post("/auth/forgot-password", { email: "reset-fails@example.com" });
    const token = tokenFromReceivedMail(await mailTo("reset-fails@example.com", /reset/i));
    // The store fails after the link is spent and the sessions ended, as a crash there would leave
    // them; before ADR 0056 they stayed so: the link spent, the old password in force.
    await expectInternalErrorWhileRefused(failWrites(database.db(), "users", "password_hash"), () =>
      post("/auth/reset-password", { token, newPassword }),
    );
    expect((await me(registered.accessToken)).statusCode).toBe(200);
    expect((await post("/auth/login", { email: "reset-fails@example.com", password })).statusCode).toBe(200);

    expect((await post("/auth/reset-password", { token, newPassword })).statusCode).toBe(200);
    expect((await me(registered.accessToken)).json()).toMatchObject({ error: "INVALID_TOKEN" });
    expect(
      (await post("/auth/login", { email: "reset-fails@example.com", password: newPassword })).statusCode,
    ).toBe(200);
  });

  it("two concurrent resets with one mailed token: exactly one succeeds", async () => {
    await register("race-reset@example.com");
    await post("/auth/forgot-password", { email: "race-reset@example.com" });
    const token = tokenFromReceivedMail(await mailTo("race-reset@example.com", /reset/i));

    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        post("/auth/reset-password", { token, newPassword: `${newPassword}${i}` }),
      ),
    );

    expect(outcomes.map((r) => r.statusCode).sort()).toEqual([200, 400, 400, 400, 400]);
  });

  it("a second reset link supersedes the first: the first answers INVALID_RESET_TOKEN 400, the second works", async () => {
    await register("two-links@example.com");
    await post("/auth/forgot-password", { email: "two-links@example.com" });
    const first = tokenFromReceivedMail(await mailTo("two-links@example.com", /reset/i));
    // A request within a minute of the first mails nothing (the next test): the first was asked for
    // a minute ago.
    await ageMailedLinks(database.db(), {
      email: "two-links@example.com",
      purpose: "reset_password",
      ms: mailRepeatWindowMs,
    });
    await post("/auth/forgot-password", { email: "two-links@example.com" });
    const secondMail = await sink.waitForMail(
      (m) =>
        m.to.includes("two-links@example.com") &&
        /reset/i.test(m.subject) &&
        tokenFromReceivedMail(m) !== first,
    );

    const refused = await post("/auth/reset-password", { token: first, newPassword });
    expect({ status: refused.statusCode, error: refused.json().error }).toEqual({
      status: 400,
      error: "INVALID_RESET_TOKEN",
    });
    const reset = await post("/auth/reset-password", {
      token: tokenFromReceivedMail(secondMail),
      newPassword,
    });
    expect(reset.statusCode).toBe(200);
  });

  it("two forgot-password requests at once (a double tap) mail one link, and it works", async () => {
    await register("twice-at-once@example.com");
    const answers = await Promise.all([
      post("/auth/forgot-password", { email: "twice-at-once@example.com" }),
      post("/auth/forgot-password", { email: "twice-at-once@example.com" }),
    ]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200]);
    const resetMails = () =>
      sink.mails.filter((m) => m.to.includes("twice-at-once@example.com") && /reset/i.test(m.subject));
    const mail = await mailTo("twice-at-once@example.com", /reset/i);
    // Deliveries run in the background: give a second mail time to (not) arrive.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resetMails()).toHaveLength(1);

    const tokens = await database
      .db()
      .selectFrom("email_tokens")
      .innerJoin("users", "users.id", "email_tokens.user_id")
      .select("email_tokens.used_at")
      .where("users.email", "=", "twice-at-once@example.com")
      .where("email_tokens.purpose", "=", "reset_password")
      .execute();
    expect(tokens).toHaveLength(1);
    expect(tokens.filter((t) => t.used_at === null)).toHaveLength(1);
    const reset = await post("/auth/reset-password", { token: tokenFromReceivedMail(mail), newPassword });
    expect(reset.statusCode).toBe(200);
  });

  it("forgot-password answers known and unknown addresses byte for byte alike, and mails only the known", async () => {
    await register("known-forgot@example.com");
    const known = await post("/auth/forgot-password", { email: "known-forgot@example.com" });
    const unknown = await post("/auth/forgot-password", { email: "unknown-forgot@example.com" });

    expect(known.statusCode).toBe(200);
    expect(comparable(unknown)).toStrictEqual(comparable(known));
    await mailTo("known-forgot@example.com", /reset/i);
    // Deliveries run in the background: give a mail to the unknown address the same time to (not) arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.mails.some((m) => m.to.includes("unknown-forgot@example.com"))).toBe(false);
  });

  it("resend-verification answers known, unknown and verified addresses byte for byte alike", async () => {
    await register("known-resend@example.com");
    const known = await post("/auth/resend-verification", { email: "known-resend@example.com" });
    const unknown = await post("/auth/resend-verification", { email: "unknown-resend@example.com" });
    const token = tokenFromReceivedMail(await mailTo("known-resend@example.com", /verify/i));
    await post("/auth/verify-email", { token });
    const verified = await post("/auth/resend-verification", { email: "known-resend@example.com" });

    expect(known.statusCode).toBe(200);
    expect(comparable(unknown)).toStrictEqual(comparable(known));
    expect(comparable(verified)).toStrictEqual(comparable(known));
  });

  it("a change of password whose ending of the other sessions fails lands nothing of it: the old password and the other session still work (ADR 0056)", async () => {
    const first = await register("change-fails@example.com");
    const other = (await post("/auth/login", { email: "change-fails@example.com", password })).json().data;
    // The ending fails after the new password is stored, as a crash there would leave it: without
    // the transaction the new password would stand with the other session still working.
    await expectInternalErrorWhileRefused(failWrites(database.db(), "sessions", "revoked_at"), () =>
      post("/user/password", { currentPassword: password, newPassword }, first.accessToken),
    );
    expect((await me(other.accessToken)).statusCode).toBe(200);
    const signIn = async (withPassword: string) =>
      (await post("/auth/login", { email: "change-fails@example.com", password: withPassword })).statusCode;
    expect([await signIn(password), await signIn(newPassword)]).toEqual([200, 401]);
  });

  it("changing the password mails the holder a security notice, with no password or token in it", async () => {
    const registered = await register("notice@example.com");

    const changed = await post(
      "/user/password",
      { currentPassword: password, newPassword },
      registered.accessToken,
    );

    expect(changed.statusCode).toBe(200);
    const mail = await mailTo("notice@example.com", /password was changed/i);
    expect(mail.to).toContain("notice@example.com");
    expect(mail.text).toContain("The password of your Acme ID account was changed");
    expect(mail.text).toContain("IP address: 127.0.0.1");
    expect(mail.text).toContain("https://app.superoauth.test/forgot-password\n");
    // The sessions link names the account by the pages' own mark, which the signed-in gate compares.
    expect(mail.html).toContain(
      `href="https://app.superoauth.test/account/sessions?account=${formAccountOf(registered.user.id)}"`,
    );
    for (const secret of [password, newPassword, registered.accessToken, registered.refreshToken]) {
      expect(mail.text).not.toContain(secret);
      expect(mail.html).not.toContain(secret);
    }
  });

  it("a sign-in from a device and network the account never used mails 'was this you?'; the sign-up's device does not", async () => {
    const address = "new-device@example.com";
    const signUp = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { email: address, password, nickname: "device" },
      remoteAddress: "10.9.0.1",
    });
    expect(signUp.statusCode).toBe(201);
    const deviceCookie = signUp.cookies.find((cookie) => cookie.name === "__Host-superoauth_device");
    expect(deviceCookie).toBeDefined();
    const logIn = (input: { ip: string; cookie?: string }) =>
      service.app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: address, password },
        remoteAddress: input.ip,
        ...(input.cookie === undefined ? {} : { cookies: { "__Host-superoauth_device": input.cookie } }),
      });

    // The sign-up's browser on another network: its device is known, no notice.
    expect((await logIn({ ip: "10.9.0.2", cookie: deviceCookie?.value ?? "" })).statusCode).toBe(200);
    // Another browser on yet another network: new.
    expect((await logIn({ ip: "10.9.0.3" })).statusCode).toBe(200);

    const mail = await mailTo(address, /new sign-in/i);
    expect(mail.text).toContain("IP address: 10.9.0.3");
    expect(mail.text).toContain("Was this you?");
    const notices = sink.mails.filter((m) => m.to.includes(address) && /new sign-in/i.test(m.subject));
    expect(notices).toHaveLength(1);
  });

  it("a mail server that refuses does not fail or slow a password change, and its notice arrives on a retry", async () => {
    const registered = await register("late-notice@example.com");
    await mailTo("late-notice@example.com", /verify/i);
    sink.failNext(1);

    const started = Date.now();
    const changed = await post(
      "/user/password",
      { currentPassword: password, newPassword },
      registered.accessToken,
    );
    const answeredAfterMs = Date.now() - started;
    const mail = await sink.waitForMail(
      (m) => m.to.includes("late-notice@example.com") && /password was changed/i.test(m.subject),
      8_000,
    );

    expect(changed.statusCode).toBe(200);
    expect(answeredAfterMs).toBeLessThan(1_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(mail.text).not.toContain(newPassword);
  }, 15_000);

  it("an admin requiring a new password: the password removed, the sessions ended and the link issued land together (a failed write changes nothing); the mailed link sets a new one; of it and a reset with an older link at once, the password ends removed", async () => {
    const adminAddress = "requiring-admin@example.com";
    const admin = await register(adminAddress);
    const promoted = await service.storage.accountAdministration.updateAccount({
      userId: admin.user.id as UserId,
      change: { role: "admin" },
      now: new Date(),
      guard: () => ({ ok: true, value: undefined }),
    });
    expect(promoted.ok).toBe(true);
    const address = "must-change@example.com";
    const person = await register(address);
    const requireIt = () =>
      service.app.inject({
        method: "POST",
        url: `/api/v1/admin/users/${person.user.id}/require-new-password`,
        headers: { authorization: `Bearer ${admin.accessToken}` },
      });
    const passwordHash = async () =>
      (
        await database
          .db()
          .selectFrom("users")
          .select("password_hash")
          .where("id", "=", person.user.id)
          .executeTakeFirstOrThrow()
      ).password_hash;
    const before = await passwordHash();

    // The link's insert refused: nothing else lands either.
    await expectInternalErrorWhileRefused(failInserts(database.db(), "email_tokens"), requireIt);
    expect(await passwordHash()).toBe(before);
    expect((await me(person.accessToken)).statusCode).toBe(200);

    expect((await requireIt()).json()).toEqual({
      success: true,
      data: { newPasswordRequired: true, linkMailed: true },
    });
    // A double click's second request, a moment later: nothing more is mailed, and the first
    // link is the one that works (it was superseded and mailed again before 2026-12-06's walk).
    expect((await requireIt()).json()).toEqual({
      success: true,
      data: { newPasswordRequired: true, linkMailed: false },
    });
    expect(await passwordHash()).toBeNull();
    expect((await me(person.accessToken)).json().error).toBe("INVALID_TOKEN");
    expect((await post("/auth/login", { email: address, password })).json().error).toBe(
      "INVALID_CREDENTIALS",
    );
    const mail = await mailTo(address, /^Choose a new password/);
    expect(mail.text).toContain("An administrator of Acme ID asked you to choose a new password");
    expect(
      (await post("/auth/reset-password", { token: tokenFromReceivedMail(mail), newPassword })).statusCode,
    ).toBe(200);
    const signedIn = await post("/auth/login", { email: address, password: newPassword });
    expect(signedIn.statusCode).toBe(200);
    // The old password's attempt while none was stored is in the person's log, saying so.
    const log = await service.app.inject({
      method: "GET",
      url: "/api/v1/user/security-events?limit=50",
      headers: { authorization: `Bearer ${signedIn.json().data.accessToken}` },
    });
    expect(
      log
        .json()
        .data.events.filter((event: { type: string }) => event.type === "login_failed")
        .map((event: { details: unknown; description: string }) => [event.details, event.description]),
    ).toEqual([
      [
        { method: "password", noPassword: true },
        "A sign-in with a password failed: your account has no password",
      ],
    ]);

    // The person asks for a reset link, and the admin requires a new password while it is used.
    await ageMailedLinks(database.db(), {
      email: address,
      purpose: "reset_password",
      ms: mailRepeatWindowMs,
    });
    expect((await post("/auth/forgot-password", { email: address })).statusCode).toBe(200);
    const own = tokenFromReceivedMail(await mailTo(address, /^Reset your password/));
    await ageMailedLinks(database.db(), {
      email: address,
      purpose: "reset_password",
      ms: mailRepeatWindowMs,
    });
    const [required, reset] = await Promise.all([
      requireIt(),
      post("/auth/reset-password", { token: own, newPassword: "Integr4tion-raced!" }),
    ]);
    expect(required.statusCode).toBe(200);
    // The reset landed first and was then removed, or came second and found its link superseded.
    expect([200, 400]).toContain(reset.statusCode);
    if (reset.statusCode === 400) expect(reset.json().error).toBe("INVALID_RESET_TOKEN");
    expect(await passwordHash()).toBeNull();
  }, 20_000);

  it("a mail server that refuses at first does not fail or slow the request, and the mail arrives on a retry", async () => {
    await register("late-mail@example.com");
    await mailTo("late-mail@example.com", /verify/i);
    sink.failNext(1);

    const started = Date.now();
    const response = await post("/auth/forgot-password", { email: "late-mail@example.com" });
    const answeredAfterMs = Date.now() - started;
    const mail = await sink.waitForMail(
      (m) => m.to.includes("late-mail@example.com") && /reset/i.test(m.subject),
      8_000,
    );
    const arrivedAfterMs = Date.now() - started;

    expect(response.statusCode).toBe(200);
    expect(answeredAfterMs).toBeLessThan(1_000);
    // The first retry waits 2 s (the default backoff): the mail came from a retry, not the first attempt.
    expect(arrivedAfterMs).toBeGreaterThanOrEqual(1_900);
    expect(tokenFromReceivedMail(mail)).toMatch(/\./);
  }, 15_000);
});
