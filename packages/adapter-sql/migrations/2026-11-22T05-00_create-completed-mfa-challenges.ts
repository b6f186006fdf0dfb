import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  const completedMfaChallengesUserIdKey = d.foreignKey({
    table: "completed_mfa_challenges",
    column: "user_id",
    references: "users",
  });
  // MFA challenges (the jti of an MFA token) that completed a sign-in. The primary key makes a token
  // single-use: of concurrent inserts of one id exactly one succeeds. A row is needed only until its
  // token expires (minutes); expired rows are deleted as new ones arrive, through the expires_at index.
  await db.schema
    .createTable("completed_mfa_challenges")
    .addColumn("id", d.type(sql`VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin`), (col) =>
      col.primaryKey(),
    )
    .addColumn("user_id", d.type(idType), (col) => col.notNull())
    .addColumn("expires_at", "datetime(3)", (col) => col.notNull())
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(completedMfaChallengesUserIdKey))
    .execute();
  await db.schema
    .createIndex("completed_mfa_challenges_expires_at_index")
    .on("completed_mfa_challenges")
    .column("expires_at")
    .execute();
  await db.schema
    .createIndex("completed_mfa_challenges_user_id_index")
    .on("completed_mfa_challenges")
    .column("user_id")
    .execute();
  await d.addForeignKey(completedMfaChallengesUserIdKey);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("completed_mfa_challenges").execute();
}
