import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const nameType = sql`VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin`;
// The library's ids are nanoids (43 characters) or base64url SHA-256; stored token ids are hex SHA-256.
const idType = sql`VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin`;
// Client ids and user codes come from configuration and people: any character, compared exactly.
const keyType = sql`VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // Every model oidc-provider stores, in one table (ADR 0017): `payload` is the library's JSON; the
  // keys it looks records up by, and those we revoke or report by, are real columns. Token-bearing
  // ids are kept as their SHA-256 only. consumed_at is set once, by a conditional UPDATE, which is
  // what makes codes and refresh tokens single-use under concurrency.
  await db.schema
    .createTable("oidc_models")
    .addColumn("model", d.type(nameType), (col) => col.notNull())
    .addColumn("id", d.type(idType), (col) => col.notNull())
    .addColumn("payload", d.type(sql`MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`), (col) =>
      col.notNull(),
    )
    .addColumn("grant_id", d.type(keyType))
    .addColumn("uid", d.type(keyType))
    .addColumn("user_code", d.type(keyType))
    .addColumn("account_id", d.type(keyType))
    .addColumn("client_id", d.type(keyType))
    .addColumn("expires_at", "datetime(3)")
    .addColumn("consumed_at", "datetime(3)")
    .addPrimaryKeyConstraint("oidc_models_primary_key", ["model", "id"])
    .$call(d.withTableOptions(tableOptions))
    .execute();
  // revokeByGrantId, findByUid, findByUserCode, and the prune.
  for (const column of ["grant_id", "uid", "user_code", "expires_at"]) {
    await db.schema.createIndex(`oidc_models_${column}_index`).on("oidc_models").column(column).execute();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("oidc_models").execute();
}
