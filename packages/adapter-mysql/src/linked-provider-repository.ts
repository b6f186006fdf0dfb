import type { LinkedProviderRepository } from "@superoauth/application";
import {
  type Email,
  err,
  type LinkedProvider,
  type OAuthProviderId,
  ok,
  parseOAuthProvider,
  type Result,
  type UserId,
} from "@superoauth/domain";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Database, LinkedProvidersTable } from "./database.ts";
import { isDuplicateKeyError } from "./mysql-errors.ts";

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * The LinkedProviderRepository port over MySQL. Both rules are indexes: the
 * primary key (user_id, provider) and the unique key (provider, subject); a
 * colliding insert answers PROVIDER_ALREADY_LINKED, however many race.
 */
export function createLinkedProviderRepository(db: Executor): LinkedProviderRepository {
  return {
    async linkProvider(link: LinkedProvider): Promise<Result<void, "PROVIDER_ALREADY_LINKED">> {
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
        if (isDuplicateKeyError(error)) return err("PROVIDER_ALREADY_LINKED");
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

    async unlinkProvider(input: { userId: UserId; provider: OAuthProviderId }): Promise<boolean> {
      const result = await db
        .deleteFrom("linked_providers")
        .where("user_id", "=", input.userId)
        .where("provider", "=", input.provider)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
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
