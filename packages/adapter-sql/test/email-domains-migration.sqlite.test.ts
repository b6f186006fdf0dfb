import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { migrateToLatest } from "../src/migrate.ts";
import { sqliteJustBefore } from "./migrate-before.ts";

// Since 2026-12-02 an address's domain is kept in ASCII (`xn--` labels, ADR 0005): the migration
// rewrites the addresses stored before in the Unicode form, unless that would make two accounts one.

const migration = "2026-12-02T05-00_ascii-email-domains";

describe(migration, () => {
  it("rewrites internationalised domains to their xn-- form in users, change links and linked providers, leaving a clash alone", async () => {
    const db = await sqliteJustBefore(migration);
    try {
      const now = "2026-12-02T04:00:00.000Z";
      const users: [string, string][] = [
        ["u-bucher", "élodie@bücher.de"],
        ["u-china", "李雷@例子.中国"],
        ["u-ascii", "ada@example.com"],
        ["u-unicode-local", "rené@example.com"],
        // The same mailbox twice: the xn-- account exists, so the Unicode one keeps its address.
        ["u-clash-ascii", "bob@xn--bcher-kva.de"],
        ["u-clash-unicode", "bob@bücher.de"],
      ];
      for (const [id, email] of users) {
        await sql`INSERT INTO users (id, email, email_verified, nickname, password_hash, created_at, updated_at)
          VALUES (${id}, ${email}, 1, ${id}, NULL, ${now}, ${now})`.execute(db);
      }
      await sql`INSERT INTO email_tokens (id, user_id, purpose, secret_hash, created_at, expires_at, used_at, new_email)
        VALUES ('t-1', 'u-ascii', 'email_change', 'hash', ${now}, ${now}, NULL, 'ada@пример.рф')`.execute(db);
      await sql`INSERT INTO linked_providers (user_id, provider, subject, email, display_name, linked_at)
        VALUES ('u-china', 'github', '42', '李雷@例子.中国', NULL, ${now})`.execute(db);

      expect(await migrateToLatest(db)).toContain(migration);

      const rows = await db.selectFrom("users").select(["id", "email"]).orderBy("id").execute();
      expect(Object.fromEntries(rows.map((row) => [row.id, row.email]))).toEqual({
        "u-ascii": "ada@example.com",
        "u-bucher": "élodie@xn--bcher-kva.de",
        "u-china": "李雷@xn--fsqu00a.xn--fiqs8s",
        "u-clash-ascii": "bob@xn--bcher-kva.de",
        "u-clash-unicode": "bob@bücher.de",
        "u-unicode-local": "rené@example.com",
      });
      const link = await db.selectFrom("email_tokens").select("new_email").executeTakeFirstOrThrow();
      expect(link.new_email).toBe("ada@xn--e1afmkfd.xn--p1ai");
      const linked = await db.selectFrom("linked_providers").select("email").executeTakeFirstOrThrow();
      expect(linked.email).toBe("李雷@xn--fsqu00a.xn--fiqs8s");
    } finally {
      await db.destroy();
    }
  });
});
