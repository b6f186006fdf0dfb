import { useMySQLTestDatabase, useSQLiteTestDatabase } from "@superoauth/adapter-sql/testing";
import { StorageUnavailableError } from "@superoauth/application";
import * as oidc from "openid-client";
import { beforeEach, describe, expect, it } from "vitest";
import type { OIDCClientRecord } from "../src/index.ts";
import { clientChangedWhileIssuing, revokedWhileIssuing } from "../src/revoked-while-issuing.ts";
import {
  approveDeviceCode,
  confidentialApp,
  discover,
  pollDeviceToken,
  publicApp,
  signedInInBrowser,
  signInWithCode,
  signOutOfApp,
  silentRenewal,
} from "./authorization-driver.ts";
import { BrowserAgent, locationOf } from "./browser-agent.ts";
import { useOIDCTestServer } from "./oidc-test-server.ts";

// A token request in flight when a revoke lands, the revoke placed in the two worst spots: just
// after the request consumed what it presents (a refresh token, a code, a device code) and just
// after it saved the access token it issues. Four revokes: the person signing out of the app (its
// tokens go, its grant stays: the end-session confirmation), revoking the app (the person's
// DELETE /user/apps/:clientId), every grant of the account (a password reset, a disable, a
// deletion), the grant alone (the app revoking a refresh token, RFC 7009). Before 2026-12-05 the
// request answered 200 in each: after a sign-out its tokens worked for their lifetime (the grant
// stays), after the others they were refused at once. Now it answers invalid_grant and leaves
// none of its tokens stored.

type Revoke =
  | "sign-out of both"
  | "sign-out of the app"
  | "the app"
  | "the account"
  | "the grant"
  | "the refresh token, by the app";
type Placement = "source consumed" | "access token saved" | "approved code about to be saved";

const accountId = "user-1";

