import { describe, expect, it } from "vitest";
import {
  type AppSettingsInput,
  checkHasClientSecret,
  decideThirdPartyAccess,
  isNativeApp,
  parseAppScopes,
  parseAppSettings,
  parseRedirectURI,
  privateUseSchemeOf,
  privateUseSchemesOf,
} from "./third-party-app.ts";

const valid: AppSettingsInput = {
  name: "  Photo printer  ",
  redirectURIs: ["https://app.example/callback"],
  allowedScopes: ["openid", "email"],
  type: "confidential",
};

describe("parseRedirectURI", () => {
  it.each([
    "https://app.example/callback",
    "https://app.example/cb?x=1",
    "https://app.example:8443/a/b",
    "http://127.0.0.1/cb",
    "http://127.0.0.1:51234/cb",
    "http://[::1]:8080/cb",
    "http://localhost:3000/cb",
  ])("accepts %s", (uri) => {
    expect(parseRedirectURI(uri)).toEqual({ ok: true, value: uri });
  });

  it.each([
    ["http on a public host", "http://app.example/cb"],
    ["http on a look-alike loopback host", "http://127.0.0.1.evil.example/cb"],
    ["http on localhost as a subdomain", "http://localhost.evil.example/cb"],
    ["a relative URI", "/callback"],
    ["no URI", ""],
    ["a fragment", "https://app.example/cb#x"],
    ["an empty fragment", "https://app.example/cb#"],
    ["userinfo", "https://user@app.example/cb"],
    ["a password", "https://user:pw@app.example/cb"],
    ["a wildcard host", "https://*.app.example/cb"],
    ["a wildcard path", "https://app.example/cb/*"],
    ["a custom scheme without a dot (any app may claim it)", "myapp://callback"],
    ["a private-use scheme with a fragment", "com.example.app:/callback#x"],
    ["a private-use scheme with userinfo", "com.example.app://user@callback"],
    ["a private-use scheme in upper case (not canonical)", "Com.Example.App:/callback"],
    ["a private-use scheme with a wildcard", "com.example.app:/cb/*"],
    ["vbscript", "vbscript:msgbox(1)"],
    ["blob", "blob:https://app.example/1"],
    ["file", "file:///etc/passwd"],
    ["about", "about:blank"],
    ["javascript", "javascript:alert(1)"],
    ["data", "data:text/html,x"],
    ["ftp", "ftp://app.example/cb"],
    ["upper-case host (not canonical)", "https://APP.example/cb"],
    ["a path traversal (not canonical)", "https://app.example/a/../cb"],
    ["no path (not canonical)", "https://app.example"],
    ["a default port (not canonical)", "https://app.example:443/cb"],
    ["surrounding spaces", " https://app.example/cb"],
    ["too long", `https://app.example/${"a".repeat(2000)}`],
  ])("refuses %s", (_why, uri) => {
    expect(parseRedirectURI(uri)).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
  });

  it.each([
    "com.example.app:/oauth2redirect",
    "com.example.app://callback",
    "com.example.app:/cb?x=1",
    "io.example-photos.mobile+debug:/cb",
  ])("accepts the private-use scheme URI %s for a public app (RFC 8252 section 7.1)", (uri) => {
    expect(parseRedirectURI(uri, "public")).toEqual({ ok: true, value: uri });
  });

  it("refuses a private-use scheme to a confidential app, saying which apps may use one", () => {
    const refused = parseRedirectURI("com.example.app:/cb", "confidential");
    expect(refused).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
    expect(refused.ok ? "" : refused.message).toContain("only a public app");
  });

  it("names the private-use form in its refusal of a scheme without a dot", () => {
    const refused = parseRedirectURI("myapp://callback");
    expect(refused.ok ? "" : refused.message).toContain("com.example.app:/callback");
  });
});

