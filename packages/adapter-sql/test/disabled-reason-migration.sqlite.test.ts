import type { UserId } from "@superoauth/domain";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountAdministration } from "../src/account-administration.ts";
import type { Database } from "../src/database.ts";
import { sqliteSQLDialect } from "../src/dialects/sqlite.ts";
import { migrateToLatest } from "../src/migrate.ts";
import { createUserRepository } from "../src/user-repository.ts";
import { sqliteJustBefore } from "./migrate-before.ts";

// The migration that keeps why staff disabled an account (users.disabled_reason) leaves the
// accounts from before it as they were: a disabled one stays disabled, with no reason recorded
// (the console says so), and an active one has none.

const reasonMigration = "2026-12-06T04-00_add-users-disabled-reason";

let db: Kysely<Database>;
beforeAll(async () => {
  db = await sqliteJustBefore(reasonMigration);
});
afterAll(async () => db.destroy());

describe(reasonMigration, () => {
  it("keeps the accounts from before it, a disabled one read back disabled with no reason", async () => {
    const now = "2026-12-05T12:00:00.000Z";
    await sql`INSERT INTO users (id, email, email_verified, nickname, password_hash, status, created_at, updated_at)
      VALUES ('old-disabled', 'old-disabled@example.com', 1, 'old', NULL, 'disabled', ${now}, ${now}),
             ('old-active', 'old-active@example.com', 1, 'old', NULL, 'active', ${now}, ${now})`.execute(db);

    expect(await migrateToLatest(db)).toContain(reasonMigration);

    const context = { db, dialect: sqliteSQLDialect };
    const users = createUserRepository(context);
    const administration = createAccountAdministration(context);
    expect(await users.findUserById("old-disabled" as UserId)).toMatchObject({ status: "disabled" });
    expect(await users.findUserById("old-active" as UserId)).toMatchObject({ status: "active" });
    expect(await administration.findDisabledReason("old-disabled" as UserId)).toBeNull();
    expect(await administration.findDisabledReason("old-active" as UserId)).toBeNull();
  });
});
