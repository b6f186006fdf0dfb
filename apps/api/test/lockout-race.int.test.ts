import { createArgon2PasswordHasher, generateTOTPCode } from "@superoauth/adapter-crypto";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { CountingPasswordHasher, ManualClock } from "@superoauth/application/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { integrationTestConfig } from "./test-config.ts";

// Issue 7, item 1: lockout was check-then-act, so parallel guesses from many addresses were all
// checked. Now each attempt is reserved before argon2id runs: of fifty guesses at once on one
// account, exactly LOCKOUT_THRESHOLD (5) are checked, on MySQL, counted where the work happens.

const database = useTestDatabase();
const clock = new ManualClock(new Date());
// Real argon2id, counting each slow verification (a dummy one too): the work an attacker gets done.
const argon2 = new CountingPasswordHasher(createArgon2PasswordHasher());
let service: Service;

beforeAll(async () => {
  const config = integrationTestConfig({
    DATABASE_URL: database.url(),
    // The lockout alone is under test: the per-IP limits are raised already, and every guess may
    // wait for argon2 rather than be shed.
    ARGON2_MAX_QUEUE: "1000",
  });
  service = await composeService(config, undefined, { clock, passwordHasher: argon2 });
});
afterAll(async () => service?.close());

const password = "Integr4tion-pass!";
const owner = "10.0.0.1";
const attackers = Array.from({ length: 50 }, (_, i) => `203.0.113.${i + 1}`);

function post(url: string, payload: Record<string, unknown>, options: { token?: string; ip?: string } = {}) {
  return service.app.inject({
    method: "POST",
    url: `/api/v1${url}`,
    payload,
    remoteAddress: options.ip ?? owner,
    ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
  });
}

/** The error codes of the responses, counted; every 423 must carry Retry-After. */
function tally(responses: Awaited<ReturnType<typeof post>>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const response of responses) {
    const key = `${response.statusCode} ${response.json().error}`;
    counts[key] = (counts[key] ?? 0) + 1;
    if (response.statusCode === 423) expect(Number(response.headers["retry-after"])).toBeGreaterThan(0);
  }
  return counts;
}

/** Registers an account with 2FA on; answers its TOTP secret and backup codes. */
async function registerWithTwoFactor(email: string): Promise<{ secret: string; backupCodes: string[] }> {
  const registered = await post("/auth/register", { email, password, nickname: email.split("@")[0] });
  expect(registered.statusCode).toBe(201);
  const token = registered.json().data.accessToken;
  // 2FA is turned on only on a verified address (as its mailed link would verify it).
  await service.storage.users.markEmailVerified({ userId: registered.json().data.user.id, now: clock.now() });
  const setup = await service.app.inject({
    method: "POST",
    url: "/api/v1/auth/2fa/setup",
    headers: { authorization: `Bearer ${token}` },
    remoteAddress: owner,
  });
  const { secret } = setup.json().data;
  const enabled = await post(
    "/auth/2fa/enable",
    { code: await generateTOTPCode({ secret, now: clock.now() }) },
    { token },
  );
  expect(enabled.statusCode).toBe(200);
  return { secret, backupCodes: enabled.json().data.backupCodes };
}

/**
 * Fifty MFA tokens of the account, signing in from the owner's address four at a time: right
 * passwords are reserved too until checked, and five at once from one address would lock it.
 */
async function mfaTokens(email: string): Promise<string[]> {
  const tokens: string[] = [];
  while (tokens.length < 50) {
    const batch = await Promise.all([1, 2, 3, 4].map(() => post("/auth/login", { email, password })));
    for (const response of batch) {
      expect(response.json().data).toMatchObject({ mfaRequired: true });
      tokens.push(response.json().data.mfaToken);
    }
  }
  return tokens.slice(0, 50);
}

describe("fifty parallel guesses on one account (MySQL)", () => {
  it("wrong passwords from fifty addresses: argon2id checks exactly five, the rest answer ACCOUNT_LOCKED", async () => {
    const email = "race-password@example.com";
    expect((await post("/auth/register", { email, password, nickname: "racepassword" })).statusCode).toBe(
      201,
    );
    const before = argon2.slowHashes;
    const responses = await Promise.all(
      attackers.map((ip) => post("/auth/login", { email, password: "Wr0ng-password!" }, { ip })),
    );
    expect(argon2.slowHashes - before).toBe(5);
    expect(tally(responses)).toEqual({ "401 INVALID_CREDENTIALS": 4, "423 ACCOUNT_LOCKED": 46 });
  });

  it("wrong backup codes at /2fa/verify: exactly five are checked, each for one slow hash", async () => {
    const email = "race-backup@example.com";
    const { backupCodes } = await registerWithTwoFactor(email);
    const tokens = await mfaTokens(email);
    const before = argon2.slowHashes;
    const responses = await Promise.all(
      tokens.map((mfaToken, i) => {
        // A real code's lookup id with a wrong last character: each attempt finds a row to verify.
        const code = backupCodes[i % backupCodes.length] ?? "";
        const wrong = `${code.slice(0, -1)}${code.endsWith("0") ? "1" : "0"}`;
        return post("/auth/2fa/verify", { mfaToken, backupCode: wrong }, { ip: attackers[i] });
      }),
    );
    expect(argon2.slowHashes - before).toBe(5);
    expect(tally(responses)).toEqual({ "401 INVALID_TWO_FACTOR_CODE": 4, "423 ACCOUNT_LOCKED": 46 });
  });

  it("wrong TOTP codes at /2fa/verify: exactly five are checked, the rest answer ACCOUNT_LOCKED", async () => {
    clock.advance(30_000);
    const email = "race-totp@example.com";
    const { secret } = await registerWithTwoFactor(email);
    const tokens = await mfaTokens(email);
    const right = await generateTOTPCode({ secret, now: clock.now() });
    const wrong = right === "000000" ? "111111" : "000000";
    const responses = await Promise.all(
      tokens.map((mfaToken, i) => post("/auth/2fa/verify", { mfaToken, code: wrong }, { ip: attackers[i] })),
    );
    expect(tally(responses)).toEqual({ "401 INVALID_TWO_FACTOR_CODE": 4, "423 ACCOUNT_LOCKED": 46 });
  });
});
