import type { Kysely } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // How the session's person proved who they are at authenticated_at (RFC 8176 names, space
  // separated: "pwd otp mfa"), for the amr of the ID tokens single sign-on issues from the session.
  // Sessions from before are left empty: how they began was not recorded, and no amr is claimed.
  await db.schema
    .alterTable("sessions")
    .addColumn("authentication_methods", "varchar(32)", (col) => col.notNull().defaultTo(""))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("sessions").dropColumn("authentication_methods").execute();
}
