import type { LockoutRepository } from "@superoauth/application";
import type { LoginFailures } from "@superoauth/domain";
import type { Kysely, Selectable } from "kysely";
import type { Database, LoginFailuresTable } from "./database.ts";
import { runInTransaction } from "./run-in-transaction.ts";

/**
 * The LockoutRepository port over MySQL. A counter update locks its row
 * (SELECT ... FOR UPDATE) for the read-compute-write, so concurrent failures
 * are counted one after the other and none is lost. Needs its own pool, not a
 * caller's transaction: each update is a short transaction of its own.
 */
export function createLockoutRepository(db: Kysely<Database>): LockoutRepository {
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

    async updateLoginFailures({ account, source, update }) {
      // Make sure the row exists, so FOR UPDATE has a row to lock. Outside the transaction: an absent
      // row would lock only a gap, and INSERT IGNORE of an existing row inside it would take a shared
      // lock; two transactions each holding one and wanting the exclusive lock deadlock.
      // Both steps run again should InnoDB still pick one as a deadlock's victim: under twenty
      // parallel wrong codes for one account they did, and the sign-in answered 500.
      await runInTransaction(db, (trx) =>
        trx
          .insertInto("login_failures")
          .ignore()
          .values({ account, source, failure_count: 0, window_started_at: new Date(0), locked_until: null })
          .execute(),
      );
      return runInTransaction(db, async (trx) => {
        const row = await trx
          .selectFrom("login_failures")
          .selectAll()
          .where("account", "=", account)
          .where("source", "=", source)
          .forUpdate()
          .executeTakeFirst();
        const next = update(row === undefined || row.failure_count === 0 ? null : mapFailuresRow(row));
        const values = {
          failure_count: next.count,
          window_started_at: next.windowStartedAt,
          locked_until: next.lockedUntil,
        };
        // The row is missing only if a successful sign-in cleared it a moment ago: write it afresh.
        await trx
          .insertInto("login_failures")
          .values({ account, source, ...values })
          .onDuplicateKeyUpdate(values)
          .execute();
        return next;
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

    async rememberSignInSource({ userId, source, now }) {
      await db
        .insertInto("known_sign_in_sources")
        .values({ user_id: userId, source, last_seen_at: now })
        .onDuplicateKeyUpdate({ last_seen_at: now })
        .execute();
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
