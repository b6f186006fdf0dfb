import { tokenFromMail } from "@superoauth/application/testing";
import { mailRepeatWindowMs } from "@superoauth/domain";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestApp,
  expectError,
  getMe,
  messageOf,
  refresh,
  registerUser,
  type TestAppOptions,
  type TestDependencies,
  validRegistration,
} from "./test-app.ts";

const newPassword = "Res3t-passw0rd!";

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function start(
  options: TestAppOptions = {},
): Promise<{ app: FastifyInstance; deps: TestDependencies }> {
  const built = await buildTestApp(options);
  apps.push(built.app);
  return built;
}

function post(app: FastifyInstance, url: string, payload: Record<string, unknown>, remoteAddress?: string) {
  return app.inject({
    method: "POST",
    url: `/api/v1${url}`,
    payload,
    ...(remoteAddress === undefined ? {} : { remoteAddress }),
  });
}

function lastMailToken(deps: TestDependencies): string {
  const mail = deps.mailer.sent.at(-1);
  if (mail === undefined) throw new Error("no mail was sent");
  return tokenFromMail(mail);
}

/**
 * Status, body and headers, without those that differ between any two responses
 * whatever the address: the date, and the per-IP rate-limit counters.
 */
function comparable(response: LightMyRequestResponse) {
  const headers = Object.fromEntries(
    // The request id differs by design (a new one per request); it says nothing about the address.
    Object.entries(response.headers).filter(
      ([name]) => name !== "date" && name !== "x-request-id" && !name.startsWith("x-ratelimit-"),
    ),
  );
  return { status: response.statusCode, body: response.body, headers };
}

describe("POST /api/v1/auth/verify-email", () => {
  it("verifies the address with the token from the registration mail, as /auth/me then shows", async () => {
    const { app, deps } = await start();
    const registered = await registerUser(app);
    expect(registered.user.emailVerified).toBe(false);

    const response = await post(app, "/auth/verify-email", { token: lastMailToken(deps) });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({
      success: true,
      data: { emailVerified: true, alreadyVerified: false },
    });
    expect((await getMe(app, registered.accessToken)).json().data.user.emailVerified).toBe(true);
  });

  it("answers the same token a second time with 200 and alreadyVerified, changing nothing", async () => {
    const { app, deps } = await start();
    await registerUser(app);
    const token = lastMailToken(deps);
    await post(app, "/auth/verify-email", { token });
    const events = deps.securityEvents.all().length;

    const again = await post(app, "/auth/verify-email", { token });

    expect(again.statusCode).toBe(200);
    expect(again.json()).toStrictEqual({
      success: true,
      data: { emailVerified: true, alreadyVerified: true },
    });
    expect(deps.securityEvents.all()).toHaveLength(events);
  });

  it("answers INVALID_VERIFICATION_TOKEN 400 to a token 24 hours old", async () => {
    const { app, deps } = await start();
    await registerUser(app);
    deps.clock.advance(24 * 3600 * 1000);

    expectError(
      await post(app, "/auth/verify-email", { token: lastMailToken(deps) }),
      "INVALID_VERIFICATION_TOKEN",
      400,
    );
  });

  it.each(["garbage", ""])("answers INVALID_VERIFICATION_TOKEN 400 to the token %j", async (token) => {
    const { app } = await start();
    expectError(await post(app, "/auth/verify-email", { token }), "INVALID_VERIFICATION_TOKEN", 400);
  });

  it("answers VALIDATION_ERROR 400 without a token", async () => {
    const { app } = await start();
    expectError(await post(app, "/auth/verify-email", {}), "VALIDATION_ERROR", 400);
  });
});

