import type { HttpApp } from "@superoauth/adapter-http";
import { type SMTPSink, startSMTPSink, tokenFromReceivedMail } from "@superoauth/adapter-mail/testing";
import { failWrites, useTestDatabase } from "@superoauth/adapter-sql/testing";
import { ManualClock } from "@superoauth/application/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { expectInternalErrorWhileRefused } from "./refused-write.ts";
import { integrationTestConfig } from "./test-config.ts";

type Response = Awaited<ReturnType<HttpApp["inject"]>>;

// The profile and the email change (issue 10, ADR 0027) through the composed service, mailing
// through a real SMTP server (the sink): every link these tests follow comes out of a mail it
// received. On MySQL in the "api" project and on SQLite in "api-sqlite".

const database = useTestDatabase();
const clock = new ManualClock(new Date());
let sink: SMTPSink;
let service: Service;

beforeAll(async () => {
  sink = await startSMTPSink();
  const config = integrationTestConfig({
    DATABASE_URL: database.url(),
    SMTP_URL: sink.url,
    MAIL_FROM: "SuperOAuth <no-reply@superoauth.test>",
    APP_URL: "https://app.superoauth.test",
  });
  service = await composeService(config, undefined, { clock });
});
afterAll(async () => {
  await service?.close();
  await sink?.close();
});

const password = "Integr4tion-pass!";

function send(method: "POST" | "PATCH", url: string, payload: Record<string, unknown>, accessToken?: string) {
  return service.app.inject({
    method,
    url: `/api/v1${url}`,
    payload,
    ...(accessToken === undefined ? {} : { headers: { authorization: `Bearer ${accessToken}` } }),
  });
}

function me(accessToken: string): Promise<Response> {
  return service.app.inject({ url: "/api/v1/auth/me", headers: { authorization: `Bearer ${accessToken}` } });
}

async function register(email: string): Promise<{ accessToken: string; refreshToken: string }> {
  const response = await send("POST", "/auth/register", { email, password, nickname: "profiled" });
  expect(response.statusCode).toBe(201);
  return response.json().data;
}

function mailTo(address: string, subject: RegExp) {
  return sink.waitForMail((m) => m.to.includes(address) && subject.test(m.subject));
}

function expectError(response: Response, code: string, status: number): void {
  expect({ status: response.statusCode, error: response.json().error }).toEqual({ status, error: code });
}

async function requestChange(from: string, to: string) {
  const { accessToken, refreshToken } = await register(from);
  const response = await send("POST", "/user/email", { newEmail: to }, accessToken);
  expect(response.statusCode).toBe(202);
  const link = await mailTo(to, /confirm your new email address/i);
  return { accessToken, refreshToken, token: tokenFromReceivedMail(link), link };
}

