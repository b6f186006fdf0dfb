import type { Kysely } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // The audit lists, beside the events with an actor, the admins `pnpm admin:create` made (a
  // `role_changed` with no actor): this index finds those few among every event, newest first.
  await db.schema
    .createIndex("security_events_type_id_index")
    .on("security_events")
    .columns(["type", "id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("security_events_type_id_index").on("security_events").execute();
}
