import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // A backup code's lookup id: its first characters, in clear, so a typed code finds its one row and
  // costs one argon2id verification (ADR 0010). NULL for codes issued before: they keep working,
  // found by trying each. The unique index serves the lookup and keeps a user's lookup ids distinct
  // (NULLs do not collide).
  await db.schema
    .alterTable("backup_codes")
    .addColumn("lookup_id", d.type(sql`VARCHAR(8) CHARACTER SET ascii COLLATE ascii_bin`))
    .execute();
  await db.schema
    .createIndex("backup_codes_user_id_lookup_id_unique")
    .on("backup_codes")
    .columns(["user_id", "lookup_id"])
    .unique()
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("backup_codes_user_id_lookup_id_unique").on("backup_codes").execute();
  await db.schema.alterTable("backup_codes").dropColumn("lookup_id").execute();
}