describe("privateUseSchemeOf", () => {
  it("reads the scheme of a reverse-domain URI, and nothing of web, script or dotless schemes", () => {
    expect(privateUseSchemeOf("com.example.app:/cb")).toBe("com.example.app:");
    for (const uri of [
      "https://app.example/cb",
      "http://127.0.0.1/cb",
      "javascript:x",
      "myapp:/cb",
      "Com.Example:/x",
    ])
      expect(privateUseSchemeOf(uri), uri).toBeNull();
    expect(
      privateUseSchemesOf([
        "com.example.app:/a",
        "https://app.example/cb",
        "com.example.app:/b",
        "org.x.y:/c",
      ]),
    ).toEqual(["com.example.app:", "org.x.y:"]);
  });
});

describe("isNativeApp", () => {
  const loopback = ["http://127.0.0.1:8765/callback", "http://[::1]/cb", "http://localhost:9000/"];
  it("is a public app whose every redirect is http on loopback", () => {
    expect(isNativeApp({ type: "public", redirectURIs: loopback })).toBe(true);
  });
  it("is a public app with a private-use scheme redirect, https (claimed) addresses beside it or not", () => {
    expect(isNativeApp({ type: "public", redirectURIs: ["com.example.app:/cb"] })).toBe(true);
    expect(
      isNativeApp({
        type: "public",
        redirectURIs: ["https://app.example/cb", "com.example.app:/cb", ...loopback],
      }),
    ).toBe(true);
    // A sign-out URI's scheme counts too: the provider takes private-use schemes from native apps only.
    expect(
      isNativeApp({
        type: "public",
        redirectURIs: ["https://app.example/cb"],
        postLogoutRedirectURIs: ["com.example.app:/out"],
      }),
    ).toBe(true);
  });
  it("is not an app with an https redirect beside loopback ones, a confidential app or an app without redirects", () => {
    expect(isNativeApp({ type: "public", redirectURIs: [...loopback, "https://app.example/cb"] })).toBe(
      false,
    );
    expect(isNativeApp({ type: "public", redirectURIs: ["https://localhost:8443/cb"] })).toBe(false);
    expect(isNativeApp({ type: "confidential", redirectURIs: loopback })).toBe(false);
    expect(isNativeApp({ type: "public", redirectURIs: [] })).toBe(false);
    expect(
      isNativeApp({
        type: "public",
        redirectURIs: loopback,
        postLogoutRedirectURIs: ["https://localhost/out"],
      }),
    ).toBe(false);
    expect(
      isNativeApp({
        type: "public",
        redirectURIs: loopback,
        postLogoutRedirectURIs: ["https://app.example/out"],
      }),
    ).toBe(true);
  });
});

describe("parseAppScopes", () => {
  it("keeps known scopes once, in order", () => {
    expect(parseAppScopes(["openid", "user:read", "openid", "offline_access"])).toEqual({
      ok: true,
      value: ["openid", "user:read", "offline_access"],
    });
  });

  it.each([
    ["without openid", ["email"]],
    ["empty", []],
    ["an unknown scope", ["openid", "admin"]],
    ["a scope differing in case", ["openid", "Email"]],
  ])("refuses a list %s", (_why, scopes) => {
    expect(parseAppScopes(scopes)).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
  });
});

