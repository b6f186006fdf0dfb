import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateTOTPCode } from "@superoauth/adapter-crypto";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { ManualClock } from "@superoauth/application/testing";
import { SuperOAuthOIDCClient } from "@superoauth/client/oidc";
import type { Email, SessionId, UserId } from "@superoauth/domain";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Service } from "../src/compose.ts";
import { signInAndConsent } from "./hosted-consent.ts";
import { listenComposedService } from "./test-config.ts";

// Issue 10, "Account deletion" and "Admin and roles", end to end through the composed service on a
// real database (MySQL in project api, SQLite in api-sqlite): disabling answers ACCOUNT_DISABLED
// everywhere; deleting a fully used account leaves nothing in any table that names the person, and
// the address registers again.

const database = useTestDatabase();
const clock = new ManualClock(new Date());
let service: Service;
/** Where the service listens (and its issuer): a browser signs in to an app through its OpenID provider. */
let url: string;
let directory: string;
/** Where the service writes export archives: a deletion leaves none of the person's. */
let exportDirectory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "superoauth-admin-test-"));
  exportDirectory = join(directory, "exports");
  ({ service, url } = await listenComposedService(database.url(), {
    clock,
    env: { EXPORT_DIR: exportDirectory },
  }));
});
afterAll(async () => {
  await service?.close();
  await rm(directory, { recursive: true, force: true });
});

const password = "Sup3r-secret!";

interface Client {
  readonly ip: string;
  readonly userAgent: string;
}

function call(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  url: string,
  options: { token?: string; payload?: object; client?: Client } = {},
) {
  const client = options.client ?? { ip: "192.0.2.1", userAgent: "admin-console/1.0" };
  return service.app.inject({
    method,
    url: `/api/v1${url}`,
    remoteAddress: client.ip,
    headers: {
      "user-agent": client.userAgent,
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    },
    ...(options.payload === undefined ? {} : { payload: options.payload }),
  });
}

