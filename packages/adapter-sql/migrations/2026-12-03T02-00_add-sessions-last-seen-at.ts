import type { Kysely } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // When a hosted page last recognised the session as its browser's (written at most once a
  // minute). A browser session is never refreshed, so last_used_at stays at its sign-in: the session
  // cap ended the account center's session first though it was in use. Not part of liveness, which
  // last_used_at keeps (the newest refresh token's issue). Existing sessions start unseen.
  await db.schema.alterTable("sessions").addColumn("last_seen_at", "datetime(3)").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sessions").dropColumn("last_seen_at").execute();
}
