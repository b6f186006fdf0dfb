import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const hashType = sql`CHAR(64) CHARACTER SET ascii COLLATE ascii_bin`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // A sign-in starts with the front end's S256 code_challenge, stored hashed with the state and
  // then with the login code, which only the matching code_verifier can trade (ADR 0013). Links
  // start without one, hence NULL here.
  await db.schema
    .alterTable("oauth_authorizations")
    .addColumn("code_challenge_hash", d.type(hashType))
    .execute();
  // Login codes live 60 seconds; those issued before the binding could never be traded now.
  await db.deleteFrom("oauth_login_codes").execute();
  await db.schema
    .alterTable("oauth_login_codes")
    // SQLite needs a default to add a NOT NULL column; the table was just emptied, so none is used.
    .addColumn("code_challenge_hash", d.type(hashType), d.addedNotNull(""))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("oauth_login_codes").dropColumn("code_challenge_hash").execute();
  await db.schema.alterTable("oauth_authorizations").dropColumn("code_challenge_hash").execute();
}