async function register(email: string, nickname: string, client?: Client) {
  const response = await call("POST", "/auth/register", {
    payload: { email, password, nickname },
    ...(client === undefined ? {} : { client }),
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().data as { user: { id: string }; accessToken: string; refreshToken: string };
}

/** An admin, made as `pnpm admin:create` makes one: the role set in the store. */
async function registerAdmin(email: string) {
  const admin = await register(email, "operator");
  const promoted = await service.storage.accountAdministration.updateAccount({
    userId: admin.user.id as UserId,
    change: { role: "admin" },
    now: clock.now(),
    guard: () => ({ ok: true, value: undefined }),
  });
  expect(promoted.ok).toBe(true);
  return admin;
}

/** Links a provider identity to the account, as a sign-in would. */
async function linkTo(
  userId: UserId,
  provider: "github" | "google",
  subject: string,
  email: Email | null = null,
) {
  await service.storage.linkedProviders.linkProvider({
    userId,
    provider,
    subject,
    email,
    displayName: null,
    linkedAt: clock.now(),
  });
}

describe("disabling an account", () => {
  it("answers ACCOUNT_DISABLED at sign-in, at refresh and with the access token in hand; enabling lets it in again", async () => {
    const admin = await registerAdmin("disabling-admin@example.com");
    const person = await register("disabled-person@example.com", "person");

    const disabled = await call("POST", `/admin/users/${person.user.id}/disable`, {
      token: admin.accessToken,
      payload: { reason: "Abusive messages, ticket 4127 😠" },
    });
    expect(disabled.json()).toEqual({
      success: true,
      data: {
        status: "disabled",
        disabledReason: "Abusive messages, ticket 4127 😠",
        alreadyDisabled: false,
      },
    });
    // The reason is kept on the account (users.disabled_reason) and in the audit's entry, for staff.
    const read = async () =>
      (await call("GET", `/admin/users/${person.user.id}`, { token: admin.accessToken })).json().data.user;
    expect(await read()).toMatchObject({
      status: "disabled",
      disabledReason: "Abusive messages, ticket 4127 😠",
    });

    const me = await call("GET", "/auth/me", { token: person.accessToken });
    expect([me.statusCode, me.json().error]).toEqual([403, "ACCOUNT_DISABLED"]);
    const refreshed = await call("POST", "/auth/refresh", { payload: { refreshToken: person.refreshToken } });
    expect([refreshed.statusCode, refreshed.json().error]).toEqual([403, "ACCOUNT_DISABLED"]);
    const login = await call("POST", "/auth/login", {
      payload: { email: "disabled-person@example.com", password },
    });
    expect([login.statusCode, login.json().error]).toEqual([403, "ACCOUNT_DISABLED"]);

    expect(
      (await call("POST", `/admin/users/${person.user.id}/enable`, { token: admin.accessToken })).statusCode,
    ).toBe(200);
    const again = await call("POST", "/auth/login", {
      payload: { email: "disabled-person@example.com", password },
    });
    expect(again.statusCode).toBe(200);
    const events = await call("GET", "/user/security-events", { token: again.json().data.accessToken });
    expect(events.json().data.events.map((e: { description: string }) => e.description)).toEqual(
      expect.arrayContaining([
        "Your account was disabled by an administrator",
        "Your account was enabled again by an administrator",
      ]),
    );
    const audit = await call("GET", "/admin/audit", { token: admin.accessToken });
    const changes = audit.json().data.actions.filter((entry: { kind: string }) => entry.kind === "change");
    expect(changes.slice(0, 2)).toMatchObject([
      { type: "account_enabled", actorId: admin.user.id, userId: person.user.id },
      {
        type: "account_disabled",
        actorId: admin.user.id,
        userId: person.user.id,
        description: 'Disabled the account: "Abusive messages, ticket 4127 😠"',
      },
    ]);
    // Enabled, the account has no reason; the person's own log never showed it.
    expect((await read()).disabledReason).toBeNull();
    expect(JSON.stringify(events.json())).not.toContain("4127");
  });

  it("the audit names where the member of staff acted from; the person's log and the console's view of it do not", async () => {
    const admin = await registerAdmin("audited-admin@example.com");
    const person = await register("audited-person@example.com", "person");
    const staffClient = { ip: "203.0.113.201", userAgent: "Staff Console Browser/2.0" };

    const revoked = await call("POST", `/admin/users/${person.user.id}/revoke-sessions`, {
      token: admin.accessToken,
      client: staffClient,
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    const viewed = await call("GET", `/admin/users/${person.user.id}`, {
      token: admin.accessToken,
      client: staffClient,
    });

    const audit = (await call("GET", "/admin/audit", { token: admin.accessToken })).json().data.actions;
    expect(audit.slice(0, 2)).toMatchObject([
      { type: "account_viewed", userId: person.user.id, ...staffClient },
      { type: "sessions_revoked", userId: person.user.id, ...staffClient },
    ]);
    const login = await call("POST", "/auth/login", {
      payload: { email: "audited-person@example.com", password },
    });
    const own = (await call("GET", "/user/security-events", { token: login.json().data.accessToken })).json()
      .data.events as { type: string; ip: string | null; userAgent: string | null }[];
    const staffEntries = own.filter((e) => e.type === "sessions_revoked" || e.type === "account_viewed");
    expect(staffEntries).toHaveLength(2);
    expect(staffEntries).toEqual(staffEntries.map((entry) => ({ ...entry, ip: null, userAgent: null })));
    // Their own sign-in keeps theirs.
    expect(own.find((e) => e.type === "login_succeeded")).toMatchObject({ ip: "192.0.2.1" });
    const activity = viewed.json().data.user.recentActivity as { type: string; ip: string | null }[];
    expect(activity.find((e) => e.type === "sessions_revoked")).toMatchObject({ ip: null, userAgent: null });
  });

  it("the same read at once is one entry: eight views of one account, eight searches of one first page", async () => {
    const admin = await registerAdmin("read-race-admin@example.com");
    const person = await register("read-race-person@example.com", "person");
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () =>
        call("GET", `/admin/users/${person.user.id}`, { token: admin.accessToken }),
      ),
      ...Array.from({ length: 8 }, () =>
        call("GET", "/admin/users?q=read-race", { token: admin.accessToken }),
      ),
    ]);
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(16).fill(200));
    const audit = (await call("GET", "/admin/audit?limit=50", { token: admin.accessToken })).json().data
      .actions as { type: string; actorId: string | null }[];
    const mine = audit.filter((entry) => entry.actorId === admin.user.id);
    expect(mine.map((entry) => entry.type).sort()).toEqual(["account_viewed", "users_searched"]);
  });

  it("unlocks at once lift the lock once: every answer 200, one not alreadyUnlocked, one account_unlocked", async () => {
    const admin = await registerAdmin("unlock-race-admin@example.com");
    const email = "unlock-race-person@example.com";
    const person = await register(email, "person");
    for (let i = 0; i < 5; i++) {
      await call("POST", "/auth/login", { payload: { email, password: "Wrong-passw0rd!" } });
    }
    expect((await call("POST", "/auth/login", { payload: { email, password } })).statusCode).toBe(423);
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        call("POST", `/admin/users/${person.user.id}/unlock`, { token: admin.accessToken }),
      ),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200]);
    // The one that lifted it says so; the others, that no lock was in force any more.
    expect(answers.map((answer) => answer.json().data.alreadyUnlocked).sort()).toEqual([
      false,
      true,
      true,
      true,
    ]);
    const audit = (await call("GET", "/admin/audit?limit=50", { token: admin.accessToken })).json().data
      .actions as { type: string; userId: string }[];
    expect(
      audit.filter((entry) => entry.type === "account_unlocked" && entry.userId === person.user.id),
    ).toHaveLength(1);
    expect((await call("POST", "/auth/login", { payload: { email, password } })).statusCode).toBe(200);
  });

  it("two admins disabling at once with different reasons: one disables it with its reason, the other is told it was already, with that reason; one entry", async () => {
    const first = await registerAdmin("disable-race-first@example.com");
    const second = await registerAdmin("disable-race-second@example.com");
    const person = await register("disable-race-person@example.com", "person");
    const disable = (admin: { accessToken: string }, reason: string) =>
      call("POST", `/admin/users/${person.user.id}/disable`, {
        token: admin.accessToken,
        payload: { reason },
      });
    const answers = await Promise.all([
      disable(first, "Spam, ticket 4127"),
      disable(second, "Chargeback fraud"),
    ]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200]);
    const read = await call("GET", `/admin/users/${person.user.id}`, { token: first.accessToken });
    const kept = read.json().data.user.disabledReason as string;
    expect(["Spam, ticket 4127", "Chargeback fraud"]).toContain(kept);
    const data = answers.map((answer) => answer.json().data);
    expect(data.filter((answered) => !answered.alreadyDisabled)).toEqual([
      { status: "disabled", disabledReason: kept, alreadyDisabled: false },
    ]);
    expect(data.filter((answered) => answered.alreadyDisabled)).toEqual([
      { status: "disabled", disabledReason: kept, alreadyDisabled: true },
    ]);
    const audit = (await call("GET", "/admin/audit?limit=50", { token: first.accessToken })).json().data
      .actions as { type: string; userId: string; details: Record<string, unknown> }[];
    const recorded = audit.filter(
      (entry) => entry.type === "account_disabled" && entry.userId === person.user.id,
    );
    expect(recorded.map((entry) => entry.details.staffReason)).toEqual([kept]);
    // A retry later: 200, nothing recorded, the reason that stands.
    expect((await disable(second, "Another reason")).json().data).toEqual({
      status: "disabled",
      disabledReason: kept,
      alreadyDisabled: true,
    });
  });

  it("two admins enabling at once: one enables it (alreadyActive false), the other is told it was active already; one entry", async () => {
    const first = await registerAdmin("enable-race-first@example.com");
    const second = await registerAdmin("enable-race-second@example.com");
    const person = await register("enable-race-person@example.com", "person");
    const disabled = await call("POST", `/admin/users/${person.user.id}/disable`, {
      token: first.accessToken,
      payload: { reason: "Checking a report" },
    });
    expect(disabled.statusCode).toBe(200);
    const enable = (admin: { accessToken: string }) =>
      call("POST", `/admin/users/${person.user.id}/enable`, { token: admin.accessToken });
    const answers = await Promise.all([enable(first), enable(second)]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200]);
    expect(answers.map((answer) => answer.json().data.alreadyActive).sort()).toEqual([false, true]);
    const audit = (await call("GET", "/admin/audit?limit=50", { token: first.accessToken })).json().data
      .actions as { type: string; userId: string }[];
    expect(
      audit.filter((entry) => entry.type === "account_enabled" && entry.userId === person.user.id),
    ).toHaveLength(1);
  });

  it("the last active admin cannot be demoted", async () => {
    const db = database.db();
    // Every other admin of this file's database stands down first.
    await db.updateTable("users").set({ role: "user" }).where("role", "=", "admin").execute();
    const admin = await registerAdmin("last-admin@example.com");
    const demoted = await call("PATCH", `/admin/users/${admin.user.id}`, {
      token: admin.accessToken,
      payload: { role: "user" },
    });
    expect([demoted.statusCode, demoted.json().error]).toEqual([409, "LAST_ADMIN"]);
  });
});

