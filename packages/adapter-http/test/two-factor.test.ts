import { InMemoryTOTPService } from "@superoauth/application/testing";
import type { UserId } from "@superoauth/domain";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestApp,
  expectError,
  getMe,
  messageOf,
  refresh,
  registerUser,
  type SignedInData,
  type TestDependencies,
  validRegistration,
  verifyAddressOf,
} from "./test-app.ts";

let app: FastifyInstance;
let deps: TestDependencies;
let registered: SignedInData;
beforeEach(async () => {
  ({ app, deps } = await buildTestApp());
  registered = await registerUser(app);
  await verifyAddressOf(deps, registered.user);
});
afterEach(async () => {
  await app.close();
});

const credentials = { email: validRegistration.email, password: validRegistration.password };

function post(url: string, payload: Record<string, unknown> | undefined, accessToken?: string) {
  return app.inject({
    method: "POST",
    url: `/api/v1${url}`,
    ...(payload === undefined ? {} : { payload }),
    ...(accessToken === undefined ? {} : { headers: bearer(accessToken) }),
  });
}

/** Sets up and enables 2FA over HTTP; the clock then moves one step so the next code is unused. */
async function enable(): Promise<{ secret: string; backupCodes: string[]; code: () => string }> {
  const setup = await post("/auth/2fa/setup", undefined, registered.accessToken);
  expect(setup.statusCode).toBe(200);
  const { secret } = setup.json().data;
  const code = () => InMemoryTOTPService.codeAt(secret, deps.clock.now());
  const enabled = await post("/auth/2fa/enable", { code: code() }, registered.accessToken);
  expect(enabled.statusCode).toBe(200);
  deps.clock.advance(30_000);
  return { secret, backupCodes: enabled.json().data.backupCodes, code };
}

async function mfaTokenOf(): Promise<string> {
  const response = await post("/auth/login", credentials);
  expect(response.statusCode).toBe(200);
  return response.json().data.mfaToken;
}

function dataOf(response: LightMyRequestResponse) {
  return response.json().data;
}