describe("parseAppSettings", () => {
  it("trims the name and defaults a confidential client to client_secret_basic", () => {
    expect(parseAppSettings(valid)).toEqual({
      ok: true,
      value: {
        name: "Photo printer",
        logoURL: null,
        homepageURL: null,
        redirectURIs: ["https://app.example/callback"],
        postLogoutRedirectURIs: [],
        allowedScopes: ["openid", "email"],
        type: "confidential",
        tokenEndpointAuthMethod: "client_secret_basic",
        idTokenSigningAlg: "ES256",
        requirePKCE: true,
        backchannelLogoutURI: null,
      },
    });
  });

  it("takes a back-channel logout URI by the redirect URIs' web rule, with a query but no fragment", () => {
    for (const uri of [
      "https://app.example/backchannel-logout",
      "https://app.example/logout?from=superoauth",
      "http://127.0.0.1:8080/logout",
      "http://localhost:3000/logout",
      "http://[::1]:3000/logout",
    ]) {
      expect(parseAppSettings({ ...valid, backchannelLogoutURI: uri })).toMatchObject({
        ok: true,
        value: { backchannelLogoutURI: uri },
      });
    }
    for (const uri of [
      "http://app.example/logout",
      "http://10.0.0.5/logout",
      "https://app.example/logout#now",
      "https://user:pw@app.example/logout",
      "com.example.app:/logout",
      "https://APP.example/logout",
      "/logout",
      "",
    ]) {
      expect(parseAppSettings({ ...valid, backchannelLogoutURI: uri })).toMatchObject({
        ok: false,
        error: "VALIDATION_ERROR",
        message: expect.stringMatching(/^backchannelLogoutURI /),
      });
    }
  });

  it("requires PKCE unless a confidential app turns it off; a public app cannot", () => {
    expect(parseAppSettings({ ...valid, requirePKCE: false })).toMatchObject({
      ok: true,
      value: { type: "confidential", requirePKCE: false },
    });
    const publicApp = { ...valid, type: "public", tokenEndpointAuthMethod: "none" };
    expect(parseAppSettings(publicApp)).toMatchObject({ ok: true, value: { requirePKCE: true } });
    expect(parseAppSettings({ ...publicApp, requirePKCE: false })).toEqual({
      ok: false,
      error: "VALIDATION_ERROR",
      message: "A public client must use PKCE: requirePKCE may be false for a confidential client only",
    });
  });

  it("signs ID tokens ES256 unless RS256 is asked for; any other algorithm is refused", () => {
    expect(parseAppSettings({ ...valid, idTokenSigningAlg: "RS256" })).toMatchObject({
      ok: true,
      value: { idTokenSigningAlg: "RS256" },
    });
    for (const alg of ["HS256", "none", "rs256", "PS256", ""]) {
      expect(parseAppSettings({ ...valid, idTokenSigningAlg: alg }), alg).toEqual({
        ok: false,
        error: "VALIDATION_ERROR",
        message: "idTokenSigningAlg must be ES256 or RS256",
      });
    }
  });

  it("accepts client_secret_post for a confidential client and none for a public one", () => {
    expect(parseAppSettings({ ...valid, tokenEndpointAuthMethod: "client_secret_post" })).toMatchObject({
      ok: true,
      value: { tokenEndpointAuthMethod: "client_secret_post" },
    });
    expect(parseAppSettings({ ...valid, type: "public" })).toMatchObject({
      ok: true,
      value: { type: "public", tokenEndpointAuthMethod: "none" },
    });
    expect(parseAppSettings({ ...valid, type: "public", tokenEndpointAuthMethod: "none" })).toMatchObject({
      ok: true,
    });
  });

  it("keeps logo and homepage URLs and post-logout redirect URIs, dropping repeats", () => {
    expect(
      parseAppSettings({
        ...valid,
        logoURL: "https://app.example/logo.png",
        homepageURL: "http://localhost:3000",
        redirectURIs: ["https://app.example/cb", "https://app.example/cb"],
        postLogoutRedirectURIs: ["https://app.example/bye"],
      }),
    ).toMatchObject({
      ok: true,
      value: {
        logoURL: "https://app.example/logo.png",
        homepageURL: "http://localhost:3000/",
        redirectURIs: ["https://app.example/cb"],
        postLogoutRedirectURIs: ["https://app.example/bye"],
      },
    });
  });

  it.each<[string, Partial<AppSettingsInput>]>([
    ["an empty name", { name: "   " }],
    ["a name over 100 characters", { name: "a".repeat(101) }],
    ["no redirect URI", { redirectURIs: [] }],
    [
      "eleven redirect URIs",
      { redirectURIs: Array.from({ length: 11 }, (_, i) => `https://a.example/${i}`) },
    ],
    ["a bad redirect URI", { redirectURIs: ["http://app.example/cb"] }],
    ["a bad post-logout redirect URI", { postLogoutRedirectURIs: ["https://app.example/#x"] }],
    ["an http logo on a public host", { logoURL: "http://app.example/logo.png" }],
    [
      "an http logo on a loopback host (the consent page loads https images only)",
      { logoURL: "http://127.0.0.1:3112/logo.png" },
    ],
    ["a homepage with userinfo", { homepageURL: "https://u:p@app.example/" }],
    ["a homepage that is no URL", { homepageURL: "app.example" }],
    ["scopes without openid", { allowedScopes: ["profile"] }],
    ["an unknown type", { type: "native" }],
    [
      "a public client with a secret method",
      { type: "public", tokenEndpointAuthMethod: "client_secret_basic" },
    ],
    ["a confidential client with none", { tokenEndpointAuthMethod: "none" }],
    ["an unknown method", { tokenEndpointAuthMethod: "private_key_jwt" }],
  ])("refuses %s", (_why, change) => {
    expect(parseAppSettings({ ...valid, ...change })).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
  });

  it("takes a mobile app's private-use scheme for sign-in and sign-out, public apps only", () => {
    const mobile = {
      ...valid,
      type: "public",
      redirectURIs: ["com.example.app:/oauth2redirect", "https://app.example/oauth2redirect"],
      postLogoutRedirectURIs: ["com.example.app:/signed-out"],
    };
    expect(parseAppSettings(mobile)).toMatchObject({
      ok: true,
      value: { redirectURIs: mobile.redirectURIs, postLogoutRedirectURIs: mobile.postLogoutRedirectURIs },
    });
    expect(parseAppSettings({ ...mobile, type: "confidential" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^redirectURIs: .*only a public app/),
    });
    expect(
      parseAppSettings({ ...mobile, redirectURIs: ["https://app.example/cb"], type: "confidential" }),
    ).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^postLogoutRedirectURIs: .*only a public app/),
    });
    // Native by its scheme, so no https address of it may be on loopback (the provider refuses such an app).
    expect(
      parseAppSettings({ ...mobile, redirectURIs: ["com.example.app:/cb", "https://localhost:8443/cb"] }),
    ).toMatchObject({ ok: false, message: expect.stringContaining("https on a loopback host") });
  });

  it("accepts a name of exactly 100 characters", () => {
    expect(parseAppSettings({ ...valid, name: "a".repeat(100) })).toMatchObject({ ok: true });
  });
});

