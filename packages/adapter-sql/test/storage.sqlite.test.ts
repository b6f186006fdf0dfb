import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StorageUnavailableError } from "@superoauth/application";
import { makeUser } from "@superoauth/application/testing";
import type { Email } from "@superoauth/domain";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { migrations } from "../migrations/index.ts";
import { openStorage, type Storage } from "../src/storage.ts";
import { useSQLiteTestDatabase } from "./sqlite-test-database.ts";

const database = useSQLiteTestDatabase();
const allMigrations = Object.keys(migrations).sort();
const folder = mkdtempSync(join(tmpdir(), "superoauth-sqlite-storage-"));
const opened: Storage[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function open(url: string): Promise<Storage> {
  const storage = await openStorage({ url });
  opened.push(storage);
  return storage;
}

describe("a SQLite storage", () => {
  it("creates its file and folder, migrates it in name order, and then has nothing pending", async () => {
    const path = join(folder, "new", "superoauth.db");
    const storage = await open(`sqlite:${path}`);

    expect((await storage.migrationStatus()).map((m) => [m.name, m.executedAt])).toEqual(
      allMigrations.map((name) => [name, null]),
    );
    expect(await storage.migrate()).toEqual(allMigrations);
    expect(await storage.migrate()).toEqual([]);
    expect((await storage.migrationStatus()).every((m) => m.executedAt instanceof Date)).toBe(true);
    expect(await storage.describe()).toEqual({
      dialect: "sqlite",
      version: expect.stringMatching(/^3\.\d+\.\d+$/),
      location: path,
    });
  });

  it("reads the database's clock to the millisecond", async () => {
    const storage = await open("sqlite::memory:");
    const before = Date.now();
    const time = await storage.databaseTime();

    // SQLite's clock is this machine's: the reading falls between the two of ours.
    expect(time.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(time.getTime()).toBeLessThanOrEqual(Date.now() + 1);
  });

  it("reports the room on its file's disk, as statfs gives it for the folder; none for :memory:", async () => {
    const path = join(folder, "disk", "superoauth.db");
    const storage = await open(`sqlite:${path}`);
    await storage.migrate();
    const space = await storage.diskSpace();
    const stats = await statfs(join(folder, "disk"));

    expect(space).toEqual({ availableBytes: expect.any(Number), totalBytes: stats.blocks * stats.bsize });
    expect(space?.availableBytes).toBeGreaterThan(0);
    expect(space?.availableBytes).toBeLessThanOrEqual(space?.totalBytes ?? 0);
    // The same measure, taken a moment apart on a disk others write to: within 64 MiB.
    expect(Math.abs((space?.availableBytes ?? 0) - stats.bavail * stats.bsize)).toBeLessThan(64 * 2 ** 20);
    expect(await (await open("sqlite::memory:")).diskSpace()).toBeNull();
  });

  it("opens sqlite::memory: as a database of its own, with nowhere on disk", async () => {
    const storage = await open("sqlite::memory:");
    await storage.migrate();
    const user = makeUser();

    expect((await storage.users.insertUser(user)).ok).toBe(true);
    expect(await storage.users.findUserById(user.id)).toEqual(user);
    expect((await storage.describe()).location).toBe(":memory:");
  });

  it("reports a file it cannot open as StorageUnavailableError, on ping as on any query", async () => {
    // A regular file where the database's folder should be: refused whoever runs the test (root too).
    const blocker = join(folder, "blocker");
    writeFileSync(blocker, "");
    const storage = await open(`sqlite:${join(blocker, "superoauth.db")}`);

    await expect(storage.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(storage.users.findUserById(makeUser().id)).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it("compares emails byte for byte: addresses differing in case are two accounts only when inserted as two", async () => {
    const { users } = database.storage();
    const upper = "CASE@X.IO" as Email;
    const lower = "case@x.io" as Email;

    expect((await users.insertUser(makeUser({ email: upper }))).ok).toBe(true);
    expect((await users.insertUser(makeUser({ email: lower }))).ok).toBe(true);
    expect(await users.insertUser(makeUser({ email: lower }))).toMatchObject({
      ok: false,
      error: "USER_EXISTS",
    });
    expect((await users.findUserByEmail(lower))?.email).toBe(lower);
  });
});

describe("openStorage", () => {
  it("refuses a URL scheme it has no backend for", async () => {
    await expect(openStorage({ url: "postgres://db/app" })).rejects.toThrow(/use mysql:\/\/ or sqlite:/);
  });
});
