import { useSQLiteTestDatabase } from "@superoauth/adapter-sql/testing";
import { clientOfOIDCPayload, type OIDCModelStore } from "@superoauth/application";
import * as oidc from "openid-client";
import { afterEach, describe, expect, it } from "vitest";
import {
  authorizeInBrowser,
  confidentialApp,
  discover,
  otherApp,
  postApp,
  signInWithCode,
  type TestApp,
} from "./authorization-driver.ts";
import { BrowserAgent, locationOf } from "./browser-agent.ts";
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
  model: "Grant" | "Interaction" | "ConsentAnswer";
  accountId: string;
  when: "before" | "after";
  of: "account" | "app" | "app's scopes";
} | null = null;

/**
 * When set, the next save of a Grant (a consent's) runs `run` just before or just after it: another
 * consent of the same pair, given whole in that spot.
 */
let atNextGrantSave: { when: "before" | "after"; run: () => Promise<void> } | null = null;

const server = useOIDCTestServer(() => {
  const store: OIDCModelStore = database.storage().oidcModels;
  return {
    ...store,
    // The consent answer's claim, written before the grant: a revoke just before it.
    claim: async (input) => {
      const revoke = input.model === revokeAtNextSave?.model ? revokeAtNextSave : null;
      if (revoke !== null) {
        revokeAtNextSave = null;
        await revokeOf(revoke, clientOfOIDCPayload(input.payload) ?? "");
      }
      return store.claim(input);
    },
    upsert: async (input) => {
      const other = input.model === "Grant" ? atNextGrantSave : null;
      if (other !== null) {
        atNextGrantSave = null;
        if (other.when === "before") await other.run();
        await store.upsert(input);
        if (other.when === "after") await other.run();
        return;
      }
      const revoke = input.model === revokeAtNextSave?.model ? revokeAtNextSave : null;
      if (revoke === null) return store.upsert(input);
      revokeAtNextSave = null;
      const revokeNow = () => revokeOf(revoke, clientOfOIDCPayload(input.payload) ?? "");
      if (revoke.when === "before") await revokeNow();
      await store.upsert(input);
      if (revoke.when === "after") await revokeNow();
    },
  };
});

/** Revokes, as `revoke.of` says, what the account has, what it has of one app, or the app's grants. */
async function revokeOf(revoke: NonNullable<typeof revokeAtNextSave>, clientId: string): Promise<void> {
  const store: OIDCModelStore = database.storage().oidcModels;
  const { grants, clients } = server();
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
}

