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

    expect((await query({ a: "x", b: "y" })).rows).toEqual([{ second: "y", constant: 42, both: "xy" }]);
    expect((await query({ a: "1", b: "2" })).rows).toEqual([{ second: "2", constant: 42, both: "12" }]);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it("binds values of any type as the driver binds them (a Date, a null), and answers the statement's counts", async () => {
    const { db, migrate } = await open();
    await migrate();
    const insert = precompileQuery(
      db,
      ["id", "expiresAt"],
      (values: { id: string; expiresAt: Date | null }) =>
        db
          .insertInto("oidc_models")
          .values({ model: "Probe", id: values.id, payload: "{}", expires_at: values.expiresAt }),
    );
    const expire = precompileQuery(db, ["at", "id"], (values: { at: Date; id: string }) =>
      db.updateTable("oidc_models").set({ expires_at: values.at }).where("id", "=", values.id),
    );

    await insert({ id: "a", expiresAt: new Date("2026-12-05T10:00:00.000Z") });
    await insert({ id: "b", expiresAt: null });
    expect((await expire({ at: new Date("2026-12-05T11:00:00.000Z"), id: "b" })).numAffectedRows).toBe(1n);
    expect((await expire({ at: new Date("2026-12-05T11:00:00.000Z"), id: "nobody" })).numAffectedRows).toBe(
      0n,
    );
    const rows = await db.selectFrom("oidc_models").select(["id", "expires_at"]).orderBy("id").execute();
    expect(rows).toEqual([
      { id: "a", expires_at: new Date("2026-12-05T10:00:00.000Z") },
      { id: "b", expires_at: new Date("2026-12-05T11:00:00.000Z") },
    ]);
  });

  it("refuses values that name something the query's names leave out (an insert would drop that column)", async () => {
    const { db, migrate } = await open();
    await migrate();
    const insert = precompileQuery(db, ["id"], (values: { id: string; payload: string }) =>
      db.insertInto("oidc_models").values({ model: "Probe", id: values.id, payload: values.payload }),
    );

    await expect(insert({ id: "a", payload: "{}" })).rejects.toThrow(
      "precompileQuery: payload is given but not among the query's names",
    );
    expect(await db.selectFrom("oidc_models").select("id").execute()).toEqual([]);
  });

  it("refuses a query that does not bind one of the named values", async () => {
    const { db } = await open();
    const query = precompileQuery(db, ["used", "forgotten"], (values: Record<"used" | "forgotten", string>) =>
      db.selectNoFrom(sql<string>`${values.used}`.as("one")),
    );

    await expect(query({ used: "u", forgotten: "f" })).rejects.toThrow(
      "precompileQuery: forgotten is not bound to a parameter of the query",
    );
  });
});
