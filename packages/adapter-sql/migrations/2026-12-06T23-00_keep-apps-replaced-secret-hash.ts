import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // The SHA-256 of the client secret the last rotation replaced, and when: a token request that
  // presents it is told the secret was replaced, not just that it is wrong (docs/oidc.md, "7.
  // Errors"). A hash only, like secret_hash; null until an app's secret is first rotated. Adding
  // nullable columns is instant on MySQL 8 and MariaDB 10.3+ and a plain ALTER on SQLite.
  await db.schema
    .alterTable("apps")
    .addColumn("replaced_secret_hash", d.type(sql`CHAR(64) CHARACTER SET ascii COLLATE ascii_bin`))
    .execute();
  await db.schema.alterTable("apps").addColumn("secret_replaced_at", "datetime(3)").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("apps").dropColumn("secret_replaced_at").execute();
  await db.schema.alterTable("apps").dropColumn("replaced_secret_hash").execute();
}