/** The Grant records of one (account, app) in the store. */
const grantsOf = async (accountId: string, clientId: string) =>
  (
    await database
      .db()
      .selectFrom("oidc_models")
      .select("id")
      .where("model", "=", "Grant")
      .where("account_id", "=", accountId)
      .where("client_id", "=", clientId)
      .execute()
  ).map((row) => row.id);

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
    // After the consent read its interaction, before it claimed the page's answer: the revoke ended
    // the interaction and could not meet the claim.
    ["account", "before", "answer's claim"],
    ["app", "before", "answer's claim"],
    ["app's scopes", "before", "answer's claim"],
  ] as const)(
    "with a revoke of the %s just %s the %s's save: no grant and no record left, nothing told to the log, and the next authorization asks for consent again",
    async (of, when, saved) => {
      const { issuer, grants } = server();
      const config = await discover(issuer, confidentialApp);
      const consentsBefore = grants.consents.length;
      const model =
        saved === "grant" ? "Grant" : saved === "answer's claim" ? "ConsentAnswer" : "Interaction";
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

describe("two remembered consents of one (account, app) at once: the second to record chooses again", () => {
  /**
   * Consent A (`profile`) with a whole consent B (`email`) of the same account and app placed just
   * before or just after A saves its grant; both remembered, both with `offline_access`.
   */
  async function consentsAtOnce(input: { account: string; app: TestApp; when: "before" | "after" }) {
    const { issuer, grants } = server();
    const { account, app } = input;
    const config = await discover(issuer, app);
    const consent = (scope: string, beforeConsent?: () => Promise<void>) =>
      signInWithCode({
        issuer,
        config,
        app,
        scope,
        prompt: "consent",
        account,
        ...(beforeConsent === undefined ? {} : { beforeConsent }),
      });
    let other: Awaited<ReturnType<typeof signInWithCode>> | undefined;
    const first = await consent("openid profile offline_access", async () => {
      atNextGrantSave = {
        when: input.when,
        run: async () => {
          other = await consent("openid email offline_access");
        },
      };
    });
    if (other === undefined) throw new Error("the other consent was not given");
    const recorded = grants.remembered.get(`${account}|${app.clientId}`);
    expect(await grantsOf(account, app.clientId)).toEqual([recorded?.grantId]);
    expect([...(recorded?.scopes ?? [])].sort()).toEqual(["email", "offline_access", "openid", "profile"]);
    return { config, first, other };
  }

  it("the first consents of a pair: one grant, holding both consents' scopes, and the loser's own grant gone", async () => {
    // A saves the grant it made (none was recorded), and B consents whole before A records it. Before,
    // A's record replaced B's, and B's grant lived on beside it with B's refresh token, unlisted.
    const { config, first, other } = await consentsAtOnce({
      account: "user-2",
      app: otherApp,
      when: "after",
    });
    expect(first.tokens.scope?.split(" ").sort()).toEqual(["offline_access", "openid", "profile"]);
    expect(other.tokens.scope?.split(" ").sort()).toEqual(["email", "offline_access", "openid"]);
    // One grant: the app revoking A's refresh token (RFC 7009) ends B's too.
    await oidc.tokenRevocation(config, first.tokens.refresh_token ?? "");
    await expect(oidc.refreshTokenGrant(config, other.tokens.refresh_token ?? "")).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });

  it("extending a remembered grant: neither consent's scopes are lost, in the grant or its record", async () => {
    // A remembered grant of `openid offline_access` first. Then A has read it and added `profile`; B
    // reads the same grant, adds `email`, saves and records it; then A saves its copy, without
    // `email`. Before, A's record said so too, and B's refreshed tokens lost `email`.
    const { issuer } = server();
    await signInWithCode({
      issuer,
      config: await discover(issuer, postApp),
      app: postApp,
      scope: "openid offline_access",
      prompt: "consent",
      account: "user-1",
    });
    const { config, first, other } = await consentsAtOnce({
      account: "user-1",
      app: postApp,
      when: "before",
    });
    const refreshedA = await oidc.refreshTokenGrant(config, first.tokens.refresh_token ?? "");
    const refreshedB = await oidc.refreshTokenGrant(config, other.tokens.refresh_token ?? "");
    expect(refreshedA.scope?.split(" ").sort()).toEqual(["offline_access", "openid", "profile"]);
    expect(refreshedB.scope?.split(" ").sort()).toEqual(["email", "offline_access", "openid"]);
  });

  it("a consent that keeps losing to others' records gives up after five rounds: 503, and no grant of its own left", async () => {
    const { issuer, grants } = server();
    const account = "user-2";
    const app = postApp;
    const config = await discover(issuer, app);
    const record = grants.record.bind(grants);
    let rounds = 0;
    try {
      await expect(
        signInWithCode({
          issuer,
          config,
          app,
          scope: "openid",
          prompt: "consent",
          account,
          beforeConsent: async () => {
            // Another consent of the pair records first, every time.
            grants.record = async () => {
              rounds += 1;
              return false;
            };
          },
        }),
      ).rejects.toThrow(/got 503: busy/);
    } finally {
      grants.record = record;
    }
    expect(rounds).toBe(5);
    expect(await grantsOf(account, app.clientId)).toEqual([]);
    expect(grants.remembered.has(`${account}|${app.clientId}`)).toBe(false);
  });
});

describe("one consent page answered twice (a double submit, a duplicated tab)", () => {
  it("the second answer writes nothing and waits for the first: the person's live grant and its record stay", async () => {
    const { issuer, grants } = server();
    const app = postApp;
    const account = "user-2";
    const config = await discover(issuer, app);
    // A remembered grant in use on one device.
    const device1 = await signInWithCode({
      issuer,
      config,
      app,
      scope: "openid offline_access",
      prompt: "consent",
      account,
    });
    // Another authorization in a browser whose consent page is answered twice: the second answer
    // comes just after the first saved its grant, and its browser goes on to the authorization. A
    // review found that, before, the first answer then found its interaction finished by the second,
    // took the grant back as after a revoke, and device 1's tokens stopped working.
    const agent = new BrowserAgent(issuer);
    const request = agent.request.bind(agent);
    let consentPath: string | undefined;
    agent.request = (url, init) => {
      if (/\/interaction\/[^/]+\/consent/.test(url)) consentPath = url;
      return request(url, init);
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: app.redirectURI,
      scope: "openid offline_access",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
      state: oidc.randomState(),
      prompt: "consent",
    });
    const consentsBefore = grants.consents.length;
    await authorizeInBrowser({
      agent,
      issuer,
      url,
      account,
      beforeConsent: async () => {
        atNextGrantSave = {
          when: "after",
          run: async () => {
            let response = await request(consentPath ?? "", { method: "POST" });
            for (let hop = 0; hop < 4; hop += 1) {
              const location = locationOf(response);
              if (location === null || new URL(location, issuer).origin !== new URL(issuer).origin) break;
              response = await request(new URL(location, issuer).href);
            }
          },
        };
      },
    }).catch(() => undefined);

    const recorded = grants.remembered.get(`${account}|${app.clientId}`);
    expect(await grantsOf(account, app.clientId)).toEqual([recorded?.grantId]);
    await expect(oidc.refreshTokenGrant(config, device1.tokens.refresh_token ?? "")).resolves.toMatchObject({
      token_type: expect.stringMatching(/^bearer$/i),
    });
    // One answer was given: the security log was told of one consent.
    expect(grants.consents.length - consentsBefore).toBe(1);
  });
});
