import { type OutgoingMail, StorageUnavailableError } from "@superoauth/application";
import { InMemoryTOTPService, tokenFromMail } from "@superoauth/application/testing";
import { parseEmail, type Role, type UserId } from "@superoauth/domain";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  bearer,
  buildTestApp,
  expectError,
  getMe,
  logIn,
  otherRegistration,
  recordingLogger,
  refresh,
  registerUser,
  type SignedInData,
  type TestDependencies,
  verifyAddressOf,
} from "./test-app.ts";

// The admin API over in-memory ports: every route's success and error paths, and the permission
// table of docs/admin.md checked for each role on each route.

let app: FastifyInstance;
let deps: TestDependencies;
beforeEach(async () => {
  ({ app, deps } = await buildTestApp());
});
afterEach(async () => app.close());

/** Registers an account and gives it `role`, as `pnpm admin:create` or an admin would. */
async function accountWithRole(
  role: Role,
  email = `${role}-${Math.random().toString(36).slice(2)}@example.com`,
) {
  const signedIn = await registerUser(app, { email, password: "Sup3r-secret!", nickname: `${role}_member` });
  const user = await deps.users.findUserById(signedIn.user.id as UserId);
  if (user === null) throw new Error("no user");
  deps.users.replaceUser({ ...user, role });
  return { ...signedIn, email, password: "Sup3r-secret!" };
}

function call(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  url: string,
  caller: SignedInData,
  payload?: Record<string, unknown>,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url: `/api/v1${url}`,
    headers: bearer(caller.accessToken),
    ...(payload === undefined ? {} : { payload }),
  });
}

/**
 * Six minutes on, past REAUTH_MAX_AGE (and the access tokens' lifetime): `caller` refreshes, so it
 * holds a valid token of a session whose last proof is stale.
 */
async function withStaleProof(caller: SignedInData): Promise<SignedInData> {
  deps.clock.advance(6 * 60_000);
  const response = await refresh(app, caller.refreshToken);
  if (response.statusCode !== 200) throw new Error(`refresh failed: ${response.body}`);
  return { ...caller, ...response.json().data };
}

async function timelineOf(person: SignedInData) {
  const response = await app.inject({
    method: "GET",
    url: "/api/v1/user/security-events",
    headers: bearer(person.accessToken),
  });
  return response.json().data.events as {
    type: string;
    description: string;
    details: Record<string, unknown>;
  }[];
}

/** Five wrong passwords: the address is locked (ADR 0008). */
async function lockOut(email: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email, password: "Wrong-passw0rd!" },
    });
  }
}

/** Gives the account an enabled second factor, as confirming a TOTP set-up does. */
async function enableTwoFactorOf(userId: UserId): Promise<void> {
  await deps.twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: "sealed", now: deps.clock.now() });
  await deps.twoFactor.enableTOTPFactor({
    userId,
    confirmedSecret: "sealed",
    usedStep: 1,
    backupCodes: [],
    now: deps.clock.now(),
  });
}

/** Links a GitHub (or another provider's) identity giving the other registration's address, as a sign-in would. */
async function linkGitHubTo(
  userId: UserId,
  subject: string,
  provider: "github" | "google" = "github",
): Promise<void> {
  const email = parseEmail(otherRegistration.email);
  if (!email.ok) throw new Error("unparsable");
  await deps.linkedProviders.linkProvider({
    userId,
    provider,
    subject,
    email: email.value,
    displayName: null,
    linkedAt: deps.clock.now(),
  });
}

/** A disable's body: the reason staff give (docs/admin.md). */
const disableBody = { reason: "Abusive messages (ticket 4127)" };

/** What each role gets from each admin route, on a target with the `user` role. */
const staffRoutes = [
  { name: "search", method: "GET", path: () => "/admin/users", support: 200, admin: 200 },
  { name: "read", method: "GET", path: (id: string) => `/admin/users/${id}`, support: 200, admin: 200 },
  {
    name: "unlock",
    method: "POST",
    path: (id: string) => `/admin/users/${id}/unlock`,
    support: 200,
    admin: 200,
  },
  {
    name: "revoke sessions",
    method: "POST",
    path: (id: string) => `/admin/users/${id}/revoke-sessions`,
    support: 200,
    admin: 200,
  },
  {
    name: "send a new verification link",
    method: "POST",
    path: (id: string) => `/admin/users/${id}/resend-verification`,
    support: 200,
    admin: 200,
  },
  {
    name: "send a password-reset link",
    method: "POST",
    path: (id: string) => `/admin/users/${id}/send-password-reset`,
    support: 200,
    admin: 200,
  },
  {
    // On an account with no GitHub linked: 200 with unlinked false (the route's own tests unlink one).
    name: "unlink a provider",
    method: "POST",
    path: (id: string) => `/admin/users/${id}/unlink-provider`,
    body: { provider: "github" },
    support: 200,
    admin: 200,
  },
  {
    name: "require a new password",
    method: "POST",
    path: (id: string) => `/admin/users/${id}/require-new-password`,
    support: 403,
    admin: 200,
  },
  {
    name: "verify the address",
    method: "POST",
    path: (id: string) => `/admin/users/${id}/verify-email`,
    support: 403,
    admin: 200,
  },
  {
    name: "disable",
    method: "POST",
    path: (id: string) => `/admin/users/${id}/disable`,
    body: disableBody,
    support: 403,
    admin: 200,
  },
  {
    name: "enable",
    method: "POST",
    path: (id: string) => `/admin/users/${id}/enable`,
    support: 403,
    admin: 200,
  },
  {
    name: "role",
    method: "PATCH",
    path: (id: string) => `/admin/users/${id}`,
    body: { role: "support" },
    support: 403,
    admin: 200,
  },
  {
    name: "delete",
    method: "DELETE",
    path: (id: string) => `/admin/users/${id}`,
    support: 403,
    admin: 200,
  },
  { name: "audit", method: "GET", path: () => "/admin/audit", support: 403, admin: 200 },
  {
    name: "set the maintenance notice",
    method: "PUT",
    path: () => "/admin/maintenance-notice",
    body: { message: "Upgrade at 02:00 UTC" },
    support: 403,
    admin: 200,
  },
  {
    name: "clear the maintenance notice",
    method: "DELETE",
    path: () => "/admin/maintenance-notice",
    support: 403,
    admin: 200,
  },
] as const;

/** The body a route of the table is called with: what it needs to succeed (none for most). */
function bodyOf(route: (typeof staffRoutes)[number]): Record<string, unknown> {
  return "body" in route ? route.body : {};
}

describe("the permission table over HTTP", () => {
  for (const route of staffRoutes) {
    for (const role of ["user", "support", "admin"] as const) {
      const expected = role === "user" ? 403 : route[role];
      it(`${route.name}: ${role} gets ${expected}`, async () => {
        const caller = await accountWithRole(role);
        const target = await registerUser(app, otherRegistration);
        // A staff role goes only to a verified address.
        if (route.method === "PATCH") await verifyAddressOf(deps, target.user);
        const response = await call(route.method, route.path(target.user.id), caller, bodyOf(route));
        if (expected === 403) expectError(response, "INSUFFICIENT_PERMISSIONS", 403);
        else expect(response.statusCode, response.body).toBe(200);
      });
    }
  }

  it("reset-2fa: a user gets 403, support and admins reset it", async () => {
    for (const role of ["user", "support", "admin"] as const) {
      const caller = await accountWithRole(role);
      const target = await accountWithRole("user");
      await enableTwoFactorOf(target.user.id as UserId);
      const response = await call("POST", `/admin/users/${target.user.id}/reset-2fa`, caller);
      if (role === "user") expectError(response, "INSUFFICIENT_PERMISSIONS", 403);
      else expect(response.json()).toEqual({ success: true, data: { twoFactorEnabled: false } });
    }
  });

  it("staff with a second factor prove with it: a password-only fresh proof answers REAUTH_REQUIRED, a code lets the action through", async () => {
    const admin = await accountWithRole("admin");
    await verifyAddressOf(deps, admin.user);
    const setup = await call("POST", "/auth/2fa/setup", admin);
    const code = () => InMemoryTOTPService.codeAt(setup.json().data.secret, deps.clock.now());
    expect((await call("POST", "/auth/2fa/enable", admin, { code: code() })).statusCode).toBe(200);
    const target = await accountWithRole("user");
    await enableTwoFactorOf(target.user.id as UserId);
    // The session signed in with the password alone, before 2FA was on, and proved it again just now.
    const stale = await withStaleProof(admin);
    expect((await call("POST", "/auth/reauthenticate", stale, { password: admin.password })).statusCode).toBe(
      200,
    );
    const refused = await call("POST", `/admin/users/${target.user.id}/reset-2fa`, stale);
    expectError(refused, "REAUTH_REQUIRED", 401);
    expect(refused.json().message).toBe(
      "A staff action needs a recent proof with your second factor: call POST /auth/reauthenticate with a code, then retry",
    );
    deps.clock.advance(30_000);
    expect((await call("POST", "/auth/reauthenticate", stale, { code: code() })).statusCode).toBe(200);
    const reset = await call("POST", `/admin/users/${target.user.id}/reset-2fa`, stale);
    expect(reset.json()).toEqual({ success: true, data: { twoFactorEnabled: false } });
    // Actions that need no fresh proof take none: unlocking, reads.
    expect((await call("GET", `/admin/users/${target.user.id}`, stale)).statusCode).toBe(200);
  });

  it("a plain user learns nothing about other accounts: 403 even for an unknown id", async () => {
    const caller = await accountWithRole("user");
    expectError(await call("GET", "/admin/users/no-such-id", caller), "INSUFFICIENT_PERMISSIONS", 403);
  });

  it("support cannot act on support or admin accounts, but may read them", async () => {
    const support = await accountWithRole("support");
    for (const role of ["support", "admin"] as const) {
      const target = await accountWithRole(role);
      for (const action of [
        "unlock",
        "revoke-sessions",
        "reset-2fa",
        "resend-verification",
        "send-password-reset",
      ]) {
        expectError(
          await call("POST", `/admin/users/${target.user.id}/${action}`, support),
          "INSUFFICIENT_PERMISSIONS",
          403,
        );
      }
      expect((await call("GET", `/admin/users/${target.user.id}`, support)).statusCode).toBe(200);
    }
  });

  it("without a token every admin route answers UNAUTHORIZED", async () => {
    const response = await app.inject({ method: "GET", url: "/api/v1/admin/users" });
    expectError(response, "UNAUTHORIZED", 401);
  });
});

describe("STAFF_REQUIRE_2FA", () => {
  beforeEach(async () => {
    await app.close();
    ({ app, deps } = await buildTestApp({ settings: { staffRequireTwoFactor: true } }));
  });

  /** A staff member who turned 2FA on through the API and whose session proved a code since. */
  async function staffWithTwoFactor(role: "support" | "admin") {
    const caller = await accountWithRole(role);
    await verifyAddressOf(deps, caller.user);
    const setup = await call("POST", "/auth/2fa/setup", caller);
    const code = () => InMemoryTOTPService.codeAt(setup.json().data.secret, deps.clock.now());
    expect((await call("POST", "/auth/2fa/enable", caller, { code: code() })).statusCode).toBe(200);
    deps.clock.advance(30_000);
    expect((await call("POST", "/auth/reauthenticate", caller, { code: code() })).statusCode).toBe(200);
    return caller;
  }

  /** Each route of the table as `caller` calls it, on a fresh target with the `user` role. */
  async function callRoute(route: (typeof staffRoutes)[number], caller: SignedInData) {
    const target = await registerUser(app, {
      ...otherRegistration,
      email: `target-${Math.random().toString(36).slice(2)}@example.com`,
    });
    if (route.method === "PATCH") await verifyAddressOf(deps, target.user);
    return call(route.method, route.path(target.user.id), caller, bodyOf(route));
  }

  it("staff without 2FA get 403 TWO_FACTOR_REQUIRED on every route their role allows; the role is checked first", async () => {
    for (const role of ["user", "support", "admin"] as const) {
      const caller = await accountWithRole(role);
      for (const route of staffRoutes) {
        const response = await callRoute(route, caller);
        const allowed = role !== "user" && route[role] === 200;
        expectError(response, allowed ? "TWO_FACTOR_REQUIRED" : "INSUFFICIENT_PERMISSIONS", 403);
        if (allowed) {
          expect(response.json().message).toBe(
            "Staff accounts need two-factor authentication on this service: turn it on in your account, then try again",
          );
        }
      }
    }
    // Nothing was done: no notice set, nobody disabled.
    expect(await deps.maintenanceNotices.current()).toBeNull();
  });

  it("resetting a second factor, outside the table (its target needs one), answers TWO_FACTOR_REQUIRED 403 too", async () => {
    const target = await accountWithRole("user");
    await enableTwoFactorOf(target.user.id as UserId);
    for (const role of ["support", "admin"] as const) {
      const caller = await accountWithRole(role);
      expectError(
        await call("POST", `/admin/users/${target.user.id}/reset-2fa`, caller),
        "TWO_FACTOR_REQUIRED",
        403,
      );
    }
    expect((await deps.twoFactor.findTOTPFactor(target.user.id as UserId))?.status).toBe("enabled");
  });

  it("with 2FA on and proved, every route their role allows answers 200", async () => {
    for (const role of ["support", "admin"] as const) {
      const caller = await staffWithTwoFactor(role);
      for (const route of staffRoutes.filter((candidate) => candidate[role] === 200)) {
        const response = await callRoute(route, caller);
        expect(response.statusCode, `${role} ${route.name}: ${response.body}`).toBe(200);
      }
    }
  });

  it("turning 2FA off (or staff resetting it) takes the access away at the next request", async () => {
    const support = await staffWithTwoFactor("support");
    expect((await call("GET", "/admin/users", support)).statusCode).toBe(200);
    await deps.twoFactor.deleteTwoFactor(support.user.id as UserId);
    expectError(await call("GET", "/admin/users", support), "TWO_FACTOR_REQUIRED", 403);
  });

  it("a refusal is attributed in the log as the role's are", async () => {
    const lines: Record<string, unknown>[] = [];
    await app.close();
    ({ app, deps } = await buildTestApp({
      settings: { staffRequireTwoFactor: true },
      logger: recordingLogger(lines),
    }));
    const support = await accountWithRole("support");
    expectError(await call("GET", "/admin/users", support), "TWO_FACTOR_REQUIRED", 403);
    expect(lines.filter((line) => line.msg === "access refused")).toEqual([
      expect.objectContaining({
        level: 40,
        userId: support.user.id,
        role: "support",
        url: "/api/v1/admin/users",
      }),
    ]);
  });
});

