import type { AppScope } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { authorizeAppForTest } from "../../testing/in-memory-apps.ts";
import { registerAccount, unwrap, verifyAddress } from "../../testing/use-case-helpers.ts";
import { authenticateAccessToken, authenticateCaller } from "../sessions/authenticate-access-token.ts";
import { listAuthorizedApps } from "./authorized-apps.ts";
import { findAppGrant, findClient, recordAppGrant, touchAppGrant } from "./provider-clients.ts";
import { registerApp } from "./register-app.ts";

const settings = {
  name: "Printer",
  redirectURIs: ["https://printer.example/cb"],
  allowedScopes: ["openid", "user:read"],
  type: "confidential",
};

describe("registering an app", () => {
  it("waits for the owner's address to be proven: EMAIL_NOT_VERIFIED, nothing written, then registers (ADR 0043)", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps);
    expect(await registerApp(deps, { owner: user, settings })).toEqual({
      ok: false,
      error: "EMAIL_NOT_VERIFIED",
      message: "Verify your email address before registering an app: open the link we mailed to it",
    });
    expect(await deps.apps.listAppsByOwner(user.id)).toEqual([]);
    expect(deps.securityEvents.all().filter((event) => event.type === "app_registered")).toEqual([]);
    const verified = await verifyAddress(deps, user.id);
    const { app } = unwrap(await registerApp(deps, { owner: verified, settings }));
    expect((await deps.apps.listAppsByOwner(user.id)).map((listed) => listed.clientId)).toEqual([
      app.clientId,
    ]);
  });
});

describe("the provider's view of apps", () => {
  it("finds a registered client with its secret hash, and a public one without", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps, { verified: true });
    const confidential = unwrap(
      await registerApp(deps, {
        owner: user,
        settings: { ...settings, requirePKCE: false, backchannelLogoutURI: "https://printer.example/logout" },
      }),
    );
    expect(await findClient(deps, { clientId: confidential.app.clientId })).toEqual({
      clientId: confidential.app.clientId,
      name: "Printer",
      logoURL: null,
      homepageURL: null,
      redirectURIs: ["https://printer.example/cb"],
      postLogoutRedirectURIs: [],
      allowedScopes: ["openid", "user:read"],
      type: "confidential",
      tokenEndpointAuthMethod: "client_secret_basic",
      idTokenSigningAlg: "ES256",
      requirePKCE: false,
      backchannelLogoutURI: "https://printer.example/logout",
      secretHash: deps.secretHasher.hashSecret(confidential.clientSecret ?? ""),
    });
    const publicApp = unwrap(
      await registerApp(deps, {
        owner: user,
        settings: { ...settings, type: "public", idTokenSigningAlg: "RS256" },
      }),
    );
    expect(await findClient(deps, { clientId: publicApp.app.clientId })).toMatchObject({
      type: "public",
      tokenEndpointAuthMethod: "none",
      idTokenSigningAlg: "RS256",
      requirePKCE: true,
      backchannelLogoutURI: null,
      secretHash: null,
    });
    expect(await findClient(deps, { clientId: "unknown" })).toBeNull();
    expect(confidential.app.clientId).not.toBe(publicApp.app.clientId);
  });

  it("records, finds and touches the user's grant, keeping only known scopes", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps, { verified: true });
    const { app } = unwrap(await registerApp(deps, { owner: user, settings }));
    const pair = { accountId: user.id, clientId: app.clientId };
    expect(await findAppGrant(deps, pair)).toBeNull();
    const grant = { ...pair, grantId: "grant-1", scopes: ["openid", "user:read", "made-up"] };
    expect(await recordAppGrant(deps, { ...grant, replacing: null })).toBe(true);
    expect(await findAppGrant(deps, pair)).toEqual({ grantId: "grant-1", scopes: ["openid", "user:read"] });
    // Recorded over what was read: another consent's record came first, so nothing is written.
    expect(await recordAppGrant(deps, { ...grant, grantId: "grant-2", replacing: null })).toBe(false);
    expect(
      await recordAppGrant(deps, {
        ...grant,
        grantId: "grant-2",
        replacing: { grantId: "grant-1", scopes: ["openid"] },
      }),
    ).toBe(false);
    expect(await findAppGrant(deps, pair)).toEqual({ grantId: "grant-1", scopes: ["openid", "user:read"] });
    // What findAppGrant answered is what replaces.
    const read = await findAppGrant(deps, pair);
    expect(await recordAppGrant(deps, { ...grant, scopes: ["openid"], replacing: read })).toBe(true);
    expect(await findAppGrant(deps, pair)).toEqual({ grantId: "grant-1", scopes: ["openid"] });
    // A row holding a scope this release does not know (a newer release's, during an upgrade) is
    // replaced by a consent that read it, not refused for ever.
    await deps.appAuthorizations.recordAuthorization({
      userId: user.id,
      clientId: app.clientId,
      grantId: "grant-1",
      scopes: ["openid", "future:scope" as AppScope],
      now: deps.clock.now(),
      replacing: { grantId: "grant-1", scopes: ["openid"] },
    });
    const withUnknown = await findAppGrant(deps, pair);
    expect(withUnknown?.scopes).toEqual(["openid", "future:scope"]);
    expect(await recordAppGrant(deps, { ...grant, scopes: ["openid"], replacing: withUnknown })).toBe(true);
    expect(await findAppGrant(deps, pair)).toEqual({ grantId: "grant-1", scopes: ["openid"] });
    deps.clock.advance(60_000);
    await touchAppGrant(deps, pair);
    expect(
      await deps.appAuthorizations.findAuthorization({ userId: user.id, clientId: app.clientId }),
    ).toMatchObject({
      lastUsedAt: deps.clock.now(),
    });
  });
});

