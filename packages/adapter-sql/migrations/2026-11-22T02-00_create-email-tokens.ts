import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  const emailTokensUserIdKey = d.foreignKey({
    table: "email_tokens",
    column: "user_id",
    references: "users",
  });
  // Single-use tokens sent by mail (verify_email, reset_password). Only the SHA-256 of the secret is kept;
  // used_at is set once, by a conditional UPDATE, which is what makes a token single-use under concurrency.
  await db.schema
    .createTable("email_tokens")
    .addColumn("id", d.type(idType), (col) => col.primaryKey())
    .addColumn("user_id", d.type(idType), (col) => col.notNull())
    .addColumn("purpose", d.type(sql`VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin`), (col) =>
      col.notNull(),
    )
    .addColumn("secret_hash", d.type(sql`VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin`), (col) =>
      col.notNull(),
    )
    .addColumn("created_at", "datetime(3)", (col) => col.notNull())
    .addColumn("expires_at", "datetime(3)", (col) => col.notNull())
    .addColumn("used_at", "datetime(3)")
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(emailTokensUserIdKey))
    .execute();
  // Serves "tokens of this user and purpose issued since" (the mail allowance) and "use all of them";
  // the foreign key below uses it too, as its leftmost column is user_id.
  await db.schema
    .createIndex("email_tokens_user_id_purpose_created_at_index")
    .on("email_tokens")
    .columns(["user_id", "purpose", "created_at"])
    .execute();
  await d.addForeignKey(emailTokensUserIdKey);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("email_tokens").execute();
}
