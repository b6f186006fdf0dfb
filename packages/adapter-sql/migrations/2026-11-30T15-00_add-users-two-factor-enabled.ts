import { type Kysely, sql } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  // Whether the user's TOTP factor is enabled, kept on the user's row in the same transactions that
  // enable and remove the factor: GET /auth/me reads users and sessions only, and counts backup
  // codes only for the users who have them (docs/performance.md, issue 11).
  await db.schema
    .alterTable("users")
    .addColumn("two_factor_enabled", "boolean", (col) => col.notNull().defaultTo(false))
    .execute();
  await sql`UPDATE users SET two_factor_enabled = TRUE WHERE id IN (SELECT user_id FROM totp_factors WHERE status = 'enabled')`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("users").dropColumn("two_factor_enabled").execute();
}
