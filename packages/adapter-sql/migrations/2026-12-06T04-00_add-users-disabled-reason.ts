import type { Kysely } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // Why staff disabled the account, in their words (docs/admin.md), shown to staff beside the
  // status: at most 500 characters (code points, as VARCHAR counts them on MySQL in the table's
  // utf8mb4; SQLite ignores the length). Nullable, with no default: the accounts disabled before
  // this migration have no reason recorded, which the console says, and active ones have none.
  // Adding a nullable column is instant on MySQL 8 and MariaDB 10.3+ (no table copy) and a plain
  // ALTER on SQLite.
  await db.schema.alterTable("users").addColumn("disabled_reason", "varchar(500)").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("users").dropColumn("disabled_reason").execute();
}
