import { createArgon2PasswordHasher } from "@superoauth/adapter-crypto";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { PasswordHasher } from "@superoauth/application";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { integrationTestConfig } from "./test-config.ts";

// An account deleted while a request that writes to its security log is in flight (docs/admin.md,
// "Deletion"): the request's entry, with its address and browser, is not written under the deleted
// id. The deletion lands where a real one does, while argon2id verifies a password, on MySQL
// (project api) and SQLite (api-sqlite). The two argon2id cases after the first came from a review
// (2026-12-05): `account_locked` and `reauthentication_failed` were plain inserts too.

const database = useTestDatabase();
let service: Service;

/** Real argon2id; while `held` is set, a verification waits for it once its result is known. */
const argon2 = createArgon2PasswordHasher();
let held: { entered: () => void; release: Promise<void> } | undefined;
const gated: PasswordHasher = {
  hashPassword: (password) => argon2.hashPassword(password),
  verifyDummyPassword: (password) => argon2.verifyDummyPassword(password),
  async verifyPassword(input) {
    const result = await argon2.verifyPassword(input);
    const gate = held;
    held = undefined;
    if (gate !== undefined) {
      gate.entered();
      await gate.release;
    }
    return result;
  },
};

beforeAll(async () => {
  service = await composeService(integrationTestConfig({ DATABASE_URL: database.url() }), undefined, {
    passwordHasher: gated,
  });
});
afterAll(async () => service?.close());

const attempt = { ip: "203.0.113.77", userAgent: "in-flight-attempt/1.0" };

async function register(email: string): Promise<{ user: { id: string }; accessToken: string }> {
  const registered = await service.app.inject({
    method: "POST",
    url: "/api/v1/auth/register",
    payload: { email, password: "Integr4tion-pass!", nickname: email.split("@")[0] },
  });
  expect(registered.statusCode, registered.body).toBe(201);
  return registered.json().data;
}

function deleteAccount(accessToken: string) {
  return service.app.inject({
    method: "DELETE",
    url: "/api/v1/user",
    headers: { authorization: `Bearer ${accessToken}` },
  });
}

/** Holds the next password verification once its result is known; `entered` when it is held. */
function holdNextVerification(): { entered: Promise<void>; release: () => void } {
  let release!: () => void;
  const entered = new Promise<void>((resolve) => {
    held = { entered: resolve, release: new Promise<void>((done) => (release = done)) };
  });
  return { entered, release: () => release() };
}

/** Runs `request` with the account deleted while its password is verified; its answer. */
async function deletedDuring(accessToken: string, request: () => Promise<LightMyRequestResponse>) {
  const gate = holdNextVerification();
  const answer = request();
  await gate.entered;
  const deleted = await deleteAccount(accessToken);
  expect(deleted.json()).toEqual({ success: true, data: { deleted: true } });
  gate.release();
  return answer;
}

/** What is left under the deleted id, and anywhere with the attempt's address or browser. */
async function leftBehind(userId: string, ip: string) {
  const db = database.db();
  return {
    underTheId: await db
      .selectFrom("security_events")
      .select(["type", "ip", "user_agent"])
      .where("user_id", "=", userId)
      .execute(),
    ofTheAttempt: await db
      .selectFrom("security_events")
      .select(["type", "user_id"])
      .where((eb) => eb.or([eb("ip", "=", ip), eb("user_agent", "=", attempt.userAgent)]))
      .execute(),
  };
}

const logIn = (email: string, ip: string) =>
  service.app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    remoteAddress: ip,
    headers: { "user-agent": attempt.userAgent },
    payload: { email, password: "Wrong-pass-1!" },
  });

describe("an account deleted while argon2id checks a wrong password", () => {
  it("login_failed: answers INVALID_CREDENTIALS, and no entry of the attempt is left", async () => {
    const email = "deleted-in-flight@example.com";
    const { user, accessToken } = await register(email);
    const answer = await deletedDuring(accessToken, () => logIn(email, "203.0.113.77"));
    expect([answer.statusCode, answer.json().error]).toEqual([401, "INVALID_CREDENTIALS"]);
    expect(await leftBehind(user.id, "203.0.113.77")).toEqual({ underTheId: [], ofTheAttempt: [] });
  });

  it("account_locked: the wrong password that reaches the lock answers ACCOUNT_LOCKED, and leaves no entry", async () => {
    const email = "late-account-locked@example.com";
    const { user, accessToken } = await register(email);
    for (let i = 0; i < 4; i++) {
      const refused = await logIn(email, "203.0.113.79");
      expect([refused.statusCode, refused.json().error]).toEqual([401, "INVALID_CREDENTIALS"]);
    }
    const answer = await deletedDuring(accessToken, () => logIn(email, "203.0.113.79"));
    expect([answer.statusCode, answer.json().error]).toEqual([423, "ACCOUNT_LOCKED"]);
    // The four refusals before the deletion were kept, under the pseudonym, without the address.
    expect(await leftBehind(user.id, "203.0.113.79")).toEqual({ underTheId: [], ofTheAttempt: [] });
  });

  it("reauthentication_failed: a wrong password at POST /auth/reauthenticate answers INVALID_CURRENT_PASSWORD, and leaves no entry", async () => {
    const email = "late-reauth-failed@example.com";
    const { user, accessToken } = await register(email);
    const answer = await deletedDuring(accessToken, () =>
      service.app.inject({
        method: "POST",
        url: "/api/v1/auth/reauthenticate",
        remoteAddress: "203.0.113.88",
        headers: { authorization: `Bearer ${accessToken}`, "user-agent": attempt.userAgent },
        payload: { password: "Wrong-pass-1!" },
      }),
    );
    expect([answer.statusCode, answer.json().error]).toEqual([400, "INVALID_CURRENT_PASSWORD"]);
    expect(await leftBehind(user.id, "203.0.113.88")).toEqual({ underTheId: [], ofTheAttempt: [] });
  });

  it("a wrong password checked before the deletion is kept under the pseudonym, without where it came from", async () => {
    const email = "deleted-after@example.com";
    const { user, accessToken } = await register(email);
    const refused = await logIn(email, "203.0.113.78");
    expect([refused.statusCode, refused.json().error]).toEqual([401, "INVALID_CREDENTIALS"]);
    const db = database.db();
    const recorded = await db
      .selectFrom("security_events")
      .select(["type", "ip"])
      .where("user_id", "=", user.id)
      .where("type", "=", "login_failed")
      .execute();
    expect(recorded).toEqual([{ type: "login_failed", ip: "203.0.113.78" }]);

    const deleted = await deleteAccount(accessToken);
    expect(deleted.json()).toEqual({ success: true, data: { deleted: true } });
    expect(await leftBehind(user.id, "203.0.113.78")).toEqual({ underTheId: [], ofTheAttempt: [] });
    const kept = await db
      .selectFrom("security_events")
      .select(["type", "ip", "user_agent"])
      .where("type", "=", "login_failed")
      .execute();
    expect(kept).toContainEqual({ type: "login_failed", ip: null, user_agent: null });
  });
});