describe("staff sessions end sooner (STAFF_SESSION_MAX_AGE)", () => {
  it("a staff session is renewed for 12 hours from its sign-in, then refused; a user's signed in alongside goes on", async () => {
    const admin = await accountWithRole("admin");
    const support = await accountWithRole("support");
    const plain = await registerUser(app, otherRegistration);
    let tokens = { admin, support, plain };
    // Each renews every few hours, as a console left open does.
    for (let hour = 0; hour < 11; hour += 1) {
      deps.clock.advance(60 * 60_000);
      for (const name of ["admin", "support", "plain"] as const) {
        const renewed = await refresh(app, tokens[name].refreshToken);
        expect(renewed.statusCode, `${name} at hour ${hour + 1}`).toBe(200);
        tokens = { ...tokens, [name]: { ...tokens[name], ...renewed.json().data } };
      }
    }
    deps.clock.advance(60 * 60_000 + 1000);
    expectError(await refresh(app, tokens.admin.refreshToken), "INVALID_REFRESH_TOKEN", 401);
    expectError(await refresh(app, tokens.support.refreshToken), "INVALID_REFRESH_TOKEN", 401);
    expect((await refresh(app, tokens.plain.refreshToken)).statusCode).toBe(200);
  });

  it("a session older than 12 hours ends at its next renewal once its account is made staff", async () => {
    const person = await registerUser(app, otherRegistration);
    deps.clock.advance(13 * 60 * 60_000);
    const user = await deps.users.findUserById(person.user.id as UserId);
    if (user === null) throw new Error("no user");
    deps.users.replaceUser({ ...user, role: "support" });
    expectError(await refresh(app, person.refreshToken), "INVALID_REFRESH_TOKEN", 401);
  });

  it("follows the setting", async () => {
    await app.close();
    ({ app, deps } = await buildTestApp({ settings: { staffSessionMaxAgeMs: 60 * 60_000 } }));
    const admin = await accountWithRole("admin");
    deps.clock.advance(61 * 60_000);
    expectError(await refresh(app, admin.refreshToken), "INVALID_REFRESH_TOKEN", 401);
  });
});

describe("searching and reading users", () => {
  it("finds by a part of the email or nickname, pages in creation order, and shows no secret", async () => {
    const admin = await accountWithRole("admin");
    const ada = await registerUser(app, {
      email: "ada@example.com",
      password: "Sup3r-secret!",
      nickname: "Countess",
    });
    const grace = await registerUser(app, otherRegistration);

    const byEmail = await call("GET", "/admin/users?q=ADA@", admin);
    expect(byEmail.json().data).toEqual({
      users: [
        {
          id: ada.user.id,
          email: "ada@example.com",
          emailVerified: false,
          nickname: "Countess",
          hasPassword: true,
          status: "active",
          role: "user",
          createdAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
    expect(byEmail.body).not.toContain("passwordHash");
    const byNickname = await call("GET", "/admin/users?q=grace_h", admin);
    expect(byNickname.json().data.users.map((u: { id: string }) => u.id)).toEqual([grace.user.id]);

    const first = (await call("GET", "/admin/users?limit=2", admin)).json().data;
    expect(first.users).toHaveLength(2);
    const second = (await call("GET", `/admin/users?limit=2&cursor=${first.nextCursor}`, admin)).json().data;
    expect(second).toEqual({ users: [expect.objectContaining({ id: grace.user.id })], nextCursor: null });
  });

  it("finds an address that is not ASCII whether the query is typed precomposed (NFC) or decomposed (NFD)", async () => {
    const admin = await accountWithRole("admin");
    const elodie = await registerUser(app, {
      email: "Élodie@example.com",
      password: "Sup3r-secret!",
      nickname: "elodie",
    });
    for (const q of ["élodie@", "e\u0301lodie@", "E\u0301LODIE@"]) {
      const found = await call("GET", `/admin/users?q=${encodeURIComponent(q)}`, admin);
      expect(
        found.json().data.users.map((u: { id: string }) => u.id),
        q,
      ).toEqual([elodie.user.id]);
    }
  });

  it("finds an address with an internationalised domain by either spelling of it", async () => {
    const admin = await accountWithRole("admin");
    const anna = await registerUser(app, {
      email: "anna@Bücher.de",
      password: "Sup3r-secret!",
      nickname: "anna",
    });
    expect(anna.user.email).toBe("anna@xn--bcher-kva.de");
    for (const q of ["anna@bücher.de", "anna@xn--bcher-kva.de", "xn--bcher"]) {
      const found = await call("GET", `/admin/users?q=${encodeURIComponent(q)}`, admin);
      expect(
        found.json().data.users.map((u: { id: string }) => u.id),
        q,
      ).toEqual([anna.user.id]);
    }
  });

  it("refuses a limit out of range", async () => {
    const admin = await accountWithRole("admin");
    expectError(await call("GET", "/admin/users?limit=0", admin), "VALIDATION_ERROR", 400);
    expectError(await call("GET", "/admin/users?limit=101", admin), "VALIDATION_ERROR", 400);
  });

  it.each([
    "/admin/users?cursor=not-an-id",
    "/admin/audit?cursor=not-an-id",
    "/admin/audit?cursor=01A23D99-8456-7FC3-AFAE-D41E39D8DB5E",
  ])("refuses a cursor no page answered: %s", async (path) => {
    const admin = await accountWithRole("admin");
    const response = await call("GET", path, admin);
    expectError(response, "VALIDATION_ERROR", 400);
    expect(response.json().message).toBe("cursor must be the nextCursor of an earlier page");
  });

  it("shows status, role, 2FA, providers, session count and the lock", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await logIn(app, otherRegistration);
    for (let i = 0; i < 5; i++) {
      await app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: otherRegistration.email, password: "Wrong-passw0rd!" },
      });
    }
    const response = await call("GET", `/admin/users/${target.user.id}`, admin);
    expect(response.json().data.user).toEqual({
      id: target.user.id,
      email: otherRegistration.email,
      emailVerified: false,
      nickname: otherRegistration.nickname,
      hasPassword: true,
      status: "active",
      role: "user",
      createdAt: expect.any(String),
      twoFactorEnabled: false,
      disabledReason: null,
      linkedProviders: [],
      sessionCount: 2,
      locked: true,
      lockedUntil: expect.any(String),
      recentActivity: expect.any(Array),
    });
    // The account's own log as its holder sees it, newest first: this very view (recorded before
    // anything is read), the failures and the lock (within one millisecond: in either order), the sign-in.
    const activity = response.json().data.user.recentActivity as Record<string, unknown>[];
    expect(activity[0]).toMatchObject({ type: "account_viewed", actorId: admin.user.id });
    expect(activity.map((event) => event.type).sort()).toEqual(
      ["account_viewed", "account_locked", ...Array(5).fill("login_failed"), "login_succeeded"].sort(),
    );
    expect(activity.at(-1)).toEqual({
      id: expect.any(String),
      type: "login_succeeded",
      occurredAt: expect.any(String),
      description: expect.stringMatching(/\S/),
      ip: "127.0.0.1",
      userAgent: "lightMyRequest",
      actorId: null,
    });
  });

  it("answers USER_NOT_FOUND for an unknown id", async () => {
    const admin = await accountWithRole("admin");
    expectError(
      await call("GET", "/admin/users/00000000-0000-7000-8000-0000000fffff", admin),
      "USER_NOT_FOUND",
      404,
    );
    expectError(await call("POST", "/admin/users/nobody/unlock", admin), "USER_NOT_FOUND", 404);
  });

  it("answers VALIDATION_ERROR 400 for an id longer than 64 characters, which no account has", async () => {
    const admin = await accountWithRole("admin");
    expectError(await call("GET", `/admin/users/${"x".repeat(65)}`, admin), "VALIDATION_ERROR", 400);
  });
});

describe("the read allowance (STAFF_READS_PER_HOUR)", () => {
  it("refuses a member of staff's reads past it with 429 and Retry-After, counting neither repeats nor refusals, until the hour has passed", async () => {
    ({ app, deps } = await buildTestApp({ settings: { staffReadsPerHour: 3 } }));
    let support = await accountWithRole("support");
    const ada = await registerUser(app, {
      email: "ada@example.com",
      password: "Sup3r-secret!",
      nickname: "Countess",
    });
    const grace = await registerUser(app, otherRegistration);

    expect((await call("GET", "/admin/users?q=ada", support)).statusCode).toBe(200);
    expect((await call("GET", `/admin/users/${ada.user.id}`, support)).statusCode).toBe(200);
    // The same view and the same first page within 10 minutes are one entry each, and not counted again.
    expect((await call("GET", `/admin/users/${ada.user.id}`, support)).statusCode).toBe(200);
    expect((await call("GET", "/admin/users?q=ada", support)).statusCode).toBe(200);
    expect((await call("GET", "/admin/users?q=grace", support)).statusCode).toBe(200);

    for (const refused of [
      await call("GET", `/admin/users/${grace.user.id}`, support),
      await call("GET", "/admin/users?q=example", support),
    ]) {
      expectError(refused, "RATE_LIMIT_EXCEEDED", 429);
      expect(refused.headers["retry-after"]).toBe("3600");
      // The X-RateLimit-* headers are the route's per-IP budget's, which has room (docs/api.md).
      expect(refused.headers["x-ratelimit-limit"]).toBe("1000");
      expect(Number(refused.headers["x-ratelimit-remaining"])).toBeGreaterThan(0);
      expect(refused.json().message).toBe(
        "You have opened 3 accounts or search pages in the last hour, the most allowed for one member of staff. You can open more in 60 minutes.",
      );
    }
    // A refused view shows nothing of the account and leaves no entry on its log.
    expect((await timelineOf(grace)).map((e) => e.type)).not.toContain("account_viewed");
    // Another member of staff has an allowance of their own.
    const admin = await accountWithRole("admin");
    expect((await call("GET", `/admin/users/${grace.user.id}`, admin)).statusCode).toBe(200);
    const audit = await call("GET", "/admin/audit", admin);
    expect(
      audit
        .json()
        .data.actions.filter(
          (e: { actorId: string; kind: string }) => e.actorId === support.user.id && e.kind === "read",
        ),
    ).toHaveLength(3);

    // The oldest read leaves the window an hour after it was made.
    deps.clock.advance(3600 * 1000 - 1);
    support = { ...support, ...(await refresh(app, support.refreshToken)).json().data };
    expectError(await call("GET", `/admin/users/${grace.user.id}`, support), "RATE_LIMIT_EXCEEDED", 429);
    deps.clock.advance(1);
    expect((await call("GET", `/admin/users/${grace.user.id}`, support)).statusCode).toBe(200);
  });

  it("a refusal whose counted read is stamped after its own (made at once, committed first) waits at most the hour", async () => {
    ({ app, deps } = await buildTestApp({ settings: { staffReadsPerHour: 1 } }));
    const support = await accountWithRole("support");
    const grace = await registerUser(app, otherRegistration);
    // A read at the same moment took its time a little later and took the last place first.
    deps.securityEvents.recordStaffEntry = async (event) => ({
      recorded: false,
      oldest: new Date(event.occurredAt.getTime() + 400),
    });
    const refused = await call("GET", `/admin/users/${grace.user.id}`, support);
    expectError(refused, "RATE_LIMIT_EXCEEDED", 429);
    // Before the fix: 3601 and "You can open more in 61 minutes", longer than the hour counted.
    expect(refused.headers["retry-after"]).toBe("3600");
    expect(refused.json().message).toContain("You can open more in 60 minutes.");
  });

  it("an account deleted between its read and the record of the view answers USER_NOT_FOUND, and a searcher deleted meanwhile INSUFFICIENT_PERMISSIONS", async () => {
    ({ app, deps } = await buildTestApp());
    const support = await accountWithRole("support");
    const grace = await registerUser(app, otherRegistration);
    // The store found the account's row gone under its lock: nothing recorded, nothing to show.
    deps.securityEvents.recordStaffEntry = async () => ({ recorded: false, gone: true });
    const viewed = await call("GET", `/admin/users/${grace.user.id}`, support);
    expectError(viewed, "USER_NOT_FOUND", 404);
    expect(viewed.body).not.toContain(otherRegistration.email);
    const searched = await call("GET", "/admin/users?q=grace", support);
    expectError(searched, "INSUFFICIENT_PERMISSIONS", 403);
    expect(searched.body).not.toContain(otherRegistration.email);
  });

  it("a search by a whole address is counted each time: another address masked alike is no repeat", async () => {
    ({ app, deps } = await buildTestApp({ settings: { staffReadsPerHour: 1 } }));
    const support = await accountWithRole("support");
    await registerUser(app, { email: "ada@example.com", password: "Sup3r-secret!", nickname: "Countess" });
    await registerUser(app, { email: "alan@example.com", password: "Sup3r-secret!", nickname: "Turing" });

    expect((await call("GET", "/admin/users?q=ada@example.com", support)).statusCode).toBe(200);
    // Both are kept as `a***@example.com` with 1 found. Before the fix this search was folded into
    // the one before: 200 with Alan's row, past the allowance and with no entry in the audit.
    const second = await call("GET", "/admin/users?q=alan@example.com", support);
    expectError(second, "RATE_LIMIT_EXCEEDED", 429);
    expect(second.body).not.toContain("alan@example.com");
  });

  it("a search cut to 64 characters in the audit is counted each time too", async () => {
    ({ app, deps } = await buildTestApp({ settings: { staffReadsPerHour: 1 } }));
    const support = await accountWithRole("support");
    const long = "x".repeat(64);
    expect((await call("GET", `/admin/users?q=${long}a`, support)).statusCode).toBe(200);
    expectError(await call("GET", `/admin/users?q=${long}b`, support), "RATE_LIMIT_EXCEEDED", 429);
  });
});

