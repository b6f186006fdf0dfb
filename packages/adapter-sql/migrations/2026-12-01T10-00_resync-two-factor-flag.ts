import { type Kysely, sql } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

/** Users written per statement, so no statement holds many users' rows (ADR 0046). */
const batchSize = 500;

/**
 * Sets `users.two_factor_enabled` again from the TOTP factors, for the users whose flag disagrees
 * with their factor. Until 2026-12-01 the docs allowed a release from before `2026-11-30T15-00` to
 * run beside a newer one; that release enables and removes factors without writing the flag, so
 * its users' flags could be wrong (ADR 0046). The disagreeing users are read without locks, then
 * written in batches, each row only if its factor still says so.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  await resyncTwoFactorFlags(db, batchSize);
}

/** The work of `up`, `batch` users per statement (a test passes a small one). */
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function resyncTwoFactorFlags(db: Kysely<any>, batch: number): Promise<void> {
  const { rows } = await sql<{ id: string; enabled: number | string }>`
    SELECT u.id AS id, CASE WHEN f.user_id IS NULL THEN 0 ELSE 1 END AS enabled
    FROM users u LEFT JOIN totp_factors f ON f.user_id = u.id AND f.status = 'enabled'
    WHERE u.two_factor_enabled <> (CASE WHEN f.user_id IS NULL THEN 0 ELSE 1 END)`.execute(db);
  const toEnable = rows.filter((row) => Number(row.enabled) === 1).map((row) => row.id);
  const toDisable = rows.filter((row) => Number(row.enabled) === 0).map((row) => row.id);
  for (let start = 0; start < toEnable.length; start += batch) {
    const ids = toEnable.slice(start, start + batch);
    await sql`UPDATE users SET two_factor_enabled = TRUE
      WHERE id IN (${sql.join(ids)})
        AND id IN (SELECT user_id FROM totp_factors WHERE status = 'enabled')`.execute(db);
  }
  for (let start = 0; start < toDisable.length; start += batch) {
    const ids = toDisable.slice(start, start + batch);
    await sql`UPDATE users SET two_factor_enabled = FALSE
      WHERE id IN (${sql.join(ids)})
        AND id NOT IN (SELECT user_id FROM totp_factors WHERE status = 'enabled')`.execute(db);
  }
}

/** Nothing to undo: the flags it set are the ones the factors say. */
export async function down(): Promise<void> {}
