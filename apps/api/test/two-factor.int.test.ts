import { generateTOTPCode } from "@superoauth/adapter-crypto";
import { failInserts, failWrites, useTestDatabase } from "@superoauth/adapter-sql/testing";
import { ManualClock } from "@superoauth/application/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { expectInternalErrorWhileRefused } from "./refused-write.ts";
import { integrationTestConfig } from "./test-config.ts";

const database = useTestDatabase();
const clock = new ManualClock(new Date());
let service: Service;

beforeAll(async () => {
  const config = integrationTestConfig({
    DATABASE_URL: database.url(),
  });
  service = await composeService(config, undefined, { clock });
});
afterAll(async () => service?.close());

const password = "Integr4tion-pass!";
const owner = "10.0.0.1";

function post(
  url: string,
  payload: Record<string, unknown> | undefined,
  options: { token?: string; ip?: string } = {},
) {
  return service.app.inject({
    method: "POST",
    url: `/api/v1${url}`,
    ...(payload === undefined ? {} : { payload }),
    remoteAddress: options.ip ?? owner,
    ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
  });
}

function me(token: string) {
  return service.app.inject({ url: "/api/v1/auth/me", headers: { authorization: `Bearer ${token}` } });
}

async function mfaToken(email: string): Promise<string> {
  const response = await post("/auth/login", { email, password });
  expect(response.statusCode).toBe(200);
  expect(response.json().data).toMatchObject({ mfaRequired: true });
  return response.json().data.mfaToken;
}

function sessionsOf(userId: string) {
  return database.db().selectFrom("sessions").select("id").where("user_id", "=", userId).execute();
}

function unusedBackupCodesOf(userId: string) {
  return database
    .db()
    .selectFrom("backup_codes")
    .select("id")
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .execute();
}

async function eventsOf(userId: string, type: string) {
  const rows = await database
    .db()
    .selectFrom("security_events")
    .select("details")
    .where("user_id", "=", userId)
    .where("type", "=", type)
    .execute();
  return rows.map((row) => ({
    details: typeof row.details === "string" ? JSON.parse(row.details) : row.details,
  }));
}

/** An account of its own for a test: signed up, its address verified (as the mailed link would), 2FA on. */
interface TwoFactorUser {
  email: string;
  userId: string;
  /** The sign-up's access token. */
  accessToken: string;
  backupCodes: string[];
  /** The TOTP code of the clock's current step. */
  code(): Promise<string>;
}

async function signUpWithTwoFactor(email: string): Promise<TwoFactorUser> {
  const registered = await post("/auth/register", { email, password, nickname: "twofactor" });
  expect(registered.statusCode).toBe(201);
  const accessToken = registered.json().data.accessToken;
  const userId = registered.json().data.user.id;
  await service.storage.users.markEmailVerified({ userId, now: clock.now() });
  const setup = await post("/auth/2fa/setup", undefined, { token: accessToken });
  expect(setup.statusCode).toBe(200);
  const { secret } = setup.json().data;
  const code = () => generateTOTPCode({ secret, now: clock.now() });
  const enabled = await post("/auth/2fa/enable", { code: await code() }, { token: accessToken });
  expect(enabled.statusCode).toBe(200);
  // The next step: the code that enabled 2FA is spent (replay protection).
  clock.advance(30_000);
  return { email, userId, accessToken, backupCodes: enabled.json().data.backupCodes, code };
}