describe("the mail allowance (STAFF_MAILS_PER_HOUR)", () => {
  const people = (n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        registerUser(app, { email: `person${i}@example.com`, password: "Sup3r-secret!", nickname: `P${i}` }),
      ),
    );
  async function resetMailsTo(email: string): Promise<number> {
    await deps.backgroundTasks.drain();
    return deps.mailer.sentTo(email).filter((mail) => mail.subject === "Reset your password").length;
  }
  const mailRefusal =
    "You have had 3 verification or password-reset links mailed in the last hour, the most allowed for one member of staff. You can send more in 60 minutes.";

  it("refuses a member of staff's links past it, of both kinds and to anyone, with 429 and Retry-After, nothing mailed or recorded; the person's own request still goes", async () => {
    ({ app, deps } = await buildTestApp({ settings: { staffMailsPerHour: 3 } }));
    let support = await accountWithRole("support");
    const [p0, p1, p2] = await people(3);
    if (p0 === undefined || p1 === undefined || p2 === undefined) throw new Error("no people");
    deps.clock.advance(61_000);
    expect((await call("POST", `/admin/users/${p0.user.id}/resend-verification`, support)).statusCode).toBe(
      200,
    );
    // A repeat within the minute mails nothing and is not counted (ADR 0053).
    expect((await call("POST", `/admin/users/${p0.user.id}/resend-verification`, support)).statusCode).toBe(
      200,
    );
    expect((await call("POST", `/admin/users/${p0.user.id}/send-password-reset`, support)).statusCode).toBe(
      200,
    );
    expect((await call("POST", `/admin/users/${p1.user.id}/send-password-reset`, support)).statusCode).toBe(
      200,
    );

    for (const path of ["send-password-reset", "resend-verification"]) {
      const refused = await call("POST", `/admin/users/${p2.user.id}/${path}`, support);
      expectError(refused, "RATE_LIMIT_EXCEEDED", 429);
      expect(refused.headers["retry-after"]).toBe("3600");
      expect(refused.json().message).toBe(mailRefusal);
    }
    expect(await resetMailsTo("person2@example.com")).toBe(0);
    expect(
      deps.mailer
        .sentTo("person2@example.com")
        .filter((mail) => mail.subject === "Verify your email address"),
    ).toHaveLength(1);
    expect((await timelineOf(p2)).map((e) => e.type)).not.toContain("password_reset_requested");
    // The person's own allowance was not spent by the refusals: their own request is mailed.
    const own = await app.inject({
      method: "POST",
      url: "/api/v1/auth/forgot-password",
      payload: { email: "person2@example.com" },
    });
    expect(own.statusCode).toBe(200);
    expect(await resetMailsTo("person2@example.com")).toBe(1);
    // Reads are counted apart, and another member of staff has an allowance of their own.
    expect((await call("GET", `/admin/users/${p2.user.id}`, support)).statusCode).toBe(200);
    const admin = await accountWithRole("admin");
    expect((await call("POST", `/admin/users/${p2.user.id}/resend-verification`, admin)).statusCode).toBe(
      200,
    );

    // The oldest link leaves the window an hour after it was mailed.
    deps.clock.advance(3600 * 1000 - 1);
    support = { ...support, ...(await refresh(app, support.refreshToken)).json().data };
    expectError(
      await call("POST", `/admin/users/${p2.user.id}/send-password-reset`, support),
      "RATE_LIMIT_EXCEEDED",
      429,
    );
    deps.clock.advance(1);
    expect((await call("POST", `/admin/users/${p2.user.id}/send-password-reset`, support)).statusCode).toBe(
      200,
    );
  });

  it("a link the address's own allowance refuses is not counted against the member of staff's", async () => {
    ({ app, deps } = await buildTestApp({ settings: { staffMailsPerHour: 3 } }));
    const support = await accountWithRole("support");
    const [p0, ...others] = await people(4);
    if (p0 === undefined) throw new Error("no people");
    for (let own = 0; own < 3; own += 1) {
      deps.clock.advance(61_000);
      await app.inject({
        method: "POST",
        url: "/api/v1/auth/forgot-password",
        payload: { email: "person0@example.com" },
      });
    }
    expect(await resetMailsTo("person0@example.com")).toBe(3);
    deps.clock.advance(61_000);
    for (let i = 0; i < 4; i += 1) {
      const refused = await call("POST", `/admin/users/${p0.user.id}/send-password-reset`, support);
      expectError(refused, "RATE_LIMIT_EXCEEDED", 429);
      expect(refused.json().message).toContain("the newest of them works until it is used or expires");
    }
    // Three links to others still go: the four refused above counted nothing.
    for (const other of others) {
      expect(
        (await call("POST", `/admin/users/${other.user.id}/send-password-reset`, support)).statusCode,
      ).toBe(200);
    }
    const spent = await call("POST", `/admin/users/${p0.user.id}/send-password-reset`, support);
    expectError(spent, "RATE_LIMIT_EXCEEDED", 429);
    expect(spent.json().message).toBe(mailRefusal);
  });

  it("of sends at once with 3 left, exactly 3 are mailed and recorded; the others answer 429", async () => {
    ({ app, deps } = await buildTestApp({ settings: { staffMailsPerHour: 3 } }));
    const support = await accountWithRole("support");
    const targets = await people(8);
    const responses = await Promise.all(
      targets.map((target) => call("POST", `/admin/users/${target.user.id}/send-password-reset`, support)),
    );
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(3);
    for (const refused of responses.filter((r) => r.statusCode !== 200)) {
      expectError(refused, "RATE_LIMIT_EXCEEDED", 429);
      expect(refused.json().message).toBe(mailRefusal);
    }
    let mailed = 0;
    for (let i = 0; i < 8; i += 1) mailed += await resetMailsTo(`person${i}@example.com`);
    expect(mailed).toBe(3);
    const admin = await accountWithRole("admin");
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as Record<string, unknown>[];
    expect(audit.filter((entry) => entry.type === "password_reset_requested")).toHaveLength(3);
  });

  it("a transaction the database ran again mails no link issued by the attempt it gave up", async () => {
    ({ app, deps } = await buildTestApp({ settings: { staffMailsPerHour: 3 } }));
    const support = await accountWithRole("support");
    const grace = await registerUser(app, otherRegistration);
    // As runInTransaction does after a deadlock: the first attempt rolled back, the work run again.
    deps.transactions.run = async (work) => {
      await work({}).catch(() => undefined);
      return work({});
    };
    let attempts = 0;
    const record = deps.securityEvents.recordStaffEntry.bind(deps.securityEvents);
    deps.securityEvents.recordStaffEntry = async (event, allowance, fold, step) => {
      attempts += 1;
      if (attempts > 1) return { recorded: false, oldest: event.occurredAt };
      // The first attempt issued its link, then lost to a deadlock; meanwhile the allowance was spent.
      await record(event, allowance, fold, step);
      throw new Error("Deadlock found when trying to get lock; try restarting transaction");
    };
    const refused = await call("POST", `/admin/users/${grace.user.id}/send-password-reset`, support);
    expectError(refused, "RATE_LIMIT_EXCEEDED", 429);
    expect(refused.json().message).toBe(mailRefusal);
    expect(await resetMailsTo(otherRegistration.email)).toBe(0);
  });

  it("an account deleted between its read and the link's issue answers USER_NOT_FOUND, nothing mailed", async () => {
    ({ app, deps } = await buildTestApp());
    const support = await accountWithRole("support");
    const grace = await registerUser(app, otherRegistration);
    // The store found the account's row gone under its lock: no link issued, nothing recorded.
    deps.securityEvents.recordStaffEntry = async () => ({ recorded: false, gone: true });
    for (const path of ["send-password-reset", "resend-verification"]) {
      expectError(
        await call("POST", `/admin/users/${grace.user.id}/${path}`, support),
        "USER_NOT_FOUND",
        404,
      );
    }
    expect(await resetMailsTo(otherRegistration.email)).toBe(0);
  });
});

describe("disabling and enabling", () => {
  it("disabling ends every session: sign-in, refresh and the token in hand answer ACCOUNT_DISABLED", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);

    const disabled = await call("POST", `/admin/users/${target.user.id}/disable`, admin, disableBody);

    expect(disabled.json()).toEqual({
      success: true,
      data: { status: "disabled", disabledReason: disableBody.reason, alreadyDisabled: false },
    });
    // The error reference tells a disabled person to look for a notice in their mail: there is one.
    await deps.backgroundTasks.drain();
    const notice = deps.mailer.sentTo("grace@example.com").at(-1);
    expect(notice?.subject).toBe("Your account was disabled");
    expect(notice?.text).toContain("only staff can enable it again");
    expect(notice?.text).not.toContain("/forgot-password");
    expectError(await getMe(app, target.accessToken), "ACCOUNT_DISABLED", 403);
    expectError(await refresh(app, target.refreshToken), "ACCOUNT_DISABLED", 403);
    const login = await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: otherRegistration });
    expectError(login, "ACCOUNT_DISABLED", 403);
    expect(deps.thirdPartyGrants.revokedUserIds).toContain(target.user.id);

    // Enabled again, the old sessions stay ended: a fresh sign-in works.
    expect((await call("POST", `/admin/users/${target.user.id}/enable`, admin)).json()).toEqual({
      success: true,
      data: { status: "active", alreadyActive: false },
    });
    // The person is told, as of the disable: staff need not remember to.
    await deps.backgroundTasks.drain();
    const enabledNotice = deps.mailer.sentTo("grace@example.com").at(-1);
    expect(enabledNotice?.subject).toBe("Your account was enabled again");
    expect(enabledNotice?.text).toContain("it can sign in as before");
    expectError(await getMe(app, target.accessToken), "INVALID_TOKEN", 401);
    const again = await logIn(app, otherRegistration);
    const events = await timelineOf(again);
    expect(events.map((e) => e.description)).toEqual(
      expect.arrayContaining([
        "Your account was disabled by an administrator",
        "Your account was enabled again by an administrator",
      ]),
    );
  });

  it("of two enables at once, exactly one enables the account (alreadyActive false), records it and mails the person; the other answers alreadyActive true", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await call("POST", `/admin/users/${target.user.id}/disable`, admin, disableBody);
    const both = await Promise.all([
      call("POST", `/admin/users/${target.user.id}/enable`, admin),
      call("POST", `/admin/users/${target.user.id}/enable`, admin),
    ]);
    expect(both.map((response) => response.json().data.alreadyActive).sort()).toEqual([false, true]);
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as { type: string }[];
    expect(audit.filter((action) => action.type === "account_enabled")).toHaveLength(1);
    await deps.backgroundTasks.drain();
    expect(
      deps.mailer
        .sentTo(otherRegistration.email)
        .filter((mail) => mail.subject === "Your account was enabled again"),
    ).toHaveLength(1);
  });

  it("keeps the reason given: staff read it on the account and in the audit; the person's log and mail do not show it; enabling clears it", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const read = async () => (await call("GET", `/admin/users/${target.user.id}`, admin)).json().data.user;
    expect((await read()).disabledReason).toBeNull();

    const disabled = await call("POST", `/admin/users/${target.user.id}/disable`, admin, {
      reason: "  Chargeback fraud, see ticket 4127  ",
    });

    expect(disabled.json()).toEqual({
      success: true,
      data: {
        status: "disabled",
        disabledReason: "Chargeback fraud, see ticket 4127",
        alreadyDisabled: false,
      },
    });
    expect(await read()).toMatchObject({
      status: "disabled",
      disabledReason: "Chargeback fraud, see ticket 4127",
    });
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as {
      type: string;
      details: Record<string, unknown>;
      description: string;
    }[];
    expect(audit.find((entry) => entry.type === "account_disabled")).toMatchObject({
      details: { by: "admin", staffReason: "Chargeback fraud, see ticket 4127" },
      description: 'Disabled the account: "Chargeback fraud, see ticket 4127"',
    });
    await deps.backgroundTasks.drain();
    const notice = deps.mailer.sentTo(otherRegistration.email).at(-1);
    expect(notice?.subject).toBe("Your account was disabled");
    expect(`${notice?.text}${notice?.html}`).not.toContain("4127");

    expect((await call("POST", `/admin/users/${target.user.id}/enable`, admin)).statusCode).toBe(200);
    expect(await read()).toMatchObject({ status: "active", disabledReason: null });
    // Gone from the store too, not only hidden while the account is active: staff's notes about
    // the person are kept no longer than the disable they explain.
    expect(await deps.accountAdministration.findDisabledReason(target.user.id as UserId)).toBeNull();
    const again = await logIn(app, otherRegistration);
    const disabledEvent = (await timelineOf(again)).find((e) => e.type === "account_disabled");
    expect(disabledEvent?.details).toEqual({ by: "admin" });
    // Not through the user's own reads either (their profile).
    expect((await getMe(app, again.accessToken)).body).not.toContain("4127");
  });

  it("an admin disabled and enabled again reads the audit entry about them without the reason another admin gave; that admin still reads it", async () => {
    const admin = await accountWithRole("admin");
    const colleague = await accountWithRole("admin");
    const disabled = await call("POST", `/admin/users/${colleague.user.id}/disable`, admin, {
      reason: "Under review, ticket 5120",
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect((await call("POST", `/admin/users/${colleague.user.id}/enable`, admin)).statusCode).toBe(200);
    const back = await logIn(app, { email: colleague.email, password: colleague.password });
    const entryAs = async (reader: SignedInData) => {
      const audit = await call("GET", "/admin/audit", reader);
      expect(audit.statusCode, audit.body).toBe(200);
      return (audit.json().data.actions as { type: string; userId: string }[]).find(
        (entry) => entry.type === "account_disabled" && entry.userId === colleague.user.id,
      );
    };

    const asSubject = await entryAs(back);
    expect(asSubject).toMatchObject({
      actorId: admin.user.id,
      details: { by: "admin", staffReasonWithheld: true },
      description: "Disabled the account (its reason is not shown to the account's holder: you)",
    });
    expect(JSON.stringify(asSubject)).not.toContain("5120");
    expect(await entryAs(admin)).toMatchObject({
      details: { by: "admin", staffReason: "Under review, ticket 5120" },
      description: 'Disabled the account: "Under review, ticket 5120"',
    });
  });

  it.each([
    [{}, "reason is required"],
    [{ reason: "   " }, "reason must not be empty: say why the account is disabled"],
    [{ reason: "x".repeat(501) }, "reason must be at most 500 characters"],
    [{ reason: "two\nlines" }, "reason must be one line of printable text"],
    [{ reason: 42 }, "reason must be of type string"],
  ])(
    "a disable with %j answers 400 VALIDATION_ERROR naming the reason, and changes nothing",
    async (body, message) => {
      const admin = await accountWithRole("admin");
      const target = await registerUser(app, otherRegistration);
      const refused = await call("POST", `/admin/users/${target.user.id}/disable`, admin, body);
      expectError(refused, "VALIDATION_ERROR", 400);
      expect(refused.json().message).toContain(message);
      expect((await deps.users.findUserById(target.user.id as UserId))?.status).toBe("active");
      expect((await getMe(app, target.accessToken)).statusCode).toBe(200);
    },
  );

  it("takes a reason of the longest length once trimmed, though the spaces around it make it longer as sent", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const longest = "x".repeat(500);
    const disabled = await call("POST", `/admin/users/${target.user.id}/disable`, admin, {
      reason: `   ${longest}   `,
    });
    expect(disabled.json()).toEqual({
      success: true,
      data: { status: "disabled", disabledReason: longest, alreadyDisabled: false },
    });
    const read = await call("GET", `/admin/users/${target.user.id}`, admin);
    expect(read.json().data.user.disabledReason).toBe(longest);
  });

  it("enabling an active account, or disabling a disabled one, succeeds and records nothing more; a disable says the reason that stands and whether it disabled the account", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await deps.backgroundTasks.drain();
    const mailsBefore = deps.mailer.sentTo(otherRegistration.email).length;
    const enabled = await call("POST", `/admin/users/${target.user.id}/enable`, admin);
    expect(enabled.json()).toEqual({ success: true, data: { status: "active", alreadyActive: true } });
    expect((await timelineOf(target)).map((e) => e.type)).not.toContain("account_enabled");
    // Nothing changed, so nothing is mailed either.
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo(otherRegistration.email)).toHaveLength(mailsBefore);

    const disable = (reason: string) =>
      call("POST", `/admin/users/${target.user.id}/disable`, admin, { reason });
    const both = await Promise.all([disable("First reason"), disable("Second reason")]);
    expect(both.map((response) => response.statusCode)).toEqual([200, 200]);
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as {
      type: string;
      details: Record<string, unknown>;
    }[];
    const recorded = audit.filter((action) => action.type === "account_disabled");
    expect(recorded).toHaveLength(1);
    // The account keeps the reason of the disable that was recorded, not the other's.
    const kept = (await call("GET", `/admin/users/${target.user.id}`, admin)).json().data.user.disabledReason;
    expect(kept).toBe(recorded[0]?.details.staffReason);
    // The one that disabled it says so, with its reason; the other, that it was disabled already
    // with that reason (its own dropped).
    const lost = kept === "First reason" ? "Second reason" : "First reason";
    expect(both.map((response) => response.json().data)).toEqual(
      expect.arrayContaining([
        { status: "disabled", disabledReason: kept, alreadyDisabled: false },
        { status: "disabled", disabledReason: kept, alreadyDisabled: true },
      ]),
    );
    expect(JSON.stringify(both.map((response) => response.json()))).not.toContain(lost);
    expect((await disable("Third reason")).json()).toEqual({
      success: true,
      data: { status: "disabled", disabledReason: kept, alreadyDisabled: true },
    });
    expect((await call("GET", `/admin/users/${target.user.id}`, admin)).json().data.user.disabledReason).toBe(
      kept,
    );
  });

  it("a disable whose sessions failed to end is recorded all the same, and a retry ends them", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const revoke = vi
      .spyOn(deps.sessions, "revokeSessionsOfUser")
      .mockRejectedValueOnce(new Error("connection lost"));
    const failed = await call("POST", `/admin/users/${target.user.id}/disable`, admin, disableBody);
    expect(failed.statusCode).toBe(500);
    // Disabled, and said so, though its sessions still stand.
    expect((await deps.users.findUserById(target.user.id as UserId))?.status).toBe("disabled");
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as { type: string }[];
    expect(audit.filter((action) => action.type === "account_disabled")).toHaveLength(1);
    const retried = await call("POST", `/admin/users/${target.user.id}/disable`, admin, disableBody);
    // A retry finishes the job, and says the account was disabled already (by the first try).
    expect(retried.json()).toEqual({
      success: true,
      data: { status: "disabled", disabledReason: disableBody.reason, alreadyDisabled: true },
    });
    expect(revoke).toHaveBeenCalledTimes(2);
    expectError(await refresh(app, target.refreshToken), "ACCOUNT_DISABLED", 403);
    const after = (await call("GET", "/admin/audit", admin)).json().data.actions as { type: string }[];
    expect(after.filter((action) => action.type === "account_disabled")).toHaveLength(1);
  });

  it("disabling needs the admin's fresh proof; enabling does not", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const stale = await withStaleProof(admin);
    expectError(
      await call("POST", `/admin/users/${target.user.id}/disable`, stale, disableBody),
      "REAUTH_REQUIRED",
      401,
    );
    expect((await call("POST", `/admin/users/${target.user.id}/enable`, stale)).statusCode).toBe(200);
  });

  it("a stale proof and a bad reason: 400 VALIDATION_ERROR first, so the proof is not given only to be told that; a role that may not disable gets its 403 first", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const stale = await withStaleProof(admin);
    const disable = (caller: SignedInData, reason: string) =>
      call("POST", `/admin/users/${target.user.id}/disable`, caller, { reason });
    for (const [reason, message] of [
      ["   ", "reason must not be empty: say why the account is disabled"],
      ["x".repeat(501), "reason must be at most 500 characters"],
    ] as const) {
      const refused = await disable(stale, reason);
      expectError(refused, "VALIDATION_ERROR", 400);
      expect(refused.json().message).toContain(message);
    }
    expectError(await disable(stale, "Spam"), "REAUTH_REQUIRED", 401);
    for (const role of ["user", "support"] as const) {
      expectError(await disable(await accountWithRole(role), ""), "INSUFFICIENT_PERMISSIONS", 403);
    }
    expectError(
      await call("POST", "/admin/users/no-such-id/disable", await accountWithRole("user"), { reason: "" }),
      "INSUFFICIENT_PERMISSIONS",
      403,
    );
    expect((await deps.users.findUserById(target.user.id as UserId))?.status).toBe("active");
  });

  it("the last active admin cannot be disabled, even by themselves", async () => {
    const admin = await accountWithRole("admin");
    expectError(
      await call("POST", `/admin/users/${admin.user.id}/disable`, admin, disableBody),
      "LAST_ADMIN",
      409,
    );
    const other = await accountWithRole("admin");
    expect((await call("POST", `/admin/users/${admin.user.id}/disable`, other, disableBody)).statusCode).toBe(
      200,
    );
  });
});

