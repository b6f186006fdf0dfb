import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// As the apps' other URLs (create-apps): compared and sent as registered, byte for byte.
const urlType = sql`VARCHAR(2000) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // Where the provider POSTs a logout token when a session the person signed in to the app within
  // ends (OpenID Connect Back-Channel Logout 1.0, ADR 0073); null, as for every app before it: the
  // app registered none and is told nothing.
  await db.schema.alterTable("apps").addColumn("backchannel_logout_uri", d.type(urlType)).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("apps").dropColumn("backchannel_logout_uri").execute();
}
