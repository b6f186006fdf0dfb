import { makeUser } from "@superoauth/application/testing";
import { afterEach, describe, expect, it } from "vitest";
import { copiedTables, copyStorage, notCopied, type TableCount } from "../src/copy-storage.ts";
import { openStorage, type Storage } from "../src/storage.ts";

// copyStorage between two SQLite databases in memory; apps/api/test/db-copy.int.test.ts copies
// SQLite to MySQL and back through the CLI and signs in on the copy.

const opened: Storage[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});

async function open(options: { migrate: boolean }): Promise<Storage> {
  const storage = await openStorage({ url: "sqlite::memory:" });
  opened.push(storage);
  if (options.migrate) await storage.migrate();
  return storage;
}

describe("copyStorage", () => {
  it("copies every table the migrations create (a table added by a migration and not copied fails here)", async () => {
    const storage = await open({ migrate: true });
    const created = (await storage.db.introspection.getTables()).map((table) => table.name);

    expect([...copiedTables, ...notCopied].sort()).toEqual([...created].sort());
  });

  it("copies users, sessions and refresh tokens in batches, with Dates and booleans unchanged, into an unmigrated target", async () => {
    const from = await open({ migrate: true });
    const to = await open({ migrate: false });
    const users = Array.from({ length: 5 }, (_, i) =>
      makeUser({
        emailVerified: i % 2 === 0,
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i, 123)),
        updatedAt: new Date(Date.UTC(2026, 5, 1, 0, 0, i, 456)),
      }),
    );
    for (const user of users) expect((await from.users.insertUser(user)).ok).toBe(true);
    const [owner] = users;
    if (owner === undefined) throw new Error("no user");
    // A child row and a grandchild: the target's foreign keys hold only if parents are copied first.
    const at = new Date("2026-02-03T04:05:06.789Z");
    await from.db
      .insertInto("sessions")
      .values({ id: "s-1", user_id: owner.id, created_at: at, last_used_at: at, authenticated_at: at })
      .execute();
    await from.db
      .insertInto("refresh_tokens")
      .values({ id: "r-1", session_id: "s-1", secret_hash: "h", created_at: at, expires_at: at })
      .execute();
    const progress: TableCount[] = [];

    const outcome = await copyStorage({
      from,
      to,
      batchSize: 2,
      onProgress: (count) => progress.push(count),
    });

    expect(outcome).toMatchObject({ copied: true, total: 7 });
    expect(progress.map((count) => count.table)).toEqual(copiedTables);
    expect(progress.filter((count) => count.rows > 0)).toEqual([
      { table: "users", rows: 5 },
      { table: "sessions", rows: 1 },
      { table: "refresh_tokens", rows: 1 },
    ]);
    for (const user of users) expect(await to.users.findUserById(user.id)).toEqual(user);
    expect(await to.db.selectFrom("sessions").selectAll().executeTakeFirstOrThrow()).toMatchObject({
      authenticated_at: at,
      revoked_at: null,
    });
    expect((await to.migrationStatus()).every((m) => m.executedAt instanceof Date)).toBe(true);
  });

  it("refuses a source with pending migrations, and leaves the target untouched", async () => {
    const from = await open({ migrate: false });
    const to = await open({ migrate: false });

    const outcome = await copyStorage({ from, to });

    expect(outcome).toMatchObject({ copied: false, reason: "SOURCE_NOT_MIGRATED" });
    expect(
      outcome.copied === false && outcome.reason === "SOURCE_NOT_MIGRATED" && outcome.pending.length,
    ).toBe((await to.migrationStatus()).length);
    expect(await to.db.introspection.getTables()).toEqual([]);
  });

  it("leaves the instances that served either database alone: a target a service started on once is empty", async () => {
    const from = await open({ migrate: true });
    const to = await open({ migrate: true });
    const instance = (id: string) => ({
      id,
      host: id,
      releaseVersion: "1",
      startedAt: new Date(),
      settings: {},
    });
    await from.runningInstances.announce(instance("source-instance"), new Date());
    await to.runningInstances.announce(instance("target-instance"), new Date());
    expect((await from.users.insertUser(makeUser())).ok).toBe(true);

    const outcome = await copyStorage({ from, to });

    expect(outcome).toMatchObject({ copied: true, total: 1 });
    const since = new Date(0);
    expect((await to.runningInstances.seenSince({ since })).map((row) => row.id)).toEqual([
      "target-instance",
    ]);
  });

  it("refuses a target that holds a row, and copies nothing into it", async () => {
    const from = await open({ migrate: true });
    const to = await open({ migrate: true });
    expect((await from.users.insertUser(makeUser())).ok).toBe(true);
    const resident = makeUser();
    expect((await to.users.insertUser(resident)).ok).toBe(true);

    const outcome = await copyStorage({ from, to });

    expect(outcome).toEqual({ copied: false, reason: "TARGET_NOT_EMPTY", tables: ["users"] });
    expect(await to.db.selectFrom("users").select("id").execute()).toEqual([{ id: resident.id }]);
  });
});
