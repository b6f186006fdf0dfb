import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const asciiType = (length: number) => sql.raw(`VARCHAR(${length}) CHARACTER SET ascii COLLATE ascii_bin`);
const tableOptions = sql`ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // The keys that sign our tokens (ADR 0021): the public JWK as JSON, the private one encrypted
  // (AES-256-GCM under a key derived from JWT_SECRET, the kid as associated data). `generation`
  // counts an algorithm's keys; the unique (algorithm, generation) decides which of several
  // instances adding "the next" key at once wins.
  await db.schema
    .createTable("signing_keys")
    .addColumn("kid", d.type(asciiType(128)), (col) => col.primaryKey())
    .addColumn("algorithm", d.type(asciiType(16)), (col) => col.notNull())
    .addColumn("generation", "integer", (col) => col.notNull())
    .addColumn("public_jwk", d.type(sql`TEXT CHARACTER SET ascii COLLATE ascii_bin`), (col) => col.notNull())
    .addColumn("encrypted_private_jwk", d.type(sql`TEXT CHARACTER SET ascii COLLATE ascii_bin`), (col) =>
      col.notNull(),
    )
    .addColumn("created_at", "datetime(3)", (col) => col.notNull())
    .addColumn("activated_at", "datetime(3)", (col) => col.notNull())
    .addColumn("retired_at", "datetime(3)")
    .addColumn("expires_at", "datetime(3)")
    .addUniqueConstraint("signing_keys_algorithm_generation_unique", ["algorithm", "generation"])
    .$call(d.withTableOptions(tableOptions))
    .execute();
  // The prune.
  await db.schema
    .createIndex("signing_keys_expires_at_index")
    .on("signing_keys")
    .column("expires_at")
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("signing_keys").execute();
}
