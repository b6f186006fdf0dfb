import { createArgon2PasswordHasher } from "@superoauth/adapter-crypto";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { PasswordHasher } from "@superoauth/application";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { integrationTestConfig } from "./test-config.ts";

// An account deleted while a sign-in attempt with a wrong password is in flight (docs/admin.md,
// "Deletion"): the attempt's entry, with its address and browser, is not written under the deleted
// id. The deletion lands where a real one does, while argon2id verifies the password, on MySQL
// (project api) and SQLite (api-sqlite).

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

describe("an account deleted while a wrong password is checked", () => {
  it("answers INVALID_CREDENTIALS, and no entry of the attempt is left under the deleted id", async () => {
    const email = "deleted-in-flight@example.com";
    const { user, accessToken } = await register(email);

    let release!: () => void;
    const entered = new Promise<void>((resolve) => {
      held = { entered: resolve, release: new Promise<void>((done) => (release = done)) };
    });
    const login = service.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      remoteAddress: attempt.ip,
      headers: { "user-agent": attempt.userAgent },
      payload: { email, password: "Wrong-pass-1!" },
    });
    await entered;
    const deleted = await deleteAccount(accessToken);
    expect(deleted.json()).toEqual({ success: true, data: { deleted: true } });
    release();

    const answer = await login;
    expect([answer.statusCode, answer.json().error]).toEqual([401, "INVALID_CREDENTIALS"]);
    const db = database.db();
    const underTheId = await db
      .selectFrom("security_events")
      .selectAll()
      .where("user_id", "=", user.id)
      .execute();
    expect(underTheId).toEqual([]);
    const ofTheAttempt = await db
      .selectFrom("security_events")
      .select(["type", "user_id"])
      .where((eb) => eb.or([eb("ip", "=", attempt.ip), eb("user_agent", "=", attempt.userAgent)]))
      .execute();
    expect(ofTheAttempt).toEqual([]);
  });

  it("a wrong password checked before the deletion is kept under the pseudonym, without where it came from", async () => {
    const email = "deleted-after@example.com";
    const { user, accessToken } = await register(email);
    const refused = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      remoteAddress: "203.0.113.78",
      headers: { "user-agent": attempt.userAgent },
      payload: { email, password: "Wrong-pass-1!" },
    });
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
    expect(
      await db.selectFrom("security_events").selectAll().where("user_id", "=", user.id).execute(),
    ).toEqual([]);
    const kept = await db
      .selectFrom("security_events")
      .select(["type", "ip", "user_agent"])
      .where("type", "=", "login_failed")
      .execute();
    expect(kept).toContainEqual({ type: "login_failed", ip: null, user_agent: null });
    expect(
      await db.selectFrom("security_events").select("id").where("ip", "=", "203.0.113.78").execute(),
    ).toEqual([]);
  });
});