describe("unlock, reset 2FA, revoke sessions", () => {
  it("unlock lifts the lock of the address, and the timeline names support", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    await lockOut(otherRegistration.email);
    expectError(
      await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: otherRegistration }),
      "ACCOUNT_LOCKED",
      423,
    );
    expect((await call("POST", `/admin/users/${target.user.id}/unlock`, support)).json()).toEqual({
      success: true,
      data: { unlocked: true, alreadyUnlocked: false },
    });
    const signedIn = await logIn(app, otherRegistration);
    expect((await timelineOf(signedIn)).map((e) => e.description)).toContain(
      "Your account's sign-in lock was lifted by support",
    );
  });

  it("unlocks at once (two agents, a double click) lift the lock once and record it once", async () => {
    const support = await accountWithRole("support");
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await lockOut(otherRegistration.email);
    const answers = await Promise.all(
      [support, admin, support, admin].map((caller) =>
        call("POST", `/admin/users/${target.user.id}/unlock`, caller),
      ),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200]);
    // The one that lifted it says so; the others, that it was not locked any more.
    expect(answers.map((answer) => answer.json().data.alreadyUnlocked).sort()).toEqual([
      false,
      true,
      true,
      true,
    ]);
    const signedIn = await logIn(app, otherRegistration);
    expect((await timelineOf(signedIn)).filter((e) => e.type === "account_unlocked")).toHaveLength(1);
  });

  it("unlock of an account with no lock answers alreadyUnlocked and records nothing", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    expect((await call("POST", `/admin/users/${target.user.id}/unlock`, support)).json()).toEqual({
      success: true,
      data: { unlocked: true, alreadyUnlocked: true },
    });
    expect((await timelineOf(target)).map((e) => e.type)).not.toContain("account_unlocked");
  });

  it("unlock short of a lock clears no failure: an unrecorded unlock cannot keep a guesser going", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const wrong = { email: otherRegistration.email, password: "Wrong-passw0rd!" };
    for (let i = 0; i < 4; i++)
      await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: wrong });

    expect((await call("POST", `/admin/users/${target.user.id}/unlock`, support)).statusCode).toBe(200);

    // The fifth failure still locks: the four before the "unlock" were not forgotten.
    await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: wrong });
    expectError(
      await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: otherRegistration }),
      "ACCOUNT_LOCKED",
      423,
    );
    const audit = (await call("GET", "/admin/audit", await accountWithRole("admin"))).json().data.actions as {
      type: string;
    }[];
    expect(audit.map((entry) => entry.type)).not.toContain("account_unlocked");
  });

  it("reset-2fa removes the factor; without one it answers TWO_FACTOR_NOT_ENABLED", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const url = `/admin/users/${target.user.id}/reset-2fa`;
    expectError(await call("POST", url, support), "TWO_FACTOR_NOT_ENABLED", 400);
    const userId = target.user.id as UserId;
    // A set-up the person never confirmed is no second factor: nothing to reset, nobody told.
    await deps.twoFactor.savePendingTOTPFactor({ userId, encryptedSecret: "sealed", now: deps.clock.now() });
    expectError(await call("POST", url, support), "TWO_FACTOR_NOT_ENABLED", 400);
    expect(await timelineOf(target)).not.toContainEqual(
      expect.objectContaining({ type: "two_factor_reset" }),
    );
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent.map((mail) => mail.subject)).not.toContain("Two-factor authentication was reset");
    await enableTwoFactorOf(userId);
    expect((await call("GET", `/admin/users/${userId}`, support)).json().data.user.twoFactorEnabled).toBe(
      true,
    );

    expect((await call("POST", url, support)).statusCode).toBe(200);

    expect(await deps.twoFactor.findTOTPFactor(userId)).toBeNull();
    const events = await timelineOf(target);
    expect(events[0]).toMatchObject({
      type: "two_factor_reset",
      details: { by: "support" },
      description: "Your two-factor authentication was reset by support",
    });
    // The person is told: a reset talked out of support by someone else does not go unseen.
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sent.at(-1)).toMatchObject({
      to: target.user.email,
      subject: "Two-factor authentication was reset",
    });
  });

  it("an account promoted while support resets its 2FA: the reset goes through, as made just before the promotion; the next is 403", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const userId = target.user.id as UserId;
    await enableTwoFactorOf(userId);
    const read = deps.users.findUserById.bind(deps.users);
    // The staff gate reads the account as a user's; an admin makes it support before the removal.
    let promoted = false;
    vi.spyOn(deps.users, "findUserById").mockImplementation(async (id) => {
      const seen = await read(id);
      if (id === userId && seen !== null && !promoted) {
        promoted = true;
        deps.users.replaceUser({ ...seen, role: "support" });
      }
      return seen;
    });

    expect((await call("POST", `/admin/users/${userId}/reset-2fa`, support)).statusCode).toBe(200);

    vi.restoreAllMocks();
    expect(await deps.twoFactor.findTOTPFactor(userId)).toBeNull();
    expect((await deps.users.findUserById(userId))?.role).toBe("support");
    expect((await timelineOf(target))[0]).toMatchObject({
      type: "two_factor_reset",
      details: { by: "support" },
    });
    await enableTwoFactorOf(userId);
    expectError(
      await call("POST", `/admin/users/${userId}/reset-2fa`, support),
      "INSUFFICIENT_PERMISSIONS",
      403,
    );
    expect((await deps.twoFactor.findTOTPFactor(userId))?.status).toBe("enabled");
  });

  it("reset-2fa refuses the staff member's own account (their own 2FA goes off only with a code), and leaves it on", async () => {
    const admin = await accountWithRole("admin");
    const userId = admin.user.id as UserId;
    await enableTwoFactorOf(userId);
    // Proved with the second factor just now (staff with 2FA prove with it), as a sign-in with it records.
    const claims = await deps.accessTokens.verifyAccessToken({
      token: admin.accessToken,
      now: deps.clock.now(),
    });
    if (!claims.ok) throw new Error("no session");
    const { sessionId } = claims.value;
    deps.clock.advance(1_000);
    await deps.sessions.recordReauthentication({ sessionId, now: deps.clock.now(), methods: ["otp"] });
    const refused = await call("POST", `/admin/users/${userId}/reset-2fa`, admin);
    expectError(refused, "INSUFFICIENT_PERMISSIONS", 403);
    expect(refused.json().message).toMatch(/own account/);
    expect((await deps.twoFactor.findTOTPFactor(userId))?.status).toBe("enabled");
  });

  it("reset-2fa needs a fresh proof", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const stale = await withStaleProof(support);
    expectError(
      await call("POST", `/admin/users/${target.user.id}/reset-2fa`, stale),
      "REAUTH_REQUIRED",
      401,
    );
  });

  it("revoke-sessions ends the account's sessions", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    expect((await call("POST", `/admin/users/${target.user.id}/revoke-sessions`, support)).json()).toEqual({
      success: true,
      data: { sessionsRevoked: true, alreadySignedOut: false },
    });
    expectError(await getMe(app, target.accessToken), "INVALID_TOKEN", 401);
    expectError(await refresh(app, target.refreshToken), "INVALID_REFRESH_TOKEN", 401);
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo("grace@example.com").at(-1)).toMatchObject({
      subject: "Your account was signed out everywhere",
    });
  });

  it("revoke-sessions with no session left answers alreadySignedOut, and is neither recorded nor mailed again", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const url = `/admin/users/${target.user.id}/revoke-sessions`;
    expect((await call("POST", url, support)).statusCode).toBe(200);
    await deps.backgroundTasks.drain();
    const mails = deps.mailer.sentTo(otherRegistration.email).length;

    for (let again = 0; again < 3; again += 1) {
      expect((await call("POST", url, support)).json()).toEqual({
        success: true,
        data: { sessionsRevoked: true, alreadySignedOut: true },
      });
    }

    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo(otherRegistration.email)).toHaveLength(mails);
    const revocations = deps.securityEvents
      .all()
      .filter((event) => event.userId === target.user.id && event.type === "sessions_revoked");
    expect(revocations).toHaveLength(1);
  });

  it("revoke-sessions of an account whose sessions expired unpruned answers alreadySignedOut: no entry, no mail", async () => {
    const target = await registerUser(app, otherRegistration);
    await deps.backgroundTasks.drain();
    // The target's session outlives its refresh token unused: expired, not yet pruned.
    deps.clock.advance(deps.settings.refreshTokenTtlMs + 60_000);
    const support = await accountWithRole("support");
    const mails = deps.mailer.sentTo(otherRegistration.email).length;

    expect((await call("POST", `/admin/users/${target.user.id}/revoke-sessions`, support)).json()).toEqual({
      success: true,
      data: { sessionsRevoked: true, alreadySignedOut: true },
    });

    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo(otherRegistration.email)).toHaveLength(mails);
    expect(
      deps.securityEvents
        .all()
        .filter((event) => event.userId === target.user.id && event.type === "sessions_revoked"),
    ).toHaveLength(0);
  });
});

