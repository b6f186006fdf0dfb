import { sql } from "kysely";
import { afterEach, describe, expect, it, vi } from "vitest";
import { precompileQuery } from "../src/precompiled-query.ts";
import { openStorage, type Storage } from "../src/storage.ts";

let storage: Storage | undefined;
afterEach(async () => {
  await storage?.close();
  storage = undefined;
});

async function open(): Promise<Storage> {
  storage = await openStorage({ url: "sqlite::memory:" });
  return storage;
}

describe("precompileQuery", () => {
  it("builds the query once and binds each call's values where the markers were, constants kept", async () => {
    const { db } = await open();
    const build = vi.fn((values: Record<"a" | "b", string>) =>
      db.selectNoFrom([
        sql<string>`${values.b}`.as("second"),
        sql<number>`${41} + 1`.as("constant"),
        sql<string>`${values.a} || ${values.b}`.as("both"),
      ]),
    );
    const query = precompileQuery(db, ["a", "b"], build);

    expect(await query({ a: "x", b: "y" })).toEqual([{ second: "y", constant: 42, both: "xy" }]);
    expect(await query({ a: "1", b: "2" })).toEqual([{ second: "2", constant: 42, both: "12" }]);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it("refuses a query that does not bind one of the named values", async () => {
    const { db } = await open();
    const query = precompileQuery(db, ["used", "forgotten"], (values) =>
      db.selectNoFrom(sql<string>`${values.used}`.as("one")),
    );

    await expect(query({ used: "u", forgotten: "f" })).rejects.toThrow(
      "precompileQuery: forgotten is not bound to a parameter of the query",
    );
  });
});
