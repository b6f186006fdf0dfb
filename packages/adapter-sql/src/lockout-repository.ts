import type { LockoutRepository } from "@superoauth/application";
import type { LoginFailures } from "@superoauth/domain";
import type { Kysely, Selectable } from "kysely";
import type { Database, LoginFailuresTable } from "./database.ts";
import type { SQLDialect } from "./dialects/dialect.ts";
import { runInTransaction } from "./run-in-transaction.ts";

/**
 * The LockoutRepository port over SQL. An update locks its counters' rows
 * (MySQL: SELECT ... FOR UPDATE; SQLite: the transaction's write lock) for the
 * read-compute-write, so concurrent attempts are counted one after the other and
 * none is lost. An update needs its own pool, not a caller's transaction: it is a
 * short transaction of its own, and it refuses to run in one (below). Clearing the
 * counters and remembering the known sources may join one (a sign-in's, ADR 0056).
 */
export function createLockoutRepository(context: {
  db: Kysely<Database>;
  dialect: SQLDialect;
}): LockoutRepository {
  const { db, dialect } = context;
  return {
    async findLoginFailures({ account, sources }) {
      const found = new Map<string, LoginFailures>();
      if (sources.length === 0) return found;
      const rows = await db
        .selectFrom("login_failures")
        .selectAll()
        .where("account", "=", account)
        .where("source", "in", [...sources])
        .execute();
      for (const row of rows) found.set(row.source, mapFailuresRow(row));
      return found;
    },

    async updateLoginFailures({ account, sources, update }) {
      // In primary-key order (the ascii_bin collation orders as bytes, like sort()): every statement
      // below then takes its row locks in the same order, so none waits in a cycle with another.
      const distinct = [...new Set(sources)].sort();
      if (distinct.length === 0) return new Map();
      // Inside a caller's transaction the INSERT IGNORE below would take its shared lock there, and
      // hold it: the deadlock it runs outside to avoid.
      if (db.isTransaction) throw new Error("updateLoginFailures runs in no caller's transaction");
      // Make sure the rows exist, so FOR UPDATE has rows to lock. Outside the transaction: an absent
      // row would lock only a gap, and INSERT IGNORE of an existing row inside it would take a shared
      // lock; two transactions each holding one and wanting the exclusive lock deadlock. A statement
      // of its own (no BEGIN and COMMIT around it), which the pool runs again should InnoDB still
      // pick it as a deadlock's victim (a prune, a clear). Not on SQLite, whose transaction below is
      // exclusive from its start.
      if (dialect.locksOnlyExistingRows)
        await dialect
          .insertIgnore(db.insertInto("login_failures"))
          .values(
            distinct.map((source) => ({
              account,
              source,
              failure_count: 0,
              window_started_at: new Date(0),
              locked_until: null,
            })),
          )
          .execute();
      return runInTransaction(context, async (trx) => {
        // One statement locks every row, in primary-key order, so two updates of overlapping
        // counters queue behind each other instead of deadlocking.
        const rows = await dialect
          .forUpdate(
            trx
              .selectFrom("login_failures")
              .selectAll()
              .where("account", "=", account)
              .where("source", "in", distinct)
              .orderBy("source"),
          )
          .execute();
        const current = new Map<string, LoginFailures>();
        for (const row of rows) if (row.failure_count > 0) current.set(row.source, mapFailuresRow(row));
        const next = update(current);
        for (const source of next.keys())
          if (!distinct.includes(source)) throw new Error(`updateLoginFailures: ${source} was not read`);
        if (next.size === 0) return current;
        // Every changed counter in one statement, in primary-key order like the locks. A row is
        // missing only if a successful sign-in cleared it a moment ago: it is written afresh.
        const written = [...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        await dialect
          .upsertRows(
            trx.insertInto("login_failures").values(
              written.map(([source, failures]) => ({
                account,
                source,
                failure_count: failures.count,
                window_started_at: failures.windowStartedAt,
                locked_until: failures.lockedUntil,
              })),
            ),
            { key: ["account", "source"], columns: ["failure_count", "window_started_at", "locked_until"] },
          )
          .execute();
        for (const [source, failures] of written) current.set(source, failures);
        return current;
      });
    },

    async clearLoginFailures({ account, sources }) {
      let query = db.deleteFrom("login_failures").where("account", "=", account);
      if (sources !== undefined) {
        if (sources.length === 0) return;
        query = query.where("source", "in", [...sources]);
      }
      await query.execute();
    },

    async liftLock({ account, now }) {
      return runInTransaction(context, async (trx) => {
        // The locked rows' delete decides: of lifts at once, the others wait on those rows and find none.
        const locked = await trx
          .deleteFrom("login_failures")
          .where("account", "=", account)
          .where("locked_until", ">", now)
          .executeTakeFirst();
        if (Number(locked.numDeletedRows) === 0) return false;
        await trx.deleteFrom("login_failures").where("account", "=", account).execute();
        return true;
      });
    },

    async rememberSignInSources({ userId, sources, now }) {
      if (sources.length === 0) return;
      await dialect
        .upsert(
          db
            .insertInto("known_sign_in_sources")
            .values(sources.map((source) => ({ user_id: userId, source, last_seen_at: now }))),
          {
            key: ["user_id", "source"],
            set: { last_seen_at: now },
          },
        )
        .execute();
    },

    async listKnownSignInSources(userId) {
      const rows = await db
        .selectFrom("known_sign_in_sources")
        .select(["source", "last_seen_at"])
        .where("user_id", "=", userId)
        .orderBy("last_seen_at", "desc")
        .orderBy("source")
        .execute();
      return rows.map((row) => ({ source: row.source, lastSeenAt: row.last_seen_at }));
    },

    async findKnownSignInSources({ userId, sources, since }) {
      if (sources.length === 0) return [];
      const rows = await db
        .selectFrom("known_sign_in_sources")
        .select("source")
        .where("user_id", "=", userId)
        .where("source", "in", [...sources])
        .where("last_seen_at", ">=", since)
        .execute();
      return rows.map((row) => row.source);
    },
  };
}

function mapFailuresRow(row: Selectable<LoginFailuresTable>): LoginFailures {
  return { count: row.failure_count, windowStartedAt: row.window_started_at, lockedUntil: row.locked_until };
}
