import type { EmailTokenIssue, EmailTokenRepository, MailAllowance } from "@superoauth/application";
import {
  checkMailAllowance,
  type Email,
  type EmailToken,
  type EmailTokenId,
  type EmailTokenPurpose,
  emailTokenPurposes,
  supersedesOlderTokens,
  type UserId,
} from "@superoauth/domain";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Database, EmailTokensTable } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";
import { runInTransaction } from "./run-in-transaction.ts";

/** The EmailTokenRepository port over SQL. */
export function createEmailTokenRepository(context: SQLContext): EmailTokenRepository {
  const { db, dialect } = context;
  return {
    async issueEmailToken(token: EmailToken, allowance?: MailAllowance): Promise<EmailTokenIssue> {
      // A spent allowance (or a repeat, ADR 0053) is the common case of a repeated request, and
      // answered by one plain read: no transaction, no lock (the count only grows within its window,
      // and a repeat's token is superseded only by an issue, which this one would be). On SQLite
      // every statement runs on the event loop, and the mail-sending routes must cost the same
      // whoever the address belongs to (docs/performance.md, "Timing"). Under the allowance, the
      // same read under the lock below decides.
      if (allowance !== undefined) {
        const verdict = checkMailAllowance(await issuedSince(db, token, allowance.since), token, allowance);
        if (verdict !== "allowed") return verdict;
      }
      return runInTransaction(context, async (trx) => {
        // The user's row is the lock every issue for the user takes first, so concurrent issues run
        // one after the other and each supersedes the one before: at most one link stays usable.
        // Without it, two issues could both supersede the same older tokens, then both insert theirs.
        await dialect
          .forUpdate(trx.selectFrom("users").select("id").where("id", "=", token.userId))
          .execute();
        // Read again under the lock: concurrent issues cannot all count the same few, and of a
        // double tap's two issues the second sees the first's token.
        if (allowance !== undefined) {
          const verdict = checkMailAllowance(
            await issuedSince(trx, token, allowance.since),
            token,
            allowance,
          );
          if (verdict !== "allowed") return verdict;
        }
        // Superseded by primary key, not by a range UPDATE: under REPEATABLE READ a range UPDATE
        // also locks the index gap where new tokens go, and issues for neighbouring users (whose
        // tokens share that gap) then deadlock on their inserts. This plain read is the
        // transaction's first, so its snapshot is taken after the lock and sees every earlier issue.
        const unused = supersedesOlderTokens(token.purpose)
          ? await trx
              .selectFrom("email_tokens")
              .select("id")
              .where("user_id", "=", token.userId)
              .where("purpose", "=", token.purpose)
              .where("used_at", "is", null)
              .execute()
          : [];
        if (unused.length > 0) {
          await trx
            .updateTable("email_tokens")
            .set({ used_at: token.createdAt })
            .where(
              "id",
              "in",
              unused.map((row) => row.id),
            )
            .where("used_at", "is", null)
            .execute();
        }
        await trx
          .insertInto("email_tokens")
          .values({
            id: token.id,
            user_id: token.userId,
            purpose: token.purpose,
            secret_hash: token.secretHash,
            created_at: token.createdAt,
            expires_at: token.expiresAt,
            used_at: token.usedAt,
            new_email: token.newEmail,
          })
          .execute();
        return "issued" as const;
      });
    },

    async findEmailToken(id: EmailTokenId): Promise<EmailToken | null> {
      const row = await db.selectFrom("email_tokens").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? null : mapEmailTokenRow(row);
    },

    async useEmailToken(input: {
      id: EmailTokenId;
      now: Date;
      ending?: { userId: UserId; purposes: readonly EmailTokenPurpose[] };
    }): Promise<"used" | "already-used"> {
      // The conditional update is the decision: InnoDB lets one statement at a time change the row,
      // and the others then see used_at set and change nothing.
      const use = (executor: Kysely<Database> | Transaction<Database>) =>
        executor
          .updateTable("email_tokens")
          .set({ used_at: input.now })
          .where("id", "=", input.id)
          .where("used_at", "is", null)
          .executeTakeFirst();
      const { ending } = input;
      if (ending === undefined) return (await use(db)).numUpdatedRows === 1n ? "used" : "already-used";
      return runInTransaction(context, async (trx) => {
        // One such use per user at a time, in one order (the user's row, then the tokens): the
        // second finds its token ended by the first, and no two wait on each other's tokens.
        await dialect
          .forUpdate(trx.selectFrom("users").select("id").where("id", "=", ending.userId))
          .execute();
        if ((await use(trx)).numUpdatedRows !== 1n) return "already-used" as const;
        if (ending.purposes.length > 0)
          await trx
            .updateTable("email_tokens")
            .set({ used_at: input.now })
            .where("user_id", "=", ending.userId)
            .where("purpose", "in", [...ending.purposes])
            .where("used_at", "is", null)
            .execute();
        return "used" as const;
      });
    },

    async useAllEmailTokensOfUser(input: {
      userId: UserId;
      purpose: EmailTokenPurpose;
      now: Date;
    }): Promise<void> {
      await useAllUnused(db, input);
    },

    async deleteEmailTokensOfUser(input: { userId: UserId; purpose: EmailTokenPurpose }): Promise<void> {
      await db
        .deleteFrom("email_tokens")
        .where("user_id", "=", input.userId)
        .where("purpose", "=", input.purpose)
        .execute();
    },

    async findPendingEmailChange(input: {
      userId: UserId;
      now: Date;
    }): Promise<{ newEmail: Email; expiresAt: Date } | null> {
      const row = await db
        .selectFrom("email_tokens")
        .select(["new_email", "expires_at"])
        .where("user_id", "=", input.userId)
        .where("purpose", "=", "change_email")
        .where("used_at", "is", null)
        .where("expires_at", ">", input.now)
        .where("new_email", "is not", null)
        .orderBy("created_at", "desc")
        .limit(1)
        .executeTakeFirst();
      return row?.new_email == null ? null : { newEmail: row.new_email as Email, expiresAt: row.expires_at };
    },

    async countChangeLinksTo(input: { newEmail: Email; since: Date }): Promise<number> {
      // No index on new_email: a change of address is rare, and the table holds only tokens not yet
      // pruned (a day or two of them).
      const row = await db
        .selectFrom("email_tokens")
        .select((eb) => eb.fn.countAll<number | string>().as("count"))
        .where("purpose", "=", "change_email")
        .where("new_email", "=", input.newEmail)
        .where("created_at", ">=", input.since)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
  };
}

/** The user's tokens of the token's purpose issued since `since`, used or not (a few: the allowance's). */
async function issuedSince(
  db: Kysely<Database> | Transaction<Database>,
  token: EmailToken,
  since: Date,
): Promise<{ createdAt: Date; usedAt: Date | null; newEmail: Email | null }[]> {
  const rows = await db
    .selectFrom("email_tokens")
    .select(["created_at", "used_at", "new_email"])
    .where("user_id", "=", token.userId)
    .where("purpose", "=", token.purpose)
    .where("created_at", ">=", since)
    .execute();
  return rows.map((row) => ({
    createdAt: row.created_at,
    usedAt: row.used_at,
    newEmail: row.new_email as Email | null,
  }));
}

/** Marks every unused token of the user and purpose used at `now`. */
async function useAllUnused(
  db: Kysely<Database> | Transaction<Database>,
  input: { userId: UserId; purpose: EmailTokenPurpose; now: Date },
): Promise<void> {
  await db
    .updateTable("email_tokens")
    .set({ used_at: input.now })
    .where("user_id", "=", input.userId)
    .where("purpose", "=", input.purpose)
    .where("used_at", "is", null)
    .execute();
}

function mapEmailTokenRow(row: Selectable<EmailTokensTable>): EmailToken {
  return {
    id: row.id as EmailTokenId,
    userId: row.user_id as UserId,
    purpose: parsePurpose(row.purpose),
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    newEmail: row.new_email as Email | null,
  };
}

function parsePurpose(purpose: string): EmailTokenPurpose {
  const known = emailTokenPurposes.find((each) => each === purpose);
  if (known !== undefined) return known;
  // A purpose the code does not know means the data and the code disagree: that is broken, not expected.
  throw new Error(`Unknown email token purpose in the database: ${purpose}`);
}
