import { type Kysely, sql } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;
/** A SHA-256 in hex: the secret itself is never stored. */
const secretHashType = sql`CHAR(64) CHARACTER SET ascii COLLATE ascii_bin`;
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // parent_id and replaced_by_id carry no foreign keys: a rotation marks the old token
  // before the replacement row exists, and both go when their session is deleted anyway.
  await db.schema
    .createTable("refresh_tokens")
    .addColumn("id", idType, (col) => col.primaryKey())
    .addColumn("session_id", idType, (col) => col.notNull())
    .addColumn("secret_hash", secretHashType, (col) => col.notNull())
    .addColumn("parent_id", idType)
    .addColumn("replaced_by_id", idType)
    .addColumn("created_at", "datetime(3)", (col) => col.notNull())
    .addColumn("expires_at", "datetime(3)", (col) => col.notNull())
    .addColumn("rotated_at", "datetime(3)")
    .modifyEnd(tableOptions)
    .execute();
  // The index comes before the foreign key so the key uses it instead of creating one of its own.
  await db.schema
    .createIndex("refresh_tokens_session_id_index")
    .on("refresh_tokens")
    .column("session_id")
    .execute();
  await db.schema
    .alterTable("refresh_tokens")
    .addForeignKeyConstraint("refresh_tokens_session_id_fk", ["session_id"], "sessions", ["id"], (fk) =>
      fk.onDelete("cascade"),
    )
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("refresh_tokens").execute();
}