describe("the profile and the email change over SMTP", () => {
  it("PATCH /user changes the nickname, and the timeline shows it", async () => {
    const { accessToken } = await register("nick@example.com");
    const response = await send("PATCH", "/user", { nickname: "Renamed_1" }, accessToken);
    expect(response.statusCode).toBe(200);
    expect(response.json().data.user.nickname).toBe("Renamed_1");
    expect((await me(accessToken)).json().data.user.nickname).toBe("Renamed_1");
    const events = await service.app.inject({
      url: "/api/v1/user/security-events",
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(events.json().data.events[0]).toMatchObject({
      type: "profile_updated",
      description: "Your profile was updated",
    });
    expectError(await send("PATCH", "/user", { nickname: "!" }, accessToken), "VALIDATION_ERROR", 400);
  });

  it("request -> link to the new address, masked notice to the old -> confirm -> moved, verified, old address told", async () => {
    const { accessToken, token, link } = await requestChange("old@example.com", "moved@example.org");
    expect(link.text).toContain(`https://app.superoauth.test/confirm-email#token=${token}`);
    expect(link.html).toContain(`href="https://app.superoauth.test/confirm-email#token=${token}"`);
    const requested = await mailTo("old@example.com", /change of your email address was requested/i);
    expect(requested.text).toContain("m***@example.org");
    expect(requested.text).not.toContain("moved@example.org");
    expect((await me(accessToken)).json().data.user.email).toBe("old@example.com");

    const [row] = await database
      .db()
      .selectFrom("email_tokens")
      .selectAll()
      .where("purpose", "=", "change_email")
      .where("new_email", "=", "moved@example.org")
      .execute();
    expect(row?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(token).not.toContain(row?.secret_hash);

    const confirmed = await send("POST", "/user/email/confirm", { token });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json().data.user).toMatchObject({ email: "moved@example.org", emailVerified: true });
    const changed = await mailTo("old@example.com", /your email address was changed/i);
    expect(changed.text).toContain("m***@example.org");
    expect((await me(accessToken)).json().data.user.email).toBe("moved@example.org");
    expect((await send("POST", "/auth/login", { email: "moved@example.org", password })).statusCode).toBe(
      200,
    );
    expectError(
      await send("POST", "/auth/login", { email: "old@example.com", password }),
      "INVALID_CREDENTIALS",
      401,
    );
    expectError(await send("POST", "/user/email/confirm", { token }), "INVALID_VERIFICATION_TOKEN", 400);
  });

  it("a taken address: the same 202, and its holder gets a notice without a link", async () => {
    await register("holder@example.org");
    const { accessToken } = await register("asker@example.com");
    const response = await send("POST", "/user/email", { newEmail: "holder@example.org" }, accessToken);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ success: true, data: { pending: true } });
    const notice = await mailTo("holder@example.org", /someone tried to use your email address/i);
    expect(notice.text).not.toContain("#token=");
    await mailTo("asker@example.com", /change of your email address was requested/i);
  });

  it("error paths: REAUTH_REQUIRED, VALIDATION_ERROR, no bearer, expired link", async () => {
    const { accessToken, refreshToken } = await register("errors@example.com");
    expectError(await send("POST", "/user/email", { newEmail: "x" }, accessToken), "VALIDATION_ERROR", 400);
    expectError(
      await send("POST", "/user/email", { newEmail: "new-errors@example.org" }),
      "UNAUTHORIZED",
      401,
    );
    expect(
      (await send("POST", "/user/email", { newEmail: "new-errors@example.org" }, accessToken)).statusCode,
    ).toBe(202);
    const token = tokenFromReceivedMail(await mailTo("new-errors@example.org", /confirm/i));
    clock.advance(3600 * 1000);
    expectError(await send("POST", "/user/email/confirm", { token }), "INVALID_VERIFICATION_TOKEN", 400);
    // An hour later the sign-in is no longer a fresh proof, and refreshing is not one.
    const refreshed = await send("POST", "/auth/refresh", { refreshToken });
    expect(refreshed.statusCode).toBe(200);
    expectError(
      await send("POST", "/user/email", { newEmail: "later@example.org" }, refreshed.json().data.accessToken),
      "REAUTH_REQUIRED",
      401,
    );
  });

  it("a confirmation whose change of address fails lands nothing of it: the link still works, and then moves the account (ADR 0056)", async () => {
    const { accessToken, token } = await requestChange("move-fails@example.com", "move-fails@example.org");
    // The move fails after the link is spent, as a crash there would leave it; before ADR 0056 the
    // link stayed spent and the address unchanged.
    await expectInternalErrorWhileRefused(failWrites(database.db(), "users", "email"), () =>
      send("POST", "/user/email/confirm", { token }),
    );
    expect((await me(accessToken)).json().data.user.email).toBe("move-fails@example.com");

    const confirmed = await send("POST", "/user/email/confirm", { token });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json().data.user.email).toBe("move-fails@example.org");
  });

  it("two parallel confirmations of one link: exactly one 200", async () => {
    const { token } = await requestChange("twice@example.com", "twice-new@example.org");
    const responses = await Promise.all([
      send("POST", "/user/email/confirm", { token }),
      send("POST", "/user/email/confirm", { token }),
    ]);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    expect(responses.find((r) => r.statusCode === 400)?.json().error).toBe("INVALID_VERIFICATION_TOKEN");
  });

  it("a confirmation racing a registration of the address: exactly one owner", async () => {
    const { accessToken, token } = await requestChange("racer@example.com", "contested@example.org");
    const [confirmed, registered] = await Promise.all([
      send("POST", "/user/email/confirm", { token }),
      send("POST", "/auth/register", { email: "contested@example.org", password, nickname: "rival" }),
    ]);
    const statuses = [confirmed.statusCode, registered.statusCode];
    expect([
      [200, 409],
      [409, 201],
    ]).toContainEqual(statuses);
    const loser = confirmed.statusCode === 409 ? confirmed : registered;
    expect(loser.json().error).toBe("USER_EXISTS");
    const owners = await database
      .db()
      .selectFrom("users")
      .select("id")
      .where("email", "=", "contested@example.org")
      .execute();
    expect(owners).toHaveLength(1);
    const moved = (await me(accessToken)).json().data.user.email === "contested@example.org";
    expect(moved).toBe(confirmed.statusCode === 200);
  });

  describe("undoing a change of address (ADR 0047)", () => {
    /** A change confirmed by whoever held the session; the undo link mailed to the old address. */
    async function changed(from: string, to: string) {
      const { accessToken, refreshToken, token } = await requestChange(from, to);
      expect((await send("POST", "/user/email/confirm", { token })).statusCode).toBe(200);
      const notice = await mailTo(from, /your email address was changed/i);
      return { accessToken, refreshToken, notice, undo: tokenFromReceivedMail(notice) };
    }
    const newPassword = "Taken-back-pass-4!";

    it("the old address's notice carries the undo link; using it restores the address with a new password and ends every session", async () => {
      const { accessToken, refreshToken, notice, undo } = await changed(
        "owner@example.com",
        "thief@example.org",
      );
      expect(notice.text).toContain(
        `Undo the change: https://app.superoauth.test/undo-email-change#token=${undo}`,
      );
      expect(notice.text).not.toContain("/forgot-password");
      const [row] = await database
        .db()
        .selectFrom("email_tokens")
        .selectAll()
        .where("purpose", "=", "undo_email_change")
        .where("new_email", "=", "owner@example.com")
        .execute();
      expect(row?.secret_hash).toMatch(/^[0-9a-f]{64}$/);

      const undone = await send("POST", "/user/email/undo", { token: undo, newPassword });
      expect(undone.statusCode).toBe(200);
      expect(undone.json()).toEqual({ success: true, data: { emailRestored: true, sessionsEnded: true } });
      expectError(await me(accessToken), "INVALID_TOKEN", 401);
      expectError(await send("POST", "/auth/refresh", { refreshToken }), "INVALID_REFRESH_TOKEN", 401);
      const signedIn = await send("POST", "/auth/login", {
        email: "owner@example.com",
        password: newPassword,
      });
      expect(signedIn.statusCode).toBe(200);
      expect((await me(signedIn.json().data.accessToken)).json().data.user).toMatchObject({
        email: "owner@example.com",
        emailVerified: true,
      });
      expectError(
        await send("POST", "/auth/login", { email: "thief@example.org", password: newPassword }),
        "INVALID_CREDENTIALS",
        401,
      );
      expectError(
        await send("POST", "/user/email/undo", { token: undo, newPassword }),
        "INVALID_RESET_TOKEN",
        400,
      );
    });

    it("error paths: VALIDATION_ERROR (weak, missing or the current password) keeps the link; INVALID_RESET_TOKEN for another link; USER_EXISTS once the address is taken", async () => {
      const { undo } = await changed("squatted@example.com", "thief-2@example.org");
      expectError(
        await send("POST", "/user/email/undo", { token: undo, newPassword: "short" }),
        "VALIDATION_ERROR",
        400,
      );
      expectError(await send("POST", "/user/email/undo", { token: undo }), "VALIDATION_ERROR", 400);
      // The password whoever changed the address knew: it would let them straight back in.
      const current = await send("POST", "/user/email/undo", { token: undo, newPassword: password });
      expectError(current, "VALIDATION_ERROR", 400);
      expect(current.json().message).toBe("New password is your current password: choose a different one");
      const { token: confirmLink } = await requestChange("other@example.com", "other-new@example.org");
      expectError(
        await send("POST", "/user/email/undo", { token: confirmLink, newPassword }),
        "INVALID_RESET_TOKEN",
        400,
      );
      await register("squatted@example.com");
      expectError(await send("POST", "/user/email/undo", { token: undo, newPassword }), "USER_EXISTS", 409);
    });

    it("an undo whose password store fails lands nothing of it: the link still works, and then gives the address back (ADR 0056)", async () => {
      const { accessToken, undo } = await changed("crash-owner@example.com", "crash-thief@example.org");
      // The store fails after the link is spent and the thief signed out, as a crash there would
      // leave them; before ADR 0056 they stayed so: the owner's only way back spent, the thief's
      // address still on the account.
      await expectInternalErrorWhileRefused(failWrites(database.db(), "users", "password_hash"), () =>
        send("POST", "/user/email/undo", { token: undo, newPassword }),
      );
      expect((await me(accessToken)).json().data.user.email).toBe("crash-thief@example.org");

      const undone = await send("POST", "/user/email/undo", { token: undo, newPassword });
      expect(undone.statusCode).toBe(200);
      expectError(await me(accessToken), "INVALID_TOKEN", 401);
      const signedIn = await send("POST", "/auth/login", {
        email: "crash-owner@example.com",
        password: newPassword,
      });
      expect(signedIn.statusCode).toBe(200);
    });

    it("two parallel uses of one undo link: exactly one 200", async () => {
      const { undo } = await changed("both@example.com", "thief-3@example.org");
      const responses = await Promise.all([
        send("POST", "/user/email/undo", { token: undo, newPassword }),
        send("POST", "/user/email/undo", { token: undo, newPassword: `${newPassword}x` }),
      ]);
      expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 400]);
      expect(responses.find((r) => r.statusCode === 400)?.json().error).toBe("INVALID_RESET_TOKEN");
    });
  });
});
