import { makeUser, testId } from "@superoauth/application/testing";
import { securityEventTypes, type UserId } from "@superoauth/domain";
import { type RawBuilder, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openStorage, type Storage } from "../src/storage.ts";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";

// A member of staff's data export lists what they did to other accounts (listActionsBy): a read
// of the security log by its actor, which every export of a person runs, staff or not. It must go
// down `security_events_actor_id_index` (actor_id, id), newest first, and not scan the log.

const database = useMySQLTestDatabase();

/** Other people's events beside the member of staff's: enough that a scan costs more than the index's range. */
const otherRows = 300;

/** The plan of `statement`, with the statistics a table of this size would have. */
async function planOf(storage: Storage, statement: RawBuilder<unknown>) {
  await sql`ANALYZE TABLE security_events`.execute(storage.db);
  const { rows } = await sql<{
    type: string;
    key: string | null;
    rows: number | string;
    Extra: string | null;
  }>`EXPLAIN ${statement}`.execute(storage.db);
  expect(rows).toHaveLength(1);
  return rows[0];
}

describe("what a member of staff did to other accounts, on MySQL", () => {
  it("is read down the actor index, newest first, without a scan or a sort", async () => {
    const storage = database.storage();
    const [person, staff] = [makeUser(), makeUser({ role: "admin" })];
    for (const user of [person, staff]) await storage.users.insertUser(user);
    const row = (userId: UserId, actorId: UserId | null) => ({
      id: testId(),
      user_id: userId,
      type: "account_unlocked",
      occurred_at: new Date(),
      ip: "203.0.113.9",
      user_agent: "vitest",
      actor_id: actorId,
      details: "{}",
    });
    await storage.db
      .insertInto("security_events")
      .values([
        ...Array.from({ length: otherRows }, () => row(person.id, null)),
        row(person.id, staff.id),
        row(person.id, staff.id),
        row(staff.id, staff.id),
      ])
      .execute();

    const statements: string[] = [];
    const recorded = await openStorage({
      url: database.url(),
      onQuery: (query) => statements.push(query.sql),
    });
    try {
      const listed = await recorded.accountAdministration.listActionsBy({ actorId: staff.id, limit: 500 });
      expect(listed).toHaveLength(2);
      await recorded.accountAdministration.listActionsBy({
        actorId: staff.id,
        limit: 500,
        beforeId: listed[0]?.id ?? "",
      });
    } finally {
      await recorded.close();
    }
    // Only the types this release knows, so the LIMIT counts the rows it keeps.
    const known = `\`type\` in (${securityEventTypes.map(() => "?").join(", ")})`;
    expect(statements).toEqual([
      `select * from \`security_events\` where \`actor_id\` = ? and \`user_id\` <> ? and ${known} order by \`id\` desc limit ?`,
      `select * from \`security_events\` where \`actor_id\` = ? and \`user_id\` <> ? and ${known} and \`id\` < ? order by \`id\` desc limit ?`,
    ]);

    const types = sql.join(securityEventTypes.map((type) => sql`${type}`));
    const first = sql`SELECT * FROM security_events
      WHERE actor_id = ${staff.id} AND user_id <> ${staff.id} AND type IN (${types}) ORDER BY id DESC LIMIT 500`;
    const next = sql`SELECT * FROM security_events
      WHERE actor_id = ${staff.id} AND user_id <> ${staff.id} AND type IN (${types}) AND id < ${"ffffffff"} ORDER BY id DESC LIMIT 500`;
    for (const statement of [first, next]) {
      const plan = await planOf(storage, statement);
      expect(plan?.key).toBe("security_events_actor_id_index");
      expect(["ref", "range"]).toContain(plan?.type);
      expect(plan?.Extra ?? "").not.toMatch(/filesort/i);
      expect(Number(plan?.rows)).toBeLessThan(otherRows);
    }
  });
});
