import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;
const asciiType = (length: number) =>
  sql`VARCHAR(${sql.raw(String(length))}) CHARACTER SET ascii COLLATE ascii_bin`;
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  const userKey = d.foreignKey({ table: "export_jobs", column: "user_id", references: "users" });
  // Data exports (ADR 0025). active_user_id is the user's id while the job is pending or running
  // and NULL otherwise: its unique index makes "one active export per user" the database's
  // decision (both MySQL and SQLite let a unique index hold many NULLs). lease_token is the
  // claiming worker's; every change of a running job is conditional on it.
  await db.schema
    .createTable("export_jobs")
    .addColumn("id", d.type(idType), (col) => col.primaryKey())
    .addColumn("user_id", d.type(idType), (col) => col.notNull())
    .addColumn("active_user_id", d.type(idType))
    .addColumn("status", d.type(asciiType(16)), (col) => col.notNull())
    .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("progress", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("records_written", "bigint", (col) => col.notNull().defaultTo(0))
    .addColumn("lease_token", d.type(asciiType(64)))
    .addColumn("lease_expires_at", "datetime(3)")
    .addColumn("file_key", d.type(asciiType(255)))
    .addColumn("size_bytes", "bigint")
    .addColumn("sha256", d.type(asciiType(64)))
    .addColumn("requested_at", "datetime(3)", (col) => col.notNull())
    .addColumn("started_at", "datetime(3)")
    .addColumn("finished_at", "datetime(3)")
    .addColumn("expires_at", "datetime(3)")
    .addUniqueConstraint("export_jobs_active_user_id_unique", ["active_user_id"])
    .$call(d.withTableOptions(tableOptions))
    .$call(d.withForeignKey(userKey))
    .execute();
  // The claim (pending and lapsed running jobs, oldest first) and the expiry sweep.
  await db.schema
    .createIndex("export_jobs_status_requested_at_index")
    .on("export_jobs")
    .columns(["status", "requested_at"])
    .execute();
  await db.schema
    .createIndex("export_jobs_status_expires_at_index")
    .on("export_jobs")
    .columns(["status", "expires_at"])
    .execute();
  await db.schema.createIndex("export_jobs_user_id_index").on("export_jobs").column("user_id").execute();
  await d.addForeignKey(userKey);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("export_jobs").execute();
}
