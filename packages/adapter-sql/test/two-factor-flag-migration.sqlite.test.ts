import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/database.ts";
import { migrateToLatest } from "../src/migrate.ts";
import { sqliteJustBefore } from "./migrate-before.ts";

// The migration that keeps 2FA on the user's row (users.two_factor_enabled) fills it in for the
// factors that existed before it: enabled ones only.

const flagMigration = "2026-11-30T15-00_add-users-two-factor-enabled";

let db: Kysely<Database>;
beforeAll(async () => {
  db = await sqliteJustBefore(flagMigration);
});
afterAll(async () => db.destroy());

describe(flagMigration, () => {
  it("flags the users whose factor is enabled, and no one else", async () => {
    const now = "2026-11-30T12:00:00.000Z";
    for (const id of ["enabled-user", "pending-user", "no-factor-user"]) {
      await sql`INSERT INTO users (id, email, email_verified, nickname, password_hash, created_at, updated_at)
        VALUES (${id}, ${`${id}@example.com`}, 1, ${id}, NULL, ${now}, ${now})`.execute(db);
    }
    for (const [user, status] of [
      ["enabled-user", "enabled"],
      ["pending-user", "pending"],
    ]) {
      await sql`INSERT INTO totp_factors (user_id, encrypted_secret, status, last_used_step, created_at, enabled_at)
        VALUES (${user}, 'sealed', ${status}, NULL, ${now}, NULL)`.execute(db);
    }

    expect(await migrateToLatest(db)).toContain(flagMigration);

    const rows = await db.selectFrom("users").select(["id", "two_factor_enabled"]).orderBy("id").execute();
    expect(rows.map((row) => [row.id, Number(row.two_factor_enabled)])).toEqual([
      ["enabled-user", 1],
      ["no-factor-user", 0],
      ["pending-user", 0],
    ]);
  });
});

const resyncMigration = "2026-12-01T10-00_resync-two-factor-flag";

describe(resyncMigration, () => {
  it("sets the flag again from the factors where an older release left it wrong, both ways, and nowhere else", async () => {
    const before = await sqliteJustBefore(resyncMigration);
    try {
      const now = "2026-12-01T09:00:00.000Z";
      const users: [string, number, string | null][] = [
        ["enabled-unflagged", 0, "enabled"],
        ["removed-flagged", 1, null],
        ["pending-flagged", 1, "pending"],
        ["enabled-flagged", 1, "enabled"],
        ["none-unflagged", 0, null],
      ];
      for (const [id, flag, factor] of users) {
        await sql`INSERT INTO users (id, email, email_verified, nickname, password_hash, created_at, updated_at, two_factor_enabled)
          VALUES (${id}, ${`${id}@example.com`}, 1, ${id}, NULL, ${now}, ${now}, ${flag})`.execute(before);
        if (factor !== null) {
          await sql`INSERT INTO totp_factors (user_id, encrypted_secret, status, last_used_step, created_at, enabled_at)
            VALUES (${id}, 'sealed', ${factor}, NULL, ${now}, NULL)`.execute(before);
        }
      }

      expect(await migrateToLatest(before)).toContain(resyncMigration);

      const rows = await before
        .selectFrom("users")
        .select(["id", "two_factor_enabled"])
        .orderBy("id")
        .execute();
      expect(rows.map((row) => [row.id, Number(row.two_factor_enabled)])).toEqual([
        ["enabled-flagged", 1],
        ["enabled-unflagged", 1],
        ["none-unflagged", 0],
        ["pending-flagged", 0],
        ["removed-flagged", 0],
      ]);
    } finally {
      await before.destroy();
    }
  });
});
