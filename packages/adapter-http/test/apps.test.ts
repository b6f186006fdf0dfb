import { authorizeAppForTest } from "@superoauth/application/testing";
import type { UserId } from "@superoauth/domain";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestApp,
  expectError,
  getMe,
  messageOf,
  otherRegistration,
  refresh,
  registerUser,
  type SignedInData,
  type TestDependencies,
  verifyAddressOf,
} from "./test-app.ts";

let app: FastifyInstance;
let deps: TestDependencies;
let ada: SignedInData;
beforeEach(async () => {
  ({ app, deps } = await buildTestApp());
  ada = await verifiedUser();
});
afterEach(async () => {
  await app.close();
});

const registration = {
  name: "Photo printer",
  logoURL: "https://printer.example/logo.png",
  redirectURIs: ["https://printer.example/callback"],
  allowedScopes: ["openid", "profile", "user:read"],
  type: "confidential",
};

/** An account whose address is verified, as its mailed link would (registering an app waits for it). */
async function verifiedUser(body?: Record<string, unknown>): Promise<SignedInData> {
  const signedUp = await registerUser(app, body);
  await verifyAddressOf(deps, signedUp.user);
  return signedUp;
}

function call(
  method: "GET" | "POST" | "PATCH" | "DELETE",
  url: string,
  accessToken: string,
  payload?: unknown,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url: `/api/v1${url}`,
    headers: bearer(accessToken),
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

async function registerApp(accessToken = ada.accessToken, body: unknown = registration) {
  const response = await call("POST", "/apps", accessToken, body);
  expect(response.statusCode).toBe(201);
  return response.json().data as { app: { clientId: string }; clientSecret: string | null };
}

/** Makes the session's last proof older than REAUTH_MAX_AGE; answers a live access token of it (refreshing does not renew the proof). */
async function letProofGoStale(): Promise<string> {
  deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
  const response = await refresh(app, ada.refreshToken);
  expect(response.statusCode).toBe(200);
  return response.json().data.accessToken;
}

describe("POST /api/v1/apps", () => {
  it("answers EMAIL_NOT_VERIFIED 403 to an account whose address is not verified, creating nothing; 201 once it is (ADR 0043)", async () => {
    const grace = await registerUser(app, otherRegistration);
    const refused = await call("POST", "/apps", grace.accessToken, registration);
    expectError(refused, "EMAIL_NOT_VERIFIED", 403);
    expect(messageOf(refused)).toBe(
      "Verify your email address before registering an app: open the link we mailed to it",
    );
    expect((await call("GET", "/apps", grace.accessToken)).json().data.apps).toEqual([]);
    await verifyAddressOf(deps, grace.user);
    const { app: created } = await registerApp(grace.accessToken);
    const listed = (await call("GET", "/apps", grace.accessToken)).json().data.apps;
    expect(listed.map((listedApp: { clientId: string }) => listedApp.clientId)).toEqual([created.clientId]);
  });

  it("registers a confidential app and shows its secret once, storing only its hash", async () => {
    const response = await call("POST", "/apps", ada.accessToken, registration);
    expect(response.statusCode).toBe(201);
    expect(response.headers["cache-control"]).toBe("no-store");
    const { app: created, clientSecret } = response.json().data;
    expect(created).toEqual({
      clientId: expect.stringMatching(/^[A-Za-z0-9_-]{22,}$/),
      name: "Photo printer",
      logoURL: "https://printer.example/logo.png",
      homepageURL: null,
      redirectURIs: ["https://printer.example/callback"],
      postLogoutRedirectURIs: [],
      allowedScopes: ["openid", "profile", "user:read"],
      type: "confidential",
      tokenEndpointAuthMethod: "client_secret_basic",
      idTokenSigningAlg: "ES256",
      requirePKCE: true,
      backchannelLogoutURI: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    const stored = await deps.apps.findApp(created.clientId);
    expect(stored?.secretHash).toBe(deps.secretHasher.hashSecret(clientSecret));
    expect(JSON.stringify(stored)).not.toContain(clientSecret);
    // Never shown again.
    expect(
      JSON.stringify((await call("GET", `/apps/${created.clientId}`, ada.accessToken)).json()),
    ).not.toContain(clientSecret);
  });

  it("registers a public app without a secret", async () => {
    const { app: created, clientSecret } = await registerApp(ada.accessToken, {
      ...registration,
      type: "public",
    });
    expect(clientSecret).toBeNull();
    expect(created).toMatchObject({ type: "public", tokenEndpointAuthMethod: "none", requirePKCE: true });
  });

  it("lets a confidential app turn PKCE off, and changes it back; a public app cannot (400)", async () => {
    const registered = await call("POST", "/apps", ada.accessToken, { ...registration, requirePKCE: false });
    expect(registered.statusCode).toBe(201);
    expect(registered.json().data.app.requirePKCE).toBe(false);
    const path = `/apps/${registered.json().data.app.clientId}`;
    expect((await call("GET", path, ada.accessToken)).json().data.app.requirePKCE).toBe(false);
    const turnedOn = await call("PATCH", path, ada.accessToken, { requirePKCE: true });
    expect(turnedOn.statusCode).toBe(200);
    expect(turnedOn.json().data.app.requirePKCE).toBe(true);
    const refused = await call("POST", "/apps", ada.accessToken, {
      ...registration,
      type: "public",
      requirePKCE: false,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      success: false,
      error: "VALIDATION_ERROR",
      message: "A public client must use PKCE: requirePKCE may be false for a confidential client only",
    });
    const notBoolean = await call("PATCH", path, ada.accessToken, { requirePKCE: "no" });
    expect(notBoolean.statusCode).toBe(400);
    expect(notBoolean.json()).toMatchObject({ success: false, error: "VALIDATION_ERROR" });
  });

  it("keeps a back-channel logout URI given at registration, changes it and removes it with null", async () => {
    const registered = await call("POST", "/apps", ada.accessToken, {
      ...registration,
      backchannelLogoutURI: "https://printer.example/backchannel-logout",
    });
    expect(registered.statusCode).toBe(201);
    expect(registered.json().data.app.backchannelLogoutURI).toBe(
      "https://printer.example/backchannel-logout",
    );
    const path = `/apps/${registered.json().data.app.clientId}`;
    const loopback = await call("PATCH", path, ada.accessToken, {
      backchannelLogoutURI: "http://127.0.0.1:8080/logout",
    });
    expect(loopback.statusCode).toBe(200);
    expect(loopback.json().data.app.backchannelLogoutURI).toBe("http://127.0.0.1:8080/logout");
    const removed = await call("PATCH", path, ada.accessToken, { backchannelLogoutURI: null });
    expect(removed.statusCode).toBe(200);
    expect((await call("GET", path, ada.accessToken)).json().data.app.backchannelLogoutURI).toBeNull();
  });

  it("registers a public mobile app receiving its code at a private-use scheme (RFC 8252 section 7.1)", async () => {
    const mobile = {
      ...registration,
      type: "public",
      redirectURIs: ["com.example.printer:/oauth2redirect"],
      postLogoutRedirectURIs: ["com.example.printer:/signed-out"],
    };
    const { app: created } = await registerApp(ada.accessToken, mobile);
    expect(created).toMatchObject({
      redirectURIs: mobile.redirectURIs,
      postLogoutRedirectURIs: mobile.postLogoutRedirectURIs,
    });
  });

  it.each([
    ["an http redirect URI on a public host", { redirectURIs: ["http://printer.example/cb"] }],
    ["a redirect URI with a fragment", { redirectURIs: ["https://printer.example/cb#x"] }],
    [
      "an http back-channel logout URI on a public host",
      { backchannelLogoutURI: "http://printer.example/logout" },
    ],
    [
      "a back-channel logout URI with a fragment",
      { backchannelLogoutURI: "https://printer.example/logout#x" },
    ],
    [
      "a back-channel logout URI with a private-use scheme",
      { backchannelLogoutURI: "com.example.printer:/logout" },
    ],
    ["a private-use scheme for a confidential app", { redirectURIs: ["com.example.printer:/cb"] }],
    ["a custom scheme without a dot", { type: "public", redirectURIs: ["printer://cb"] }],
    ["no redirect URI", { redirectURIs: [] }],
    ["scopes without openid", { allowedScopes: ["profile"] }],
    ["an unknown scope", { allowedScopes: ["openid", "admin"] }],
    ["an empty name", { name: " " }],
    ["an unknown type", { type: "native" }],
    ["a wrong type of field", { redirectURIs: "https://printer.example/cb" }],
  ])("refuses %s with VALIDATION_ERROR 400", async (_why, change) => {
    expectError(
      await call("POST", "/apps", ada.accessToken, { ...registration, ...change }),
      "VALIDATION_ERROR",
      400,
    );
    expect(await deps.apps.listAppsByOwner(ada.user.id as UserId)).toEqual([]);
  });

  it("needs a signed-in user: UNAUTHORIZED 401", async () => {
    expectError(
      await app.inject({ method: "POST", url: "/api/v1/apps", payload: registration }),
      "UNAUTHORIZED",
      401,
    );
  });

  it("asks for the token before it looks at the body: a bad body without a token is UNAUTHORIZED, not a schema lesson", async () => {
    for (const payload of [{}, { name: 42 }]) {
      expectError(await app.inject({ method: "POST", url: "/api/v1/apps", payload }), "UNAUTHORIZED", 401);
    }
    expectError(
      await app.inject({
        method: "POST",
        url: "/api/v1/user/password",
        payload: {},
        headers: bearer("garbage"),
      }),
      "INVALID_TOKEN",
      401,
    );
  });
});

describe("GET /api/v1/apps and /apps/:clientId", () => {
  it("lists and shows only the owner's apps; someone else's answers APP_NOT_FOUND 404", async () => {
    const mine = await registerApp();
    const grace = await verifiedUser(otherRegistration);
    const theirs = await registerApp(grace.accessToken);
    const list = await call("GET", "/apps", ada.accessToken);
    expect(list.statusCode).toBe(200);
    expect(list.json().data.apps.map((a: { clientId: string }) => a.clientId)).toEqual([mine.app.clientId]);
    const one = await call("GET", `/apps/${mine.app.clientId}`, ada.accessToken);
    expect(one.statusCode).toBe(200);
    expect(one.json().data.app).toEqual(mine.app);
    expectError(await call("GET", `/apps/${theirs.app.clientId}`, ada.accessToken), "APP_NOT_FOUND", 404);
    expectError(await call("GET", "/apps/unknown-client", ada.accessToken), "APP_NOT_FOUND", 404);
  });

  it("answers VALIDATION_ERROR 400 for a client id longer than 64 characters, which no app has", async () => {
    expectError(await call("GET", `/apps/${"x".repeat(65)}`, ada.accessToken), "VALIDATION_ERROR", 400);
  });
});

describe("PATCH /api/v1/apps/:clientId", () => {
  it("changes the given fields and keeps the others", async () => {
    const { app: created } = await registerApp();
    const response = await call("PATCH", `/apps/${created.clientId}`, ada.accessToken, {
      name: "Printer 2",
      redirectURIs: ["https://printer.example/v2/callback", "http://127.0.0.1:8080/cb"],
      tokenEndpointAuthMethod: "client_secret_post",
      idTokenSigningAlg: "RS256",
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().data.app).toMatchObject({
      clientId: created.clientId,
      name: "Printer 2",
      logoURL: "https://printer.example/logo.png",
      redirectURIs: ["https://printer.example/v2/callback", "http://127.0.0.1:8080/cb"],
      tokenEndpointAuthMethod: "client_secret_post",
      idTokenSigningAlg: "RS256",
    });
    expect(await deps.apps.findApp(created.clientId)).toMatchObject({
      name: "Printer 2",
      idTokenSigningAlg: "RS256",
    });
  });

  it("keeps a logo stored before logos had to be https while other settings change; a new one must be https", async () => {
    const { app: created } = await registerApp();
    const stored = await deps.apps.findApp(created.clientId);
    if (stored === null) throw new Error("no app");
    const legacyLogo = "http://127.0.0.1:3112/logo.png";
    await deps.apps.updateApp({
      clientId: stored.clientId,
      ownerId: stored.ownerId,
      settings: { ...stored, logoURL: legacyLogo },
      readAt: stored.updatedAt,
      now: new Date(stored.updatedAt.getTime() + 1),
    });

    const renamed = await call("PATCH", `/apps/${created.clientId}`, ada.accessToken, { name: "Renamed" });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().data.app).toMatchObject({ name: "Renamed", logoURL: legacyLogo });
    expectError(
      await call("PATCH", `/apps/${created.clientId}`, ada.accessToken, { logoURL: legacyLogo }),
      "VALIDATION_ERROR",
      400,
    );
  });

  it("taking a scope away ends every grant and token of the app; adding one or renaming keeps them", async () => {
    const { app: created } = await registerApp();
    const grace = await verifiedUser(otherRegistration);
    const authorize = async () => {
      await deps.appAuthorizations.recordAuthorization({
        userId: grace.user.id as UserId,
        clientId: created.clientId,
        grantId: "grant-1",
        scopes: ["openid", "user:read"],
        now: deps.clock.now(),
        replacing: null,
      });
      await deps.oidcModels.upsert({
        model: "RefreshToken",
        id: "rt-1",
        payload: {
          accountId: grace.user.id,
          clientId: created.clientId,
          grantId: "grant-1",
          scope: "openid user:read",
        },
        expiresAt: null,
      });
    };
    const granted = async () => ({
      authorizations: (await deps.appAuthorizations.listAuthorizedApps(grace.user.id as UserId)).length,
      token:
        (await deps.oidcModels.find({ model: "RefreshToken", id: "rt-1", now: deps.clock.now() })) !== null,
    });
    const patch = async (body: Record<string, unknown>) =>
      expect((await call("PATCH", `/apps/${created.clientId}`, ada.accessToken, body)).statusCode).toBe(200);
    await authorize();

    await patch({ name: "Renamed", allowedScopes: [...registration.allowedScopes, "email"] });
    expect(await granted()).toEqual({ authorizations: 1, token: true });
    await patch({ allowedScopes: ["openid", "email"] });
    expect(await granted()).toEqual({ authorizations: 0, token: false });
  });

  it("refuses invalid settings, a type change, an empty body and one of only unknown fields with VALIDATION_ERROR 400", async () => {
    const { app: created } = await registerApp();
    for (const body of [
      { redirectURIs: ["https://*.printer.example/cb"] },
      { type: "public" },
      {},
      { nmae: "typo" },
      { clientId: "x" },
      { idTokenSigningAlg: "HS256" },
    ]) {
      expectError(
        await call("PATCH", `/apps/${created.clientId}`, ada.accessToken, body),
        "VALIDATION_ERROR",
        400,
      );
    }
    expect(await deps.apps.findApp(created.clientId)).toMatchObject({
      redirectURIs: registration.redirectURIs,
    });
  });

  it("needs a recent proof: REAUTH_REQUIRED 401", async () => {
    const { app: created } = await registerApp();
    const stale = await letProofGoStale();
    expectError(
      await call("PATCH", `/apps/${created.clientId}`, stale, {
        redirectURIs: ["https://evil.example/cb"],
      }),
      "REAUTH_REQUIRED",
      401,
    );
    expect(await deps.apps.findApp(created.clientId)).toMatchObject({
      redirectURIs: registration.redirectURIs,
    });
  });

  it("answers APP_NOT_FOUND 404 for someone else's app and changes nothing", async () => {
    const grace = await verifiedUser(otherRegistration);
    const { app: theirs } = await registerApp(grace.accessToken);
    expectError(
      await call("PATCH", `/apps/${theirs.clientId}`, ada.accessToken, { name: "Mine" }),
      "APP_NOT_FOUND",
      404,
    );
    expect(await deps.apps.findApp(theirs.clientId)).toMatchObject({ name: registration.name });
  });

  it("overtaken by other writes five times in a row, answers SERVICE_UNAVAILABLE 503 with Retry-After and changes nothing", async () => {
    const { app: created } = await registerApp();
    deps.apps.updateApp = async () => "changed";
    const response = await call("PATCH", `/apps/${created.clientId}`, ada.accessToken, { name: "Renamed" });
    expectError(response, "SERVICE_UNAVAILABLE", 503);
    expect(response.headers["retry-after"]).toBe("1");
    expect(response.json().message).toBe(
      "Other requests kept changing this app while this one was made, and nothing of it was saved. Send it again.",
    );
    expect(await deps.apps.findApp(created.clientId)).toMatchObject({ name: registration.name });
  });
});

describe("POST /api/v1/apps/:clientId/secret", () => {
  it("gives a new secret, and the old one stops matching at once", async () => {
    const { app: created, clientSecret } = await registerApp();
    const response = await call("POST", `/apps/${created.clientId}/secret`, ada.accessToken);
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    const fresh = response.json().data.clientSecret as string;
    expect(fresh).not.toBe(clientSecret);
    const client = await deps.apps.findApp(created.clientId);
    const hash = client?.secretHash ?? "";
    expect(deps.secretHasher.secretMatchesHash({ secret: fresh, hash })).toBe(true);
    expect(deps.secretHasher.secretMatchesHash({ secret: clientSecret ?? "", hash })).toBe(false);
  });

  it("overtaken by another rotation, answers SERVICE_UNAVAILABLE 503 with Retry-After and what happened, and keeps the other's secret (ADR 0060)", async () => {
    const { app: created } = await registerApp();
    const replace = deps.apps.replaceSecretHash.bind(deps.apps);
    let other: string | null = null;
    let overtake = true;
    deps.apps.replaceSecretHash = async (input) => {
      if (overtake) {
        overtake = false;
        const answer = await call("POST", `/apps/${created.clientId}/secret`, ada.accessToken);
        other = answer.json().data.clientSecret as string;
      }
      return replace(input);
    };
    const response = await call("POST", `/apps/${created.clientId}/secret`, ada.accessToken);
    expectError(response, "SERVICE_UNAVAILABLE", 503);
    expect(response.headers["retry-after"]).toBe("1");
    expect(response.json().message).toBe(
      "Another request changed this app's secret at the same moment, and its answer holds the new secret; this request changed nothing. If you did not see that secret, make a new one.",
    );
    const hash = (await deps.apps.findApp(created.clientId))?.secretHash ?? "";
    expect(deps.secretHasher.secretMatchesHash({ secret: String(other), hash })).toBe(true);
  });

  it("refuses a public app (VALIDATION_ERROR 400), a stale session (REAUTH_REQUIRED 401) and someone else's app (APP_NOT_FOUND 404)", async () => {
    const { app: publicApp } = await registerApp(ada.accessToken, { ...registration, type: "public" });
    expectError(
      await call("POST", `/apps/${publicApp.clientId}/secret`, ada.accessToken),
      "VALIDATION_ERROR",
      400,
    );
    const grace = await verifiedUser(otherRegistration);
    const { app: theirs } = await registerApp(grace.accessToken);
    expectError(await call("POST", `/apps/${theirs.clientId}/secret`, ada.accessToken), "APP_NOT_FOUND", 404);
    const { app: mine } = await registerApp();
    const stale = await letProofGoStale();
    expectError(await call("POST", `/apps/${mine.clientId}/secret`, stale), "REAUTH_REQUIRED", 401);
  });
});

describe("DELETE /api/v1/apps/:clientId", () => {
  it("deletes the app and every grant and token it holds", async () => {
    const { app: created } = await registerApp();
    const grace = await verifiedUser(otherRegistration);
    await deps.appAuthorizations.recordAuthorization({
      userId: grace.user.id as UserId,
      clientId: created.clientId,
      grantId: "grant-1",
      scopes: ["openid"],
      now: deps.clock.now(),
      replacing: null,
    });
    await deps.oidcModels.upsert({
      model: "AccessToken",
      id: "at-1",
      payload: { accountId: grace.user.id, clientId: created.clientId, grantId: "grant-1" },
      expiresAt: null,
    });
    const response = await call("DELETE", `/apps/${created.clientId}`, ada.accessToken);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ success: true, data: { deleted: true } });
    expect(await deps.apps.findApp(created.clientId)).toBeNull();
    expect(await deps.appAuthorizations.listAuthorizedApps(grace.user.id as UserId)).toEqual([]);
    expect(
      await deps.oidcModels.find({ model: "AccessToken", id: "at-1", now: deps.clock.now() }),
    ).toBeNull();
    expectError(await call("DELETE", `/apps/${created.clientId}`, ada.accessToken), "APP_NOT_FOUND", 404);
  });

  it("refuses a stale session (REAUTH_REQUIRED 401) and someone else's app (APP_NOT_FOUND 404)", async () => {
    const grace = await verifiedUser(otherRegistration);
    const { app: theirs } = await registerApp(grace.accessToken);
    expectError(await call("DELETE", `/apps/${theirs.clientId}`, ada.accessToken), "APP_NOT_FOUND", 404);
    expect(await deps.apps.findApp(theirs.clientId)).not.toBeNull();
    const { app: mine } = await registerApp();
    const stale = await letProofGoStale();
    expectError(await call("DELETE", `/apps/${mine.clientId}`, stale), "REAUTH_REQUIRED", 401);
    expect(await deps.apps.findApp(mine.clientId)).not.toBeNull();
  });
});

describe("GET and DELETE /api/v1/user/apps", () => {
  async function authorize(clientId: string, scopes: ("openid" | "user:read")[]) {
    await authorizeAppForTest(deps, {
      userId: ada.user.id as UserId,
      clientId,
      grantId: `grant-${clientId}`,
      scopes,
      now: deps.clock.now(),
    });
  }

  it("lists the apps the user authorized, with scopes and times", async () => {
    const grace = await verifiedUser(otherRegistration);
    const { app: theirs } = await registerApp(grace.accessToken);
    await authorize(theirs.clientId, ["openid", "user:read"]);
    const response = await call("GET", "/user/apps", ada.accessToken);
    expect(response.statusCode).toBe(200);
    expect(response.json().data.apps).toEqual([
      {
        clientId: theirs.clientId,
        name: "Photo printer",
        logoURL: "https://printer.example/logo.png",
        homepageURL: null,
        scopes: ["openid", "user:read"],
        grantedAt: deps.clock.now().toISOString(),
        lastUsedAt: deps.clock.now().toISOString(),
      },
    ]);
  });

  it("revokes the authorization and every token under it, and only those", async () => {
    const grace = await verifiedUser(otherRegistration);
    const { app: theirs } = await registerApp(grace.accessToken);
    await authorize(theirs.clientId, ["openid"]);
    const seed = (id: string, accountId: string) =>
      deps.oidcModels.upsert({
        model: "RefreshToken",
        id,
        payload: { accountId, clientId: theirs.clientId, grantId: "g" },
        expiresAt: null,
      });
    await seed("ada-token", ada.user.id);
    await seed("grace-token", grace.user.id);
    const response = await call("DELETE", `/user/apps/${theirs.clientId}`, ada.accessToken);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ success: true, data: { revoked: true } });
    expect(await deps.appAuthorizations.listAuthorizedApps(ada.user.id as UserId)).toEqual([]);
    const now = deps.clock.now();
    expect(await deps.oidcModels.find({ model: "RefreshToken", id: "ada-token", now })).toBeNull();
    expect(await deps.oidcModels.find({ model: "RefreshToken", id: "grace-token", now })).not.toBeNull();
    expectError(await call("DELETE", `/user/apps/${theirs.clientId}`, ada.accessToken), "APP_NOT_FOUND", 404);
  });
});

