import type { ThirdPartyGrants } from "@superoauth/application";
import type { UserId } from "@superoauth/domain";
import type { SQLContext } from "./dialects/dialect.ts";
import { runInTransaction } from "./run-in-transaction.ts";

/**
 * The ThirdPartyGrants port over SQL: what the OpenID provider keeps of an account (its sessions,
 * grants and the tokens issued under them, ADR 0017) is deleted, so no third-party token of the user
 * works any more, and so are the user's authorizations of apps (ADR 0020), in one transaction.
 */
export function createThirdPartyGrants(context: SQLContext): ThirdPartyGrants {
  return {
    async revokeGrantsOfUser(input: { userId: UserId }): Promise<void> {
      await runInTransaction(context, async (trx) => {
        await trx.deleteFrom("oidc_models").where("account_id", "=", input.userId).execute();
        await trx.deleteFrom("app_authorizations").where("user_id", "=", input.userId).execute();
      });
    },
  };
}
