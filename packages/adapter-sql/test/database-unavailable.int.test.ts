import { createServer } from "node:net";
import { StorageUnavailableError } from "@superoauth/application";
import { makeUser } from "@superoauth/application/testing";
import type { Email } from "@superoauth/domain";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openStorage, type Storage, type StorageOptions } from "../src/storage.ts";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";

const database = useMySQLTestDatabase();
const opened: Storage[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});

async function open(input: Omit<StorageOptions, "url"> & { url?: string }): Promise<Storage> {
  const storage = await openStorage({ url: database.url(), ...input });
  opened.push(storage);
  return storage;
}

/** A port on 127.0.0.1 that nobody listens on (taken, then freed). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

describe("an unavailable database", () => {
  it("is a StorageUnavailableError with the driver's code when nobody listens", async () => {
    const url = new URL(database.url());
    url.port = String(await deadPort());
    const storage = await open({ url: url.toString() });

    const error = await failureOf(storage.ping());

    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error).toMatchObject({ code: "ECONNREFUSED" });
  });

  it("ends a query that outlives the query timeout, and the pool's next query gets a fresh connection", async () => {
    const storage = await open({ poolSize: 1, queryTimeoutMs: 300 });
    const { db } = storage;
    await storage.ping();
    const before = await sql<{ id: number }>`SELECT CONNECTION_ID() AS id`.execute(db);

    const started = performance.now();
    const error = await failureOf(sql`SELECT SLEEP(3)`.execute(db));
    const failedAfterMs = performance.now() - started;
    const next = performance.now();
    const after = await sql<{ id: number }>`SELECT CONNECTION_ID() AS id`.execute(db);

    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error).toMatchObject({ code: "PROTOCOL_SEQUENCE_TIMEOUT" });
    expect(failedAfterMs).toBeLessThan(1500);
    // Had the timed-out connection gone back to the pool, this query would wait behind SLEEP(3).
    expect(performance.now() - next).toBeLessThan(1500);
    expect(after.rows[0]?.id).not.toBe(before.rows[0]?.id);
  });

  it("gives up waiting for a pooled connection after the connect timeout, then serves again", async () => {
    const storage = await open({ poolSize: 1, connectTimeoutMs: 300, queryTimeoutMs: 5000 });
    const { db } = storage;
    let release = () => {};
    const held = db.transaction().execute(async (trx) => {
      await sql`SELECT 1`.execute(trx);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = performance.now();
    const error = await failureOf(storage.ping());

    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error).toMatchObject({ code: "POOL_ACQUIRE_TIMEOUT" });
    expect(performance.now() - started).toBeLessThan(1500);
    release();
    await held;
    await expect(storage.ping()).resolves.toBeUndefined();
  });

  it("leaves a refused statement as it was, so repositories still read duplicate keys by errno", async () => {
    const { users } = await open({});
    const email = "twice@example.com" as Email;
    expect((await users.insertUser(makeUser({ email }))).ok).toBe(true);

    const again = await users.insertUser(makeUser({ email }));

    expect(again).toMatchObject({ ok: false, error: "USER_EXISTS" });
  });
});