describe("searching the accounts", () => {
  it("a search term with a control character is 400 VALIDATION_ERROR naming q, lists no one and records nothing (a NUL cut SQLite's pattern short)", async () => {
    const admin = await registerAdmin("nul-search-admin@example.com");
    await register("nul-search-person@example.com", "person");
    for (const q of ["%00", "nul-search%00", "nul%09search", "nul-search%0A-person", "%7F"]) {
      const refused = await call("GET", `/admin/users?q=${q}`, { token: admin.accessToken });
      expect([refused.statusCode, refused.json().error], refused.body).toEqual([400, "VALIDATION_ERROR"]);
      expect(refused.json().message).toBe(
        "q must be printable text: it holds a control character (a NUL, a tab, a line break)",
      );
      expect(refused.body).not.toContain("nul-search-person@example.com");
    }
    const audit = (await call("GET", "/admin/audit", { token: admin.accessToken })).json().data.actions as {
      type: string;
      actorId: string | null;
    }[];
    expect(audit.filter((entry) => entry.actorId === admin.user.id)).toEqual([]);
    // A term pasted with a line break after it is trimmed, as every term is, and searched.
    const trimmed = await call("GET", "/admin/users?q=nul-search-person%0A", { token: admin.accessToken });
    expect(trimmed.statusCode, trimmed.body).toBe(200);
    expect(trimmed.json().data.users.map((user: { email: string }) => user.email)).toEqual([
      "nul-search-person@example.com",
    ]);
  });
});

