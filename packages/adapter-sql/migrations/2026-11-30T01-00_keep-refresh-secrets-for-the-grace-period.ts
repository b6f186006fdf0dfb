import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // A live refresh token's own secret, AES-256-GCM encrypted, kept only for its predecessor's grace
  // period so a duplicate refresh gets this same token (docs/decisions/0002). On the token's own row,
  // not in a table of its own: the rotation that retires the token clears it in the very UPDATE
  // that marks it rotated, so a rotation takes no lock beyond the rows it changes (deleting a
  // missing row of a side table takes a gap lock, and concurrent rotations then deadlock). The
  // index serves the prune that clears what outlived the grace. Both columns are added at the end
  // and nullable, which MySQL 8 and MariaDB 10.11 do without copying the table.
  if (d.sqlite) {
    // SQLite adds one column per ALTER TABLE.
    await db.schema.alterTable("refresh_tokens").addColumn("encrypted_secret", "text").execute();
    await db.schema
      .alterTable("refresh_tokens")
      .addColumn("encrypted_secret_expires_at", "datetime(3)")
      .execute();
  } else {
    await db.schema
      .alterTable("refresh_tokens")
      .addColumn("encrypted_secret", sql`VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin`)
      .addColumn("encrypted_secret_expires_at", "datetime(3)")
      .execute();
  }
  await db.schema
    .createIndex("refresh_tokens_encrypted_secret_expires_at_index")
    .on("refresh_tokens")
    .column("encrypted_secret_expires_at")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .dropIndex("refresh_tokens_encrypted_secret_expires_at_index")
    .on("refresh_tokens")
    .execute();
  await db.schema
    .alterTable("refresh_tokens")
    .dropColumn("encrypted_secret")
    .dropColumn("encrypted_secret_expires_at")
    .execute();
}
