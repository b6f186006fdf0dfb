import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // The public status page's maintenance notice, set by an admin and shown by every instance: at
  // most one row, whose id is always 1. `set_by` names the admin (no foreign key: the notice
  // outlives the account, as the audit's entries do).
  await db.schema
    .createTable("maintenance_notices")
    .addColumn("id", "integer", (col) => col.primaryKey())
    .addColumn("message", "varchar(280)", (col) => col.notNull())
    .addColumn("set_at", "datetime(3)", (col) => col.notNull())
    .addColumn("set_by", d.type(sql`VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin`), (col) =>
      col.notNull(),
    )
    .$call(d.withTableOptions(tableOptions))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("maintenance_notices").execute();
}
