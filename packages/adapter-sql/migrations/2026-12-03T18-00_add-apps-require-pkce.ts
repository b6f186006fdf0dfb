import type { Kysely } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // Whether the app's authorization requests must carry a PKCE challenge (RFC 7636). Every app so
  // far had to, which existing rows keep; a confidential app may turn it off (ADR 0049).
  await db.schema
    .alterTable("apps")
    .addColumn("require_pkce", "boolean", (col) => col.notNull().defaultTo(true))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("apps").dropColumn("require_pkce").execute();
}
