import { makePublicApp, makeUser, testId } from "@superoauth/application/testing";
import type { UserId } from "@superoauth/domain";
import { type Kysely, type RawBuilder, sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { Database } from "../src/database.ts";
import { pruneLapsedAuthorizations } from "../src/prune-expired-records.ts";
import { openStorage, type Storage } from "../src/storage.ts";
import { useMySQLTestDatabase } from "./mysql-test-database.ts";
import { day, now, settings } from "./prune-contract.ts";

// The hourly prune deleted expired mail tokens, ended failure counters and sign-in sources not
// seen for 90 days by columns no index held, so MariaDB scanned each table. Under REPEATABLE READ
// a DELETE locks every row and gap it scans until the statement ends: a prune that found nothing
// to delete held all of known_sign_in_sources (every sign-in writes its source) and of
// login_failures (every failed sign-in writes its counters) while it read them (an audit with
// EXPLAIN found it; 1,000,000 sources: 0.5 s with every row locked, an unrelated sign-in's write
// waiting for it). Migration 2026-12-05T11-00 indexes the three columns.

const database = useMySQLTestDatabase();

const ago = (ms: number) => new Date(now.getTime() - ms);
/** Live rows beside the few expired ones: enough that a scan costs more than the index's range. */
const liveRows = 300;

/** The prune's statements, as onQuery is told of them. */
async function pruneStatements(): Promise<string[]> {
  const statements: string[] = [];
  const storage = await openStorage({ url: database.url(), onQuery: (query) => statements.push(query.sql) });
  try {
    await storage.prune({ now, ...settings });
  } finally {
    await storage.close();
  }
  return statements;
}

/** The plan of `statement`, with the statistics a table of this size would have. */
async function planOf(storage: Storage, table: keyof Database, statement: RawBuilder<unknown>) {
  await sql`ANALYZE TABLE ${sql.table(table)}`.execute(storage.db);
  const { rows } = await sql<{ type: string; key: string | null }>`EXPLAIN ${statement}`.execute(storage.db);
  return rows[0];
}

/** How many rows `statement` (or the statements `run` sends) lock, and hold until their transaction ends. */
async function rowsLockedBy(
  storage: Storage,
  statement: RawBuilder<unknown> | ((trx: Kysely<Database>) => Promise<unknown>),
): Promise<number> {
  return storage.db.transaction().execute(async (trx) => {
    await (typeof statement === "function" ? statement(trx) : statement.execute(trx));
    const { rows } = await sql<{ locked: number | string }>`
      SELECT trx_rows_locked AS locked FROM information_schema.innodb_trx
      WHERE trx_mysql_thread_id = CONNECTION_ID()`.execute(trx);
    return Number(rows[0]?.locked);
  });
}

async function insertUser(storage: Storage): Promise<UserId> {
  const user = makeUser();
  await storage.users.insertUser(user);
  return user.id;
}

describe("the hourly prune, on MySQL", () => {
  it("deletes expired mail tokens by the expiry index, not by a scan that locks every token", async () => {
    const storage = database.storage();
    const userId = await insertUser(storage);
    const token = (expiresAt: Date) => ({
      id: testId(),
      user_id: userId,
      purpose: "verify_email",
      secret_hash: "h".repeat(64),
      created_at: new Date(expiresAt.getTime() - day),
      expires_at: expiresAt,
      used_at: null,
      new_email: null,
    });
    await storage.db
      .insertInto("email_tokens")
      .values(Array.from({ length: liveRows }, (_, i) => token(new Date(now.getTime() + (i + 1) * 60_000))))
      .execute();
    await storage.db
      .insertInto("email_tokens")
      .values([token(ago(60_000)), token(ago(120_000))])
      .execute();
    expect((await pruneStatements()).filter((s) => /^delete from `email_tokens`/i.test(s))).toEqual([
      "delete from `email_tokens` where `expires_at` < ? limit ?",
    ]);
    const prune = sql`DELETE FROM email_tokens WHERE expires_at < ${now} LIMIT 5000`;
    expect(await planOf(storage, "email_tokens", prune)).toMatchObject({
      type: "range",
      key: "email_tokens_expires_at_index",
    });
    expect(await rowsLockedBy(storage, prune)).toBeLessThan(liveRows);
    expect(await storage.db.selectFrom("email_tokens").select("id").execute()).toHaveLength(liveRows);
  });

  it("deletes ended failure counters by the window index, not by a scan that locks every counter", async () => {
    const storage = database.storage();
    const counter = (account: string, windowStartedAt: Date) => ({
      account,
      source: `ip:${testId()}`,
      failure_count: 1,
      window_started_at: windowStartedAt,
      locked_until: null,
    });
    await storage.db
      .insertInto("login_failures")
      .values(
        Array.from({ length: liveRows }, (_, i) =>
          counter(`live-${i}-${testId()}@example.com`, ago(i * 1000)),
        ),
      )
      .execute();
    await storage.db
      .insertInto("login_failures")
      .values([counter(`ended-${testId()}@example.com`, ago(day)), counter("ended@example.com", ago(day))])
      .execute();
    expect((await pruneStatements()).filter((s) => /^delete from `login_failures`/i.test(s))).toEqual([
      "delete from `login_failures` where `window_started_at` < ? and (`locked_until` is null or `locked_until` < ?) limit ?",
    ]);
    const windowStart = ago(settings.loginFailureWindowMs);
    const prune = sql`DELETE FROM login_failures
      WHERE window_started_at < ${windowStart} AND (locked_until IS NULL OR locked_until < ${now}) LIMIT 5000`;
    expect(await planOf(storage, "login_failures", prune)).toMatchObject({
      type: "range",
      key: "login_failures_window_started_at_index",
    });
    expect(await rowsLockedBy(storage, prune)).toBeLessThan(liveRows);
    expect(await storage.db.selectFrom("login_failures").select("account").execute()).toHaveLength(liveRows);
  });

  it("deletes sign-in sources not seen for 90 days by their index, not by a scan that locks every source", async () => {
    const storage = database.storage();
    const userIds = [await insertUser(storage), await insertUser(storage), await insertUser(storage)];
    const source = (userId: UserId, lastSeenAt: Date) => ({
      user_id: userId,
      source: `device:${testId()}`,
      last_seen_at: lastSeenAt,
    });
    await storage.db
      .insertInto("known_sign_in_sources")
      .values(Array.from({ length: liveRows }, (_, i) => source(userIds[i % 3] as UserId, ago(i * 3600_000))))
      .execute();
    await storage.db
      .insertInto("known_sign_in_sources")
      .values([source(userIds[0] as UserId, ago(91 * day)), source(userIds[1] as UserId, ago(100 * day))])
      .execute();
    expect((await pruneStatements()).filter((s) => /^delete from `known_sign_in_sources`/i.test(s))).toEqual([
      "delete from `known_sign_in_sources` where `last_seen_at` < ? limit ?",
    ]);
    const prune = sql`DELETE FROM known_sign_in_sources
      WHERE last_seen_at < ${ago(settings.knownSourceLifetimeMs)} LIMIT 5000`;
    expect(await planOf(storage, "known_sign_in_sources", prune)).toMatchObject({
      type: "range",
      key: "known_sign_in_sources_last_seen_at_index",
    });
    expect(await rowsLockedBy(storage, prune)).toBeLessThan(liveRows);
    expect(await storage.db.selectFrom("known_sign_in_sources").select("source").execute()).toHaveLength(
      liveRows,
    );
  });

  it("deletes lapsed app authorizations by key, locking them and not every live one", async () => {
    const storage = database.storage();
    const userId = await insertUser(storage);
    const apps = Array.from({ length: liveRows + 2 }, () => makePublicApp(userId));
    for (const app of apps) await storage.apps.createApp(app);
    const grantOf = (clientId: string) => `grant-${clientId}`;
    const [lapsed, live] = [apps.slice(0, 2), apps.slice(2)];
    await storage.db
      .insertInto("oidc_models")
      .values(
        live.map((app) => ({
          model: "Grant",
          id: grantOf(app.clientId),
          payload: "{}",
          grant_id: null,
          uid: null,
          user_code: null,
          account_id: userId,
          client_id: app.clientId,
          expires_at: new Date(now.getTime() + day),
        })),
      )
      .execute();
    await storage.db
      .insertInto("app_authorizations")
      .values(
        apps.map((app) => ({
          user_id: userId,
          client_id: app.clientId,
          grant_id: grantOf(app.clientId),
          scopes: "openid",
          granted_at: ago(day),
          last_used_at: ago(day),
        })),
      )
      .execute();
    await sql`ANALYZE TABLE app_authorizations, oidc_models`.execute(storage.db);

    const locked = await rowsLockedBy(storage, (trx) => pruneLapsedAuthorizations(trx, now));

    // The lapsed rows, their index entries and the gaps beside them: 8 measured for 2. Joined on
    // the grant column, whose character set differs from oidc_models.id's, it read and locked 310.
    expect(locked).toBeLessThanOrEqual(5 * lapsed.length);
    const left = await storage.db
      .selectFrom("app_authorizations")
      .where("user_id", "=", userId)
      .select("client_id")
      .execute();
    expect(left.map((row) => row.client_id).sort()).toEqual(live.map((app) => app.clientId).sort());
  });
});
