import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;
/** A SHA-256 in hex: the secret itself is never stored. */
const secretHashType = sql`CHAR(64) CHARACTER SET ascii COLLATE ascii_bin`;
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  const refreshTokensSessionIdKey = d.foreignKey({
    table: "refresh_tokens",
    column: "session_id",
    references: "sessions",
  });
  // parent_id and replaced_by_id carry no foreign keys: a rotation marks the old token
  // before the replacement row exists, and both go when their session is deleted anyway.
  await db.schema
    .createTable("refresh_tokens")
    .addColumn("id", d.type(idType), (col) => col.primaryKey())
    .addColumn("session_id", d.type(idType), (col) => col.notNull())
    .addColumn("secret_hash", d.type(secretHashType), (col) => col.notNull())
    .addColumn("parent_id", d.type(idType))
    .addColumn("replaced_by_id", d.type(idType))
    .addColumn("created_at", "datetime(3)", (col) => col.notNull())
    .addColumn("expires_at", "datetime(3)", (col) => col.notNull())
    .addColumn("rotated_at", "datetime(3)")
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(refreshTokensSessionIdKey))
    .execute();
  // The index comes before the foreign key so the key uses it instead of creating one of its own.
  await db.schema
    .createIndex("refresh_tokens_session_id_index")
    .on("refresh_tokens")
    .column("session_id")
    .execute();
  await d.addForeignKey(refreshTokensSessionIdKey);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("refresh_tokens").execute();
}
