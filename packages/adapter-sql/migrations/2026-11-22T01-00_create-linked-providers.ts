import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;
const providerType = sql`VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin`;
/** SHA-256 in hex of a state or login code; the secrets themselves are never stored. */
const hashType = sql`CHAR(64) CHARACTER SET ascii COLLATE ascii_bin`;
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  const oauthLoginCodesUserIdKey = d.foreignKey({
    table: "oauth_login_codes",
    column: "user_id",
    references: "users",
  });
  const linkedProvidersUserIdKey = d.foreignKey({
    table: "linked_providers",
    column: "user_id",
    references: "users",
  });
  const oauthAuthorizationsLinkUserIdKey = d.foreignKey({
    table: "oauth_authorizations",
    column: "link_user_id",
    references: "users",
  });
  // The primary key (user_id, provider) is the "one identity per provider per user" rule and the
  // index for listing a user's links; the unique key (provider, subject) is "one user per identity".
  // Subjects compare byte for byte: providers' ids are case-sensitive strings.
  await db.schema
    .createTable("linked_providers")
    .addColumn("user_id", d.type(idType), (col) => col.notNull())
    .addColumn("provider", d.type(providerType), (col) => col.notNull())
    .addColumn("subject", d.type(sql`VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`), (col) =>
      col.notNull(),
    )
    .addColumn("email", d.type(sql`VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`))
    .addColumn("display_name", "varchar(255)")
    .addColumn("linked_at", "datetime(3)", (col) => col.notNull())
    .addPrimaryKeyConstraint("linked_providers_pk", ["user_id", "provider"])
    .addUniqueConstraint("linked_providers_provider_subject_unique", ["provider", "subject"])
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(linkedProvidersUserIdKey))
    .execute();
  await d.addForeignKey(linkedProvidersUserIdKey);

  await db.schema
    .createTable("oauth_authorizations")
    .addColumn("state_hash", d.type(hashType), (col) => col.primaryKey())
    .addColumn("provider", d.type(providerType), (col) => col.notNull())
    .addColumn("link_user_id", d.type(idType))
    .addColumn("created_at", "datetime(3)", (col) => col.notNull())
    .addColumn("expires_at", "datetime(3)", (col) => col.notNull())
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(oauthAuthorizationsLinkUserIdKey))
    .execute();
  await db.schema
    .createIndex("oauth_authorizations_expires_at_index")
    .on("oauth_authorizations")
    .column("expires_at")
    .execute();
  await db.schema
    .createIndex("oauth_authorizations_link_user_id_index")
    .on("oauth_authorizations")
    .column("link_user_id")
    .execute();
  await d.addForeignKey(oauthAuthorizationsLinkUserIdKey);

  await db.schema
    .createTable("oauth_login_codes")
    .addColumn("code_hash", d.type(hashType), (col) => col.primaryKey())
    .addColumn("user_id", d.type(idType), (col) => col.notNull())
    .addColumn("provider", d.type(providerType), (col) => col.notNull())
    .addColumn("created_at", "datetime(3)", (col) => col.notNull())
    .addColumn("expires_at", "datetime(3)", (col) => col.notNull())
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(oauthLoginCodesUserIdKey))
    .execute();
  await db.schema
    .createIndex("oauth_login_codes_expires_at_index")
    .on("oauth_login_codes")
    .column("expires_at")
    .execute();
  await db.schema
    .createIndex("oauth_login_codes_user_id_index")
    .on("oauth_login_codes")
    .column("user_id")
    .execute();
  await d.addForeignKey(oauthLoginCodesUserIdKey);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("oauth_login_codes").execute();
  await db.schema.dropTable("oauth_authorizations").execute();
  await db.schema.dropTable("linked_providers").execute();
}
