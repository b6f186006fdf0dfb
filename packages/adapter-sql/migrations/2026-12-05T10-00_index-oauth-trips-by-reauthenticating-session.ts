import type { Kysely } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // Deleting an account deletes the trips to a provider that re-prove one of its sessions (no
  // foreign key names the account): by this index, the deletion's transaction holds those rows
  // alone, not every row and gap of the table, and social sign-ins starting meanwhile go on.
  await db.schema
    .createIndex("oauth_authorizations_reauthenticate_session_id_index")
    .on("oauth_authorizations")
    .column("reauthenticate_session_id")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  // MySQL names the index's table; SQLite's index names are the schema's, and it takes none.
  const drop = db.schema.dropIndex("oauth_authorizations_reauthenticate_session_id_index");
  await (schemaDialect(db).sqlite ? drop : drop.on("oauth_authorizations")).execute();
}
