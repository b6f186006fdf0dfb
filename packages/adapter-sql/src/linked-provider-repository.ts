import type { LinkedProviderRepository, LinkGuard, SignInMethods } from "@superoauth/application";
import {
  type Email,
  type ErrorCode,
  err,
  type LinkedProvider,
  type OAuthProviderId,
  ok,
  parseOAuthProvider,
  type Result,
  type User,
  type UserId,
  type UserStatus,
} from "@superoauth/domain";
import type { Selectable } from "kysely";
import type { LinkedProvidersTable } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";
import { runInTransaction } from "./run-in-transaction.ts";
import { createUserRepository } from "./user-repository.ts";

/** Thrown inside a transaction to roll it back when the link of a new user is refused. */
class LinkRefused extends Error {}

/**
 * The LinkedProviderRepository port over SQL. Both rules are indexes: the
 * primary key (user_id, provider) and the unique key (provider, subject); a
 * colliding insert answers PROVIDER_ALREADY_LINKED, however many race.
 * Removals lock the user's row first (MySQL: SELECT ... FOR UPDATE; SQLite: the
 * write lock of the transaction), so the removals of one user's links take turns
 * and each sees what the previous one left.
 */
export function createLinkedProviderRepository(context: SQLContext): LinkedProviderRepository {
  const { db, dialect } = context;
  return {
    async linkProvider<E extends ErrorCode = never>(
      link: LinkedProvider,
      guard?: LinkGuard<E>,
    ): Promise<Result<void, "PROVIDER_ALREADY_LINKED" | E>> {
      if (guard === undefined) return insertLink(context, link);
      return runInTransaction(context, async (trx) => {
        // The user's row first, as every writer to one account takes it (ADR 0056): a change of
        // password, an undone change of address or a disable that holds it commits before this
        // read, which then sees it.
        const user = await dialect
          .forUpdate(
            trx
              .selectFrom("users")
              .select(["email", "email_verified", "password_hash", "status"])
              .where("id", "=", link.userId),
          )
          .executeTakeFirst();
        // A locking read of the session: a sign-out that ended it has committed (and is seen), or
        // waits for this link's commit and ends the session over it.
        const session =
          user === undefined || guard.sessionId === undefined
            ? undefined
            : await dialect
                .forUpdate(
                  trx
                    .selectFrom("sessions")
                    .select(["user_id", "revoked_at"])
                    .where("id", "=", guard.sessionId),
                )
                .executeTakeFirst();
        const allowed = guard.mayLink(
          user === undefined
            ? null
            : {
                user: {
                  email: user.email as Email,
                  emailVerified: user.email_verified === 1,
                  passwordHash: user.password_hash,
                  status: user.status as UserStatus,
                },
                sessionLive: session?.user_id === link.userId && session.revoked_at === null,
              },
        );
        if (!allowed.ok) return allowed;
        return insertLink({ db: trx, dialect }, link);
      });
    },

    async createUserWithLinkedProvider(input: {
      user: User;
      link: LinkedProvider;
    }): Promise<Result<void, "USER_EXISTS" | "PROVIDER_ALREADY_LINKED">> {
      try {
        return await runInTransaction(context, async (trx) => {
          const inserted = await createUserRepository({ db: trx, dialect }).insertUser(input.user);
          // A refused insert wrote nothing: committing the transaction commits nothing.
          if (!inserted.ok) return inserted;
          const linked = await createLinkedProviderRepository({ db: trx, dialect }).linkProvider(input.link);
          if (!linked.ok) throw new LinkRefused();
          return ok(undefined);
        });
      } catch (error) {
        // The user row went with the rolled-back transaction; any other failure rolled it back too.
        if (error instanceof LinkRefused) return err("PROVIDER_ALREADY_LINKED");
        throw error;
      }
    },

    async findLinkedProvider(input: {
      provider: OAuthProviderId;
      subject: string;
    }): Promise<LinkedProvider | null> {
      const row = await db
        .selectFrom("linked_providers")
        .selectAll()
        .where("provider", "=", input.provider)
        .where("subject", "=", input.subject)
        .executeTakeFirst();
      return row === undefined ? null : mapLinkedProviderRow(row);
    },

    async listLinkedProvidersOfUser(userId: UserId): Promise<LinkedProvider[]> {
      const rows = await db
        .selectFrom("linked_providers")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("linked_at")
        .orderBy("provider")
        .execute();
      return rows.map(mapLinkedProviderRow);
    },

    async unlinkProvider(input: {
      userId: UserId;
      provider: OAuthProviderId;
      mayUnlink: (account: SignInMethods) => Result<void, "PROVIDER_NOT_LINKED" | "CANNOT_UNLINK_LAST_AUTH">;
    }): Promise<Result<void, "USER_NOT_FOUND" | "PROVIDER_NOT_LINKED" | "CANNOT_UNLINK_LAST_AUTH">> {
      return runInTransaction(context, async (trx) => {
        // The user's row is the lock every removal of its links takes first. Without it, two
        // removals could each read two links, each allow its own, and leave no way to sign in.
        const user = await dialect
          .forUpdate(trx.selectFrom("users").select("password_hash").where("id", "=", input.userId))
          .executeTakeFirst();
        if (user === undefined) return err("USER_NOT_FOUND");
        // A locking read: it sees the latest committed links, not the transaction's snapshot.
        const rows = await dialect
          .forUpdate(
            trx
              .selectFrom("linked_providers")
              .selectAll()
              .where("user_id", "=", input.userId)
              .orderBy("linked_at")
              .orderBy("provider"),
          )
          .execute();
        const allowed = input.mayUnlink({
          hasPassword: user.password_hash !== null,
          linked: rows.map(mapLinkedProviderRow),
        });
        if (!allowed.ok) return allowed;
        const deleted = await trx
          .deleteFrom("linked_providers")
          .where("user_id", "=", input.userId)
          .where("provider", "=", input.provider)
          .executeTakeFirst();
        return deleted.numDeletedRows > 0n ? ok(undefined) : err("PROVIDER_NOT_LINKED");
      });
    },
  };
}

async function insertLink(
  { db, dialect }: SQLContext,
  link: LinkedProvider,
): Promise<Result<void, "PROVIDER_ALREADY_LINKED">> {
  try {
    await db
      .insertInto("linked_providers")
      .values({
        user_id: link.userId,
        provider: link.provider,
        subject: link.subject,
        email: link.email,
        display_name: link.displayName?.slice(0, 255) ?? null,
        linked_at: link.linkedAt,
      })
      .execute();
    return ok(undefined);
  } catch (error) {
    if (dialect.isUniqueViolation(error)) return err("PROVIDER_ALREADY_LINKED");
    throw error;
  }
}

function mapLinkedProviderRow(row: Selectable<LinkedProvidersTable>): LinkedProvider {
  const provider = parseOAuthProvider(row.provider);
  // A provider the code does not know means the data and the code disagree: broken, not expected.
  if (provider === null)
    throw new Error(`linked_providers row of user ${row.user_id} has an unknown provider`);
  return {
    userId: row.user_id as UserId,
    provider,
    subject: row.subject,
    email: row.email as Email | null,
    displayName: row.display_name,
    linkedAt: row.linked_at,
  };
}