describe("POST /api/v1/auth/resend-verification", () => {
  it("mails a new link that verifies the address", async () => {
    const { app, deps } = await start();
    await registerUser(app);
    deps.clock.advance(mailRepeatWindowMs); // not a repeat of the registration's mail

    const response = await post(app, "/auth/resend-verification", { email: validRegistration.email });
    await deps.backgroundTasks.drain();

    expect(response.statusCode).toBe(200);
    expect(deps.mailer.sent).toHaveLength(2);
    expect((await post(app, "/auth/verify-email", { token: lastMailToken(deps) })).statusCode).toBe(200);
  });

  it("answers a known, an unknown and an already verified address byte for byte alike", async () => {
    const { app, deps } = await start();
    await registerUser(app);
    const known = await post(app, "/auth/resend-verification", { email: validRegistration.email });
    const unknown = await post(app, "/auth/resend-verification", { email: "nobody@example.com" });
    await deps.backgroundTasks.drain();
    await post(app, "/auth/verify-email", { token: lastMailToken(deps) });
    const verified = await post(app, "/auth/resend-verification", { email: validRegistration.email });

    expect(known.statusCode).toBe(200);
    expect(comparable(unknown)).toStrictEqual(comparable(known));
    expect(comparable(verified)).toStrictEqual(comparable(known));
  });

  it("answers VALIDATION_ERROR 400 to something that is not an address", async () => {
    const { app } = await start();
    expectError(await post(app, "/auth/resend-verification", { email: "nope" }), "VALIDATION_ERROR", 400);
  });

  it("a new link supersedes the older one: the first answers INVALID_VERIFICATION_TOKEN 400, the second works", async () => {
    const { app, deps } = await start();
    await registerUser(app);
    const first = lastMailToken(deps);
    deps.clock.advance(mailRepeatWindowMs);
    await post(app, "/auth/resend-verification", { email: validRegistration.email });
    await deps.backgroundTasks.drain();
    const second = lastMailToken(deps);

    expectError(await post(app, "/auth/verify-email", { token: first }), "INVALID_VERIFICATION_TOKEN", 400);
    expect((await post(app, "/auth/verify-email", { token: second })).statusCode).toBe(200);
  });

  it("draws on the email budget: the 6th request from one IP answers RATE_LIMIT_EXCEEDED 429", async () => {
    const { app } = await start({
      rateLimit: {
        enabled: true,
        windowMs: 900_000,
        loginMax: 5,
        registerMax: 3,
        generalMax: 100,
        emailMax: 5,
      },
    });
    const responses: LightMyRequestResponse[] = [];
    for (let i = 0; i < 6; i++) {
      responses.push(
        await post(app, "/auth/resend-verification", { email: `x${i}@example.com` }, "10.0.0.9"),
      );
    }
    expect(responses.slice(0, 5).map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expectError(responses[5] as LightMyRequestResponse, "RATE_LIMIT_EXCEEDED", 429);
    // Another IP still has its own budget, shared with forgot-password.
    expect(
      (await post(app, "/auth/forgot-password", { email: "x@example.com" }, "10.0.0.10")).statusCode,
    ).toBe(200);
  });
});

describe("POST /api/v1/auth/forgot-password", () => {
  it("answers a known and an unknown address byte for byte alike, mailing only the known one", async () => {
    const { app, deps } = await start();
    await registerUser(app);
    deps.mailer.sent.length = 0;

    const known = await post(app, "/auth/forgot-password", { email: validRegistration.email });
    const unknown = await post(app, "/auth/forgot-password", { email: "nobody@example.com" });
    await deps.backgroundTasks.drain();

    expect(known.statusCode).toBe(200);
    expect(known.json()).toStrictEqual({
      success: true,
      data: { requested: true, message: expect.stringMatching(/\S/) },
    });
    expect(comparable(unknown)).toStrictEqual(comparable(known));
    expect(deps.mailer.sent.map((m) => m.to)).toEqual(["ada@example.com"]);
  });

  it("shares the email budget with resend-verification", async () => {
    const { app } = await start({
      rateLimit: {
        enabled: true,
        windowMs: 900_000,
        loginMax: 5,
        registerMax: 3,
        generalMax: 100,
        emailMax: 2,
      },
    });
    await post(app, "/auth/resend-verification", { email: "a@example.com" }, "10.0.0.11");
    await post(app, "/auth/forgot-password", { email: "a@example.com" }, "10.0.0.11");
    expectError(
      await post(app, "/auth/forgot-password", { email: "a@example.com" }, "10.0.0.11"),
      "RATE_LIMIT_EXCEEDED",
      429,
    );
  });
});

describe("POST /api/v1/auth/reset-password", () => {
  async function requestedReset() {
    const built = await start();
    const registered = await registerUser(built.app);
    await post(built.app, "/auth/forgot-password", { email: validRegistration.email });
    await built.deps.backgroundTasks.drain();
    return { ...built, registered, token: lastMailToken(built.deps) };
  }

  it("a new link supersedes the older one: the first answers INVALID_RESET_TOKEN 400, the second works", async () => {
    const { app, deps, token: first } = await requestedReset();
    deps.clock.advance(mailRepeatWindowMs);
    await post(app, "/auth/forgot-password", { email: validRegistration.email });
    await deps.backgroundTasks.drain();
    const second = lastMailToken(deps);

    expectError(
      await post(app, "/auth/reset-password", { token: first, newPassword }),
      "INVALID_RESET_TOKEN",
      400,
    );
    expect((await post(app, "/auth/reset-password", { token: second, newPassword })).statusCode).toBe(200);
  });

  it("sets the new password and ends every session", async () => {
    const { app, registered, token } = await requestedReset();

    const response = await post(app, "/auth/reset-password", { token, newPassword });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toStrictEqual({
      success: true,
      data: { passwordReset: true, sessionsEnded: true },
    });
    expectError(await getMe(app, registered.accessToken), "INVALID_TOKEN", 401);
    expectError(await refresh(app, registered.refreshToken), "INVALID_REFRESH_TOKEN", 401);
    const login = await post(app, "/auth/login", { email: validRegistration.email, password: newPassword });
    expect(login.statusCode).toBe(200);
    const old = await post(app, "/auth/login", {
      email: validRegistration.email,
      password: validRegistration.password,
    });
    expectError(old, "INVALID_CREDENTIALS", 401);
  });

  it("answers INVALID_RESET_TOKEN 400 to a used token", async () => {
    const { app, token } = await requestedReset();
    await post(app, "/auth/reset-password", { token, newPassword });

    expectError(
      await post(app, "/auth/reset-password", { token, newPassword: "Oth3r-passw0rd!" }),
      "INVALID_RESET_TOKEN",
      400,
    );
  });

  it("answers INVALID_RESET_TOKEN 400 to a token an hour old", async () => {
    const { app, deps, token } = await requestedReset();
    deps.clock.advance(3600 * 1000);

    expectError(await post(app, "/auth/reset-password", { token, newPassword }), "INVALID_RESET_TOKEN", 400);
  });

  it("answers VALIDATION_ERROR 400 to the account's current password and keeps the token usable", async () => {
    const { app, token } = await requestedReset();

    const same = await post(app, "/auth/reset-password", { token, newPassword: validRegistration.password });
    expectError(same, "VALIDATION_ERROR", 400);
    expect(messageOf(same)).toBe("New password is your current password: choose a different one");
    expect((await post(app, "/auth/reset-password", { token, newPassword })).statusCode).toBe(200);
  });

  it("answers VALIDATION_ERROR 400 to a weak password and keeps the token usable", async () => {
    const { app, token } = await requestedReset();

    expectError(
      await post(app, "/auth/reset-password", { token, newPassword: "weak" }),
      "VALIDATION_ERROR",
      400,
    );
    expect((await post(app, "/auth/reset-password", { token, newPassword })).statusCode).toBe(200);
  });
});

describe("REQUIRE_EMAIL_VERIFICATION", () => {
  it("answers EMAIL_NOT_VERIFIED 403 to a right password until the address is verified", async () => {
    const { app, deps } = await start({ settings: { requireEmailVerification: true } });
    const registered = await registerUser(app);
    const login = { email: validRegistration.email, password: validRegistration.password };

    expectError(await post(app, "/auth/login", login), "EMAIL_NOT_VERIFIED", 403);
    // The registration's own session lasts its access token: it is not renewed either.
    expectError(
      await post(app, "/auth/refresh", { refreshToken: registered.refreshToken }),
      "EMAIL_NOT_VERIFIED",
      403,
    );
    expectError(
      await post(app, "/auth/login", { ...login, password: "Wr0ng-passw0rd!" }),
      "INVALID_CREDENTIALS",
      401,
    );

    await post(app, "/auth/verify-email", { token: lastMailToken(deps) });
    const response = await post(app, "/auth/login", login);
    expect(response.statusCode).toBe(200);
    expect(
      (await app.inject({ url: "/api/v1/auth/me", headers: bearer(response.json().data.accessToken) }))
        .statusCode,
    ).toBe(200);
  });
});
