import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // How the app's ID tokens are signed, ES256 or RS256 (OpenID Connect Core §15.1: every provider
  // supports RS256, and some relying parties accept nothing else by default). Every app so far
  // was signed ES256, which existing rows keep.
  await db.schema
    .alterTable("apps")
    .addColumn(
      "id_token_signed_response_alg",
      d.type(sql`VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin`),
      (col) => col.notNull().defaultTo("ES256"),
    )
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("apps").dropColumn("id_token_signed_response_alg").execute();
}
