import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;
const asciiBin = (length: number) =>
  sql`VARCHAR(${sql.raw(String(length))}) CHARACTER SET ascii COLLATE ascii_bin`;
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  const knownSignInSourcesUserIdKey = d.foreignKey({
    table: "known_sign_in_sources",
    column: "user_id",
    references: "users",
  });
  const totpFactorsUserIdKey = d.foreignKey({
    table: "totp_factors",
    column: "user_id",
    references: "users",
  });
  const backupCodesUserIdKey = d.foreignKey({
    table: "backup_codes",
    column: "user_id",
    references: "users",
  });
  // One TOTP factor per user. The secret is AES-256-GCM ciphertext. last_used_step only grows, by a
  // conditional UPDATE (... WHERE last_used_step < :step): that is the replay protection.
  await db.schema
    .createTable("totp_factors")
    .addColumn("user_id", d.type(idType), (col) => col.primaryKey())
    .addColumn("encrypted_secret", d.type(asciiBin(255)), (col) => col.notNull())
    .addColumn("status", d.type(asciiBin(16)), (col) => col.notNull())
    .addColumn("last_used_step", "bigint")
    .addColumn("created_at", "datetime(3)", (col) => col.notNull())
    .addColumn("enabled_at", "datetime(3)")
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(totpFactorsUserIdKey))
    .execute();
  await d.addForeignKey(totpFactorsUserIdKey);

  // Backup codes: argon2id hashes; used_at is set once, by a conditional UPDATE.
  await db.schema
    .createTable("backup_codes")
    .addColumn("id", d.type(idType), (col) => col.primaryKey())
    .addColumn("user_id", d.type(idType), (col) => col.notNull())
    .addColumn("code_hash", d.type(asciiBin(255)), (col) => col.notNull())
    .addColumn("used_at", "datetime(3)")
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(backupCodesUserIdKey))
    .execute();
  // Serves "the user's unused codes" and their count (shown in /auth/me), and the foreign key.
  await db.schema
    .createIndex("backup_codes_user_id_used_at_index")
    .on("backup_codes")
    .columns(["user_id", "used_at"])
    .execute();
  await d.addForeignKey(backupCodesUserIdKey);

  // Failed sign-in counters per account (the normalised email, existing or not: no foreign key) and
  // source ("ip:...", "device:<sha-256>" or "*" for the account as a whole). See ADR 0008.
  await db.schema
    .createTable("login_failures")
    .addColumn("account", d.type(sql`VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`), (col) =>
      col.notNull(),
    )
    .addColumn("source", d.type(asciiBin(128)), (col) => col.notNull())
    .addColumn("failure_count", "integer", (col) => col.notNull())
    .addColumn("window_started_at", "datetime(3)", (col) => col.notNull())
    .addColumn("locked_until", "datetime(3)")
    .addPrimaryKeyConstraint("login_failures_pk", ["account", "source"])
    .$call(d.withTableOptions(tableOptions))
    .execute();

  // Sources a user completed a sign-in from: they pass an account-wide lock.
  await db.schema
    .createTable("known_sign_in_sources")
    .addColumn("user_id", d.type(idType), (col) => col.notNull())
    .addColumn("source", d.type(asciiBin(128)), (col) => col.notNull())
    .addColumn("last_seen_at", "datetime(3)", (col) => col.notNull())
    .addPrimaryKeyConstraint("known_sign_in_sources_pk", ["user_id", "source"])
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(knownSignInSourcesUserIdKey))
    .execute();
  await d.addForeignKey(knownSignInSourcesUserIdKey);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("known_sign_in_sources").execute();
  await db.schema.dropTable("login_failures").execute();
  await db.schema.dropTable("backup_codes").execute();
  await db.schema.dropTable("totp_factors").execute();
}
