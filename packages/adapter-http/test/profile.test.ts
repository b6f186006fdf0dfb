import { tokenFromMail } from "@superoauth/application/testing";
import type { UserId } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestApp,
  expectError,
  getMe,
  otherRegistration,
  refresh,
  registerUser,
  type SignedInData,
  type TestDependencies,
} from "./test-app.ts";

// The profile routes over in-memory ports, with the clock in hand: every answer's code and status.
// The same flows over SMTP on MySQL and SQLite: apps/api/test/profile.int.test.ts.

let app: FastifyInstance;
let deps: TestDependencies;
let current: SignedInData;
beforeEach(async () => {
  ({ app, deps } = await buildTestApp());
  current = await registerUser(app);
});
afterEach(async () => {
  await app.close();
});

function send(method: "PATCH" | "POST", url: string, payload: unknown, accessToken?: string) {
  return app.inject({
    method,
    url: `/api/v1${url}`,
    payload: payload as Record<string, unknown>,
    ...(accessToken === undefined ? {} : { headers: bearer(accessToken) }),
  });
}

function confirmLink(address: string): string {
  const mail = deps.mailer.sentTo(address).at(-1);
  if (mail === undefined) throw new Error(`no mail to ${address}`);
  return tokenFromMail(mail);
}

describe("PATCH /api/v1/user", () => {
  it("changes the nickname and answers the public user", async () => {
    const response = await send("PATCH", "/user", { nickname: "Ada_L" }, current.accessToken);
    expect(response.statusCode).toBe(200);
    const { user } = response.json().data;
    expect(user).toMatchObject({ nickname: "Ada_L", email: "ada@example.com", hasPassword: true });
    expect(Object.keys(user).sort()).toEqual([
      "createdAt",
      "email",
      "emailVerified",
      "hasPassword",
      "id",
      "nickname",
    ]);
    expect((await getMe(app, current.accessToken)).json().data.user.nickname).toBe("Ada_L");
  });

  it.each([{ nickname: "x" }, { nickname: "has space" }, {}, { nickname: 42 }])(
    "refuses %j with 400 VALIDATION_ERROR",
    async (payload) => {
      expectError(await send("PATCH", "/user", payload, current.accessToken), "VALIDATION_ERROR", 400);
    },
  );

  it("needs a bearer token: 401 UNAUTHORIZED", async () => {
    expectError(await send("PATCH", "/user", { nickname: "Ada_L" }), "UNAUTHORIZED", 401);
  });
});

describe("POST /api/v1/user/email", () => {
  it("answers 202 pending and mails the link to the new address", async () => {
    const response = await send("POST", "/user/email", { newEmail: "New@Example.org" }, current.accessToken);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toStrictEqual({ success: true, data: { pending: true } });
    expect(confirmLink("new@example.org")).toMatch(/^[0-9a-f-]{36}\./);
    expect((await getMe(app, current.accessToken)).json().data.user.email).toBe("ada@example.com");
  });

  it("answers the same 202, byte for byte, when the address belongs to another account", async () => {
    await registerUser(app, otherRegistration);
    const free = await send("POST", "/user/email", { newEmail: "free@example.org" }, current.accessToken);
    const taken = await send(
      "POST",
      "/user/email",
      { newEmail: otherRegistration.email },
      current.accessToken,
    );
    expect(taken.statusCode).toBe(free.statusCode);
    expect(taken.body).toBe(free.body);
  });

  it("refuses a session without a fresh proof with 401 REAUTH_REQUIRED", async () => {
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    // A refreshed token keeps the session's proof time: refreshing is not a proof.
    const refreshed = (await refresh(app, current.refreshToken)).json().data as SignedInData;
    expectError(
      await send("POST", "/user/email", { newEmail: "new@example.org" }, refreshed.accessToken),
      "REAUTH_REQUIRED",
      401,
    );
    expect(deps.mailer.sentTo("new@example.org")).toEqual([]);
  });

  it.each([{ newEmail: "not an address" }, { newEmail: "ADA@example.com" }, {}])(
    "refuses %j with 400 VALIDATION_ERROR",
    async (payload) => {
      expectError(await send("POST", "/user/email", payload, current.accessToken), "VALIDATION_ERROR", 400);
    },
  );

  it("refuses a fourth request within the hour with 429 RATE_LIMIT_EXCEEDED and Retry-After", async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        (await send("POST", "/user/email", { newEmail: `n${i}@example.org` }, current.accessToken))
          .statusCode,
      ).toBe(202);
    }
    const refused = await send("POST", "/user/email", { newEmail: "n3@example.org" }, current.accessToken);
    expectError(refused, "RATE_LIMIT_EXCEEDED", 429);
    // The allowance is counted over the last hour: at most an hour to wait.
    expect(refused.headers["retry-after"]).toBe("3600");
  });

  it("needs a bearer token: 401 UNAUTHORIZED", async () => {
    expectError(await send("POST", "/user/email", { newEmail: "new@example.org" }), "UNAUTHORIZED", 401);
  });

  it("answers 404 USER_NOT_FOUND once the account is gone", async () => {
    const me = (await getMe(app, current.accessToken)).json().data.user as { id: UserId };
    deps.users.deleteUser(me.id);
    expectError(
      await send("POST", "/user/email", { newEmail: "new@example.org" }, current.accessToken),
      "USER_NOT_FOUND",
      404,
    );
    expectError(
      await send("PATCH", "/user", { nickname: "ghost" }, current.accessToken),
      "USER_NOT_FOUND",
      404,
    );
  });
});

describe("POST /api/v1/user/email/confirm", () => {
  beforeEach(async () => {
    expect(
      (await send("POST", "/user/email", { newEmail: "new@example.org" }, current.accessToken)).statusCode,
    ).toBe(202);
  });

  it("moves the account to the new address, verified, without a bearer token", async () => {
    const response = await send("POST", "/user/email/confirm", { token: confirmLink("new@example.org") });
    expect(response.statusCode).toBe(200);
    expect(response.json().data.user).toMatchObject({ email: "new@example.org", emailVerified: true });
    expect((await getMe(app, current.accessToken)).json().data.user.email).toBe("new@example.org");
  });

  it("refuses a used link with 400 INVALID_VERIFICATION_TOKEN", async () => {
    const token = confirmLink("new@example.org");
    expect((await send("POST", "/user/email/confirm", { token })).statusCode).toBe(200);
    expectError(await send("POST", "/user/email/confirm", { token }), "INVALID_VERIFICATION_TOKEN", 400);
  });

  it("refuses an expired link with 400 INVALID_VERIFICATION_TOKEN", async () => {
    deps.clock.advance(3600 * 1000);
    expectError(
      await send("POST", "/user/email/confirm", { token: confirmLink("new@example.org") }),
      "INVALID_VERIFICATION_TOKEN",
      400,
    );
  });

  it("refuses a malformed token with 400 INVALID_VERIFICATION_TOKEN, and a missing one with 400 VALIDATION_ERROR", async () => {
    expectError(
      await send("POST", "/user/email/confirm", { token: "nope" }),
      "INVALID_VERIFICATION_TOKEN",
      400,
    );
    expectError(await send("POST", "/user/email/confirm", {}), "VALIDATION_ERROR", 400);
  });

  it("answers 409 USER_EXISTS when another account registered the address meanwhile", async () => {
    const token = confirmLink("new@example.org");
    await registerUser(app, { ...otherRegistration, email: "new@example.org" });
    expectError(await send("POST", "/user/email/confirm", { token }), "USER_EXISTS", 409);
    expect((await getMe(app, current.accessToken)).json().data.user.email).toBe("ada@example.com");
  });
});
