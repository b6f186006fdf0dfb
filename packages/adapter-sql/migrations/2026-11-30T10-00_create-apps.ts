import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const userIdType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;
// Client ids are ours (base64url) but are compared with whatever a request presents: exactly.
const clientIdType = sql`VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;
const urlType = sql`VARCHAR(2000) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;
const listType = sql`TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;
const wordType = sql`VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin`;
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  const appsOwnerIdKey = d.foreignKey({ table: "apps", column: "owner_id", references: "users" });
  const authorizationsUserIdKey = d.foreignKey({
    table: "app_authorizations",
    column: "user_id",
    references: "users",
  });
  const authorizationsClientIdKey = d.foreignKey({
    table: "app_authorizations",
    column: "client_id",
    references: "apps",
  });

  // Third-party apps (ADR 0020). `id` is the client id. Redirect URIs are JSON arrays of strings
  // compared exactly by the provider; the secret is kept as its SHA-256 only (null: public client).
  await db.schema
    .createTable("apps")
    .addColumn("id", d.type(clientIdType), (col) => col.primaryKey())
    .addColumn("owner_id", d.type(userIdType), (col) => col.notNull())
    .addColumn("name", "varchar(100)", (col) => col.notNull())
    .addColumn("logo_url", d.type(urlType))
    .addColumn("homepage_url", d.type(urlType))
    .addColumn("redirect_uris", d.type(listType), (col) => col.notNull())
    .addColumn("post_logout_redirect_uris", d.type(listType), (col) => col.notNull())
    .addColumn("allowed_scopes", d.type(wordType), (col) => col.notNull())
    .addColumn("client_type", d.type(sql`VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin`), (col) =>
      col.notNull(),
    )
    .addColumn(
      "token_endpoint_auth_method",
      d.type(sql`VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin`),
      (col) => col.notNull(),
    )
    .addColumn("secret_hash", d.type(sql`CHAR(64) CHARACTER SET ascii COLLATE ascii_bin`))
    .addColumn("created_at", "datetime(3)", (col) => col.notNull())
    .addColumn("updated_at", "datetime(3)", (col) => col.notNull())
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(appsOwnerIdKey))
    .execute();
  await db.schema.createIndex("apps_owner_id_index").on("apps").column("owner_id").execute();
  await d.addForeignKey(appsOwnerIdKey);

  // A user's consent to an app: the primary key is "one authorization per (user, app)"; grant_id
  // names oidc-provider's Grant that carries it. Deleting the user or the app deletes it.
  await db.schema
    .createTable("app_authorizations")
    .addColumn("user_id", d.type(userIdType), (col) => col.notNull())
    .addColumn("client_id", d.type(clientIdType), (col) => col.notNull())
    .addColumn("grant_id", d.type(sql`VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`), (col) =>
      col.notNull(),
    )
    .addColumn("scopes", d.type(wordType), (col) => col.notNull())
    .addColumn("granted_at", "datetime(3)", (col) => col.notNull())
    .addColumn("last_used_at", "datetime(3)", (col) => col.notNull())
    .addPrimaryKeyConstraint("app_authorizations_pk", ["user_id", "client_id"])
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(authorizationsUserIdKey))
    .$call(d.withForeignKey(authorizationsClientIdKey))
    .execute();
  await db.schema
    .createIndex("app_authorizations_client_id_index")
    .on("app_authorizations")
    .column("client_id")
    .execute();
  await d.addForeignKey(authorizationsUserIdKey);
  await d.addForeignKey(authorizationsClientIdKey);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("app_authorizations").execute();
  await db.schema.dropTable("apps").execute();
}
