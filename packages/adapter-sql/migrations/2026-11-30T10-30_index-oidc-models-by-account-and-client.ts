import type { Kysely } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // The revocations of ADR 0020: every token and grant of one app (deleting it), of one user and
  // one app (revoking an authorization), of one user (disabling or deleting an account). The
  // (account_id, client_id) index serves the first column alone too.
  await db.schema
    .createIndex("oidc_models_account_client_index")
    .on("oidc_models")
    .columns(["account_id", "client_id"])
    .execute();
  await db.schema.createIndex("oidc_models_client_id_index").on("oidc_models").column("client_id").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("oidc_models_client_id_index").on("oidc_models").execute();
  await db.schema.dropIndex("oidc_models_account_client_index").on("oidc_models").execute();
}
