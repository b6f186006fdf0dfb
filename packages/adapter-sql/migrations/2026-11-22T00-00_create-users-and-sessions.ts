import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.
// Column types are spelled out so this SQL runs on MySQL 8 and MariaDB 10.11 alike.

/** UUIDs are ASCII: one byte a character, compared byte for byte. */
const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;
/** Binary collation: the domain normalises emails once, so byte equality is identity. */
const emailType = sql`VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;
/** utf8mb4_unicode_ci exists on both servers; MySQL 8's default utf8mb4_0900_ai_ci does not exist on MariaDB. */
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  const sessionsUserIdKey = d.foreignKey({ table: "sessions", column: "user_id", references: "users" });
  await db.schema
    .createTable("users")
    .addColumn("id", d.type(idType), (col) => col.primaryKey())
    .addColumn("email", d.type(emailType), (col) => col.notNull())
    .addColumn("email_verified", "boolean", (col) => col.notNull().defaultTo(false))
    .addColumn("nickname", "varchar(30)", (col) => col.notNull())
    .addColumn("password_hash", "varchar(255)")
    .addColumn("status", "varchar(16)", (col) => col.notNull().defaultTo("active"))
    .addColumn("created_at", "datetime(3)", (col) => col.notNull())
    .addColumn("updated_at", "datetime(3)", (col) => col.notNull())
    .addUniqueConstraint("users_email_unique", ["email"])
    .$call(d.withTableOptions(tableOptions))
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id", d.type(idType), (col) => col.primaryKey())
    .addColumn("user_id", d.type(idType), (col) => col.notNull())
    .addColumn("created_at", "datetime(3)", (col) => col.notNull())
    .addColumn("last_used_at", "datetime(3)", (col) => col.notNull())
    .addColumn("revoked_at", "datetime(3)")
    .addColumn("user_agent", "varchar(512)")
    .addColumn("ip", "varchar(64)")
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(sessionsUserIdKey))
    .execute();
  // The index comes before the foreign key so the key uses it instead of creating one of its own.
  await db.schema.createIndex("sessions_user_id_index").on("sessions").column("user_id").execute();
  await d.addForeignKey(sessionsUserIdKey);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("sessions").execute();
  await db.schema.dropTable("users").execute();
}