for (const [backend, useDatabase] of [
  ["SQLite", useSQLiteTestDatabase],
  ["MySQL", useMySQLTestDatabase],
] as const) {
  describe(`a token request racing a revoke, on ${backend}`, () => {
    const database = useDatabase();
    const logLines: string[] = [];
    /** When set, the revoke to run at the next such point of a token request. */
    let revokeAt: { placement: Placement; revoke: Revoke } | null = null;
    /** When set, the provider's read of the source after issuing fails (the database gone meanwhile). */
    let failTheSourceRead = false;
    /** The tokens the provider saved, since the test's last reset. */
    let saved: { model: string; id: string }[] = [];
    /** The refresh token the test is refreshing, for the app's revocation of it. */
    let refreshTokenBeingRefreshed = "";
    /** The app whose records the revoke names. */
    let revokeClientId: string = confidentialApp.clientId;
    /**
     * When set, the change its owner makes to the app just after a client-credentials token of it is
     * saved: taking a scope away, or deleting it (as the apps use cases do: the app's row, then every
     * record of the app in the store, endEveryGrantOf).
     */
    let changeAppAt: { clientId: string; change: "scope taken away" | "deleted" } | null = null;
    /** When set, what runs just after an end-session confirmation deleted the app's tokens. */
    let afterSignOutRevoke: (() => Promise<void>) | null = null;
    /** When set, the next authorization code's save says it got there, then waits for `released`. */
    let holdCodeSave: { reached: () => void; released: Promise<void> } | null = null;

    const server = useOIDCTestServer(() => {
      const store = database.storage().oidcModels;
      let consumed: { model: string; id: string } | null = null;
      const run = async (revoke: Revoke, grantId: string) => {
        const clientId = String(revokeClientId);
        if (revoke === "sign-out of the app") {
          // As the end-session confirmation (provider.ts afterRoute).
          await store.revokeTokensByAccountAndClient({ accountId, clientId });
        } else if (revoke === "sign-out of both") {
          // As the end-session confirmation with "Sign out of both", in another tab of the browser:
          // our browser session first, then the app's tokens.
          server().endBrowserSession(accountId);
          await store.revokeTokensByAccountAndClient({ accountId, clientId });
        } else if (revoke === "the app") {
          // As revokeAppAuthorization: the authorization, then the provider's records of the pair.
          server().grants.remembered.delete(`${accountId}|${clientId}`);
          await store.revokeByAccountAndClient({ accountId, clientId });
        } else if (revoke === "the refresh token, by the app") {
          // The app's own revocation (RFC 7009) of the refresh token being refreshed: a sign-out
          // in one tab while another refreshes.
          const basic = Buffer.from(`${confidentialApp.clientId}:${confidentialApp.secret}`).toString(
            "base64",
          );
          const response = await fetch(`${server().issuer}/oidc/token/revocation`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
            body: new URLSearchParams({
              token: refreshTokenBeingRefreshed,
              token_type_hint: "refresh_token",
            }),
          });
          expect(response.status).toBe(200);
        } else if (revoke === "the account") {
          server().grants.remembered.delete(`${accountId}|${clientId}`);
          await store.revokeByAccount(accountId);
        } else {
          await store.revokeByGrantId(grantId);
        }
      };
      return {
        ...store,
        revokeTokensByAccountAndClient: async (input) => {
          await store.revokeTokensByAccountAndClient(input);
          const then = afterSignOutRevoke;
          afterSignOutRevoke = null;
          await then?.();
        },
        find: async (input) => {
          if (failTheSourceRead && consumed?.model === input.model && consumed.id === input.id) {
            throw new StorageUnavailableError({ code: "ECONNRESET", message: "connection lost" });
          }
          return store.find(input);
        },
        consume: async (input) => {
          const record = await store.find(input);
          const outcome = await store.consume(input);
          consumed = { model: input.model, id: input.id };
          const revoke = revokeAt?.placement === "source consumed" ? revokeAt.revoke : null;
          if (revoke !== null) {
            revokeAt = null;
            await run(revoke, String(record?.payload.grantId));
          }
          return outcome;
        },
        upsert: async (input) => {
          if (input.model === "AuthorizationCode" && holdCodeSave !== null) {
            const held = holdCodeSave;
            holdCodeSave = null;
            held.reached();
            await held.released;
          }
          // An authorization code, or a device code's approval (it names the account then), saved
          // just after a revoke: the authorization read its grant before the revoke deleted it.
          if (
            revokeAt?.placement === "approved code about to be saved" &&
            (input.model === "AuthorizationCode" ||
              (input.model === "DeviceCode" && typeof input.payload.accountId === "string"))
          ) {
            const { revoke } = revokeAt;
            revokeAt = null;
            await run(revoke, String(input.payload.grantId));
          }
          await store.upsert(input);
          if (input.model === "ClientCredentials") saved.push({ model: input.model, id: input.id });
          if (input.model === "ClientCredentials" && changeAppAt !== null) {
            const { clientId, change } = changeAppAt;
            changeAppAt = null;
            const { clients } = server();
            const app = clients.get(clientId);
            if (change === "deleted" || app === undefined) clients.delete(clientId);
            else
              clients.set(clientId, {
                ...app,
                allowedScopes: app.allowedScopes.filter((s) => s !== "user:read"),
              });
            await store.revokeByClient(clientId);
          }
          if (input.model !== "AccessToken" && input.model !== "RefreshToken") return;
          saved.push({ model: input.model, id: input.id });
          const revoke =
            revokeAt?.placement === "access token saved" && input.model === "AccessToken"
              ? revokeAt.revoke
              : null;
          if (revoke !== null) {
            revokeAt = null;
            await run(revoke, String(input.payload.grantId));
          }
        },
      };
    }, logLines);

    /** The apps as the server started, put back after a test changed one. */
    let appsAtStart: Map<string, OIDCClientRecord> | null = null;

    beforeEach(() => {
      const { clients } = server();
      appsAtStart ??= new Map(clients);
      clients.clear();
      for (const [id, app] of appsAtStart) clients.set(id, app);
      changeAppAt = null;
      afterSignOutRevoke = null;
      holdCodeSave = null;
      revokeAt = null;
      failTheSourceRead = false;
      saved = [];
      logLines.length = 0;
      server().grants.remembered.clear();
    });

    /** Every token saved since `saved` was reset is gone from the store. */
    async function noneOfTheSavedTokensStored(): Promise<void> {
      expect(saved.length).toBeGreaterThan(0);
      const store = database.storage().oidcModels;
      for (const { model, id } of saved) {
        expect(await store.find({ model, id, now: new Date() }), `${model} still stored`).toBeNull();
      }
    }

    /**
     * After a refused exchange: the revoke ran, and no token of it is stored. Refused by the read
     * after issuing, the tokens were saved, then deleted (the log says why); refused by the library
     * (a code naming a grant that is gone), none was saved.
     */
    async function refusedWithNothingLeft(placement: Placement): Promise<void> {
      expect(revokeAt).toBeNull();
      if (placement === "approved code about to be saved") {
        expect(saved).toEqual([]);
        return;
      }
      await noneOfTheSavedTokensStored();
      refusalLogged();
    }

    /** The refusal's log line, with its reason. */
    function refusalLogged(): void {
      const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toContainEqual(
        expect.objectContaining({
          msg: "token request refused: invalid_grant",
          reason: revokedWhileIssuing.reason,
        }),
      );
    }

    /** An app's tokens for user-1 (its refresh token among them), signed in without the revoke. */
    async function signedIn(config: oidc.Configuration) {
      const { issuer } = server();
      const { tokens } = await signInWithCode({
        issuer,
        config,
        app: confidentialApp,
        scope: "openid profile offline_access",
        prompt: "consent",
      });
      if (tokens.refresh_token === undefined) throw new Error("no refresh token");
      saved = [];
      return tokens;
    }

    describe("a refresh (rotation)", () => {
      it.each([
        ["sign-out of the app", "source consumed"],
        ["sign-out of the app", "access token saved"],
        ["the app", "source consumed"],
        ["the app", "access token saved"],
        ["the account", "source consumed"],
        ["the account", "access token saved"],
        ["the grant", "source consumed"],
        ["the grant", "access token saved"],
        // The revocation endpoint read a refresh token rotated within REFRESH_REUSE_GRACE as
        // unknown, and revoked nothing: 200, and the refresh's new token worked (a review found it).
        ["the refresh token, by the app", "source consumed"],
        ["the refresh token, by the app", "access token saved"],
      ] as const)(
        "with a revoke of %s just after the %s: invalid_grant, no token of it stored, counted as rejected",
        async (revoke, placement) => {
          revokeClientId = confidentialApp.clientId;
          const { issuer, refreshes, grants } = server();
          const config = await discover(issuer, confidentialApp);
          const tokens = await signedIn(config);
          refreshTokenBeingRefreshed = tokens.refresh_token ?? "";
          const refreshesBefore = refreshes.length;
          const touchedBefore = grants.touched.length;
          revokeAt = { placement, revoke };

          await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? "")).rejects.toMatchObject({
            error: revokedWhileIssuing.body.error,
            error_description: revokedWhileIssuing.body.error_description,
            status: revokedWhileIssuing.status,
          });
          expect(revokeAt).toBeNull();
          await noneOfTheSavedTokensStored();
          refusalLogged();
          expect(refreshes.slice(refreshesBefore)).toEqual(["rejected"]);
          // "Last used" is not moved by a refused request.
          expect(grants.touched.length).toBe(touchedBefore);
        },
      );

      it("after a sign-out of the app, the grant stays: the next sign-in asks no consent, and its tokens work", async () => {
        revokeClientId = confidentialApp.clientId;
        const { issuer } = server();
        const config = await discover(issuer, confidentialApp);
        const tokens = await signedIn(config);
        revokeAt = { placement: "access token saved", revoke: "sign-out of the app" };
        await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? "")).rejects.toMatchObject({
          error: "invalid_grant",
        });
        const again = await signInWithCode({ issuer, config, app: confidentialApp, scope: "openid profile" });
        expect(again.prompts).toEqual(["login"]);
        expect(await oidc.fetchUserInfo(config, again.tokens.access_token, accountId)).toMatchObject({
          sub: accountId,
        });
      });

      it("the app revoking its refresh token just rotated (within the reuse grace) ends the grant, as it does later: the new refresh token is refused", async () => {
        revokeClientId = confidentialApp.clientId;
        const { issuer } = server();
        const config = await discover(issuer, confidentialApp);
        const tokens = await signedIn(config);
        const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? "");
        await oidc.tokenRevocation(config, tokens.refresh_token ?? "", { token_type_hint: "refresh_token" });
        await expect(oidc.refreshTokenGrant(config, rotated.refresh_token ?? "")).rejects.toMatchObject({
          error: "invalid_grant",
        });
      });

      it("with no revoke, the rotation stands: 200, counted as rotated, and the new refresh token works", async () => {
        revokeClientId = confidentialApp.clientId;
        const { issuer, refreshes } = server();
        const config = await discover(issuer, confidentialApp);
        const tokens = await signedIn(config);
        const refreshesBefore = refreshes.length;
        const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? "");
        expect(refreshes.slice(refreshesBefore)).toEqual(["rotated"]);
        await expect(oidc.refreshTokenGrant(config, rotated.refresh_token ?? "")).resolves.toMatchObject({
          token_type: "bearer",
        });
      });

      it("when the read of the refresh token after issuing fails, the tokens stand (it was spent): 200, and they work", async () => {
        revokeClientId = confidentialApp.clientId;
        const { issuer } = server();
        const config = await discover(issuer, confidentialApp);
        const tokens = await signedIn(config);
        failTheSourceRead = true;
        const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? "");
        failTheSourceRead = false;
        expect(await oidc.fetchUserInfo(config, rotated.access_token, accountId)).toMatchObject({
          sub: accountId,
        });
        const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(lines).toContainEqual(expect.objectContaining({ msg: "database unavailable" }));
      });
    });

    describe("an authorization code's exchange", () => {
      it.each([
        ["sign-out of the app", "source consumed"],
        ["sign-out of the app", "access token saved"],
        ["the account", "source consumed"],
        ["the account", "access token saved"],
        // The authorization read the grant before the revoke deleted it: its code names a grant
        // that is gone, and the library's exchange refuses it (grant not found) before issuing.
        ["the app", "approved code about to be saved"],
        ["the account", "approved code about to be saved"],
        // The sign-in check passed before the sign-out; the code is saved after it, and withdrawn
        // when the browser's session, read again, has ended (the grant stays on a sign-out).
        ["sign-out of both", "approved code about to be saved"],
      ] as const)(
        "with a revoke of %s just after the %s: invalid_grant, and no token of it stored",
        async (revoke, placement) => {
          revokeClientId = confidentialApp.clientId;
          const { issuer } = server();
          const config = await discover(issuer, confidentialApp);
          saved = [];
          revokeAt = { placement, revoke };
          await expect(
            signInWithCode({
              issuer,
              config,
              app: confidentialApp,
              scope: "openid profile offline_access",
              prompt: "consent",
            }),
          ).rejects.toMatchObject({ error: "invalid_grant", status: 400 });
          await refusedWithNothingLeft(placement);
        },
      );
    });

    describe('an authorization of the same browser during a "Sign out of both"', () => {
      it("one that checked the sign-in before the sign-out and saves its code between the sign-out's two steps gets a code that is refused (invalid_grant)", async () => {
        revokeClientId = confidentialApp.clientId;
        const { issuer } = server();
        const { config, agent, tokens } = await signedInInBrowser({
          issuer,
          app: confidentialApp,
          scope: "openid",
        });
        // A silent renewal in another tab: past the sign-in check, held just before its code is saved.
        const { url: renewal, verifier } = await silentRenewal(config, confidentialApp);
        let release = () => {};
        let reached = () => {};
        const atTheSave = new Promise<void>((resolve) => {
          reached = resolve;
        });
        holdCodeSave = {
          reached: () => reached(),
          released: new Promise<void>((resolve) => {
            release = resolve;
          }),
        };
        const renewed = agent.request(renewal.href);
        await atTheSave;
        // The sign-out lets the renewal save its code and finish just after it deleted the app's
        // tokens, before anything else it does.
        afterSignOutRevoke = async () => {
          release();
          await renewed;
        };
        const done = await signOutOfApp({
          agent,
          config,
          idToken: tokens.id_token,
          choice: { logout: "yes" },
        });
        expect(locationOf(done)).toBe("https://app.example/signed-out");
        expect(afterSignOutRevoke).toBeNull();
        const back = new URL(locationOf(await renewed) ?? "");
        expect(back.searchParams.get("code")).not.toBeNull();
        await expect(
          oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier }),
        ).rejects.toMatchObject({ error: "invalid_grant", status: 400 });
      });
    });

    describe("a client-credentials token (no source to read again)", () => {
      /** One client_credentials request of the confidential app, for `scope`. */
      const requestToken = (scope: string) =>
        fetch(`${server().issuer}/oidc/token`, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            authorization: `Basic ${Buffer.from(`${confidentialApp.clientId}:${confidentialApp.secret}`).toString("base64")}`,
          },
          body: new URLSearchParams({ grant_type: "client_credentials", scope }),
        });

      it.each(["scope taken away", "deleted"] as const)(
        "with the app's %s just after its token was saved: 503 temporarily_unavailable (Retry-After: 1), the token not stored, and the retry answered as the app now is",
        async (change) => {
          changeAppAt = { clientId: confidentialApp.clientId, change };
          const response = await requestToken("user:read");
          expect(changeAppAt).toBeNull();
          expect(response.status).toBe(clientChangedWhileIssuing.status);
          expect(response.headers.get("retry-after")).toBe("1");
          expect(await response.json()).toEqual(clientChangedWhileIssuing.body);
          await noneOfTheSavedTokensStored();
          const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
          expect(lines).toContainEqual(
            expect.objectContaining({
              msg: "token request refused",
              reason: clientChangedWhileIssuing.reason,
            }),
          );
          const retry = await requestToken("user:read");
          if (change === "deleted") expect(retry.status).toBe(401);
          else expect(await retry.json()).toMatchObject({ error: "invalid_scope" });
        },
      );

      it("with no change, the token stands and introspects active with its scope", async () => {
        const response = await requestToken("user:read");
        expect(response.status).toBe(200);
        const { access_token } = (await response.json()) as { access_token: string };
        const config = await discover(server().issuer, confidentialApp);
        await expect(oidc.tokenIntrospection(config, access_token)).resolves.toMatchObject({
          active: true,
          scope: "user:read",
        });
      });
    });

    describe("a device code's exchange", () => {
      it.each([
        ["sign-out of the app", "source consumed"],
        ["sign-out of the app", "access token saved"],
        ["the grant", "source consumed"],
        ["the grant", "access token saved"],
        // The approval read the grant before the revoke deleted it: the page still says approved.
        ["the app", "approved code about to be saved"],
        ["the account", "approved code about to be saved"],
      ] as const)(
        "with a revoke of %s just after the %s: invalid_grant, and no token of it stored",
        async (revoke, placement) => {
          revokeClientId = publicApp.clientId;
          const { issuer } = server();
          const config = await discover(issuer, publicApp);
          const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid profile" });
          const atApproval = placement === "approved code about to be saved";
          if (atApproval) revokeAt = { placement, revoke };
          const { doneHTML } = await approveDeviceCode({ agent: new BrowserAgent(issuer), issuer, started });
          expect(doneHTML).toContain('id="device-done">approved<');
          saved = [];
          if (!atApproval) revokeAt = { placement, revoke };
          const response = await pollDeviceToken({
            issuer,
            deviceCode: started.device_code,
            clientId: publicApp.clientId,
          });
          expect(response.status).toBe(revokedWhileIssuing.status);
          expect(await response.json()).toEqual(revokedWhileIssuing.body);
          expect(response.headers.get("cache-control")).toBe("no-store");
          await refusedWithNothingLeft(placement);
        },
      );
    });
  });
}