describe("marking an address verified", () => {
  it("verifies it in the store, unlinks a provider linked before, and lets 2FA be set up; the audit keeps the act", async () => {
    const admin = await registerAdmin("verifying-admin@example.com");
    const person = await register("unreachable-mailbox@example.com", "unreached");
    const userId = person.user.id as UserId;
    await linkTo(userId, "github", "linked-before-proof", "unreachable-mailbox@example.com" as Email);
    const setUp = () => call("POST", "/auth/2fa/setup", { token: person.accessToken });
    expect((await setUp()).json()).toMatchObject({ error: "EMAIL_NOT_VERIFIED" });

    const marked = await call("POST", `/admin/users/${userId}/verify-email`, { token: admin.accessToken });

    expect(marked.json()).toEqual({ success: true, data: { emailVerified: true } });
    const row = await database
      .db()
      .selectFrom("users")
      .select(["email_verified", "updated_at"])
      .where("id", "=", userId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ email_verified: 1, updated_at: clock.now() });
    expect(await service.storage.linkedProviders.listLinkedProvidersOfUser(userId)).toEqual([]);
    expect((await setUp()).statusCode).toBe(200);
    const audit = (await call("GET", "/admin/audit", { token: admin.accessToken })).json().data.actions;
    expect(audit[0]).toMatchObject({
      type: "email_verified",
      actorId: admin.user.id,
      userId,
      description: "Marked the email address verified",
    });
  });
});

describe("unlinking a provider from someone's account", () => {
  it("unlinks it in the store, may take the last way in and says so; the audit keeps the act", async () => {
    const admin = await registerAdmin("unlinking-admin@example.com");
    const person = await register("someone-linked-my-github@example.com", "linked");
    const userId = person.user.id as UserId;
    await linkTo(userId, "github", "not-the-holders");
    await database.db().updateTable("users").set({ password_hash: null }).where("id", "=", userId).execute();

    const unlinked = await call("POST", `/admin/users/${userId}/unlink-provider`, {
      token: admin.accessToken,
      payload: { provider: "github" },
    });

    expect(unlinked.json()).toEqual({
      success: true,
      data: {
        provider: "github",
        unlinked: true,
        remainingSignIn: { password: false, providers: [] },
        accountStatus: "active",
      },
    });
    expect(await service.storage.linkedProviders.listLinkedProvidersOfUser(userId)).toEqual([]);
    const audit = (await call("GET", "/admin/audit", { token: admin.accessToken })).json().data.actions;
    expect(audit[0]).toMatchObject({
      type: "provider_unlinked",
      actorId: admin.user.id,
      userId,
      description: "Unlinked GitHub",
    });
  });

  it("two admins unlinking the same provider at once: exactly one unlinks it and records it", async () => {
    // On MySQL the removal locks the account's row (SELECT ... FOR UPDATE), so the second waits and
    // then finds the link gone. On SQLite the race cannot interleave at all: one connection, and
    // every transaction begins IMMEDIATE (the write lock), so the two run one after the other; the
    // test holds there too, but can only fail on MySQL.
    const first = await registerAdmin("unlink-race-first@example.com");
    const second = await registerAdmin("unlink-race-second@example.com");
    const person = await register("unlink-race-person@example.com", "person");
    const userId = person.user.id as UserId;
    await linkTo(userId, "google", "raced");
    const unlink = (admin: { accessToken: string }) =>
      call("POST", `/admin/users/${userId}/unlink-provider`, {
        token: admin.accessToken,
        payload: { provider: "google" },
      });

    const answers = await Promise.all([unlink(first), unlink(second)]);

    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200]);
    expect(answers.map((answer) => answer.json().data.unlinked).sort()).toEqual([false, true]);
    const audit = (await call("GET", "/admin/audit?limit=50", { token: first.accessToken })).json().data
      .actions as { type: string; userId: string }[];
    expect(
      audit.filter((entry) => entry.type === "provider_unlinked" && entry.userId === userId),
    ).toHaveLength(1);
  });
});

/** How many links of `purpose` the store has issued to the account, used or not. */
async function linksIssuedTo(userId: UserId, purpose: "verify_email" | "reset_password"): Promise<number> {
  const rows = await database
    .db()
    .selectFrom("email_tokens")
    .select("id")
    .where("user_id", "=", userId)
    .where("purpose", "=", purpose)
    .execute();
  return rows.length;
}

describe("sending a new verification link", () => {
  it("issues the link in the store within the hourly allowance it shares with the person's own requests, and refuses a verified address", async () => {
    const admin = await registerAdmin("resending-admin@example.com");
    const person = await register("lost-first-mail@example.com", "lost");
    const userId = person.user.id as UserId;
    const resend = () =>
      call("POST", `/admin/users/${userId}/resend-verification`, { token: admin.accessToken });
    const linksIssued = () => linksIssuedTo(userId, "verify_email");
    expect(await linksIssued()).toBe(1);

    clock.advance(61_000);
    expect((await resend()).json()).toEqual({ success: true, data: { verificationSent: true } });
    clock.advance(61_000);
    // The person's own request: the third of the hour, counted in the same rows.
    expect(
      (await call("POST", "/auth/resend-verification", { payload: { email: "lost-first-mail@example.com" } }))
        .statusCode,
    ).toBe(200);
    // Its link is issued in the background, after the answer.
    await vi.waitFor(async () => expect(await linksIssued()).toBe(3), { timeout: 10_000 });
    clock.advance(61_000);
    const refused = await resend();
    expect([refused.statusCode, refused.json().error, refused.headers["retry-after"]]).toEqual([
      429,
      "RATE_LIMIT_EXCEEDED",
      "3600",
    ]);
    expect(await linksIssued()).toBe(3);
    const audit = (await call("GET", "/admin/audit", { token: admin.accessToken })).json().data.actions;
    expect(audit.filter((entry: { type: string }) => entry.type === "verification_resent")).toMatchObject([
      { actorId: admin.user.id, userId, description: "Mailed the address a new verification link" },
    ]);

    await service.storage.users.markEmailVerified({ userId, now: clock.now() });
    const verified = await resend();
    expect([verified.statusCode, verified.json().error]).toEqual([400, "VALIDATION_ERROR"]);
  });
});

