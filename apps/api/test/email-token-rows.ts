import type { Storage } from "@superoauth/adapter-sql";
import type { EmailTokenPurpose } from "@superoauth/domain";

/**
 * Moves the mailed links of `purpose` of the account with `email` `ms` into the past, as if they had
 * been asked for that long ago: a request for another within a minute of the last mails nothing
 * (ADR 0053), and a test that means a later request must not wait the minute out.
 */
export async function ageMailedLinks(
  db: Storage["db"],
  input: { email: string; purpose: EmailTokenPurpose; ms: number },
): Promise<void> {
  const rows = await db
    .selectFrom("email_tokens")
    .innerJoin("users", "users.id", "email_tokens.user_id")
    .select(["email_tokens.id", "email_tokens.created_at"])
    .where("users.email", "=", input.email)
    .where("email_tokens.purpose", "=", input.purpose)
    .execute();
  if (rows.length === 0) throw new Error(`no ${input.purpose} link of ${input.email} to age`);
  for (const row of rows)
    await db
      .updateTable("email_tokens")
      .set({ created_at: new Date(row.created_at.getTime() - input.ms) })
      .where("id", "=", row.id)
      .execute();
}