describe("POST /api/v1/auth/2fa/setup", () => {
  it("answers EMAIL_NOT_VERIFIED 403 on an unverified address, and POST /2fa/enable the same", async () => {
    const other = await registerUser(app, {
      ...validRegistration,
      email: "grace@example.com",
      nickname: "grace",
    });
    const refused = await post("/auth/2fa/setup", undefined, other.accessToken);
    expectError(refused, "EMAIL_NOT_VERIFIED", 403);
    expect(refused.json().message).toMatch(/^Verify your email address before turning on two-factor/);
    expectError(
      await post("/auth/2fa/enable", { code: "123456" }, other.accessToken),
      "EMAIL_NOT_VERIFIED",
      403,
    );
    expect(await deps.twoFactor.findTOTPFactor(other.user.id as UserId)).toBeNull();
  });

  it("answers the secret, the otpauth URI and a QR code data URL", async () => {
    const response = await post("/auth/2fa/setup", undefined, registered.accessToken);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({
      success: true,
      data: {
        secret: expect.stringMatching(/^[A-Z2-7]+$/),
        otpauthURL: expect.stringMatching(/^otpauth:\/\/totp\//),
        qrCode: expect.stringMatching(/^data:image\//),
      },
    });
  });

  it("answers UNAUTHORIZED 401 without a Bearer token", async () => {
    expectError(await post("/auth/2fa/setup", undefined), "UNAUTHORIZED", 401);
  });

  it("answers TWO_FACTOR_ALREADY_ENABLED 409 once 2FA is on", async () => {
    await enable();
    expectError(
      await post("/auth/2fa/setup", undefined, registered.accessToken),
      "TWO_FACTOR_ALREADY_ENABLED",
      409,
    );
  });
});

describe("POST /api/v1/auth/2fa/enable", () => {
  it("answers ten backup codes and /auth/me then shows 2FA on with ten codes left", async () => {
    const { backupCodes } = await enable();
    expect(backupCodes).toHaveLength(10);
    const me = await getMe(app, registered.accessToken);
    expect(me.json().data.user).toMatchObject({ twoFactorEnabled: true, backupCodesRemaining: 10 });
  });

  it("answers TWO_FACTOR_SETUP_REQUIRED 400 before setup", async () => {
    expectError(
      await post("/auth/2fa/enable", { code: "123456" }, registered.accessToken),
      "TWO_FACTOR_SETUP_REQUIRED",
      400,
    );
  });

  it("answers INVALID_TWO_FACTOR_CODE 401 to a wrong code", async () => {
    await post("/auth/2fa/setup", undefined, registered.accessToken);
    expectError(
      await post("/auth/2fa/enable", { code: "000000" }, registered.accessToken),
      "INVALID_TWO_FACTOR_CODE",
      401,
    );
  });

  it("answers TWO_FACTOR_ALREADY_ENABLED 409 once 2FA is on", async () => {
    const { code } = await enable();
    expectError(
      await post("/auth/2fa/enable", { code: code() }, registered.accessToken),
      "TWO_FACTOR_ALREADY_ENABLED",
      409,
    );
  });

  it("answers VALIDATION_ERROR 400 without a code", async () => {
    expectError(await post("/auth/2fa/enable", {}, registered.accessToken), "VALIDATION_ERROR", 400);
  });
});

describe("signing in with 2FA over HTTP", () => {
  it("login answers 200 with mfaRequired and an mfaToken, and no tokens", async () => {
    await enable();
    const response = await post("/auth/login", credentials);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({
      success: true,
      data: { mfaRequired: true, mfaToken: expect.any(String), expiresIn: 300 },
    });
  });

  it("enable with an empty code answers VALIDATION_ERROR 400, and the right code then turns 2FA on", async () => {
    const setup = await post("/auth/2fa/setup", undefined, registered.accessToken);
    const { secret } = setup.json().data;
    for (const blank of ["", " "]) {
      const response = await post("/auth/2fa/enable", { code: blank }, registered.accessToken);
      expectError(response, "VALIDATION_ERROR", 400);
      expect(messageOf(response)).toBe("Type the code from your authenticator app");
    }
    const code = InMemoryTOTPService.codeAt(secret, deps.clock.now());
    expect((await post("/auth/2fa/enable", { code }, registered.accessToken)).statusCode).toBe(200);
  });

  it("verify with an empty code or backup code answers VALIDATION_ERROR 400, and the code that follows still signs in", async () => {
    const { code } = await enable();
    const mfaToken = await mfaTokenOf();
    for (let i = 0; i < 6; i++) {
      expectError(await post("/auth/2fa/verify", { mfaToken, code: "" }), "VALIDATION_ERROR", 400);
      expectError(await post("/auth/2fa/verify", { mfaToken, backupCode: " " }), "VALIDATION_ERROR", 400);
    }
    expect((await post("/auth/2fa/verify", { mfaToken, code: code() })).statusCode).toBe(200);
  });

  it("verify with a TOTP code answers the user and a working token pair", async () => {
    const { code } = await enable();
    const response = await post("/auth/2fa/verify", { mfaToken: await mfaTokenOf(), code: code() });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({
      success: true,
      data: {
        user: { ...registered.user, emailVerified: true },
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 300,
        tokenType: "Bearer",
      },
    });
    expect((await getMe(app, dataOf(response).accessToken)).statusCode).toBe(200);
  });

  it("verify with a backup code works once; the second time answers INVALID_TWO_FACTOR_CODE 401", async () => {
    const { backupCodes } = await enable();
    const backupCode = backupCodes[0];

    expect((await post("/auth/2fa/verify", { mfaToken: await mfaTokenOf(), backupCode })).statusCode).toBe(
      200,
    );
    expectError(
      await post("/auth/2fa/verify", { mfaToken: await mfaTokenOf(), backupCode }),
      "INVALID_TWO_FACTOR_CODE",
      401,
    );
    expect((await getMe(app, registered.accessToken)).json().data.user.backupCodesRemaining).toBe(9);
  });

  it("the same TOTP code, also with spaces, signs in once", async () => {
    const { code } = await enable();
    const current = code();
    expect((await post("/auth/2fa/verify", { mfaToken: await mfaTokenOf(), code: current })).statusCode).toBe(
      200,
    );
    const spaced = `${current.slice(0, 3)} ${current.slice(3)}`;
    expectError(
      await post("/auth/2fa/verify", { mfaToken: await mfaTokenOf(), code: spaced }),
      "INVALID_TWO_FACTOR_CODE",
      401,
    );
  });

  it("answers INVALID_TWO_FACTOR_CODE 401 to a wrong code", async () => {
    await enable();
    expectError(
      await post("/auth/2fa/verify", { mfaToken: await mfaTokenOf(), code: "000000" }),
      "INVALID_TWO_FACTOR_CODE",
      401,
    );
  });

  it("answers INVALID_MFA_TOKEN 401 to a made-up or expired token", async () => {
    const { code } = await enable();
    expectError(await post("/auth/2fa/verify", { mfaToken: "nope", code: code() }), "INVALID_MFA_TOKEN", 401);
    const mfaToken = await mfaTokenOf();
    deps.clock.advance(5 * 60_000);
    expectError(await post("/auth/2fa/verify", { mfaToken, code: code() }), "INVALID_MFA_TOKEN", 401);
  });

  it("answers ACCOUNT_DISABLED 403 to a right code when the account was disabled after the password step", async () => {
    const { code } = await enable();
    const mfaToken = await mfaTokenOf();
    deps.users.setStatus(registered.user.id as UserId, "disabled");
    const refused = await post("/auth/2fa/verify", { mfaToken, code: code() });
    expectError(refused, "ACCOUNT_DISABLED", 403);
    expect(refused.body).not.toMatch(/accessToken|refreshToken/);
  });

  it("answers VALIDATION_ERROR 400 with both a code and a backup code, or neither", async () => {
    const { code, backupCodes } = await enable();
    const mfaToken = await mfaTokenOf();
    expectError(await post("/auth/2fa/verify", { mfaToken }), "VALIDATION_ERROR", 400);
    expectError(
      await post("/auth/2fa/verify", { mfaToken, code: code(), backupCode: backupCodes[0] }),
      "VALIDATION_ERROR",
      400,
    );
  });

  it("answers INVALID_MFA_TOKEN 401 to an mfaToken that already completed a sign-in, even with another right code", async () => {
    const { code, backupCodes } = await enable();
    const mfaToken = await mfaTokenOf();
    expect((await post("/auth/2fa/verify", { mfaToken, code: code() })).statusCode).toBe(200);
    deps.clock.advance(30_000);
    expectError(await post("/auth/2fa/verify", { mfaToken, code: code() }), "INVALID_MFA_TOKEN", 401);
    expectError(
      await post("/auth/2fa/verify", { mfaToken, backupCode: backupCodes[0] }),
      "INVALID_MFA_TOKEN",
      401,
    );
  });

  it("answers ACCOUNT_LOCKED 423 with Retry-After after five wrong codes, even to a right one", async () => {
    const { code } = await enable();
    const mfaToken = await mfaTokenOf();
    for (let i = 0; i < 5; i++) {
      expectError(
        await post("/auth/2fa/verify", { mfaToken, code: "000000" }),
        i < 4 ? "INVALID_TWO_FACTOR_CODE" : "ACCOUNT_LOCKED",
        i < 4 ? 401 : 423,
      );
    }
    const locked = await post("/auth/2fa/verify", { mfaToken, code: code() });
    expectError(locked, "ACCOUNT_LOCKED", 423);
    expect(locked.headers["retry-after"]).toBe("1800");
  });

  it("refuses the mfaToken as a Bearer token (INVALID_TOKEN 401) and at refresh (INVALID_REFRESH_TOKEN 401)", async () => {
    await enable();
    const mfaToken = await mfaTokenOf();
    expectError(await getMe(app, mfaToken), "INVALID_TOKEN", 401);
    expectError(await refresh(app, mfaToken), "INVALID_REFRESH_TOKEN", 401);
  });
});

describe("POST /api/v1/auth/2fa/backup-codes and /2fa/disable", () => {
  it("regenerates ten codes with a current code; the old ones stop working", async () => {
    const { code, backupCodes } = await enable();
    const response = await post("/auth/2fa/backup-codes", { code: code() }, registered.accessToken);
    expect(response.statusCode).toBe(200);
    expect(dataOf(response).backupCodes).toHaveLength(10);
    expectError(
      await post("/auth/2fa/verify", { mfaToken: await mfaTokenOf(), backupCode: backupCodes[0] }),
      "INVALID_TWO_FACTOR_CODE",
      401,
    );
  });

  it("answers TWO_FACTOR_NOT_ENABLED 400 without 2FA", async () => {
    expectError(
      await post("/auth/2fa/backup-codes", { code: "123456" }, registered.accessToken),
      "TWO_FACTOR_NOT_ENABLED",
      400,
    );
    expectError(
      await post("/auth/2fa/disable", { code: "123456" }, registered.accessToken),
      "TWO_FACTOR_NOT_ENABLED",
      400,
    );
  });

  it("disables with a current code; login then answers tokens directly", async () => {
    const { code } = await enable();
    const response = await post("/auth/2fa/disable", { code: code() }, registered.accessToken);
    expect(response.json()).toStrictEqual({ success: true, data: { disabled: true } });
    expect(dataOf(await post("/auth/login", credentials))).toHaveProperty("accessToken");
    expect((await getMe(app, registered.accessToken)).json().data.user).toMatchObject({
      twoFactorEnabled: false,
      backupCodesRemaining: 0,
    });
  });

  it("answers VALIDATION_ERROR 400 for an empty password, which counts toward no lockout", async () => {
    const { code } = await enable();
    for (let i = 0; i < 6; i++) {
      const refused = await post("/auth/2fa/disable", { password: "", code: code() }, registered.accessToken);
      expectError(refused, "VALIDATION_ERROR", 400);
    }
    // Past the lockout's five: still signs in (to the code step) and 2FA is still on.
    expect(dataOf(await post("/auth/login", credentials))).toHaveProperty("mfaToken");
  });

  it("disables with a backup code, which is then spent", async () => {
    const { backupCodes } = await enable();
    const response = await post("/auth/2fa/disable", { backupCode: backupCodes[0] }, registered.accessToken);
    expect(response.json()).toStrictEqual({ success: true, data: { disabled: true } });
  });

  it("answers VALIDATION_ERROR 400 to the password alone, and 2FA stays on", async () => {
    await enable();
    expectError(
      await post("/auth/2fa/disable", { password: validRegistration.password }, registered.accessToken),
      "VALIDATION_ERROR",
      400,
    );
    expect((await getMe(app, registered.accessToken)).json().data.user.twoFactorEnabled).toBe(true);
  });

  it("answers INVALID_CURRENT_PASSWORD 400 and INVALID_TWO_FACTOR_CODE 401 to wrong proofs", async () => {
    const { code } = await enable();
    expectError(
      await post("/auth/2fa/disable", { password: "Wr0ng-secret!", code: code() }, registered.accessToken),
      "INVALID_CURRENT_PASSWORD",
      400,
    );
    expectError(
      await post("/auth/2fa/disable", { code: "000000" }, registered.accessToken),
      "INVALID_TWO_FACTOR_CODE",
      401,
    );
  });
});

describe("wrong codes at /2fa/disable and /2fa/backup-codes count toward lockout", () => {
  it("five wrong codes at /2fa/disable answer ACCOUNT_LOCKED 423 with Retry-After, even to the right password and code", async () => {
    const { code } = await enable();
    for (let i = 0; i < 5; i++) {
      expectError(
        await post("/auth/2fa/disable", { code: "000000" }, registered.accessToken),
        i < 4 ? "INVALID_TWO_FACTOR_CODE" : "ACCOUNT_LOCKED",
        i < 4 ? 401 : 423,
      );
    }
    const locked = await post(
      "/auth/2fa/disable",
      { password: validRegistration.password, code: code() },
      registered.accessToken,
    );
    expectError(locked, "ACCOUNT_LOCKED", 423);
    expect(locked.headers["retry-after"]).toBe("1800");
    expect((await getMe(app, registered.accessToken)).json().data.user.twoFactorEnabled).toBe(true);
  });

  it("five wrong passwords at /2fa/disable lock sign-in from the same client too", async () => {
    const { code } = await enable();
    for (let i = 0; i < 5; i++) {
      expectError(
        await post("/auth/2fa/disable", { password: "Wr0ng-secret!", code: code() }, registered.accessToken),
        i < 4 ? "INVALID_CURRENT_PASSWORD" : "ACCOUNT_LOCKED",
        i < 4 ? 400 : 423,
      );
    }
    expectError(await post("/auth/login", credentials), "ACCOUNT_LOCKED", 423);
  });

  it("five wrong codes at /2fa/backup-codes answer ACCOUNT_LOCKED 423 with Retry-After, even to a right code", async () => {
    const { code } = await enable();
    for (let i = 0; i < 5; i++) {
      expectError(
        await post("/auth/2fa/backup-codes", { code: "000000" }, registered.accessToken),
        i < 4 ? "INVALID_TWO_FACTOR_CODE" : "ACCOUNT_LOCKED",
        i < 4 ? 401 : 423,
      );
    }
    const locked = await post("/auth/2fa/backup-codes", { code: code() }, registered.accessToken);
    expectError(locked, "ACCOUNT_LOCKED", 423);
    expect(locked.headers["retry-after"]).toBe("1800");
    expect((await getMe(app, registered.accessToken)).json().data.user.backupCodesRemaining).toBe(10);
  });
});
