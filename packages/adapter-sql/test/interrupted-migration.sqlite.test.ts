import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KyselyPlugin } from "kysely";
import { describe, expect, it } from "vitest";
import { migrateToLatest, migrationStatus } from "../src/migrate.ts";
import { openStorage } from "../src/storage.ts";

// A start killed among its migrations (SIGKILL, the OOM killer, a power loss): on SQLite the
// pending migrations run in one transaction (ADR 0052), so what a dead start did is rolled back and
// the next start applies them all. Here the "kill" is a statement that fails in the middle of the
// first migration, after its two tables were created and before its index: the effect on what is
// committed is the same.

/** Fails the statement creating `index`, as if the process had died there. */
function dyingAtIndex(index: string): KyselyPlugin {
  return {
    transformQuery({ node }) {
      if (node.kind === "CreateIndexNode" && node.name.name === index)
        throw new Error("the process died here");
      return node;
    },
    async transformResult({ result }) {
      return result;
    },
  };
}

describe("a SQLite start interrupted in the middle of a migration", () => {
  it("leaves nothing of it behind: the next start applies every migration", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "superoauth-interrupted-")), "interrupted.db");
    const storage = await openStorage({ url: `sqlite:${file}` });
    try {
      await expect(
        migrateToLatest(storage.db.withPlugin(dyingAtIndex("sessions_user_id_index"))),
      ).rejects.toThrow("Migration 2026-11-22T00-00_create-users-and-sessions failed");
      // Before the fix the tables of the first migration stayed, unrecorded, and every later start
      // failed with `table "users" already exists`.
      const applied = await storage.migrate();
      const status = await migrationStatus(storage.db);
      expect(applied).toEqual(status.map((migration) => migration.name));
      expect(status.every((migration) => migration.executedAt !== null)).toBe(true);
    } finally {
      await storage.close();
    }
  });
});
