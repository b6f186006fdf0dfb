import { useSQLiteTestDatabase } from "@superoauth/adapter-sql/testing";
import { clientOfOIDCPayload, type OIDCModelStore } from "@superoauth/application";
import * as oidc from "openid-client";
import { afterEach, describe, expect, it } from "vitest";
import { confidentialApp, discover, signInWithCode } from "./authorization-driver.ts";
import { appRecord, useOIDCTestServer } from "./oidc-test-server.ts";

// A consent in flight when a revoke lands, with the revoke placed in the worst spots: just before
// and just after the consent saves its grant. Three revokes: of every grant of the account (a
// password reset, a disable, a deletion: endEverythingOfUser), of this one app by the person
// (DELETE /user/apps/:clientId, revokeAppAuthorization), and of every grant of the app when its
// developer takes a scope away (updateApp's endEveryGrantOf). Before 2026-12-05 the grant and its
// record were written after the account's revoke, and the app was let in without a consent page
// at the account's next sign-in (a race review found it); until later that day the same held for
// the other two, whose deletes did not reach the interaction: a consent to `email` given while
// the developer took `email` away got tokens with it, and userinfo answered the address. Now the
// consent takes its grant back in each case.

const database = useSQLiteTestDatabase();
/**
 * When set, the next save of a record of `model` (the consent's Grant, or the Interaction that
 * /oidc/auth saves once its scope check is done) revokes, before or after it, everything of this
 * account (and its records), only what it has of one app, or every grant of the app as its
 * narrowing does.
 */
let revokeAtNextSave: {
  model: "Grant" | "Interaction";
  accountId: string;
  when: "before" | "after";
  of: "account" | "app" | "app's scopes";
} | null = null;

const server = useOIDCTestServer(() => {
  const store: OIDCModelStore = database.storage().oidcModels;
  return {
    ...store,
    upsert: async (input) => {
      const revoke = input.model === revokeAtNextSave?.model ? revokeAtNextSave : null;
      if (revoke === null) return store.upsert(input);
      revokeAtNextSave = null;
      const { grants, clients } = server();
      const clientId = clientOfOIDCPayload(input.payload) ?? "";
      const revokeNow = async () => {
        if (revoke.of === "account") {
          // As ThirdPartyGrants.revokeGrantsOfUser: the provider's records of the account (its
          // interactions among them) and the app authorizations, in one step.
          await store.revokeByAccount(revoke.accountId);
          for (const key of [...grants.remembered.keys()])
            if (key.startsWith(`${revoke.accountId}|`)) grants.remembered.delete(key);
        } else if (revoke.of === "app") {
          // As revokeAppAuthorization: the authorization, then the provider's records of the pair.
          grants.remembered.delete(`${revoke.accountId}|${clientId}`);
          await store.revokeByAccountAndClient({ accountId: revoke.accountId, clientId });
        } else {
          // As updateApp taking `email` away: the app's new settings, then endEveryGrantOf (every
          // person's authorization of the app, then the provider's records of the app).
          const app = clients.get(clientId);
          if (app === undefined) throw new Error(`no app ${clientId}`);
          clients.set(clientId, { ...app, allowedScopes: app.allowedScopes.filter((s) => s !== "email") });
          for (const key of [...grants.remembered.keys()])
            if (key.endsWith(`|${clientId}`)) grants.remembered.delete(key);
          await store.revokeByClient(clientId);
        }
      };
      if (revoke.when === "before") await revokeNow();
      await store.upsert(input);
      if (revoke.when === "after") await revokeNow();
    },
  };
});

describe("a consent racing a revoke of the account's grants, of its app's, or of the app's scopes", () => {
  afterEach(() => {
    // The narrowed app as it was, for the next case.
    server().clients.set(
      confidentialApp.clientId,
      appRecord({ ...confidentialApp, method: "client_secret_basic" }),
    );
  });

  it.each([
    ["account", "before", "grant"],
    ["account", "after", "grant"],
    ["app", "before", "grant"],
    ["app", "after", "grant"],
    ["app's scopes", "before", "grant"],
    ["app's scopes", "after", "grant"],
    // After /oidc/auth checked the scope against the app, before its interaction was saved: the
    // narrowing's delete finds no interaction to end, and the consent checks the app itself.
    ["app's scopes", "before", "request's interaction"],
  ] as const)(
    "with a revoke of the %s just %s the %s's save: no grant and no record left, nothing told to the log, and the next authorization asks for consent again",
    async (of, when, saved) => {
      const { issuer, grants } = server();
      const config = await discover(issuer, confidentialApp);
      const consentsBefore = grants.consents.length;
      const model = saved === "grant" ? "Grant" : "Interaction";
      revokeAtNextSave = { model, accountId: "user-1", when, of };
      // The consent is answered as an expired one: no code reaches the app.
      await expect(
        signInWithCode({ issuer, config, app: confidentialApp, scope: "openid email", prompt: "consent" }),
      ).rejects.toThrow(/expected a redirect, got 400/);
      expect(revokeAtNextSave).toBeNull();
      expect(grants.remembered.has(`user-1|${confidentialApp.clientId}`)).toBe(false);
      expect(grants.consents).toHaveLength(consentsBefore);

      // The account signs in again later: the app is not let in without the consent page (asking
      // only for what it may still have).
      const scope = of === "app's scopes" ? "openid profile" : "openid email";
      const again = await signInWithCode({ issuer, config, app: confidentialApp, scope });
      expect(again.prompts).toEqual(["login", "consent"]);
      expect(grants.consents).toHaveLength(consentsBefore + 1);
    },
  );
});

describe("two remembered consents of one (account, app), the second begun before the first was given", () => {
  it("both land in one grant: the record names it, it holds both consents' scopes, and the app revoking one device's refresh token ends the other's", async () => {
    const { issuer, grants } = server();
    const config = await discover(issuer, confidentialApp);
    const store = database.storage().oidcModels;
    const grantOf = async (refreshToken: string | undefined) =>
      (await store.find({ model: "RefreshToken", id: refreshToken ?? "", now: new Date() }))?.payload.grantId;
    let other: Awaited<ReturnType<typeof signInWithCode>> | undefined;
    // Device A opens the consent page; device B signs in and consents before A answers. Before,
    // A made a second grant (from what its page found when it opened: none), recorded it over
    // B's, and B's refresh chain lived on unlisted.
    const first = await signInWithCode({
      issuer,
      config,
      app: confidentialApp,
      scope: "openid profile offline_access",
      prompt: "consent",
      account: "user-2",
      beforeConsent: async () => {
        other = await signInWithCode({
          issuer,
          config,
          app: confidentialApp,
          scope: "openid email offline_access",
          prompt: "consent",
          account: "user-2",
        });
      },
    });
    if (other === undefined) throw new Error("the other device did not sign in");
    const grantId = await grantOf(first.tokens.refresh_token);
    expect(await grantOf(other.tokens.refresh_token)).toBe(grantId);
    const recorded = grants.remembered.get(`user-2|${confidentialApp.clientId}`);
    expect(recorded?.grantId).toBe(grantId);
    expect([...(recorded?.scopes ?? [])].sort()).toEqual(["email", "offline_access", "openid", "profile"]);

    // The app revokes device A's refresh token (RFC 7009): the one grant ends, B's refresh with it.
    await oidc.tokenRevocation(config, first.tokens.refresh_token ?? "");
    await expect(oidc.refreshTokenGrant(config, other.tokens.refresh_token ?? "")).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });
});
