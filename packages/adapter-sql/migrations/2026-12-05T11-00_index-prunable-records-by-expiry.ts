import type { Kysely } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // The hourly prune deletes expired mail tokens, ended failure counters and sign-in sources not
  // seen for 90 days by these columns. Without an index MySQL scanned each table, and under
  // REPEATABLE READ its DELETE held every row and gap it scanned until the statement ended: every
  // sign-in (which writes its source and clears its counters) and every failed one waited for it.
  // By these indexes a prune holds the rows it deletes and the gap before the first live one.
  await db.schema
    .createIndex("email_tokens_expires_at_index")
    .on("email_tokens")
    .column("expires_at")
    .execute();
  await db.schema
    .createIndex("login_failures_window_started_at_index")
    .on("login_failures")
    .column("window_started_at")
    .execute();
  await db.schema
    .createIndex("known_sign_in_sources_last_seen_at_index")
    .on("known_sign_in_sources")
    .column("last_seen_at")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await dropIndex(db, "known_sign_in_sources_last_seen_at_index", "known_sign_in_sources");
  await dropIndex(db, "login_failures_window_started_at_index", "login_failures");
  await dropIndex(db, "email_tokens_expires_at_index", "email_tokens");
}

/** MySQL names the table of the index to drop; SQLite's index names are the schema's, and it takes no table. */
// biome-ignore lint/suspicious/noExplicitAny: see up().
async function dropIndex(db: Kysely<any>, name: string, table: string): Promise<void> {
  const drop = db.schema.dropIndex(name);
  await (schemaDialect(db).sqlite ? drop : drop.on(table)).execute();
}
