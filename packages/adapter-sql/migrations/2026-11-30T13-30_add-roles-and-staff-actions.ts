import { type Kysely, sql } from "kysely";
import { schemaDialect } from "./schema-dialect.ts";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

const idType = sql`CHAR(36) CHARACTER SET ascii COLLATE ascii_bin`;

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  // What a person may do to other accounts (docs/admin.md); everyone starts as a plain user.
  await db.schema
    .alterTable("users")
    .addColumn("role", d.type(sql`VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin`), (col) =>
      col.notNull().defaultTo("user"),
    )
    .execute();
  // The last-admin rule locks the admins' rows; through this index it locks only those.
  await db.schema.createIndex("users_role_index").on("users").columns(["role", "status"]).execute();

  // security_events outlive their user (ADR 0026): a deleted account's events stay as anonymous
  // facts under a pseudonym that names no users row, so the foreign key to users goes. And an event
  // names the member of staff who caused it (actor_id, no foreign key either: a deleted actor is
  // replaced by their pseudonym); the admin audit lists the events that have one.
  if (d.sqlite) {
    // SQLite cannot drop a constraint: the table is rebuilt without it (its documented procedure,
    // "Making Other Kinds Of Table Schema Changes"), rows and indexes carried over.
    await sql`CREATE TABLE security_events_rebuilt (
      id text PRIMARY KEY,
      user_id text NOT NULL,
      type text NOT NULL,
      occurred_at datetime(3) NOT NULL,
      ip varchar(64),
      user_agent varchar(512),
      details text NOT NULL,
      actor_id text
    )`.execute(db);
    await sql`INSERT INTO security_events_rebuilt (id, user_id, type, occurred_at, ip, user_agent, details)
      SELECT id, user_id, type, occurred_at, ip, user_agent, details FROM security_events`.execute(db);
    await sql`DROP TABLE security_events`.execute(db);
    await sql`ALTER TABLE security_events_rebuilt RENAME TO security_events`.execute(db);
    await db.schema
      .createIndex("security_events_user_id_id_index")
      .on("security_events")
      .columns(["user_id", "id"])
      .execute();
  } else {
    await sql`ALTER TABLE security_events DROP FOREIGN KEY security_events_user_id_fk`.execute(db);
    await db.schema.alterTable("security_events").addColumn("actor_id", d.type(idType)).execute();
  }
  // The audit reads the few events with an actor, newest first: the index finds them among all.
  await db.schema
    .createIndex("security_events_actor_id_index")
    .on("security_events")
    .columns(["actor_id", "id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  const d = schemaDialect(db);
  await db.schema.dropIndex("security_events_actor_id_index").on("security_events").execute();
  await db.schema.alterTable("security_events").dropColumn("actor_id").execute();
  // Events of deleted accounts name no user: they cannot stay under a foreign key.
  await sql`DELETE FROM security_events WHERE user_id NOT IN (SELECT id FROM users)`.execute(db);
  await d.addForeignKey(d.foreignKey({ table: "security_events", column: "user_id", references: "users" }));
  await db.schema.dropIndex("users_role_index").on("users").execute();
  await db.schema.alterTable("users").dropColumn("role").execute();
}
