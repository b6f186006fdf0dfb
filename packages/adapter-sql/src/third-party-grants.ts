import type { ThirdPartyGrants } from "@superoauth/application";
import type { UserId } from "@superoauth/domain";
import type { SQLContext } from "./dialects/dialect.ts";

/**
 * The ThirdPartyGrants port over SQL: what the OpenID provider keeps of an account (its sessions,
 * grants and the tokens issued under them, ADR 0017) is deleted, so no third-party token of the user
 * works any more. The apps' own records of consent (issue 9) join here when they exist.
 */
export function createThirdPartyGrants({ db }: SQLContext): ThirdPartyGrants {
  return {
    async revokeGrantsOfUser(input: { userId: UserId }): Promise<void> {
      await db.deleteFrom("oidc_models").where("account_id", "=", input.userId).execute();
    },
  };
}
