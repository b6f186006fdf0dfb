import { useSQLiteTestDatabase } from "@superoauth/adapter-sql/testing";
import type { OIDCModelStore } from "@superoauth/application";
import { describe, expect, it } from "vitest";
import { confidentialApp, discover, signInWithCode } from "./authorization-driver.ts";
import { useOIDCTestServer } from "./oidc-test-server.ts";

// A consent in flight when a revoke of every grant of the account lands (a password reset, a
// disable, a deletion: endEverythingOfUser), with the revoke placed in the worst spot: after the
// consent read its interaction, before it saved the grant. Before 2026-12-05 the grant and its
// record were written after the revoke, and the app was let in without a consent page at the
// account's next sign-in (a race review found it). Now the consent takes both back.

const database = useSQLiteTestDatabase();
/** When set, the next save of a Grant revokes everything of this account (and its records), before or after it. */
let revokeAtNextGrantSave: { accountId: string; when: "before" | "after" } | null = null;

const server = useOIDCTestServer(() => {
  const store: OIDCModelStore = database.storage().oidcModels;
  return {
    ...store,
    upsert: async (input) => {
      const revoke = input.model === "Grant" ? revokeAtNextGrantSave : null;
      if (revoke === null) return store.upsert(input);
      revokeAtNextGrantSave = null;
      // As ThirdPartyGrants.revokeGrantsOfUser: the provider's records of the account (its
      // interactions among them) and the app authorizations, in one step.
      const revokeEverything = async () => {
        await store.revokeByAccount(revoke.accountId);
        const { grants } = server();
        for (const key of [...grants.remembered.keys()])
          if (key.startsWith(`${revoke.accountId}|`)) grants.remembered.delete(key);
      };
      if (revoke.when === "before") await revokeEverything();
      await store.upsert(input);
      if (revoke.when === "after") await revokeEverything();
    },
  };
});

describe("a consent racing a revoke of the account's grants", () => {
  it.each(["before", "after"] as const)(
    "with the revoke just %s the grant's save: no grant and no record left, nothing told to the log, and the next authorization asks for consent again",
    async (when) => {
      const { issuer, grants } = server();
      const config = await discover(issuer, confidentialApp);
      const consentsBefore = grants.consents.length;
      revokeAtNextGrantSave = { accountId: "user-1", when };
      // The consent is answered as an expired one: no code reaches the app.
      await expect(
        signInWithCode({ issuer, config, app: confidentialApp, scope: "openid email", prompt: "consent" }),
      ).rejects.toThrow(/expected a redirect, got 400/);
      expect(revokeAtNextGrantSave).toBeNull();
      expect(grants.remembered.has(`user-1|${confidentialApp.clientId}`)).toBe(false);
      expect(grants.consents).toHaveLength(consentsBefore);

      // The account signs in again later: the app is not let in without the consent page.
      const again = await signInWithCode({ issuer, config, app: confidentialApp, scope: "openid email" });
      expect(again.prompts).toEqual(["login", "consent"]);
      expect(grants.consents).toHaveLength(consentsBefore + 1);
    },
  );
});
