import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // The session that asked to link a provider: the callback refuses the trip when that session has
  // ended, so a revoked session cannot still add a sign-in method. No foreign key, like
  // reauthenticate_session_id. Link trips already in flight have none and are refused at the callback.
  await db.schema.alterTable("oauth_authorizations").addColumn("link_session_id", d.type(idType)).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("oauth_authorizations").dropColumn("link_session_id").execute();
}
