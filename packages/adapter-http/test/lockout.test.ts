import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildTestApp,
  expectError,
  registerUser,
  type TestDependencies,
  validRegistration,
} from "./test-app.ts";

let app: FastifyInstance;
let deps: TestDependencies;
beforeEach(async () => {
  ({ app, deps } = await buildTestApp());
  await registerUser(app);
});
afterEach(async () => {
  await app.close();
});

const right = { email: validRegistration.email, password: validRegistration.password };
const wrong = { email: validRegistration.email, password: "Wr0ng-secret!" };

function logIn(payload: Record<string, unknown>, remoteAddress: string, cookie?: string) {
  return app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload,
    remoteAddress,
    ...(cookie === undefined ? {} : { cookies: { superoauth_device: cookie } }),
  });
}

function deviceCookieOf(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === "superoauth_device");
  if (cookie === undefined) throw new Error("no device cookie set");
  return cookie.value;
}

describe("account lockout over HTTP", () => {
  it("answers ACCOUNT_LOCKED 423 with Retry-After after five wrong passwords, even to the right one", async () => {
    for (let i = 0; i < 5; i++)
      expectError(
        await logIn(wrong, "203.0.113.9"),
        i < 4 ? "INVALID_CREDENTIALS" : "ACCOUNT_LOCKED",
        i < 4 ? 401 : 423,
      );

    const locked = await logIn(right, "203.0.113.9");

    expectError(locked, "ACCOUNT_LOCKED", 423);
    expect(locked.headers["retry-after"]).toBe("1800");
    expect((await logIn(wrong, "203.0.113.9")).body).toBe(locked.body);
  });

  it("lets the owner's device in while an attacker elsewhere is locked out", async () => {
    const first = await logIn(right, "10.0.0.1");
    expect(first.statusCode).toBe(200);
    const device = deviceCookieOf(first);
    expect(first.cookies.find((c) => c.name === "superoauth_device")).toMatchObject({
      httpOnly: true,
      sameSite: "Lax",
    });

    for (let i = 0; i < 5; i++) await logIn(wrong, "203.0.113.9");
    expectError(await logIn(right, "203.0.113.9"), "ACCOUNT_LOCKED", 423);

    // From a new network, the device cookie is what is recognised.
    expect((await logIn(right, "198.51.100.7", device)).statusCode).toBe(200);
    expectError(await logIn(right, "203.0.113.9"), "ACCOUNT_LOCKED", 423);
  });

  it("keeps a device cookie that is sent back, and sets one when none is", async () => {
    const first = await logIn(right, "10.0.0.1");
    const device = deviceCookieOf(first);
    expect(device).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await logIn(right, "10.0.0.1", device);
    expect(again.cookies.find((c) => c.name === "superoauth_device")).toBeUndefined();
  });

  it("unlocks after the lock duration", async () => {
    for (let i = 0; i < 5; i++) await logIn(wrong, "203.0.113.9");
    deps.clock.advance(30 * 60_000);
    expect((await logIn(right, "203.0.113.9")).statusCode).toBe(200);
  });
});
