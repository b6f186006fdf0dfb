import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  const securityEventsUserIdKey = d.foreignKey({
    table: "security_events",
    column: "user_id",
    references: "users",
  });
  // details is JSON text in a TEXT column: MariaDB's JSON type is an alias with a check, MySQL's is
  // binary; TEXT behaves the same on both and we never query inside it.
  await db.schema
    .createTable("security_events")
    .addColumn("id", d.type(idType), (col) => col.primaryKey())
    .addColumn("user_id", d.type(idType), (col) => col.notNull())
    .addColumn("type", d.type(sql`VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin`), (col) => col.notNull())
    .addColumn("occurred_at", "datetime(3)", (col) => col.notNull())
    .addColumn("ip", "varchar(64)")
    .addColumn("user_agent", "varchar(512)")
    .addColumn("details", "text", (col) => col.notNull())
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(securityEventsUserIdKey))
    .execute();
  // Listing is "this user's events, newest first, after cursor id": one index serves it.
  await db.schema
    .createIndex("security_events_user_id_id_index")
    .on("security_events")
    .columns(["user_id", "id"])
    .execute();
  await d.addForeignKey(securityEventsUserIdKey);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("security_events").execute();
}