describe("two-factor sign-in on MySQL", () => {
  it("enables 2FA with a code computed from the returned secret, storing the secret encrypted", async () => {
    const email = "two-factor-enable@example.com";
    const registered = await post("/auth/register", { email, password, nickname: "twofactor" });
    expect(registered.statusCode).toBe(201);
    const accessToken = registered.json().data.accessToken;
    // Only on a verified address: refused first, stored nothing; then verified as its link would.
    const refused = await post("/auth/2fa/setup", undefined, { token: accessToken });
    expect({ status: refused.statusCode, error: refused.json().error }).toEqual({
      status: 403,
      error: "EMAIL_NOT_VERIFIED",
    });
    const userId = registered.json().data.user.id;
    expect(await service.storage.twoFactor.findTOTPFactor(userId)).toBeNull();
    await service.storage.users.markEmailVerified({ userId, now: clock.now() });

    const setup = await post("/auth/2fa/setup", undefined, { token: accessToken });
    expect(setup.statusCode).toBe(200);
    const { secret } = setup.json().data;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.json().data.qrCode).toMatch(/^data:image\/png;base64,/);

    const code = await generateTOTPCode({ secret, now: clock.now() });
    const enabled = await post("/auth/2fa/enable", { code }, { token: accessToken });
    expect(enabled.statusCode).toBe(200);
    const backupCodes: string[] = enabled.json().data.backupCodes;
    expect(backupCodes).toHaveLength(10);

    const factor = await database
      .db()
      .selectFrom("totp_factors")
      .selectAll()
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow();
    expect(factor.encrypted_secret).toMatch(/^v1\./);
    expect(factor.encrypted_secret).not.toContain(secret);
    const hashes = await database
      .db()
      .selectFrom("backup_codes")
      .select("code_hash")
      .where("user_id", "=", userId)
      .execute();
    expect(hashes).toHaveLength(10);
    for (const { code_hash } of hashes) expect(code_hash).toMatch(/^\$argon2id\$/);
    expect(hashes.map((h) => h.code_hash).join()).not.toContain(backupCodes[0]);
  });

  it("login asks for the second factor; the mfaToken is refused as a Bearer token and at refresh", async () => {
    const { email } = await signUpWithTwoFactor("two-factor-step@example.com");
    const token = await mfaToken(email);
    expect((await me(token)).json()).toMatchObject({ error: "INVALID_TOKEN" });
    expect((await me(token)).statusCode).toBe(401);
    const refreshed = await post("/auth/refresh", { refreshToken: token });
    expect(refreshed.statusCode).toBe(401);
    expect(refreshed.json()).toMatchObject({ error: "INVALID_REFRESH_TOKEN" });
  });

  it("verifies with a TOTP code once; the same code again answers INVALID_TWO_FACTOR_CODE", async () => {
    const { email, code } = await signUpWithTwoFactor("two-factor-totp@example.com");
    const current = await code();
    const verified = await post("/auth/2fa/verify", { mfaToken: await mfaToken(email), code: current });
    expect(verified.statusCode).toBe(200);
    const session = verified.json().data;
    expect((await me(session.accessToken)).json().data.user).toMatchObject({
      email,
      twoFactorEnabled: true,
      backupCodesRemaining: 10,
    });

    const again = await post("/auth/2fa/verify", { mfaToken: await mfaToken(email), code: current });
    expect(again.statusCode).toBe(401);
    expect(again.json()).toMatchObject({ error: "INVALID_TWO_FACTOR_CODE" });
  });

  it("accepts one code sent four times at once (with and without spaces) exactly once", async () => {
    const { email, code } = await signUpWithTwoFactor("two-factor-four-at-once@example.com");
    const current = await code();
    const spaced = `${current.slice(0, 3)} ${current.slice(3)}`;
    const tokens = await Promise.all([mfaToken(email), mfaToken(email), mfaToken(email), mfaToken(email)]);
    const responses = await Promise.all(
      tokens.map((t, i) => post("/auth/2fa/verify", { mfaToken: t, code: i % 2 === 0 ? current : spaced })),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 401, 401, 401]);
    for (const r of responses.filter((r) => r.statusCode === 401)) {
      expect(r.json()).toMatchObject({ error: "INVALID_TWO_FACTOR_CODE" });
    }
  });

  it("verifies with a backup code once; the same backup code twice, even at once, fails", async () => {
    const { email, backupCodes } = await signUpWithTwoFactor("two-factor-backup@example.com");
    const first = backupCodes[0] ?? "";
    const used = await post("/auth/2fa/verify", { mfaToken: await mfaToken(email), backupCode: first });
    expect(used.statusCode).toBe(200);
    const reused = await post("/auth/2fa/verify", { mfaToken: await mfaToken(email), backupCode: first });
    expect(reused.statusCode).toBe(401);
    expect(reused.json()).toMatchObject({ error: "INVALID_TWO_FACTOR_CODE" });

    const second = backupCodes[1] ?? "";
    const tokens = await Promise.all([mfaToken(email), mfaToken(email), mfaToken(email)]);
    const racing = await Promise.all(
      tokens.map((t) => post("/auth/2fa/verify", { mfaToken: t, backupCode: second })),
    );
    expect(racing.map((r) => r.statusCode).sort()).toEqual([200, 401, 401]);
    expect((await me(used.json().data.accessToken)).json().data.user.backupCodesRemaining).toBe(8);
  });

  it("locks an attacker's IP after five wrong passwords (423, Retry-After) while the owner's known IP gets in", async () => {
    const { email, userId } = await signUpWithTwoFactor("two-factor-lockout@example.com");
    for (let i = 0; i < 5; i++) {
      const wrong = await post("/auth/login", { email, password: "Wr0ng-password!" }, { ip: "203.0.113.66" });
      expect(wrong.statusCode).toBe(i < 4 ? 401 : 423);
    }
    const locked = await post("/auth/login", { email, password }, { ip: "203.0.113.66" });
    expect(locked.statusCode).toBe(423);
    expect(locked.json()).toMatchObject({ success: false, error: "ACCOUNT_LOCKED" });
    expect(locked.headers["retry-after"]).toBe("1800");
    const events = await database
      .db()
      .selectFrom("security_events")
      .select("type")
      .where("user_id", "=", userId)
      .execute();
    expect(events.map((e) => e.type)).toContain("account_locked");

    expect((await post("/auth/login", { email, password }, { ip: owner })).statusCode).toBe(200);
    clock.advance(30 * 60_000);
    expect((await post("/auth/login", { email, password }, { ip: "203.0.113.66" })).statusCode).toBe(200);
  });

  it("one mfaToken completes one sign-in, also when sent at once with a TOTP code and two backup codes", async () => {
    const { email, userId, backupCodes, code } = await signUpWithTwoFactor(
      "two-factor-one-token@example.com",
    );
    const token = await mfaToken(email);
    const racing = await Promise.all([
      post("/auth/2fa/verify", { mfaToken: token, code: await code() }),
      post("/auth/2fa/verify", { mfaToken: token, backupCode: backupCodes[2] }),
      post("/auth/2fa/verify", { mfaToken: token, backupCode: backupCodes[3] }),
    ]);
    expect(racing.map((r) => r.statusCode).sort()).toEqual([200, 401, 401]);
    for (const r of racing.filter((r) => r.statusCode === 401)) {
      expect(r.json()).toMatchObject({ success: false, error: "INVALID_MFA_TOKEN" });
    }

    clock.advance(30_000);
    const again = await post("/auth/2fa/verify", { mfaToken: token, code: await code() });
    expect(again.statusCode).toBe(401);
    expect(again.json()).toMatchObject({ error: "INVALID_MFA_TOKEN" });
    const completed = await database
      .db()
      .selectFrom("completed_mfa_challenges")
      .select("id")
      .where("user_id", "=", userId)
      .execute();
    expect(completed.length).toBeGreaterThanOrEqual(1);
    // The sign-up's session and the one sign-in's: a step that lost the race opened its session
    // before it found the challenge completed, and its transaction took the session back.
    expect(await sessionsOf(userId)).toHaveLength(2);
    // And the code it had spent: only the step that signed in used one (ADR 0056).
    const winner = racing.findIndex((r) => r.statusCode === 200);
    expect(await unusedBackupCodesOf(userId)).toHaveLength(winner === 0 ? 10 : 9);
    const loserCode = winner === 1 ? backupCodes[3] : backupCodes[2];
    const loserCodeLater = await post("/auth/2fa/verify", {
      mfaToken: await mfaToken(email),
      backupCode: loserCode,
    });
    expect(loserCodeLater.statusCode, loserCodeLater.body).toBe(200);
  });

  it("a second step whose sign-in fails on the way leaves its MFA token open and its code unspent: the same code completes it (ADR 0056)", async () => {
    const { email, userId, code } = await signUpWithTwoFactor("two-factor-fails-inside@example.com");
    const token = await mfaToken(email);
    // The session's row is refused, as a crash or an outage there would leave the sign-in; before,
    // the challenge was completed first and every retry answered "already completed", and later
    // the code was spent by its check, so the retry had to wait for the next one.
    await expectInternalErrorWhileRefused(failInserts(database.db(), "sessions"), async () =>
      post("/auth/2fa/verify", { mfaToken: token, code: await code() }),
    );
    expect(await sessionsOf(userId)).toHaveLength(1);
    const retried = await post("/auth/2fa/verify", { mfaToken: token, code: await code() });
    expect(retried.statusCode, retried.body).toBe(200);
    expect((await me(retried.json().data.accessToken)).statusCode).toBe(200);
    expect(await sessionsOf(userId)).toHaveLength(2);
    // Spent now, by the sign-in that opened: the same code again is refused.
    const replayed = await post("/auth/2fa/verify", { mfaToken: await mfaToken(email), code: await code() });
    expect({ status: replayed.statusCode, error: replayed.json().error }).toEqual({
      status: 401,
      error: "INVALID_TWO_FACTOR_CODE",
    });
  });

  it("a backup code whose sign-in fails on the way is not lost: the same code signs in, once (ADR 0056)", async () => {
    const { email, userId, backupCodes } = await signUpWithTwoFactor("two-factor-backup-kept@example.com");
    const token = await mfaToken(email);
    const backupCode = backupCodes[0];
    await expectInternalErrorWhileRefused(failInserts(database.db(), "sessions"), async () =>
      post("/auth/2fa/verify", { mfaToken: token, backupCode }),
    );
    // Someone down to their last codes must not lose one to an outage.
    expect(await unusedBackupCodesOf(userId)).toHaveLength(10);
    expect(await eventsOf(userId, "backup_code_used")).toHaveLength(0);
    const retried = await post("/auth/2fa/verify", { mfaToken: token, backupCode });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(await unusedBackupCodesOf(userId)).toHaveLength(9);
    expect(await eventsOf(userId, "backup_code_used")).toEqual([{ details: { remaining: 9 } }]);
    const replayed = await post("/auth/2fa/verify", { mfaToken: await mfaToken(email), backupCode });
    expect({ status: replayed.statusCode, error: replayed.json().error }).toEqual({
      status: 401,
      error: "INVALID_TWO_FACTOR_CODE",
    });
  });

  it("two sign-ins with one backup code at once: one opens, the other is told the code is used", async () => {
    const { email, userId, backupCodes } = await signUpWithTwoFactor("two-factor-backup-twice@example.com");
    const [first, second] = [await mfaToken(email), await mfaToken(email)];
    const racing = await Promise.all([
      post("/auth/2fa/verify", { mfaToken: first, backupCode: backupCodes[4] }),
      post("/auth/2fa/verify", { mfaToken: second, backupCode: backupCodes[4] }),
    ]);
    expect(racing.map((r) => r.statusCode).sort()).toEqual([200, 401]);
    expect(racing.find((r) => r.statusCode === 401)?.json()).toMatchObject({
      error: "INVALID_TWO_FACTOR_CODE",
      message: "The backup code is wrong or already used: each backup code works once",
    });
    expect(await sessionsOf(userId)).toHaveLength(2);
    expect(await unusedBackupCodesOf(userId)).toHaveLength(9);
    expect(await eventsOf(userId, "backup_code_used")).toHaveLength(1);
    // The code was right: the loser is no guess, and is not logged as a failed sign-in (it was).
    expect(await eventsOf(userId, "login_failed")).toHaveLength(0);
  });

  // Turning 2FA off, renewing backup codes and re-authenticating spend their code in the same
  // transaction as their own write (ADR 0056): one that fails on the way gives the code back.
  it("turning 2FA off with a backup code, failing on the way, keeps 2FA on and the code unspent: the same code turns it off", async () => {
    const { userId, accessToken, backupCodes } = await signUpWithTwoFactor(
      "two-factor-off-fails@example.com",
    );
    const backupCode = backupCodes[0];
    // The last write of the removal is refused, after the factor's and the codes' deletes.
    await expectInternalErrorWhileRefused(failWrites(database.db(), "users", "two_factor_enabled"), () =>
      post("/auth/2fa/disable", { backupCode }, { token: accessToken }),
    );
    expect((await me(accessToken)).json().data.user.twoFactorEnabled).toBe(true);
    expect(await unusedBackupCodesOf(userId)).toHaveLength(10);
    expect(await eventsOf(userId, "backup_code_used")).toHaveLength(0);
    const retried = await post("/auth/2fa/disable", { backupCode }, { token: accessToken });
    expect(retried.statusCode, retried.body).toBe(200);
    expect((await me(accessToken)).json().data.user.twoFactorEnabled).toBe(false);
    expect(await eventsOf(userId, "backup_code_used")).toEqual([{ details: { remaining: 9 } }]);
    expect(await eventsOf(userId, "two_factor_disabled")).toHaveLength(1);
  });

  it("renewing backup codes, failing on the way, keeps the old codes and the TOTP code unspent: the same code renews them, once", async () => {
    const { userId, accessToken, backupCodes, code } = await signUpWithTwoFactor(
      "two-factor-renew-fails@example.com",
    );
    const before = (await unusedBackupCodesOf(userId)).map((row) => row.id).sort();
    await expectInternalErrorWhileRefused(failInserts(database.db(), "backup_codes"), async () =>
      post("/auth/2fa/backup-codes", { code: await code() }, { token: accessToken }),
    );
    expect((await unusedBackupCodesOf(userId)).map((row) => row.id).sort()).toEqual(before);
    expect(await eventsOf(userId, "backup_codes_regenerated")).toHaveLength(0);
    // The same TOTP code, at once: before, it was spent by its check and the person had to wait.
    const retried = await post("/auth/2fa/backup-codes", { code: await code() }, { token: accessToken });
    expect(retried.statusCode, retried.body).toBe(200);
    const renewed: string[] = retried.json().data.backupCodes;
    expect(renewed).toHaveLength(10);
    expect(renewed).not.toContain(backupCodes[0]);
    expect(await eventsOf(userId, "backup_codes_regenerated")).toHaveLength(1);
    const replayed = await post("/auth/2fa/backup-codes", { code: await code() }, { token: accessToken });
    expect({ status: replayed.statusCode, error: replayed.json().error }).toEqual({
      status: 401,
      error: "INVALID_TWO_FACTOR_CODE",
    });
  });

  it("a re-authentication with a backup code, failing on the way, does not spend it: the same code proves once", async () => {
    const { userId, accessToken, backupCodes } = await signUpWithTwoFactor(
      "two-factor-reauth-fails@example.com",
    );
    const backupCode = backupCodes[1];
    await expectInternalErrorWhileRefused(failWrites(database.db(), "sessions", "authenticated_at"), () =>
      post("/auth/reauthenticate", { backupCode }, { token: accessToken }),
    );
    expect(await unusedBackupCodesOf(userId)).toHaveLength(10);
    expect(await eventsOf(userId, "backup_code_used")).toHaveLength(0);
    clock.advance(1_000);
    const retried = await post("/auth/reauthenticate", { backupCode }, { token: accessToken });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(await unusedBackupCodesOf(userId)).toHaveLength(9);
    expect(await eventsOf(userId, "backup_code_used")).toEqual([{ details: { remaining: 9 } }]);
    const replayed = await post("/auth/reauthenticate", { backupCode }, { token: accessToken });
    expect({ status: replayed.statusCode, error: replayed.json().error }).toEqual({
      status: 401,
      error: "INVALID_TWO_FACTOR_CODE",
    });
  });

  it("five wrong codes at /2fa/disable lock (423, Retry-After) and 2FA stays on", async () => {
    const { accessToken, code } = await signUpWithTwoFactor("two-factor-disable@example.com");
    const thief = "198.51.100.7";
    for (let i = 0; i < 5; i++) {
      const wrong = await post("/auth/2fa/disable", { code: "000000" }, { token: accessToken, ip: thief });
      expect(wrong.statusCode).toBe(i < 4 ? 401 : 423);
      expect(wrong.json()).toMatchObject({ error: i < 4 ? "INVALID_TWO_FACTOR_CODE" : "ACCOUNT_LOCKED" });
    }
    const locked = await post(
      "/auth/2fa/disable",
      { password, code: await code() },
      { token: accessToken, ip: thief },
    );
    expect(locked.statusCode).toBe(423);
    expect(locked.json()).toMatchObject({ success: false, error: "ACCOUNT_LOCKED" });
    expect(locked.headers["retry-after"]).toBe("1800");
    expect((await me(accessToken)).json().data.user.twoFactorEnabled).toBe(true);
  });
});
