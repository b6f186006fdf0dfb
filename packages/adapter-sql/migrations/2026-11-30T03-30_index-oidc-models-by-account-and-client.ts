import type { Kysely } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // Deleting an app revokes by client (revokeByClient); revoking one authorization by account and
  // client; deleting an account by account (ADR 0020). The composite index serves the last two.
  await db.schema
    .createIndex("oidc_models_account_id_client_id_index")
    .on("oidc_models")
    .columns(["account_id", "client_id"])
    .execute();
  await db.schema.createIndex("oidc_models_client_id_index").on("oidc_models").column("client_id").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  // SQLite's DROP INDEX names no table; MySQL's needs one.
  const sqlite = schemaDialect(db).sqlite;
  for (const index of ["oidc_models_client_id_index", "oidc_models_account_id_client_id_index"]) {
    const drop = db.schema.dropIndex(index);
    await (sqlite ? drop : drop.on("oidc_models")).execute();
  }
}
