import type { Kysely } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // The export allowance reads a user's latest request times (at most five, newest first), and the
  // account's list its latest jobs: both a range of this index, read from its newest end. It leads
  // with user_id, so it serves the foreign key and the deletion of an account's jobs too, and
  // replaces the index on user_id alone.
  await db.schema
    .createIndex("export_jobs_user_id_requested_at_index")
    .on("export_jobs")
    .columns(["user_id", "requested_at"])
    .execute();
  await dropIndex(db, "export_jobs_user_id_index");
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("export_jobs_user_id_index").on("export_jobs").column("user_id").execute();
  await dropIndex(db, "export_jobs_user_id_requested_at_index");
}

/** MySQL names the table of the index to drop; SQLite's index names are the schema's, and it takes no table. */
// biome-ignore lint/suspicious/noExplicitAny: see up().
async function dropIndex(db: Kysely<any>, name: string): Promise<void> {
  const drop = db.schema.dropIndex(name);
  await (schemaDialect(db).sqlite ? drop : drop.on("export_jobs")).execute();
}