describe("marking an address verified", () => {
  it("verifies it as the mailed link would: providers linked before go, the link is spent, 2FA may be set up; the holder is told", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const userId = target.user.id as UserId;
    await deps.backgroundTasks.drain();
    const verificationMail = deps.mailer.sentTo(otherRegistration.email).at(-1);
    if (verificationMail === undefined) throw new Error("no verification mail");
    const mailedLink = tokenFromMail(verificationMail);
    await linkGitHubTo(userId, "linked-before");
    expectError(
      await app.inject({
        method: "POST",
        url: "/api/v1/auth/2fa/setup",
        headers: bearer(target.accessToken),
      }),
      "EMAIL_NOT_VERIFIED",
      403,
    );

    const response = await call("POST", `/admin/users/${userId}/verify-email`, admin);

    expect(response.json()).toEqual({ success: true, data: { emailVerified: true } });
    expect((await call("GET", `/admin/users/${userId}`, admin)).json().data.user.emailVerified).toBe(true);
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(userId)).toEqual([]);
    // The mailed link is spent: followed now, it changes nothing and says the address was verified.
    const followed = await app.inject({
      method: "POST",
      url: "/api/v1/auth/verify-email",
      payload: { token: mailedLink },
    });
    expect(followed.json().data).toEqual({ emailVerified: true, alreadyVerified: true });
    const setUp = await app.inject({
      method: "POST",
      url: "/api/v1/auth/2fa/setup",
      headers: bearer(target.accessToken),
    });
    expect(setUp.statusCode, setUp.body).toBe(200);
    const events = await timelineOf(target);
    expect(events.find((e) => e.type === "email_verified")).toMatchObject({
      details: { by: "admin" },
      description: "Your email address was verified by an administrator",
    });
    // What the verification took away is the admin's act too: in the holder's log and the audit.
    expect(events.find((e) => e.type === "provider_unlinked")).toMatchObject({
      details: { provider: "github", reason: "staff_verification_of_unverified_address", by: "admin" },
      description: "GitHub was unlinked from your account by an administrator",
    });
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as { type: string }[];
    expect(audit.map((entry) => entry.type)).toEqual(
      expect.arrayContaining(["email_verified", "provider_unlinked"]),
    );
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo(otherRegistration.email).map((mail) => mail.subject)).toContain(
      "Staff confirmed this address for your account",
    );
  });

  it("an address already verified is answered the same, and nothing is recorded, mailed or taken away", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const userId = target.user.id as UserId;
    await verifyAddressOf(deps, target.user);
    // Linked and turned on after the proof: the holder's own, which a repeated click must not touch.
    await linkGitHubTo(userId, "linked-after-proof");
    await enableTwoFactorOf(userId);
    await deps.backgroundTasks.drain();
    const mailsBefore = deps.mailer.sentTo(otherRegistration.email).length;

    const response = await call("POST", `/admin/users/${target.user.id}/verify-email`, admin);

    expect(response.json()).toEqual({ success: true, data: { emailVerified: true } });
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(userId)).toHaveLength(1);
    expect((await deps.twoFactor.findTOTPFactor(userId))?.status).toBe("enabled");
    const types = (await timelineOf(target)).map((e) => e.type);
    for (const type of ["email_verified", "provider_unlinked", "two_factor_disabled"]) {
      expect(types).not.toContain(type);
    }
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo(otherRegistration.email)).toHaveLength(mailsBefore);
  });

  it("an admin cannot vouch for their own address: it stays unverified until its mailed link", async () => {
    // An admin who never proved their address (promoted before proving it, or a squatter of a
    // colleague's address whom someone promoted) would otherwise skip the mailbox proof.
    const admin = await accountWithRole("admin");
    const userId = admin.user.id as UserId;
    expect((await deps.users.findUserById(userId))?.emailVerified).toBe(false);

    const refused = await call("POST", `/admin/users/${userId}/verify-email`, admin);

    expectError(refused, "INSUFFICIENT_PERMISSIONS", 403);
    expect(refused.json().message).toMatch(/own account/);
    expect((await deps.users.findUserById(userId))?.emailVerified).toBe(false);
    expect((await timelineOf(admin)).map((e) => e.type)).not.toContain("email_verified");
    // Another admin may, after checking (docs/admin.md).
    const other = await accountWithRole("admin");
    expect((await call("POST", `/admin/users/${userId}/verify-email`, other)).statusCode).toBe(200);
  });

  it("needs the admin's fresh proof, and answers USER_NOT_FOUND for an unknown id", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    expectError(
      await call("POST", "/admin/users/00000000-0000-7000-8000-00000000ffff/verify-email", admin),
      "USER_NOT_FOUND",
      404,
    );
    const stale = await withStaleProof(admin);
    expectError(
      await call("POST", `/admin/users/${target.user.id}/verify-email`, stale),
      "REAUTH_REQUIRED",
      401,
    );
    expect((await deps.users.findUserById(target.user.id as UserId))?.emailVerified).toBe(false);
  });
});

describe("unlinking a provider", () => {
  const unlink = (caller: SignedInData, userId: string, provider: unknown = "github") =>
    call("POST", `/admin/users/${userId}/unlink-provider`, caller, { provider });

  it("support unlinks it: the answer says what is left, the person's log and the audit name it, the person is mailed", async () => {
    const support = await accountWithRole("support");
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const userId = target.user.id as UserId;
    await linkGitHubTo(userId, "someone-elses-github");
    await linkGitHubTo(userId, "their-google", "google");

    const response = await unlink(support, userId);

    expect(response.json()).toEqual({
      success: true,
      data: {
        provider: "github",
        unlinked: true,
        remainingSignIn: { password: true, providers: ["google"] },
        accountStatus: "active",
      },
    });
    const read = (await call("GET", `/admin/users/${userId}`, support)).json().data.user;
    expect(read.linkedProviders.map((link: { provider: string }) => link.provider)).toEqual(["google"]);
    expect((await timelineOf(target)).find((event) => event.type === "provider_unlinked")).toMatchObject({
      details: { provider: "github", by: "support" },
      description: "GitHub was unlinked from your account by support",
    });
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions;
    expect(audit.find((entry: { type: string }) => entry.type === "provider_unlinked")).toMatchObject({
      actorId: support.user.id,
      userId,
      description: "Unlinked GitHub",
    });
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo(otherRegistration.email).at(-1)).toMatchObject({
      subject: "GitHub was unlinked from your account",
    });
  });

  it("may take the last way in, and says so; the person gets a password with a reset link", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const userId = target.user.id as UserId;
    await linkGitHubTo(userId, "the-only-way-in");
    await deps.users.updatePasswordHash({ userId, passwordHash: null, now: deps.clock.now() });

    expect((await unlink(support, userId)).json().data).toEqual({
      provider: "github",
      unlinked: true,
      remainingSignIn: { password: false, providers: [] },
      accountStatus: "active",
    });
    expect((await call("POST", `/admin/users/${userId}/send-password-reset`, support)).statusCode).toBe(200);
  });

  it("a provider not linked answers 200 unlinked: false, recording and mailing nothing", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    await deps.backgroundTasks.drain();
    const mails = deps.mailer.sentTo(otherRegistration.email).length;

    expect((await unlink(support, target.user.id, "google")).json()).toEqual({
      success: true,
      data: {
        provider: "google",
        unlinked: false,
        remainingSignIn: { password: true, providers: [] },
        accountStatus: "active",
      },
    });

    expect(await timelineOf(target)).not.toContainEqual(
      expect.objectContaining({ type: "provider_unlinked" }),
    );
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo(otherRegistration.email)).toHaveLength(mails);
  });

  it("a disabled account may have its providers unlinked: the answer says it is disabled, and its mail offers no reset link", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const userId = target.user.id as UserId;
    await linkGitHubTo(userId, "gh");
    await deps.users.updatePasswordHash({ userId, passwordHash: null, now: deps.clock.now() });
    expect((await call("POST", `/admin/users/${userId}/disable`, admin, disableBody)).statusCode).toBe(200);

    expect((await unlink(admin, userId)).json().data).toEqual({
      provider: "github",
      unlinked: true,
      remainingSignIn: { password: false, providers: [] },
      accountStatus: "disabled",
    });
    await deps.backgroundTasks.drain();
    const mail = deps.mailer.sentTo(otherRegistration.email).at(-1);
    expect(mail?.subject).toBe("GitHub was unlinked from your account");
    expect(mail?.text).toContain("Your account is disabled, so it cannot sign in");
    expect(mail?.text).not.toContain("forgot-password");
    // What the mail would have offered is refused meanwhile, as the answer and the mail say.
    expectError(
      await call("POST", `/admin/users/${userId}/send-password-reset`, admin),
      "VALIDATION_ERROR",
      400,
    );
  });

  it("an account deleted after its read and before the removal answers 404 USER_NOT_FOUND, nothing recorded or mailed", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const userId = target.user.id as UserId;
    await linkGitHubTo(userId, "gh");
    await deps.backgroundTasks.drain();
    const mails = deps.mailer.sentTo(otherRegistration.email).length;
    const read = deps.users.findUserById.bind(deps.users);
    // The staff gate reads the account as it was; it is deleted before the removal locks it.
    vi.spyOn(deps.users, "findUserById").mockImplementationOnce(async (id) => {
      const seen = await read(id);
      await deps.users.deleteUser(userId);
      return seen;
    });

    expectError(await unlink(support, userId), "USER_NOT_FOUND", 404);
    vi.restoreAllMocks();
    await deps.backgroundTasks.drain();
    expect(deps.securityEvents.all().filter((event) => event.type === "provider_unlinked")).toEqual([]);
    expect(deps.mailer.sentTo(otherRegistration.email)).toHaveLength(mails);
  });

  it("every refusal, with its code and status", async () => {
    const plain = await accountWithRole("user");
    const support = await accountWithRole("support");
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const userId = target.user.id as UserId;
    await linkGitHubTo(userId, "gh");
    await linkGitHubTo(admin.user.id as UserId, "admins-own", "google");

    expectError(await unlink(plain, userId), "INSUFFICIENT_PERMISSIONS", 403);
    expectError(await unlink(plain, "no-such-id"), "INSUFFICIENT_PERMISSIONS", 403);
    expectError(await unlink(support, admin.user.id, "google"), "INSUFFICIENT_PERMISSIONS", 403);
    const own = await unlink(admin, admin.user.id, "google");
    expectError(own, "INSUFFICIENT_PERMISSIONS", 403);
    expect(own.json().message).toMatch(/own account/);
    expectError(await unlink(support, "no-such-id"), "USER_NOT_FOUND", 404);
    for (const provider of ["GitHub", "gitlab", ""]) {
      expectError(await unlink(support, userId, provider), "UNSUPPORTED_PROVIDER", 400);
    }
    expectError(await unlink(support, userId, 7), "VALIDATION_ERROR", 400);
    const stale = await withStaleProof(support);
    expectError(await unlink(stale, userId), "REAUTH_REQUIRED", 401);

    expect((await deps.linkedProviders.listLinkedProvidersOfUser(userId)).map((l) => l.provider)).toEqual([
      "github",
    ]);
    expect(
      (await deps.linkedProviders.listLinkedProvidersOfUser(admin.user.id as UserId)).map((l) => l.provider),
    ).toEqual(["google"]);
  });
});

describe("sending a new verification link", () => {
  /** The links mailed to the other registration's address, oldest first. */
  async function verificationLinks(): Promise<string[]> {
    await deps.backgroundTasks.drain();
    return deps.mailer
      .sentTo(otherRegistration.email)
      .filter((mail) => mail.subject === "Verify your email address")
      .map(tokenFromMail);
  }
  const verify = (token: string) =>
    app.inject({ method: "POST", url: "/api/v1/auth/verify-email", payload: { token } });

  it("mails the address a new link as the person's own request does: the older link stops working, the new one verifies; recorded, no fresh proof asked", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const [first] = await verificationLinks();
    // Past the minute in which a repeat mails nothing (ADR 0053), and past support's fresh proof.
    const stale = await withStaleProof(support);

    const response = await call("POST", `/admin/users/${target.user.id}/resend-verification`, stale);

    expect(response.json()).toEqual({ success: true, data: { verificationSent: true } });
    const links = await verificationLinks();
    expect(links).toHaveLength(2);
    expectError(await verify(first as string), "INVALID_VERIFICATION_TOKEN", 400);
    expect((await verify(links[1] as string)).json().data).toEqual({
      emailVerified: true,
      alreadyVerified: false,
    });
    const person = await logIn(app, otherRegistration);
    expect((await timelineOf(person)).find((e) => e.type === "verification_resent")).toMatchObject({
      description: "A new link to verify your email address was mailed to you by support",
      details: { by: "support" },
    });
    const admin = await accountWithRole("admin");
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as Record<string, unknown>[];
    expect(audit.find((entry) => entry.type === "verification_resent")).toMatchObject({
      actorId: support.user.id,
      userId: target.user.id,
      kind: "change",
      description: "Mailed the address a new verification link",
    });
  });

  it("an address already verified: 400 VALIDATION_ERROR, nothing mailed or recorded", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    await verifyAddressOf(deps, target.user);
    deps.clock.advance(61_000);
    const refused = await call("POST", `/admin/users/${target.user.id}/resend-verification`, support);
    expectError(refused, "VALIDATION_ERROR", 400);
    expect(refused.json().message).toBe("The address is already verified: there is no link to send");
    expect(await verificationLinks()).toHaveLength(1);
    expect((await timelineOf(target)).map((e) => e.type)).not.toContain("verification_resent");
  });

  it("a disabled account: 400 VALIDATION_ERROR, nothing mailed (its links would be refused)", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await call("POST", `/admin/users/${target.user.id}/disable`, admin, disableBody);
    deps.clock.advance(61_000);
    const refused = await call("POST", `/admin/users/${target.user.id}/resend-verification`, admin);
    expectError(refused, "VALIDATION_ERROR", 400);
    expect(refused.json().message).toMatch(/disabled: enable it/);
    expect(await verificationLinks()).toHaveLength(1);
  });

  it("shares the account's hourly allowance with the person's own requests: past it, 429 RATE_LIMIT_EXCEEDED with Retry-After, nothing mailed", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const resend = () => call("POST", `/admin/users/${target.user.id}/resend-verification`, support);
    deps.clock.advance(61_000);
    expect((await resend()).statusCode).toBe(200);
    deps.clock.advance(61_000);
    // The person's own request, through the same step: the third link of the hour.
    const own = await app.inject({
      method: "POST",
      url: "/api/v1/auth/resend-verification",
      payload: { email: otherRegistration.email },
    });
    expect(own.statusCode).toBe(200);
    expect(await verificationLinks()).toHaveLength(3);
    deps.clock.advance(61_000);

    const refused = await resend();

    expectError(refused, "RATE_LIMIT_EXCEEDED", 429);
    expect(refused.headers["retry-after"]).toBe("3600");
    expect(refused.json().message).toContain("the newest of them works until it is used or expires");
    expect(await verificationLinks()).toHaveLength(3);
    // An hour after the first link, one goes again (support's session renewed meanwhile).
    deps.clock.advance(54 * 60_000);
    const later = await withStaleProof(support);
    expect((await call("POST", `/admin/users/${target.user.id}/resend-verification`, later)).statusCode).toBe(
      200,
    );
    expect(await verificationLinks()).toHaveLength(4);
  });

  it("a second request within a minute (a double click) mails nothing more and records nothing: the link just mailed stays the one that works", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    deps.clock.advance(61_000);
    const resend = () => call("POST", `/admin/users/${target.user.id}/resend-verification`, support);
    expect((await resend()).json()).toEqual({ success: true, data: { verificationSent: true } });
    expect((await resend()).json()).toEqual({ success: true, data: { verificationSent: true } });
    const links = await verificationLinks();
    expect(links).toHaveLength(2);
    expect((await timelineOf(target)).filter((e) => e.type === "verification_resent")).toHaveLength(1);
    expect((await verify(links[1] as string)).statusCode).toBe(200);
  });

  it("answers USER_NOT_FOUND for an unknown id, and a plain user INSUFFICIENT_PERMISSIONS", async () => {
    const support = await accountWithRole("support");
    expectError(
      await call("POST", "/admin/users/00000000-0000-7000-8000-00000000ffff/resend-verification", support),
      "USER_NOT_FOUND",
      404,
    );
    const plain = await accountWithRole("user");
    const target = await registerUser(app, otherRegistration);
    expectError(
      await call("POST", `/admin/users/${target.user.id}/resend-verification`, plain),
      "INSUFFICIENT_PERMISSIONS",
      403,
    );
    expect(await verificationLinks()).toHaveLength(1);
  });
});

