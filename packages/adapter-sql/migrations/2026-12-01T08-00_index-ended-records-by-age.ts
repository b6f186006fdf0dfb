import type { Kysely } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // The hourly prune deletes expired refresh tokens and security events past SECURITY_LOG_RETENTION
  // by these columns: with an index, MySQL locks only the range it deletes, not every row it scans.
  await db.schema
    .createIndex("refresh_tokens_expires_at_index")
    .on("refresh_tokens")
    .column("expires_at")
    .execute();
  await db.schema
    .createIndex("security_events_occurred_at_index")
    .on("security_events")
    .column("occurred_at")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("security_events_occurred_at_index").on("security_events").execute();
  await db.schema.dropIndex("refresh_tokens_expires_at_index").on("refresh_tokens").execute();
}