describe("sending a password-reset link", () => {
  it("issues the link in the store within the hourly allowance it shares with the person's own requests, records who sent it, and refuses a disabled account", async () => {
    const admin = await registerAdmin("resetting-admin@example.com");
    const person = await register("forgot-it@example.com", "forgetful");
    const userId = person.user.id as UserId;
    const send = () =>
      call("POST", `/admin/users/${userId}/send-password-reset`, { token: admin.accessToken });
    const linksIssued = () => linksIssuedTo(userId, "reset_password");
    expect(await linksIssued()).toBe(0);

    expect((await send()).json()).toEqual({ success: true, data: { passwordResetSent: true } });
    expect(await linksIssued()).toBe(1);
    for (let own = 2; own <= 3; own += 1) {
      clock.advance(61_000);
      // The person's own "forgot password": counted in the same rows, issued after the answer (each
      // waited for, so the background tasks issue in the order asked, as a person's would).
      expect(
        (await call("POST", "/auth/forgot-password", { payload: { email: "forgot-it@example.com" } }))
          .statusCode,
      ).toBe(200);
      await vi.waitFor(async () => expect(await linksIssued()).toBe(own), { timeout: 10_000 });
    }
    clock.advance(61_000);
    const refused = await send();
    expect([refused.statusCode, refused.json().error, refused.headers["retry-after"]]).toEqual([
      429,
      "RATE_LIMIT_EXCEEDED",
      "3600",
    ]);
    expect(await linksIssued()).toBe(3);
    const recorded = await database
      .db()
      .selectFrom("security_events")
      .select(["actor_id", "ip"])
      .where("user_id", "=", userId)
      .where("type", "=", "password_reset_requested")
      .orderBy("occurred_at")
      .execute();
    // Staff's names its actor and their address; the person's own two, neither.
    expect(recorded.map((row) => row.actor_id)).toEqual([admin.user.id, null, null]);
    expect(recorded[0]?.ip).toBe("192.0.2.1");

    // A disabled account is refused before the allowance is counted.
    const disabled = await call("POST", `/admin/users/${userId}/disable`, {
      token: (await registerAdmin("disabling-resetter@example.com")).accessToken,
      payload: { reason: "Chargeback (ticket 88)" },
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    const refusedDisabled = await send();
    expect([refusedDisabled.statusCode, refusedDisabled.json().error]).toEqual([400, "VALIDATION_ERROR"]);
    expect(await linksIssued()).toBe(3);
  });
});

describe("the mail allowance (STAFF_MAILS_PER_HOUR)", () => {
  /** A second instance on the same database, with an allowance of 3 links an hour. */
  let limited: Service;
  beforeAll(async () => {
    ({ service: limited } = await listenComposedService(database.url(), {
      clock,
      env: { EXPORT_DIR: exportDirectory, STAFF_MAILS_PER_HOUR: "3" },
    }));
  });
  afterAll(async () => {
    await limited?.close();
  });

  it("of eight links at once with three left, exactly three are issued and recorded; the others answer 429 with Retry-After, nothing issued", async () => {
    const admin = await registerAdmin("mail-race-admin@example.com");
    const people = await Promise.all(
      Array.from({ length: 8 }, (_, i) => register(`mail-race-${i}@example.com`, `racer${i}`)),
    );
    // Past the minute in which a repeat of the sign-up's verification link mails nothing (ADR 0053).
    clock.advance(61_000);
    const answers = await Promise.all(
      people.map((person, i) =>
        limited.app.inject({
          method: "POST",
          url: `/api/v1/admin/users/${person.user.id}/${i % 2 === 0 ? "send-password-reset" : "resend-verification"}`,
          remoteAddress: `192.0.2.${10 + i}`,
          headers: { authorization: `Bearer ${admin.accessToken}` },
        }),
      ),
    );
    expect(answers.filter((answer) => answer.statusCode === 200)).toHaveLength(3);
    for (const refused of answers.filter((answer) => answer.statusCode !== 200)) {
      expect([refused.statusCode, refused.json().error, refused.headers["retry-after"]]).toEqual([
        429,
        "RATE_LIMIT_EXCEEDED",
        "3600",
      ]);
      expect(refused.json().message).toBe(
        "You have had 3 verification or password-reset links mailed in the last hour, the most allowed for one member of staff. You can send more in 60 minutes.",
      );
    }
    // Each registration issued one verification link; the staff links are the rest.
    let issued = 0;
    for (const person of people) {
      issued +=
        (await linksIssuedTo(person.user.id as UserId, "reset_password")) +
        (await linksIssuedTo(person.user.id as UserId, "verify_email")) -
        1;
    }
    expect(issued).toBe(3);
    const recorded = await database
      .db()
      .selectFrom("security_events")
      .select("type")
      .where("actor_id", "=", admin.user.id)
      .where("type", "in", ["password_reset_requested", "verification_resent"])
      .execute();
    expect(recorded).toHaveLength(3);
  });
});

describe("deleting an account", () => {
  it("leaves nothing in any table or in the export folder that identifies the person, and the address registers again", async () => {
    const email = "erase-me@example.com";
    const home: Client = { ip: "198.51.100.23", userAgent: "PersonalBrowser/9.9 (erase-me)" };
    const phone: Client = { ip: "198.51.100.77", userAgent: "PersonalPhone/2.1 (erase-me)" };
    const admin = await registerAdmin("deleting-admin@example.com");
    const person = await register(email, "eraseme", home);
    const userId = person.user.id;

    // Staff act on it: an event with an actor (an unlock is recorded only when a lock was in force).
    // The address is typed in capitals: counters and the log hold its one normalised form.
    for (let i = 0; i < 5; i++) {
      await call("POST", "/auth/login", {
        payload: { email: email.toUpperCase(), password: "Wrong-passw0rd!" },
        client: phone,
      });
    }
    expect(
      (await call("POST", `/admin/users/${userId}/unlock`, { token: admin.accessToken })).statusCode,
    ).toBe(200);
    // Use the account the way a person does, so every table that can hold them does.
    const second = await call("POST", "/auth/login", { payload: { email, password }, client: phone });
    expect(second.statusCode).toBe(200);
    for (let i = 0; i < 3; i++) {
      await call("POST", "/auth/login", { payload: { email, password: "Wrong-passw0rd!" }, client: phone });
    }
    // An app the person registered, and another's app they signed in to through the OpenID
    // provider, in a browser, with a remembered consent and a refresh token: the consent's record,
    // and the provider's session, grant, code and tokens. Registering an app, and turning 2FA on
    // below, wait for a verified address (as the mailed link would verify it); so for the admin's.
    for (const verifiedId of [userId, admin.user.id]) {
      await service.storage.users.markEmailVerified({ userId: verifiedId as UserId, now: clock.now() });
    }
    const owned = await call("POST", "/apps", {
      token: person.accessToken,
      payload: {
        name: "Erasable",
        redirectURIs: ["https://erasable.example/cb"],
        allowedScopes: ["openid"],
        type: "public",
      },
    });
    expect(owned.statusCode, owned.body).toBe(201);
    const ownedClientId: string = owned.json().data.app.clientId;
    const used = await call("POST", "/apps", {
      token: admin.accessToken,
      payload: {
        name: "Used",
        redirectURIs: ["https://used.example/cb"],
        allowedScopes: ["openid", "email", "offline_access"],
        type: "confidential",
      },
    });
    expect(used.statusCode, used.body).toBe(201);
    const oidc = await SuperOAuthOIDCClient.discover({
      issuer: url,
      clientId: used.json().data.app.clientId,
      clientSecret: used.json().data.clientSecret,
      redirectURI: "https://used.example/cb",
      allowInsecureRequests: true,
    });
    const authorization = await oidc.createAuthorizationRequest({
      scope: "openid email offline_access",
      prompt: "consent",
    });
    const callback = await signInAndConsent({ url: authorization.url, email, password, baseURL: url });
    const appTokens = await oidc.exchangeCode({ ...authorization, callbackURL: callback });
    expect(appTokens.refreshToken).not.toBeNull();
    // What a browser flow leaves only for a while: a sign-in in progress (its interaction names the
    // account through its session or its result) and a device code answered.
    const inTenMinutes = new Date(clock.now().getTime() + 600_000);
    for (const record of [
      { model: "Interaction", id: "interaction-of-erase-me", payload: { session: { accountId: userId } } },
      {
        model: "Interaction",
        id: "consented-of-erase-me",
        payload: { result: { login: { accountId: userId } } },
      },
      { model: "DeviceCode", id: "device-of-erase-me", payload: { accountId: userId, userCode: "ERASEME1" } },
    ]) {
      await service.storage.oidcModels.upsert({ ...record, expiresAt: inTenMinutes });
    }
    const setup = await call("POST", "/auth/2fa/setup", { token: person.accessToken, client: home });
    const { secret } = setup.json().data;
    const enabled = await call("POST", "/auth/2fa/enable", {
      token: person.accessToken,
      payload: { code: await generateTOTPCode({ secret, now: clock.now() }) },
      client: home,
    });
    expect(enabled.statusCode, enabled.body).toBe(200);
    // A sign-in with the second factor: its MFA challenge is remembered until its token expires.
    clock.advance(30_000);
    const first = await call("POST", "/auth/login", { payload: { email, password }, client: home });
    const verified = await call("POST", "/auth/2fa/verify", {
      payload: {
        mfaToken: first.json().data.mfaToken,
        code: await generateTOTPCode({ secret, now: clock.now() }),
      },
      client: home,
    });
    expect(verified.statusCode, verified.body).toBe(200);
    await service.storage.linkedProviders.linkProvider({
      userId: userId as UserId,
      provider: "github",
      subject: "erase-me-github-4242",
      email: email as Email,
      displayName: "Erase Me",
      linkedAt: clock.now(),
    });
    // Trips to a provider under way: a link, a fresh proof of a session, and a login code.
    const sessionIds = (
      await database.db().selectFrom("sessions").select("id").where("user_id", "=", userId).execute()
    ).map((row) => row.id as SessionId);
    const tripEnds = new Date(clock.now().getTime() + 600_000);
    const trip = {
      provider: "github",
      codeChallengeHash: null,
      createdAt: clock.now(),
      expiresAt: tripEnds,
    } as const;
    await service.storage.oauthFlows.saveAuthorization({
      ...trip,
      stateHash: "a".repeat(64),
      linkUserId: userId as UserId,
      linkSessionId: sessionIds[0] ?? null,
      reauthenticateSessionId: null,
    });
    await service.storage.oauthFlows.saveAuthorization({
      ...trip,
      stateHash: "b".repeat(64),
      linkUserId: null,
      linkSessionId: null,
      reauthenticateSessionId: sessionIds[0] ?? null,
    });
    await service.storage.oauthFlows.saveLoginCode({
      codeHash: "c".repeat(64),
      userId: userId as UserId,
      provider: "github",
      codeChallengeHash: "d".repeat(64),
      createdAt: clock.now(),
      expiresAt: tripEnds,
    });
    // As staff: a notice set, an account viewed, a search.
    await service.storage.accountAdministration.updateAccount({
      userId: userId as UserId,
      change: { role: "admin" },
      now: clock.now(),
      guard: () => ({ ok: true, value: undefined }),
    });
    const notice = await call("PUT", "/admin/maintenance-notice", {
      token: person.accessToken,
      payload: { message: "Upgrade at noon" },
      client: home,
    });
    expect(notice.statusCode, notice.body).toBe(200);
    expect(
      (await call("GET", `/admin/users/${admin.user.id}`, { token: person.accessToken, client: home }))
        .statusCode,
    ).toBe(200);
    expect(
      (await call("GET", "/admin/users?q=deleting", { token: person.accessToken, client: home })).statusCode,
    ).toBe(200);
    // An export, its archive on disk, and a change of address asked for and not confirmed.
    const requested = await call("POST", "/user/export", { token: person.accessToken, client: home });
    expect(requested.statusCode, requested.body).toBe(202);
    const exportId: string = requested.json().data.exportId;
    await untilExportReady(exportId, person.accessToken);
    const change = await call("POST", "/user/email", {
      token: person.accessToken,
      payload: { newEmail: "erase-me-next@example.com" },
      client: home,
    });
    expect(change.statusCode, change.body).toBe(202);
    // The link is issued after the answer, on the background queue.
    await expect
      .poll(() =>
        service.storage.emailTokens.findPendingEmailChange({ userId: userId as UserId, now: clock.now() }),
      )
      .not.toBeNull();

    const needles = [
      email,
      userId,
      home.ip,
      phone.ip,
      home.userAgent,
      phone.userAgent,
      "erase-me",
      // The nickname and the provider's display name: a name is personal data as much as an address.
      "eraseme",
      "Erase Me",
      ...sessionIds,
      ownedClientId,
      exportId,
    ];
    // A check that finds nothing before the deletion could not fail after it: every kind of record
    // the account made is there (the verification mail's token was issued at registration).
    const before = new Set((await rowsMentioning(needles)).map((row) => row.slice(0, row.indexOf(":"))));
    expect([...before].sort()).toEqual(
      [
        "users",
        "sessions",
        "refresh_tokens",
        "security_events",
        "email_tokens",
        "totp_factors",
        "backup_codes",
        "login_failures",
        "known_sign_in_sources",
        "completed_mfa_challenges",
        "linked_providers",
        "oauth_authorizations",
        "oauth_login_codes",
        "apps",
        "app_authorizations",
        "oidc_models",
        "export_jobs",
        "maintenance_notices",
      ].sort(),
    );
    expect(await readdir(exportDirectory)).not.toEqual([]);

    const deleted = await call("DELETE", "/user", { token: person.accessToken, client: home });

    expect(deleted.json()).toEqual({ success: true, data: { deleted: true } });
    expect(await rowsMentioning(needles)).toEqual([]);
    expect(await readdir(exportDirectory)).toEqual([]);
    // The app's tokens went with the provider's records of the account.
    await expect(oidc.refresh({ refreshToken: appTokens.refreshToken ?? "" })).rejects.toThrow();
    const me = await call("GET", "/auth/me", { token: person.accessToken });
    expect([me.statusCode, me.json().error]).toEqual([404, "USER_NOT_FOUND"]);
    // The log keeps the facts, without the person.
    const audit = (await call("GET", "/admin/audit?limit=50", { token: admin.accessToken })).json().data
      .actions as { type: string; userId: string; actorId: string | null; details: object }[];
    const unlocked = audit.find(
      (entry) => entry.type === "account_unlocked" && entry.actorId === admin.user.id,
    );
    expect(unlocked).toMatchObject({ details: {} });
    const pseudonym = unlocked?.userId ?? "";
    expect(pseudonym).not.toBe(userId);
    // What the person did as staff stays in the audit, under the same pseudonym.
    expect(audit.find((entry) => entry.type === "maintenance_notice_changed")).toMatchObject({
      userId: pseudonym,
      actorId: pseudonym,
      details: { message: "Upgrade at noon" },
    });
    const kept = await database
      .db()
      .selectFrom("security_events")
      .selectAll()
      .where("user_id", "=", pseudonym)
      .execute();
    expect(kept.map((e) => e.type)).toEqual(
      expect.arrayContaining(["login_succeeded", "login_failed", "two_factor_enabled", "account_deleted"]),
    );
    const own = kept.filter((e) => e.actor_id === null);
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((e) => e.ip === null && e.user_agent === null)).toBe(true);
    // Where the member of staff acted from is theirs, not the person's: the audit keeps it.
    expect(kept.find((e) => e.type === "account_unlocked")).toMatchObject({
      ip: "192.0.2.1",
      user_agent: "admin-console/1.0",
    });

    const again = await register(email, "eraseme", home);
    expect(again.user.id).not.toBe(userId);
  });

  it("takes the apps the person registered with it, and every other user's grants and tokens for them", async () => {
    const developer = await register("app-developer@example.com", "developer");
    // Verified, as its mailed link would: registering an app waits for that.
    await service.storage.users.markEmailVerified({ userId: developer.user.id as UserId, now: clock.now() });
    const created = await call("POST", "/apps", {
      token: developer.accessToken,
      payload: {
        name: "Doomed",
        redirectURIs: ["https://doomed.example/cb"],
        allowedScopes: ["openid"],
        type: "public",
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const clientId: string = created.json().data.app.clientId;
    const someoneElse = await register("app-user@example.com", "appuser");
    // Someone else signed in to the app: the provider's grant and tokens for them.
    const records = ["Grant", "AccessToken", "RefreshToken"].map((model) => ({
      model,
      id: `${model}-of-doomed`,
      payload: { accountId: someoneElse.user.id, clientId },
    }));
    for (const record of records) await service.storage.oidcModels.upsert({ ...record, expiresAt: null });

    const deleted = await call("DELETE", "/user", { token: developer.accessToken });

    expect(deleted.statusCode, deleted.body).toBe(200);
    for (const { model, id } of records) {
      expect(await service.storage.oidcModels.find({ model, id, now: clock.now() }), model).toBeNull();
    }
    expect(await service.storage.apps.findApp(clientId)).toBeNull();
    // The other user keeps their own account and sessions.
    expect((await call("GET", "/auth/me", { token: someoneElse.accessToken })).statusCode).toBe(200);
  });

  it("an admin deletes through the same step; a stale proof is refused first", async () => {
    const admin = await registerAdmin("second-deleting-admin@example.com");
    const person = await register("deleted-by-admin@example.com", "byadmin");
    clock.advance(6 * 60_000);
    const refreshed = await call("POST", "/auth/refresh", { payload: { refreshToken: admin.refreshToken } });
    const staleToken = refreshed.json().data.accessToken;
    const stale = await call("DELETE", `/admin/users/${person.user.id}`, { token: staleToken });
    expect([stale.statusCode, stale.json().error]).toEqual([401, "REAUTH_REQUIRED"]);
    const reauthenticated = await call("POST", "/auth/reauthenticate", {
      token: staleToken,
      payload: { password },
    });
    expect(reauthenticated.statusCode).toBe(200);

    const deleted = await call("DELETE", `/admin/users/${person.user.id}`, { token: staleToken });

    expect(deleted.statusCode).toBe(200);
    expect(await rowsMentioning([person.user.id, "deleted-by-admin@example.com"])).toEqual([]);
  });
});

/** Polls the export's status (every 100 ms: the worker runs in this process) until it is ready. */
async function untilExportReady(exportId: string, token: string): Promise<void> {
  for (let i = 0; i < 90; i++) {
    const status = (await call("GET", `/user/export/${exportId}`, { token })).json().data.status;
    if (status === "ready") return;
    expect(["pending", "running"]).toContain(status);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the export never became ready");
}

/**
 * Every row of every table whose text mentions one of `needles`, in any case (an address as typed
 * and its stored lowercase form alike): "table: row".
 */
async function rowsMentioning(needles: readonly string[]): Promise<string[]> {
  const db = database.db();
  const tables = await db.introspection.getTables();
  const found: string[] = [];
  for (const table of tables) {
    const rows = await db
      .selectFrom(table.name as "users")
      .selectAll()
      .execute();
    for (const row of rows) {
      const text = JSON.stringify(row);
      const lower = text.toLowerCase();
      if (needles.some((needle) => lower.includes(needle.toLowerCase())))
        found.push(`${table.name}: ${text}`);
    }
  }
  return found;
}
