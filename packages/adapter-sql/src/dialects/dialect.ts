import type { InsertQueryBuilder, Kysely, SelectQueryBuilder, Transaction, UpdateObject } from "kysely";
import type { Database } from "../database.ts";

/**
 * What the repositories need to know about the database under them, and nothing more: which
 * driver errors mean "a unique key refused the row" and "the transaction lost a conflict and may
 * run again", and the few statements whose spelling differs. Everything else in the repositories
 * is portable Kysely. Internal to this package: a new backend is one more implementation of this,
 * plus a branch in openStorage.
 */
export interface SQLDialect {
  readonly name: "mysql" | "sqlite";
  /** Whether a driver error is a unique (or primary) key violation. */
  isUniqueViolation(error: unknown): boolean;
  /**
   * Whether a transaction failed only because a concurrent one won a conflict (MySQL's deadlock
   * victim, SQLite's busy database), so running it again is safe.
   */
  isRetryableConflict(error: unknown): boolean;
  /**
   * Locks the rows a transaction reads for the rest of it. MySQL: `SELECT ... FOR UPDATE`. SQLite
   * has no row locks and needs none: its transactions begin IMMEDIATE, holding the one write lock
   * from their first statement, so the read is already exclusive.
   */
  forUpdate<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
  /** An insert that skips rows whose key exists (`INSERT IGNORE` / `INSERT OR IGNORE`). */
  insertIgnore<DB, TB extends keyof DB, O>(
    query: InsertQueryBuilder<DB, TB, O>,
  ): InsertQueryBuilder<DB, TB, O>;
  /** An insert that updates `set` on the existing row when `key` collides. */
  upsert<TB extends keyof Database, O>(
    query: InsertQueryBuilder<Database, TB, O>,
    input: { key: readonly (keyof Database[TB] & string)[]; set: UpdateObject<Database, TB, TB> },
  ): InsertQueryBuilder<Database, TB, O>;
  /**
   * An insert of one or more rows that, on each row whose `key` collides, sets `columns` to that
   * inserted row's values (MySQL: `VALUES(column)`; SQLite: `excluded.column`): several rows of
   * different values written in one statement.
   */
  upsertRows<TB extends keyof Database, O>(
    query: InsertQueryBuilder<Database, TB, O>,
    input: {
      key: readonly (keyof Database[TB] & string)[];
      columns: readonly (keyof Database[TB] & string)[];
    },
  ): InsertQueryBuilder<Database, TB, O>;
  /**
   * Whether UPDATE and DELETE take a LIMIT, which keeps one prune statement short on a shared
   * server. SQLite builds leave it out unless compiled with SQLITE_ENABLE_UPDATE_DELETE_LIMIT.
   */
  readonly limitsWrites: boolean;
  /**
   * Whether a read-compute-write must first make sure its rows exist, so `forUpdate` has rows to
   * lock (MySQL: an absent row locks only a gap, which two transactions can both hold). SQLite's
   * transaction holds the database's one write lock from its start, present rows or not.
   */
  readonly locksOnlyExistingRows: boolean;
}

/** A connection (pool or transaction) and its dialect: what every repository is built from. */
export interface SQLContext {
  readonly db: Kysely<Database> | Transaction<Database>;
  readonly dialect: SQLDialect;
}
