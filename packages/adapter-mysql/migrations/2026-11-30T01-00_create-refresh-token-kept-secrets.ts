import { type Kysely, sql } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // The live refresh token's secret, AES-256-GCM encrypted, kept only for its predecessor's grace
  // period so a duplicate refresh gets this same token (docs/decisions/0002). A table of its own
  // rather than a column of refresh_tokens: rows go when the token is rotated or the grace ends
  // (the prune, through the expires_at index), so it holds a few rows, never one per token ever issued.
  await db.schema
    .createTable("refresh_token_kept_secrets")
    .addColumn("token_id", idType, (col) => col.primaryKey())
    .addColumn("encrypted_secret", sql`VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin`, (col) =>
      col.notNull(),
    )
    .addColumn("expires_at", "datetime(3)", (col) => col.notNull())
    .modifyEnd(tableOptions)
    .execute();
  await db.schema
    .createIndex("refresh_token_kept_secrets_expires_at_index")
    .on("refresh_token_kept_secrets")
    .column("expires_at")
    .execute();
  await db.schema
    .alterTable("refresh_token_kept_secrets")
    .addForeignKeyConstraint(
      "refresh_token_kept_secrets_token_id_fk",
      ["token_id"],
      "refresh_tokens",
      ["id"],
      (fk) => fk.onDelete("cascade"),
    )
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("refresh_token_kept_secrets").execute();
}