describe("sending a password-reset link", () => {
  /** The reset links mailed to the other registration's address, oldest first. */
  async function resetLinks(): Promise<string[]> {
    await deps.backgroundTasks.drain();
    return deps.mailer
      .sentTo(otherRegistration.email)
      .filter((mail) => mail.subject === "Reset your password")
      .map(tokenFromMail);
  }
  const resetWith = (token: string, newPassword = "Res3t-by-link!") =>
    app.inject({ method: "POST", url: "/api/v1/auth/reset-password", payload: { token, newPassword } });
  const send = (userId: string, caller: SignedInData) =>
    call("POST", `/admin/users/${userId}/send-password-reset`, caller);

  it("mails the address a reset link as the person's own request does, changing nothing until it is used; recorded on both sides, no fresh proof asked", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const person = await logIn(app, otherRegistration);
    // The person's own "forgot password" first: staff's link supersedes it.
    await app.inject({
      method: "POST",
      url: "/api/v1/auth/forgot-password",
      payload: { email: otherRegistration.email },
    });
    const [own] = await resetLinks();
    const stale = await withStaleProof(support);

    const response = await send(target.user.id, stale);

    expect(response.json()).toEqual({ success: true, data: { passwordResetSent: true } });
    const links = await resetLinks();
    expect(links).toHaveLength(2);
    // Nothing changed yet: the password still signs in, the person's session still works.
    expect((await logIn(app, otherRegistration)).accessToken).toBeTruthy();
    expect(
      (await getMe(app, (await refresh(app, person.refreshToken)).json().data.accessToken)).statusCode,
    ).toBe(200);
    expectError(await resetWith(own as string), "INVALID_RESET_TOKEN", 400);
    expect((await resetWith(links[1] as string)).statusCode).toBe(200);
    const afterReset = await logIn(app, { ...otherRegistration, password: "Res3t-by-link!" });
    expect(
      (await timelineOf(afterReset))
        .filter((e) => e.type === "password_reset_requested")
        .map((e) => e.description),
    ).toEqual([
      "A password-reset link was mailed to you by support",
      "A password-reset link was mailed to you",
    ]);
    const admin = await accountWithRole("admin");
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as Record<string, unknown>[];
    expect(audit.filter((entry) => entry.type === "password_reset_requested")).toMatchObject([
      {
        actorId: support.user.id,
        userId: target.user.id,
        kind: "change",
        description: "Mailed the address a password-reset link",
      },
    ]);
  });

  it("a disabled account: 400 VALIDATION_ERROR, nothing mailed or recorded (its reset would be refused)", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await call("POST", `/admin/users/${target.user.id}/disable`, admin, disableBody);
    const refused = await send(target.user.id, admin);
    expectError(refused, "VALIDATION_ERROR", 400);
    expect(refused.json().message).toBe(
      "The account is disabled: enable it before sending it a password-reset link",
    );
    expect(await resetLinks()).toHaveLength(0);
    await call("POST", `/admin/users/${target.user.id}/enable`, admin);
    const person = await logIn(app, otherRegistration);
    expect((await timelineOf(person)).map((e) => e.type)).not.toContain("password_reset_requested");
  });

  it("an account with no password (social sign-in only) is mailed one too: the link adds a password", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const user = await deps.users.findUserById(target.user.id as UserId);
    if (user === null) throw new Error("no user");
    deps.users.replaceUser({ ...user, passwordHash: null });
    expect((await send(target.user.id, support)).statusCode).toBe(200);
    const [link] = await resetLinks();
    expect((await resetWith(link as string)).statusCode).toBe(200);
    expect((await logIn(app, { ...otherRegistration, password: "Res3t-by-link!" })).accessToken).toBeTruthy();
  });

  it("shares the account's hourly allowance with the person's own requests: past it, 429 RATE_LIMIT_EXCEEDED with Retry-After, nothing mailed", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    expect((await send(target.user.id, support)).statusCode).toBe(200);
    for (let own = 0; own < 2; own += 1) {
      deps.clock.advance(61_000);
      const asked = await app.inject({
        method: "POST",
        url: "/api/v1/auth/forgot-password",
        payload: { email: otherRegistration.email },
      });
      expect(asked.statusCode).toBe(200);
    }
    expect(await resetLinks()).toHaveLength(3);
    deps.clock.advance(61_000);

    const refused = await send(target.user.id, support);

    expectError(refused, "RATE_LIMIT_EXCEEDED", 429);
    expect(refused.headers["retry-after"]).toBe("3600");
    expect(refused.json().message).toContain("the newest of them works until it is used or expires");
    expect(await resetLinks()).toHaveLength(3);
  });

  it("a second request within a minute (a double click) mails nothing more and records nothing: the link just mailed stays the one that works", async () => {
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    expect((await send(target.user.id, support)).json()).toEqual({
      success: true,
      data: { passwordResetSent: true },
    });
    expect((await send(target.user.id, support)).json()).toEqual({
      success: true,
      data: { passwordResetSent: true },
    });
    const links = await resetLinks();
    expect(links).toHaveLength(1);
    const admin = await accountWithRole("admin");
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as Record<string, unknown>[];
    expect(audit.filter((entry) => entry.type === "password_reset_requested")).toHaveLength(1);
    expect((await resetWith(links[0] as string)).statusCode).toBe(200);
  });

  it("answers USER_NOT_FOUND for an unknown id; a plain user, and support on another member of staff, INSUFFICIENT_PERMISSIONS", async () => {
    const support = await accountWithRole("support");
    expectError(await send("00000000-0000-7000-8000-00000000ffff", support), "USER_NOT_FOUND", 404);
    const plain = await accountWithRole("user");
    const target = await registerUser(app, otherRegistration);
    expectError(await send(target.user.id, plain), "INSUFFICIENT_PERMISSIONS", 403);
    const colleague = await accountWithRole("support");
    expectError(await send(colleague.user.id, support), "INSUFFICIENT_PERMISSIONS", 403);
    expect(await resetLinks()).toHaveLength(0);
    expect(
      deps.mailer.sentTo(colleague.email).filter((mail) => mail.subject === "Reset your password"),
    ).toHaveLength(0);
  });
});

describe("requiring a new password", () => {
  const require = (userId: string, caller: SignedInData) =>
    call("POST", `/admin/users/${userId}/require-new-password`, caller);
  /** The mails telling the other registration's address to choose a new password, oldest first. */
  async function requiredMails() {
    await deps.backgroundTasks.drain();
    return deps.mailer
      .sentTo(otherRegistration.email)
      .filter((mail) => mail.subject === "Choose a new password for your account");
  }
  const resetWith = (token: string, newPassword = "Ch0sen-after-staff!") =>
    app.inject({ method: "POST", url: "/api/v1/auth/reset-password", payload: { token, newPassword } });
  const logInWith = (password: string) =>
    app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: otherRegistration.email, password },
    });

  it("the old password stops signing in, every session and app's access ends, the mailed link sets a new one; 2FA stays; recorded on both sides", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    // Verified first: a reset of an address never proven turns 2FA off (ADR 0043), this one keeps it.
    await verifyAddressOf(deps, target.user);
    await enableTwoFactorOf(target.user.id as UserId);

    const response = await require(target.user.id, admin);

    expect(response.json()).toEqual({ success: true, data: { newPasswordRequired: true, linkMailed: true } });
    expect((await deps.users.findUserById(target.user.id as UserId))?.passwordHash).toBeNull();
    expectError(await logInWith(otherRegistration.password), "INVALID_CREDENTIALS", 401);
    expectError(await refresh(app, target.refreshToken), "INVALID_REFRESH_TOKEN", 401);
    expect(deps.thirdPartyGrants.revokedUserIds).toContain(target.user.id);
    const [mail] = await requiredMails();
    expect(mail?.text).toContain("An administrator of SuperOAuth asked you to choose a new password");
    expect(mail?.text).toContain("/forgot-password");
    expect((await resetWith(tokenFromMail(mail as OutgoingMail))).statusCode).toBe(200);
    // The second factor stayed: the new password asks for it.
    const signIn = await logInWith("Ch0sen-after-staff!");
    expect(signIn.json().data).toMatchObject({ mfaRequired: true });
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as Record<string, unknown>[];
    expect(audit.filter((entry) => entry.type === "password_reset_required")).toMatchObject([
      {
        actorId: admin.user.id,
        userId: target.user.id,
        kind: "change",
        description:
          "Required a new password: the old one no longer signs in, every session was signed out, and a link to choose one was mailed",
      },
    ]);
    const read = (await call("GET", `/admin/users/${target.user.id}`, admin)).json().data.user;
    expect(read.hasPassword).toBe(true);
    expect(read.recentActivity.map((event: { description: string }) => event.description)).toContain(
      "You were asked to choose a new password by an administrator",
    );
  });

  it("ends a pending change of address (it may be the intruder's), and mails the link past the hour's allowance of reset links", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const change = await app.inject({
      method: "POST",
      url: "/api/v1/user/email",
      headers: bearer(target.accessToken),
      payload: { newEmail: "intruder@example.net" },
    });
    expect(change.statusCode, change.body).toBe(202);
    await deps.backgroundTasks.drain();
    const changeLink = tokenFromMail(deps.mailer.sentTo("intruder@example.net").at(-1) as OutgoingMail);
    for (let asked = 0; asked < 3; asked += 1) {
      await app.inject({
        method: "POST",
        url: "/api/v1/auth/forgot-password",
        payload: { email: otherRegistration.email },
      });
      deps.clock.advance(61_000);
    }
    await deps.backgroundTasks.drain();
    expect(
      deps.mailer.sentTo(otherRegistration.email).filter((m) => m.subject === "Reset your password"),
    ).toHaveLength(3);

    expect((await require(target.user.id, admin)).statusCode).toBe(200);

    expect(await requiredMails()).toHaveLength(1);
    expectError(
      await app.inject({ method: "POST", url: "/api/v1/user/email/confirm", payload: { token: changeLink } }),
      "INVALID_VERIFICATION_TOKEN",
      400,
    );
  });

  it("a second request within a minute (a double click) mails nothing more and records nothing; the first link works", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    expect((await require(target.user.id, admin)).json().data).toEqual({
      newPasswordRequired: true,
      linkMailed: true,
    });
    // A real double click comes a moment later, not at the same instant: the first link's time is
    // before the second request's (it was missed when both came at one fake instant).
    deps.clock.advance(400);
    expect((await require(target.user.id, admin)).json().data).toEqual({
      newPasswordRequired: true,
      linkMailed: false,
    });
    deps.clock.advance(58_000);
    expect((await require(target.user.id, admin)).json().data).toEqual({
      newPasswordRequired: true,
      linkMailed: false,
    });
    const mails = await requiredMails();
    expect(mails).toHaveLength(1);
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as { type: string }[];
    expect(audit.filter((entry) => entry.type === "password_reset_required")).toHaveLength(1);
    expect((await resetWith(tokenFromMail(mails[0] as OutgoingMail))).statusCode).toBe(200);
  });

  it("just after the person's own reset link: the password is removed and recorded, and the audit says this request mailed no link", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await app.inject({
      method: "POST",
      url: "/api/v1/auth/forgot-password",
      payload: { email: otherRegistration.email },
    });
    await deps.backgroundTasks.drain();
    deps.clock.advance(2_000);
    expect((await require(target.user.id, admin)).json().data).toEqual({
      newPasswordRequired: true,
      linkMailed: false,
    });
    expect(await requiredMails()).toHaveLength(0);
    expect((await deps.users.findUserById(target.user.id as UserId))?.passwordHash).toBeNull();
    const audit = (await call("GET", "/admin/audit", admin)).json().data.actions as {
      type: string;
      description: string;
    }[];
    // Before, it said "and a link to choose one was mailed", though none was.
    expect(audit.filter((entry) => entry.type === "password_reset_required")).toEqual([
      expect.objectContaining({
        description:
          "Required a new password: the old one no longer signs in and every session was signed out; no link was mailed with it, as the reset link mailed to the address less than a minute before works",
      }),
    ]);
  });

  it("an account without a password is mailed the link too (its providers still sign in)", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const user = await deps.users.findUserById(target.user.id as UserId);
    if (user === null) throw new Error("no user");
    deps.users.replaceUser({ ...user, passwordHash: null });
    expect((await require(target.user.id, admin)).statusCode).toBe(200);
    const [mail] = await requiredMails();
    // It had no password to stop working.
    expect(mail?.text).toContain("asked you to choose a password for your account");
    expect(mail?.text).not.toContain("old password");
    expect((await resetWith(tokenFromMail(mail as OutgoingMail))).statusCode).toBe(200);
    expect((await logInWith("Ch0sen-after-staff!")).statusCode).toBe(200);
  });

  it("a disabled account: 400 VALIDATION_ERROR, the password kept, nothing mailed", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await call("POST", `/admin/users/${target.user.id}/disable`, admin, disableBody);
    const before = (await deps.users.findUserById(target.user.id as UserId))?.passwordHash;
    const refused = await require(target.user.id, admin);
    expectError(refused, "VALIDATION_ERROR", 400);
    expect(refused.json().message).toBe(
      "The account is disabled: enable it before requiring a new password (its reset links are refused)",
    );
    expect((await deps.users.findUserById(target.user.id as UserId))?.passwordHash).toBe(before);
    expect(await requiredMails()).toHaveLength(0);
  });

  it("an account disabled, or deleted, after it was read and before the password is removed: 400 VALIDATION_ERROR or 404 USER_NOT_FOUND, nothing removed, ended or mailed", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const targetId = target.user.id as UserId;
    const before = await deps.users.findUserById(targetId);
    if (before === null) throw new Error("no user");
    const read = deps.users.findUserById.bind(deps.users);
    /** The staff gate reads the account as it was; `meanwhile` runs before the write. */
    const changeAfterTheRead = (meanwhile: () => void) => {
      let changed = false;
      const spy = vi.spyOn(deps.users, "findUserById").mockImplementation(async (id) => {
        const seen = await read(id);
        if (id === targetId && !changed) {
          changed = true;
          meanwhile();
        }
        return seen;
      });
      return spy;
    };

    changeAfterTheRead(() => deps.users.replaceUser({ ...before, status: "disabled" }));
    const disabledMeanwhile = await require(target.user.id, admin);
    expectError(disabledMeanwhile, "VALIDATION_ERROR", 400);
    expect(disabledMeanwhile.json().message).toMatch(/^The account is disabled/);
    expect((await deps.users.findUserById(targetId))?.passwordHash).toBe(before.passwordHash);
    vi.restoreAllMocks();
    deps.users.replaceUser(before);
    expect((await getMe(app, target.accessToken)).statusCode).toBe(200);

    changeAfterTheRead(() => deps.users.deleteUser(targetId));
    expectError(await require(target.user.id, admin), "USER_NOT_FOUND", 404);
    vi.restoreAllMocks();
    expect(await requiredMails()).toHaveLength(0);
  });

  it("refuses support, a plain user, one's own account, a stale proof and an unknown id, changing nothing", async () => {
    const admin = await accountWithRole("admin");
    const support = await accountWithRole("support");
    const plain = await accountWithRole("user");
    const target = await registerUser(app, otherRegistration);
    expectError(await require(target.user.id, support), "INSUFFICIENT_PERMISSIONS", 403);
    expectError(await require(target.user.id, plain), "INSUFFICIENT_PERMISSIONS", 403);
    const own = await require(admin.user.id, admin);
    expectError(own, "INSUFFICIENT_PERMISSIONS", 403);
    expect(own.json().message).toBe(
      "Staff cannot do this to their own account; change your password in your account instead",
    );
    expectError(
      await call("POST", "/admin/users/00000000-0000-7000-8000-00000000ffff/require-new-password", admin),
      "USER_NOT_FOUND",
      404,
    );
    expectError(await require(target.user.id, await withStaleProof(admin)), "REAUTH_REQUIRED", 401);
    expect((await deps.users.findUserById(target.user.id as UserId))?.passwordHash).not.toBeNull();
    expect(await requiredMails()).toHaveLength(0);
  });
});

