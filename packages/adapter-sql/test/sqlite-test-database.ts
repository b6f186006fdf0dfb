import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { afterAll, beforeAll } from "vitest";
import type { Database } from "../src/database.ts";
import { openStorage, type Storage } from "../src/storage.ts";

/**
 * Registers hooks that give the calling test file (or describe block) its own migrated SQLite
 * database in a file under a temporary folder (a file, not `:memory:`, so WAL and the busy timeout
 * are what production runs), removed after its tests. The same shape as useMySQLTestDatabase (MySQL), so
 * one test body serves both.
 */
export function useSQLiteTestDatabase(): { storage(): Storage; db(): Kysely<Database>; url(): string } {
  let current: { storage: Storage; url: string; folder: string } | undefined;
  beforeAll(async () => {
    const folder = mkdtempSync(join(tmpdir(), "superoauth-sqlite-"));
    const url = `sqlite:${join(folder, "superoauth.db")}`;
    const storage = await openStorage({ url });
    await storage.migrate();
    current = { storage, url, folder };
  });
  afterAll(async () => {
    await current?.storage.close();
    if (current !== undefined) rmSync(current.folder, { recursive: true, force: true });
  });
  function get(): { storage: Storage; url: string } {
    if (current === undefined) throw new Error("The test database exists only while the file's tests run");
    return current;
  }
  return { storage: () => get().storage, db: () => get().storage.db, url: () => get().url };
}