describe("decideThirdPartyAccess", () => {
  it("opens GET /auth/me to a token with user:read", () => {
    expect(decideThirdPartyAccess({ route: "GET /auth/me", scopes: ["openid", "user:read"] })).toEqual({
      allowed: true,
    });
  });

  it("names the missing scope on GET /auth/me", () => {
    expect(decideThirdPartyAccess({ route: "GET /auth/me", scopes: ["openid", "profile"] })).toEqual({
      allowed: false,
      requiredScope: "user:read",
    });
  });

  it.each([
    "POST /user/password",
    "POST /auth/2fa/disable",
    "GET /auth/sessions",
    "DELETE /auth/sessions/:id",
    "GET /apps",
    "DELETE /user/apps/:clientId",
    "GET /user/export",
    "GET /admin/users",
    "toString",
    "__proto__",
  ])("keeps %s closed whatever the scopes", (route) => {
    expect(
      decideThirdPartyAccess({
        route,
        scopes: ["openid", "profile", "email", "offline_access", "user:read"],
      }),
    ).toEqual({ allowed: false, requiredScope: null });
  });
});

describe("checkHasClientSecret", () => {
  it("allows a confidential client and refuses a public one with VALIDATION_ERROR", () => {
    expect(checkHasClientSecret({ type: "confidential" })).toEqual({ ok: true, value: undefined });
    expect(checkHasClientSecret({ type: "public" })).toEqual({
      ok: false,
      error: "VALIDATION_ERROR",
      message: "A public client has no secret",
    });
  });
});