describe("refusals are attributed in the log", () => {
  it("a plain user's and support's refused calls log who tried, by id and role, never the address", async () => {
    await app.close();
    const lines: Record<string, unknown>[] = [];
    ({ app, deps } = await buildTestApp({ logger: recordingLogger(lines) }));
    const plain = await accountWithRole("user");
    const support = await accountWithRole("support");
    const admin = await accountWithRole("admin");

    expectError(await call("GET", "/admin/users?q=x", plain), "INSUFFICIENT_PERMISSIONS", 403);
    expectError(
      await call("POST", `/admin/users/${admin.user.id}/revoke-sessions`, support),
      "INSUFFICIENT_PERMISSIONS",
      403,
    );
    expect((await call("GET", "/admin/users", admin)).statusCode).toBe(200);

    const refused = lines.filter((line) => line.msg === "access refused");
    expect(refused).toEqual([
      expect.objectContaining({ level: 40, userId: plain.user.id, role: "user", url: "/api/v1/admin/users" }),
      expect.objectContaining({
        level: 40,
        userId: support.user.id,
        role: "support",
        url: `/api/v1/admin/users/${admin.user.id}/revoke-sessions`,
      }),
    ]);
    expect(JSON.stringify(refused)).not.toContain("@example.com");
  });
});

describe("roles", () => {
  it("a stale proof and an unknown role: 400 VALIDATION_ERROR first; a good role then asks for the proof; a role that may not give roles gets its 403 first", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await verifyAddressOf(deps, target.user);
    const url = `/admin/users/${target.user.id}`;
    const stale = await withStaleProof(admin);
    const refused = await call("PATCH", url, stale, { role: "root" });
    expectError(refused, "VALIDATION_ERROR", 400);
    expect(refused.json().message).toBe("role must be one of user, support, admin");
    expectError(await call("PATCH", url, stale, { role: "support" }), "REAUTH_REQUIRED", 401);
    expectError(
      await call("PATCH", url, await accountWithRole("support"), { role: "root" }),
      "INSUFFICIENT_PERMISSIONS",
      403,
    );
    expect((await deps.users.findUserById(target.user.id as UserId))?.role).toBe("user");
  });

  it("an admin gives and takes roles; an unknown role is a VALIDATION_ERROR", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await verifyAddressOf(deps, target.user);
    const url = `/admin/users/${target.user.id}`;
    expectError(await call("PATCH", url, admin, { role: "root" }), "VALIDATION_ERROR", 400);
    expect((await call("PATCH", url, admin, { role: "support" })).json()).toEqual({
      success: true,
      data: { role: "support" },
    });
    // The new role applies to the target's next request: support may now search.
    expect((await call("GET", "/admin/users", target)).statusCode).toBe(200);
    // Newest first: the search itself (recorded on the searcher's own log), then the role change.
    expect((await timelineOf(target)).slice(0, 2).map((event) => event.description)).toEqual([
      "You searched the accounts, 2 found",
      "Your role was changed to support by an administrator",
    ]);
  });

  it("PATCH with an email beside the role changes the role only: the address stays, as every route ignores fields it does not know", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await verifyAddressOf(deps, target.user);
    const url = `/admin/users/${target.user.id}`;
    const answered = await call("PATCH", url, admin, { role: "support", email: "thief@example.com" });
    expect(answered.json()).toEqual({ success: true, data: { role: "support" } });
    expect(await deps.users.findUserById(target.user.id as UserId)).toMatchObject({
      role: "support",
      email: otherRegistration.email,
    });
    // Without a role it is refused, whatever else it holds.
    expectError(await call("PATCH", url, admin, { email: "thief@example.com" }), "VALIDATION_ERROR", 400);
  });

  it("every active admin but the grantee is told when someone is given a staff role; no one when a role is lowered or kept", async () => {
    const acting = await accountWithRole("admin", "acting@example.com");
    const other = await accountWithRole("admin", "other-admin@example.com");
    const away = await accountWithRole("admin", "away@example.com");
    const awayUser = await deps.users.findUserById(away.user.id as UserId);
    if (awayUser === null) throw new Error("no user");
    deps.users.replaceUser({ ...awayUser, status: "disabled" });
    await accountWithRole("support", "helper@example.com");
    const target = await registerUser(app, otherRegistration);
    await verifyAddressOf(deps, target.user);
    const url = `/admin/users/${target.user.id}`;
    const grants = () => deps.mailer.sent.filter((mail) => mail.kind === "staff_role_granted");

    expect((await call("PATCH", url, acting, { role: "support" })).statusCode).toBe(200);
    expect(
      grants()
        .map((mail) => mail.to)
        .sort(),
    ).toEqual(["acting@example.com", "other-admin@example.com"]);
    const toOther = grants().find((mail) => mail.to === "other-admin@example.com");
    expect(toOther?.subject).toBe(`${otherRegistration.email} was given the support role on SuperOAuth`);
    expect(toOther?.text).toContain(
      `acting@example.com gave ${otherRegistration.email} the support role on SuperOAuth at `,
    );
    expect(toOther?.text).toContain("Open the audit log: http://localhost:3000/admin/audit");
    expect(grants().find((mail) => mail.to === "acting@example.com")?.text).toContain(
      `You gave ${otherRegistration.email} the support role`,
    );

    // Support to admin is raised again; the grantee is not among the admins told.
    expect((await call("PATCH", url, acting, { role: "admin" })).statusCode).toBe(200);
    expect(grants()).toHaveLength(4);
    expect(grants().map((mail) => mail.to)).not.toContain(otherRegistration.email);
    // Kept, then lowered: nobody is told.
    expect((await call("PATCH", url, acting, { role: "admin" })).statusCode).toBe(200);
    expect((await call("PATCH", url, other, { role: "user" })).statusCode).toBe(200);
    expect(grants()).toHaveLength(4);
  });

  it("a staff role goes only to a verified address; the user role to any", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const url = `/admin/users/${target.user.id}`;
    for (const role of ["support", "admin"]) {
      const refused = await call("PATCH", url, admin, { role });
      expectError(refused, "EMAIL_NOT_VERIFIED", 403);
      expect(refused.json().message).toMatch(/verified address/);
    }
    expect((await deps.users.findUserById(target.user.id as UserId))?.role).toBe("user");
    expect((await timelineOf(target)).map((e) => e.type)).not.toContain("role_changed");
    expect((await call("PATCH", url, admin, { role: "user" })).statusCode).toBe(200);
    await verifyAddressOf(deps, target.user);
    expect((await call("PATCH", url, admin, { role: "admin" })).json().data).toEqual({ role: "admin" });
  });

  it("the role an account already has is answered the same, and recorded once", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await verifyAddressOf(deps, target.user);
    const url = `/admin/users/${target.user.id}`;
    for (const role of ["support", "support", "user", "user"]) {
      expect((await call("PATCH", url, admin, { role })).json()).toEqual({ success: true, data: { role } });
    }
    const changes = (await timelineOf(target)).filter((event) => event.type === "role_changed");
    expect(changes.map((event) => event.description)).toEqual([
      "Your role was changed to user by an administrator",
      "Your role was changed to support by an administrator",
    ]);
  });

  it("the last active admin cannot lose the role; with another admin they can", async () => {
    const admin = await accountWithRole("admin");
    const url = `/admin/users/${admin.user.id}`;
    expectError(await call("PATCH", url, admin, { role: "user" }), "LAST_ADMIN", 409);
    await accountWithRole("admin");
    expect((await call("PATCH", url, admin, { role: "user" })).statusCode).toBe(200);
    expectError(await call("GET", "/admin/users", admin), "INSUFFICIENT_PERMISSIONS", 403);
  });

  it("changing a role needs a fresh proof", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const stale = await withStaleProof(admin);
    expectError(
      await call("PATCH", `/admin/users/${target.user.id}`, stale, { role: "admin" }),
      "REAUTH_REQUIRED",
      401,
    );
  });
});

describe("deletion", () => {
  it("an admin deletes an account: it is gone, the address registers again, the audit keeps the act", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    expect((await call("DELETE", `/admin/users/${target.user.id}`, admin)).json()).toEqual({
      success: true,
      data: { deleted: true },
    });
    expectError(await call("GET", `/admin/users/${target.user.id}`, admin), "USER_NOT_FOUND", 404);
    expectError(await getMe(app, target.accessToken), "USER_NOT_FOUND", 404);
    await deps.backgroundTasks.drain();
    const notice = deps.mailer.sentTo("grace@example.com").at(-1);
    expect(notice?.subject).toBe("Your account was deleted");
    expect(notice?.text).toContain("staff deleted your SuperOAuth account");
    await registerUser(app, otherRegistration);
    const audit = (await call("GET", "/admin/audit", admin)).json().data;
    expect(audit.actions[0]).toMatchObject({
      type: "account_deleted",
      actorId: admin.user.id,
      // The audit's own words: what staff did, beside who and to whom (not the holder's sentence).
      description: "Deleted the account",
    });
    expect(audit.actions[0].userId).not.toBe(target.user.id);
  });

  it("DELETE /user deletes one's own account behind a fresh proof", async () => {
    const person = await withStaleProof(await registerUser(app, otherRegistration));
    const stale = await app.inject({
      method: "DELETE",
      url: "/api/v1/user",
      headers: bearer(person.accessToken),
    });
    expectError(stale, "REAUTH_REQUIRED", 401);
    const fresh = await logIn(app, otherRegistration);

    const deleted = await app.inject({
      method: "DELETE",
      url: "/api/v1/user",
      headers: bearer(fresh.accessToken),
    });

    expect(deleted.json()).toEqual({ success: true, data: { deleted: true } });
    await deps.backgroundTasks.drain();
    const notice = deps.mailer.sentTo("grace@example.com").at(-1);
    expect(notice?.subject).toBe("Your account was deleted");
    expect(notice?.text).toContain("If you deleted it, there is nothing to do.");
    expect(notice?.text).toContain("Hello grace_hopper,");
    expectError(await refresh(app, fresh.refreshToken), "INVALID_REFRESH_TOKEN", 401);
    expectError(
      await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: otherRegistration }),
      "INVALID_CREDENTIALS",
      401,
    );
    expect(deps.userExports.usersWithExports.has(person.user.id as UserId)).toBe(false);
    expect(deps.thirdPartyGrants.revokedUserIds).toContain(person.user.id);
    const again = await registerUser(app, otherRegistration);
    expect(again.user.id).not.toBe(person.user.id);
  });

  it("the last active admin cannot delete their own account, and nothing of it ends", async () => {
    const admin = await accountWithRole("admin");
    const response = await app.inject({
      method: "DELETE",
      url: "/api/v1/user",
      headers: bearer(admin.accessToken),
    });
    expectError(response, "LAST_ADMIN", 409);
    expect((await getMe(app, admin.accessToken)).statusCode).toBe(200);
    expect(deps.thirdPartyGrants.revokedUserIds).not.toContain(admin.user.id);
  });

  it("the last active admin cannot delete their own account through the admin API either", async () => {
    const admin = await accountWithRole("admin");
    expectError(await call("DELETE", `/admin/users/${admin.user.id}`, admin), "LAST_ADMIN", 409);
    expect((await getMe(app, admin.accessToken)).statusCode).toBe(200);
    const other = await accountWithRole("admin");
    expect((await call("DELETE", `/admin/users/${admin.user.id}`, other)).statusCode).toBe(200);
  });

  it("deleting needs the admin's fresh proof", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const stale = await withStaleProof(admin);
    expectError(await call("DELETE", `/admin/users/${target.user.id}`, stale), "REAUTH_REQUIRED", 401);
  });
});

