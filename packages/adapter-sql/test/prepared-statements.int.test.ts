import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openStorage, type Storage } from "../src/storage.ts";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";

// Every MySQL statement runs prepared (COM_STMT_EXECUTE): the server parses and plans it once per
// connection (docs/performance.md, issue 11). Counted with the session's own status counters.

const database = useMySQLTestDatabase();
let storage: Storage | undefined;
afterEach(async () => {
  await storage?.close();
  storage = undefined;
});

async function sessionCounters(db: Storage["db"]): Promise<{ prepares: number; executes: number }> {
  const { rows } = await sql<{ Variable_name: string; Value: string }>`
    SHOW SESSION STATUS WHERE Variable_name IN ('Com_stmt_prepare', 'Com_stmt_execute')`.execute(db);
  const value = (name: string) => Number(rows.find((row) => row.Variable_name === name)?.Value);
  return { prepares: value("Com_stmt_prepare"), executes: value("Com_stmt_execute") };
}

describe("statements on MySQL", () => {
  it("are prepared once per connection and executed as often as they are asked", async () => {
    storage = await openStorage({ url: database.url(), poolSize: 1 });
    const { db } = storage;
    const read = (id: number) => sql<{ one: number }>`SELECT ${id} + 1 AS one`.execute(db);
    await read(0);
    const before = await sessionCounters(db);

    for (let i = 1; i <= 5; i++) expect((await read(i)).rows).toEqual([{ one: i + 1 }]);

    const after = await sessionCounters(db);
    // The five reads and the second SHOW were executed; neither needed preparing again.
    expect(after.executes - before.executes).toBe(6);
    expect(after.prepares - before.prepares).toBe(0);
  });
});
