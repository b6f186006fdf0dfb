import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`;
const asciiType = (length: number) => sql.raw(`VARCHAR(${length}) CHARACTER SET ascii COLLATE ascii_bin`);

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // The instances serving this database, each writing its row at start and every minute, so that
  // each can compare the settings that must match (docs/operations.md, "Several instances").
  // `settings` maps a setting's name to a keyed digest of its value (never the value); a row not
  // seen for a day is pruned.
  await db.schema
    .createTable("running_instances")
    .addColumn("id", d.type(asciiType(36)), (col) => col.primaryKey())
    .addColumn("host", "varchar(255)", (col) => col.notNull())
    .addColumn("release_version", d.type(asciiType(64)), (col) => col.notNull())
    .addColumn("started_at", "datetime(3)", (col) => col.notNull())
    .addColumn("seen_at", "datetime(3)", (col) => col.notNull())
    .addColumn("settings", d.type(sql`TEXT CHARACTER SET ascii COLLATE ascii_bin`), (col) => col.notNull())
    .$call(d.withTableOptions(tableOptions))
    .execute();
  await db.schema
    .createIndex("running_instances_seen_at")
    .on("running_instances")
    .column("seen_at")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("running_instances").execute();
}