describe("the audit", () => {
  it("lists staff actions newest first, with actor and target, and not the holders' own events", async () => {
    const admin = await accountWithRole("admin");
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    await lockOut(otherRegistration.email);
    await call("POST", `/admin/users/${target.user.id}/unlock`, support);
    deps.clock.advance(1000);
    await call("POST", `/admin/users/${target.user.id}/revoke-sessions`, admin);

    const audit = (await call("GET", "/admin/audit", admin)).json().data;

    expect(audit.actions.map((a: { type: string }) => a.type)).toEqual([
      "sessions_revoked",
      "account_unlocked",
    ]);
    expect(audit.actions[1]).toMatchObject({
      actorId: support.user.id,
      userId: target.user.id,
      details: { by: "support" },
      description: "Lifted the account's sign-in lock",
    });
    expect(audit.nextCursor).toBeNull();
  });

  it("pages by 50 with nextCursor", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await verifyAddressOf(deps, target.user);
    // 51 changes, each recorded (a role it already has would not be).
    for (let i = 0; i < 51; i++) {
      await call("PATCH", `/admin/users/${target.user.id}`, admin, {
        role: i % 2 === 0 ? "support" : "user",
      });
    }

    const first = (await call("GET", "/admin/audit", admin)).json().data;
    const second = (await call("GET", `/admin/audit?cursor=${first.nextCursor}`, admin)).json().data;

    expect(first.actions).toHaveLength(50);
    expect(first.nextCursor).toBe(first.actions[49].id);
    expect(second.actions).toHaveLength(1);
    expect(second.actions[0].id < first.actions[49].id).toBe(true);
    expect(second.nextCursor).toBeNull();
  });
});

describe("staff reads in the audit", () => {
  type AuditEntry = {
    type: string;
    kind: string;
    actorId: string;
    userId: string;
    details: object;
    description: string;
  };
  const auditOf = async (admin: SignedInData) =>
    (await call("GET", "/admin/audit", admin)).json().data.actions as AuditEntry[];
  const reads = (entries: AuditEntry[]) => entries.filter((entry) => entry.kind === "read");

  it("reading a user records account_viewed, once per staff member and account within 10 minutes", async () => {
    const admin = await accountWithRole("admin");
    const support = await accountWithRole("support");
    const target = await registerUser(app, otherRegistration);
    const url = `/admin/users/${target.user.id}`;
    /** `minutes` on; the access tokens (5 minutes) are renewed through their refresh tokens. */
    const later = async (minutes: number, ...callers: SignedInData[]): Promise<SignedInData[]> => {
      deps.clock.advance(minutes * 60_000);
      const renew = async (caller: SignedInData) => ({
        ...caller,
        ...(await refresh(app, caller.refreshToken)).json().data,
      });
      return Promise.all(callers.map(renew));
    };
    expect((await call("GET", url, support)).statusCode).toBe(200);
    let [supportNow, adminNow] = await later(4.5, support, admin);
    [supportNow, adminNow] = await later(4.5, supportNow as SignedInData, adminNow as SignedInData);
    expect((await call("GET", url, supportNow as SignedInData)).statusCode).toBe(200);
    expect((await call("GET", url, adminNow as SignedInData)).statusCode).toBe(200);
    [supportNow, adminNow] = await later(2, supportNow as SignedInData, adminNow as SignedInData);
    expect((await call("GET", url, supportNow as SignedInData)).statusCode).toBe(200);

    const viewed = reads(await auditOf(adminNow as SignedInData)).filter(
      (entry) => entry.type === "account_viewed",
    );
    expect(viewed.map((entry) => entry.actorId)).toEqual([support.user.id, admin.user.id, support.user.id]);
    expect(viewed[0]).toMatchObject({
      userId: target.user.id,
      kind: "read",
      details: { by: "support" },
      description: "Viewed the account's details",
    });
    // The holder sees that staff looked, by role, as they see what staff changed.
    const [targetNow] = await later(0, target);
    expect(
      (await timelineOf(targetNow as SignedInData)).filter((event) => event.type === "account_viewed")[0],
    ).toMatchObject({
      description: "Your account's details were viewed by support",
    });
  });

  it("a refused read records nothing", async () => {
    const admin = await accountWithRole("admin");
    const user = await accountWithRole("user");
    const target = await registerUser(app, otherRegistration);
    expectError(await call("GET", `/admin/users/${target.user.id}`, user), "INSUFFICIENT_PERMISSIONS", 403);
    expectError(await call("GET", "/admin/users/no-such-id", admin), "USER_NOT_FOUND", 404);
    expectError(await call("GET", "/admin/users?q=ada", user), "INSUFFICIENT_PERMISSIONS", 403);
    expectError(await call("GET", "/admin/users?limit=0", admin), "VALIDATION_ERROR", 400);
    expect(reads(await auditOf(admin))).toEqual([]);
  });

  it("a search records the query (a whole address masked) and how many it found, on the searcher", async () => {
    const admin = await accountWithRole("admin");
    const support = await accountWithRole("support");
    await registerUser(app, otherRegistration);
    expect((await call("GET", "/admin/users?q=Grace@Example.com", support)).statusCode).toBe(200);
    expect((await call("GET", "/admin/users?q=%20grace_h%20", support)).statusCode).toBe(200);
    expect((await call("GET", "/admin/users?q=nobody-here", support)).statusCode).toBe(200);

    const audit = await auditOf(admin);
    expect(
      reads(audit).map(({ type, actorId, userId, details }) => ({ type, actorId, userId, details })),
    ).toEqual(
      [
        { query: "nobody-here", results: 0 },
        { query: "grace_h", results: 1 },
        { query: "g***@example.com", results: 1 },
      ].map((details) => ({
        type: "users_searched",
        actorId: support.user.id,
        userId: support.user.id,
        details: { ...details, by: "support" },
      })),
    );
    expect(reads(audit)[1]?.description).toBe('Searched the accounts for "grace_h" (1 found)');
    expect(JSON.stringify(audit)).not.toContain("grace@example.com");
  });

  it("a query with an @ that is no whole address is kept masked too", async () => {
    const admin = await accountWithRole("admin");
    const support = await accountWithRole("support");
    expect((await call("GET", "/admin/users?q=grace.hopper@gmail", support)).statusCode).toBe(200);
    expect((await call("GET", "/admin/users?q=grace.hopper@", support)).statusCode).toBe(200);
    const audit = await auditOf(admin);
    expect(reads(audit).map((entry) => (entry.details as { query: string }).query)).toEqual([
      "g***@",
      "g***@gmail",
    ]);
    expect(JSON.stringify(audit)).not.toContain("grace.hopper");
  });

  it("the same first page again within 10 minutes is one entry; a later page, another query or later is not", async () => {
    const admin = await accountWithRole("admin");
    const support = await accountWithRole("support");
    await registerUser(app, otherRegistration);
    const search = async (caller: SignedInData, url: string) => {
      const response = await call("GET", url, caller);
      expect(response.statusCode).toBe(200);
      return response.json().data as { nextCursor: string | null };
    };
    const first = await search(support, "/admin/users?limit=1");
    await search(support, "/admin/users?limit=1");
    await search(support, `/admin/users?limit=1&cursor=${first.nextCursor}`);
    await search(support, `/admin/users?limit=1&cursor=${first.nextCursor}`);
    await search(support, "/admin/users?q=grace");
    await search(support, "/admin/users?q=grace");
    deps.clock.advance(4 * 60_000);
    const supportLater = { ...support, ...(await refresh(app, support.refreshToken)).json().data };
    await search(supportLater, "/admin/users?q=grace");
    deps.clock.advance(6 * 60_000 + 1);
    const supportLatest = { ...supportLater, ...(await refresh(app, supportLater.refreshToken)).json().data };
    await search(supportLatest, "/admin/users?q=grace");
    const adminNow = { ...admin, ...(await refresh(app, admin.refreshToken)).json().data };
    expect(reads(await auditOf(adminNow)).map((entry) => (entry.details as { query: string }).query)).toEqual(
      ["grace", "grace", "", "", ""],
    );
  });

  it("changes stay changes in the audit", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    await call("POST", `/admin/users/${target.user.id}/revoke-sessions`, admin);
    expect((await auditOf(admin)).map(({ type, kind }) => ({ type, kind }))).toEqual([
      { type: "sessions_revoked", kind: "change" },
    ]);
  });

  it.each([
    { failure: new Error("log store down"), code: "INTERNAL_ERROR" as const, status: 500 },
    {
      failure: new StorageUnavailableError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED" }),
      code: "SERVICE_UNAVAILABLE" as const,
      status: 503,
    },
  ])(
    "fails closed: when the read cannot be recorded, nothing is shown ($status $code)",
    async ({ failure, code, status }) => {
      const admin = await accountWithRole("admin");
      const target = await registerUser(app, otherRegistration);
      vi.spyOn(deps.securityEvents, "recordStaffEntry").mockRejectedValue(failure);
      const read = await call("GET", `/admin/users/${target.user.id}`, admin);
      expectError(read, code, status);
      expect(read.body).not.toContain(otherRegistration.email);
      const search = await call("GET", "/admin/users?q=grace", admin);
      expectError(search, code, status);
      expect(search.body).not.toContain(otherRegistration.email);
    },
  );
});

describe("the maintenance notice", () => {
  const status = async () => (await app.inject({ url: "/status.json" })).json().data.notice as string | null;

  it("an admin sets it (shown on /status within its cache), replaces it, clears it; each in the audit", async () => {
    const admin = await accountWithRole("admin");
    expect(await deps.maintenanceNotices.current()).toBeNull();

    const set = await call("PUT", "/admin/maintenance-notice", admin, {
      message: "  Upgrade at 02:00 UTC  ",
    });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({
      success: true,
      data: {
        notice: {
          message: "Upgrade at 02:00 UTC",
          setAt: deps.clock.now().toISOString(),
          setBy: admin.user.id,
        },
      },
    });
    // The status page's first computation shows it (it then keeps its answer a few seconds).
    expect(await status()).toBe("Upgrade at 02:00 UTC");

    const replaced = await call("PUT", "/admin/maintenance-notice", admin, {
      message: "Upgrade moved to 03:00 UTC",
    });
    expect(replaced.json().data.notice.message).toBe("Upgrade moved to 03:00 UTC");
    const cleared = await call("DELETE", "/admin/maintenance-notice", admin);
    expect(cleared.json()).toEqual({ success: true, data: { notice: null } });
    expect(await deps.maintenanceNotices.current()).toBeNull();

    const audit = await call("GET", "/admin/audit", admin);
    expect(
      audit
        .json()
        .data.actions.filter((a: { type: string }) => a.type === "maintenance_notice_changed")
        .map((a: { description: string; actorId: string }) => [a.description, a.actorId]),
    ).toEqual([
      ["Cleared the maintenance notice", admin.user.id],
      ['Set the maintenance notice: "Upgrade moved to 03:00 UTC"', admin.user.id],
      ['Set the maintenance notice: "Upgrade at 02:00 UTC"', admin.user.id],
    ]);
  });

  it.each([
    [{ message: "" }, "must not be empty"],
    [{ message: "x".repeat(281) }, "at most 280 characters"],
    [{ message: "two\nlines" }, "one line of printable text"],
    [{ message: 42 }, "message"],
    [{}, "message"],
  ])("refuses %j with VALIDATION_ERROR (400), the notice unchanged", async (body, reason) => {
    const admin = await accountWithRole("admin");
    await call("PUT", "/admin/maintenance-notice", admin, { message: "Kept" });
    const refused = await call("PUT", "/admin/maintenance-notice", admin, body);
    expectError(refused, "VALIDATION_ERROR", 400);
    expect(refused.json().message).toContain(reason);
    expect((await deps.maintenanceNotices.current())?.message).toBe("Kept");
  });

  it("without a token: 401 UNAUTHORIZED, and nothing set", async () => {
    const response = await app.inject({
      method: "PUT",
      url: "/api/v1/admin/maintenance-notice",
      payload: { message: "Nope" },
    });
    expectError(response, "UNAUTHORIZED", 401);
    expect(await deps.maintenanceNotices.current()).toBeNull();
  });
});

describe("which staff actions ask a fresh proof", () => {
  it("unlock, enable, revoke-sessions, resend-verification and send-password-reset answer a stale session, and the API description declares REAUTH_REQUIRED on exactly the others", async () => {
    const admin = await accountWithRole("admin");
    const target = await registerUser(app, otherRegistration);
    const stale = await withStaleProof(admin);
    for (const action of [
      "unlock",
      "enable",
      "revoke-sessions",
      "resend-verification",
      "send-password-reset",
    ]) {
      const response = await call("POST", `/admin/users/${target.user.id}/${action}`, stale);
      expect(response.statusCode, `${action}: ${response.body}`).toBe(200);
    }
    expectError(
      await call("POST", `/admin/users/${target.user.id}/disable`, stale, disableBody),
      "REAUTH_REQUIRED",
      401,
    );

    const { app: documented } = await buildTestApp({
      apiDocs: { version: "0.0.0", serverURL: "http://localhost:3000" },
    });
    try {
      const document = (await documented.inject({ method: "GET", url: "/docs/openapi.json" })).json() as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      };
      const declaresReauth = (method: string, path: string) =>
        JSON.stringify(
          document.paths[`/api/v1/admin/users/{id}${path}`]?.[method]?.responses["401"],
        ).includes("REAUTH_REQUIRED");
      expect({
        unlock: declaresReauth("post", "/unlock"),
        enable: declaresReauth("post", "/enable"),
        revokeSessions: declaresReauth("post", "/revoke-sessions"),
        resendVerification: declaresReauth("post", "/resend-verification"),
        sendPasswordReset: declaresReauth("post", "/send-password-reset"),
        requireNewPassword: declaresReauth("post", "/require-new-password"),
        disable: declaresReauth("post", "/disable"),
        resetTwoFactor: declaresReauth("post", "/reset-2fa"),
        unlinkProvider: declaresReauth("post", "/unlink-provider"),
        verifyEmail: declaresReauth("post", "/verify-email"),
        changeRole: declaresReauth("patch", ""),
        delete: declaresReauth("delete", ""),
      }).toStrictEqual({
        unlock: false,
        enable: false,
        revokeSessions: false,
        resendVerification: false,
        sendPasswordReset: false,
        requireNewPassword: true,
        disable: true,
        resetTwoFactor: true,
        unlinkProvider: true,
        verifyEmail: true,
        changeRole: true,
        delete: true,
      });
    } finally {
      await documented.close();
    }
  });
});
