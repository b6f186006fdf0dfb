import type { OAuthAuthorization, OAuthFlowRepository, OAuthLoginCode } from "@superoauth/application";
import { type OAuthProviderId, parseOAuthProvider, type SessionId, type UserId } from "@superoauth/domain";
import type { SQLContext } from "./dialects/dialect.ts";

/**
 * The OAuthFlowRepository port over SQL. Consuming reads the row, then
 * deletes it by key: of concurrent consumers only the one whose DELETE removed
 * the row gets it, so a state or login code works exactly once. Expired rows
 * are never used (each read checks the expiry) and the scheduled prune deletes
 * them (pruneExpiredRecords).
 */
export function createOAuthFlowRepository({ db }: SQLContext): OAuthFlowRepository {
  return {
    async saveAuthorization(authorization: OAuthAuthorization): Promise<void> {
      await db
        .insertInto("oauth_authorizations")
        .values({
          state_hash: authorization.stateHash,
          provider: authorization.provider,
          link_user_id: authorization.linkUserId,
          link_session_id: authorization.linkSessionId,
          code_challenge_hash: authorization.codeChallengeHash,
          reauthenticate_session_id: authorization.reauthenticateSessionId,
          created_at: authorization.createdAt,
          expires_at: authorization.expiresAt,
        })
        .execute();
    },

    async consumeAuthorization(input: { stateHash: string; now: Date }): Promise<OAuthAuthorization | null> {
      const row = await db
        .selectFrom("oauth_authorizations")
        .selectAll()
        .where("state_hash", "=", input.stateHash)
        .executeTakeFirst();
      if (row === undefined) return null;
      const deleted = await db
        .deleteFrom("oauth_authorizations")
        .where("state_hash", "=", input.stateHash)
        .executeTakeFirst();
      if (deleted.numDeletedRows !== 1n || row.expires_at.getTime() <= input.now.getTime()) return null;
      return {
        stateHash: row.state_hash,
        provider: providerOf(row.provider),
        linkUserId: row.link_user_id as UserId | null,
        linkSessionId: row.link_session_id as SessionId | null,
        codeChallengeHash: row.code_challenge_hash,
        reauthenticateSessionId: row.reauthenticate_session_id as SessionId | null,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      };
    },

    async saveLoginCode(code: OAuthLoginCode): Promise<void> {
      await db
        .insertInto("oauth_login_codes")
        .values({
          code_hash: code.codeHash,
          user_id: code.userId,
          provider: code.provider,
          code_challenge_hash: code.codeChallengeHash,
          created_at: code.createdAt,
          expires_at: code.expiresAt,
        })
        .execute();
    },

    async consumeLoginCode(input: { codeHash: string; now: Date }): Promise<OAuthLoginCode | null> {
      const row = await db
        .selectFrom("oauth_login_codes")
        .selectAll()
        .where("code_hash", "=", input.codeHash)
        .executeTakeFirst();
      if (row === undefined) return null;
      const deleted = await db
        .deleteFrom("oauth_login_codes")
        .where("code_hash", "=", input.codeHash)
        .executeTakeFirst();
      if (deleted.numDeletedRows !== 1n || row.expires_at.getTime() <= input.now.getTime()) return null;
      return {
        codeHash: row.code_hash,
        userId: row.user_id as UserId,
        provider: providerOf(row.provider),
        codeChallengeHash: row.code_challenge_hash,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
      };
    },
  };
}

function providerOf(raw: string): OAuthProviderId {
  const provider = parseOAuthProvider(raw);
  if (provider === null) throw new Error("An OAuth record names an unknown provider");
  return provider;
}