describe("the apps a person authorized", () => {
  it("are listed while the provider's Grant lives, and not once it has ended or expired", async () => {
    const deps = createInMemoryDependencies();
    const { user } = await registerAccount(deps, { verified: true });
    const clientIds: string[] = [];
    for (const name of ["Printer", "Scanner", "Plotter"]) {
      clientIds.push(
        unwrap(await registerApp(deps, { owner: user, settings: { ...settings, name } })).app.clientId,
      );
    }
    const now = deps.clock.now();
    for (const clientId of clientIds) {
      await authorizeAppForTest(deps, {
        userId: user.id,
        clientId,
        grantId: `grant-${clientId}`,
        scopes: ["openid"],
        now,
      });
    }
    const listed = async () =>
      unwrap(await listAuthorizedApps(deps, { userId: user.id }))
        .map((app) => app.name)
        .sort();
    expect(await listed()).toEqual(["Plotter", "Printer", "Scanner"]);

    // The app revoked its refresh token (the provider destroys the grant) ...
    await deps.oidcModels.destroy({ model: "Grant", id: `grant-${clientIds[1]}` });
    // ... and another consent ran out.
    await deps.oidcModels.upsert({
      model: "Grant",
      id: `grant-${clientIds[2]}`,
      payload: { accountId: user.id, clientId: clientIds[2], kind: "Grant" },
      expiresAt: new Date(now.getTime() + 1000),
    });
    deps.clock.advance(1000);

    expect(await listed()).toEqual(["Printer"]);
  });
});

/** A user who authorized app "c" (openid, user:read), and that app's access token "opaque". */
async function withAppToken() {
  const deps = createInMemoryDependencies();
  const { user } = await registerAccount(deps);
  await deps.appAuthorizations.recordAuthorization({
    userId: user.id,
    clientId: "c",
    grantId: "g",
    scopes: ["openid", "user:read"],
    now: deps.clock.now(),
    replacing: null,
  });
  deps.thirdPartyAccessTokens.issue("opaque", {
    userId: user.id,
    clientId: "c",
    scopes: ["openid", "user:read"],
  });
  return { deps, user };
}

describe("an app's access token", () => {
  it("is refused by authenticateAccessToken with INSUFFICIENT_SCOPE, and admitted by authenticateCaller on GET /auth/me with user:read, touching the authorization", async () => {
    const { deps, user } = await withAppToken();
    expect(await authenticateAccessToken(deps, { token: "opaque" })).toMatchObject({
      ok: false,
      error: "INSUFFICIENT_SCOPE",
    });
    deps.clock.advance(60_000);
    const caller = unwrap(await authenticateCaller(deps, { token: "opaque", route: "GET /auth/me" }));
    expect(caller).toEqual({
      user,
      app: { userId: user.id, clientId: "c", scopes: ["openid", "user:read"] },
    });
    expect(await deps.appAuthorizations.findAuthorization({ userId: user.id, clientId: "c" })).toMatchObject({
      lastUsedAt: deps.clock.now(),
    });
    expect(await authenticateCaller(deps, { token: "opaque", route: "GET /auth/sessions" })).toMatchObject({
      ok: false,
      error: "INSUFFICIENT_SCOPE",
    });
    expect(await authenticateCaller(deps, { token: "unknown", route: "GET /auth/me" })).toMatchObject({
      ok: false,
      error: "INVALID_TOKEN",
    });
  });

  it("refused on a route no scope opens, does not mark the authorization used", async () => {
    const { deps, user } = await withAppToken();
    const before = await deps.appAuthorizations.findAuthorization({ userId: user.id, clientId: "c" });
    deps.clock.advance(60_000);
    expect(await authenticateAccessToken(deps, { token: "opaque" })).toMatchObject({
      ok: false,
      error: "INSUFFICIENT_SCOPE",
    });
    expect(await deps.appAuthorizations.findAuthorization({ userId: user.id, clientId: "c" })).toEqual(
      before,
    );
  });
});
