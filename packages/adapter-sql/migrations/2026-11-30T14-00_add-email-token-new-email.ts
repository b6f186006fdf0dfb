import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

/** As users.email: the domain normalises addresses once, so the bytes are the identity. */
const emailType = sql`VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // A change_email token carries the address the account moves to when the token is used (the
  // address is not the account's until then: nothing signs in or links by it). Null for the other
  // purposes. Not unique: two accounts may ask for one address; users_email_unique decides at use.
  await db.schema.alterTable("email_tokens").addColumn("new_email", d.type(emailType)).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("email_tokens").dropColumn("new_email").execute();
}