describe("an app's access token at our API", () => {
  function issueAppToken(token: string, scopes: string[], userId = ada.user.id) {
    deps.thirdPartyAccessTokens.issue(token, { userId: userId as UserId, clientId: "app-client", scopes });
  }

  it("may call GET /auth/me with user:read", async () => {
    issueAppToken("app-token-with-user-read", ["openid", "user:read"]);
    const response = await getMe(app, "app-token-with-user-read");
    expect(response.statusCode).toBe(200);
    expect(response.json().data.user).toMatchObject({ id: ada.user.id, email: "ada@example.com" });
  });

  it("gets INSUFFICIENT_SCOPE 403 naming user:read on GET /auth/me without it", async () => {
    issueAppToken("app-token-openid-only", ["openid", "profile"]);
    const response = await getMe(app, "app-token-openid-only");
    expectError(response, "INSUFFICIENT_SCOPE", 403);
    expect(response.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope", scope="user:read"');
  });

  it.each([
    ["GET", "/auth/sessions"],
    ["POST", "/user/password"],
    ["POST", "/auth/2fa/setup"],
    ["GET", "/apps"],
    ["POST", "/apps/x/secret"],
    ["GET", "/user/apps"],
    ["DELETE", "/user/apps/x"],
    ["POST", "/auth/logout-all"],
    ["GET", "/user/security-events"],
  ] as const)("gets INSUFFICIENT_SCOPE 403 on %s %s whatever its scopes", async (method, url) => {
    issueAppToken("app-token-all-scopes", ["openid", "profile", "email", "offline_access", "user:read"]);
    const response = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers: bearer("app-token-all-scopes"),
      ...(method === "POST" ? { payload: { newPassword: "An0ther-secret!" } } : {}),
    });
    expectError(response, "INSUFFICIENT_SCOPE", 403);
    expect(response.headers["www-authenticate"]).toBe('Bearer error="insufficient_scope"');
  });

  it("gets INVALID_TOKEN 401 when unknown, and ACCOUNT_DISABLED 403 for a disabled user", async () => {
    expectError(await getMe(app, "not-a-token-anyone-issued"), "INVALID_TOKEN", 401);
    issueAppToken("app-token-of-nobody", ["openid", "user:read"], "00000000-0000-7000-8000-00000000dead");
    expectError(await getMe(app, "app-token-of-nobody"), "INVALID_TOKEN", 401);
    issueAppToken("app-token-disabled", ["openid", "user:read"]);
    deps.users.setStatus(ada.user.id as UserId, "disabled");
    expectError(await getMe(app, "app-token-disabled"), "ACCOUNT_DISABLED", 403);
  });

  it("keeps our own access tokens working on every route", async () => {
    expect((await getMe(app, ada.accessToken)).statusCode).toBe(200);
    expect((await call("GET", "/auth/sessions", ada.accessToken)).statusCode).toBe(200);
  });
});
