import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStorage } from "../src/storage.ts";
import { recordMigrationOfANewerRelease } from "./migrate-before.ts";

// A SQLite file a newer release migrated: this version names what it does not know and refuses to
// migrate it (ADR 0046), rather than Kysely's "corrupted migrations" stack.

describe("a SQLite database a newer release migrated", () => {
  it("names the unknown migrations, and migrate() refuses with the code the start explains", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "superoauth-newer-")), "newer.db");
    const storage = await openStorage({ url: `sqlite:${file}` });
    try {
      expect(await storage.migrationsOfANewerRelease()).toEqual([]);
      await storage.migrate();
      expect(await storage.migrationsOfANewerRelease()).toEqual([]);
      await recordMigrationOfANewerRelease(storage.db, "2099-01-01T00-00_from-a-newer-release");
      expect(await storage.migrationsOfANewerRelease()).toEqual(["2099-01-01T00-00_from-a-newer-release"]);
      await expect(storage.migrate()).rejects.toMatchObject({
        code: "SCHEMA_OF_A_NEWER_RELEASE",
        migrations: ["2099-01-01T00-00_from-a-newer-release"],
      });
    } finally {
      await storage.close();
    }
  });
});
