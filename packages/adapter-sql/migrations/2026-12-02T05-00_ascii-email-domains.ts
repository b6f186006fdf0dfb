import { type Kysely, sql } from "kysely";

// Frozen once merged: a later change to the schema is a new migration, never an edit here.

/** Rows read per statement while looking for addresses to rewrite. */
const pageSize = 5_000;

/**
 * Rewrites every stored address whose domain is internationalised to its ASCII (`xn--`) form, the
 * one `parseEmail` gives since 2026-12-02 (ADR 0005): `user@bücher.de` becomes
 * `user@xn--bcher-kva.de`, the spelling a browser's `<input type="email">` sends. Before, the two
 * spellings were two accounts of one mailbox, and an account made through the API with the Unicode
 * form could not sign in from a browser. A user whose ASCII form another account already holds
 * keeps the address it has (both accounts stay; support can merge them by hand); so does one whose
 * domain IDNA refuses. Change-of-address links and linked providers' addresses are rewritten alike.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's table types, which change after it is frozen.
export async function up(db: Kysely<any>): Promise<void> {
  await asciiEmailDomains(db, pageSize);
}

/** The work of `up`, `page` rows per read (a test passes a small one). */
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function asciiEmailDomains(db: Kysely<any>, page: number): Promise<void> {
  let after = "";
  for (;;) {
    const { rows } = await sql<{ id: string; email: string }>`
      SELECT id, email FROM users WHERE id > ${after} ORDER BY id LIMIT ${sql.lit(page)}`.execute(db);
    for (const { id, email } of rows) {
      const ascii = withASCIIDomain(email);
      if (ascii === null) continue;
      const { rows: taken } = await sql`SELECT id FROM users WHERE email = ${ascii}`.execute(db);
      if (taken.length > 0) continue;
      await sql`UPDATE users SET email = ${ascii} WHERE id = ${id} AND email = ${email}`.execute(db);
    }
    if (rows.length < page) break;
    after = (rows.at(-1) as { id: string }).id;
  }
  const { rows: links } = await sql<{ id: string; new_email: string }>`
    SELECT id, new_email FROM email_tokens WHERE new_email IS NOT NULL`.execute(db);
  for (const { id, new_email } of links) {
    const ascii = withASCIIDomain(new_email);
    if (ascii !== null) await sql`UPDATE email_tokens SET new_email = ${ascii} WHERE id = ${id}`.execute(db);
  }
  const { rows: linked } = await sql<{ user_id: string; provider: string; email: string }>`
    SELECT user_id, provider, email FROM linked_providers WHERE email IS NOT NULL`.execute(db);
  for (const { user_id, provider, email } of linked) {
    const ascii = withASCIIDomain(email);
    if (ascii !== null) {
      await sql`UPDATE linked_providers SET email = ${ascii}
        WHERE user_id = ${user_id} AND provider = ${provider}`.execute(db);
    }
  }
}

/** The address with its domain in ASCII, or null when it is ASCII already or IDNA refuses it. */
function withASCIIDomain(email: string): string | null {
  const at = email.lastIndexOf("@");
  const domain = email.slice(at + 1);
  if (at < 0 || !/\P{ASCII}/u.test(domain)) return null;
  try {
    const host = new URL(`http://${domain}/`).hostname;
    return /^[a-z0-9.-]+$/.test(host) ? `${email.slice(0, at)}@${host}` : null;
  } catch {
    return null;
  }
}

/** Nothing to undo: both spellings reach the same mailbox, and an older release refuses this schema (ADR 0046). */
export async function down(): Promise<void> {}
