import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // When a session last proved a factor (ADR 0012): sensitive changes need it to be recent. Existing
  // sessions count from their sign-in, which is what they proved; so they re-authenticate first.
  if (d.sqlite) {
    // SQLite cannot MODIFY a column: it adds it NOT NULL at once, with a default the UPDATE replaces.
    await db.schema
      .alterTable("sessions")
      .addColumn("authenticated_at", "datetime(3)", d.addedNotNull("1970-01-01T00:00:00.000Z"))
      .execute();
    await sql`UPDATE sessions SET authenticated_at = created_at`.execute(db);
  } else {
    await db.schema.alterTable("sessions").addColumn("authenticated_at", "datetime(3)").execute();
    await sql`UPDATE sessions SET authenticated_at = created_at`.execute(db);
    await sql`ALTER TABLE sessions MODIFY authenticated_at DATETIME(3) NOT NULL`.execute(db);
  }

  // The session that asked to re-authenticate through a provider. No foreign key: the record lives
  // ten minutes at most, and the callback looks the session up and refuses one that is gone.
  await db.schema
    .alterTable("oauth_authorizations")
    .addColumn("reauthenticate_session_id", d.type(idType))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("oauth_authorizations").dropColumn("reauthenticate_session_id").execute();
  await db.schema.alterTable("sessions").dropColumn("authenticated_at").execute();
}
