import { createPublicKey } from "node:crypto";
import { useSQLiteTestDatabase } from "@superoauth/adapter-sql/testing";
import { SignJWT, UnsecuredJWT } from "jose";
import * as oidc from "openid-client";
import { describe, expect, it } from "vitest";
import {
  devicePollIntervalSeconds,
  devicePollSpacingMs,
  slowDownDescription,
} from "../src/device-polling.ts";
import { noContentTypeDescription } from "../src/provider.ts";
import { noScopeDescription } from "../src/provider-settings.ts";
import {
  authorizeInBrowser,
  confidentialApp,
  mobileApp,
  narrowApp,
  noPKCEApp,
  otherApp,
  postApp,
  publicApp,
  type TestApp,
} from "./authorization-driver.ts";
import { BrowserAgent, locationOf } from "./browser-agent.ts";
import {
  authorizationParameters,
  sha256,
  testRefreshReuseGraceMs,
  useOIDCTestServer,
} from "./oidc-test-server.ts";

// Issue 9's negative cases, each asserting the RFC 6749 error the client gets (or the error page
// a browser gets when the client cannot be trusted with a redirect).

const database = useSQLiteTestDatabase();
const server = useOIDCTestServer(() => database.storage().oidcModels);

const basicOf = (app: { clientId: string; secret: string }) =>
  `Basic ${Buffer.from(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(app.secret)}`).toString("base64")}`;

interface ProtocolAnswer {
  status: number;
  body: Record<string, unknown>;
}

async function post(
  path: string,
  form: Record<string, string>,
  authorization?: string,
): Promise<ProtocolAnswer> {
  const response = await fetch(`${server().issuer}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  // A revocation's 200 has no body (RFC 7009 §2.2).
  return { status: response.status, body: (text === "" ? {} : JSON.parse(text)) as Record<string, unknown> };
}

/** An authorization request URL for `app`, with PKCE S256 unless told otherwise. */
async function authorizationURL(
  app: TestApp,
  overrides: Record<string, string | null> = {},
): Promise<{ url: URL; verifier: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = new URL(`${server().issuer}/oidc/auth`);
  const parameters: Record<string, string | null> = {
    client_id: app.clientId,
    response_type: "code",
    redirect_uri: app.redirectURI,
    scope: "openid",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    ...overrides,
  };
  for (const [key, value] of Object.entries(parameters)) if (value !== null) url.searchParams.set(key, value);
  return { url, verifier };
}

/** A fresh authorization code for `app` (user-1 signs in and consents). */
async function codeFor(app: TestApp, scope = "openid"): Promise<{ code: string; verifier: string }> {
  const { issuer } = server();
  const { url, verifier } = await authorizationURL(app, {
    scope,
    ...(scope.includes("offline_access") ? { prompt: "consent" } : {}),
  });
  const { callback } = await authorizeInBrowser({ agent: new BrowserAgent(issuer), issuer, url });
  const code = callback.searchParams.get("code");
  if (code === null) throw new Error(`no code in ${callback.href}`);
  return { code, verifier };
}

const confidential = { clientId: confidentialApp.clientId, secret: confidentialApp.secret };
const other = { clientId: otherApp.clientId, secret: otherApp.secret };

async function redeem(
  app: TestApp & { secret: string },
  code: string,
  verifier: string,
): Promise<ProtocolAnswer> {
  return post(
    "/oidc/token",
    { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: app.redirectURI },
    basicOf(app),
  );
}

/** Tokens of a fresh grant with offline_access for the confidential app. */
async function refreshTokenFor(): Promise<{ refreshToken: string; accessToken: string }> {
  const { code, verifier } = await codeFor(confidentialApp, "openid offline_access");
  const answer = await redeem(confidentialApp, code, verifier);
  expect(answer.status).toBe(200);
  return { refreshToken: String(answer.body.refresh_token), accessToken: String(answer.body.access_token) };
}

/** A refresh request authenticated as `app`. */
function refresh(
  refreshToken: string,
  app = confidential,
  extra: Record<string, string> = {},
): Promise<ProtocolAnswer> {
  return post(
    "/oidc/token",
    { grant_type: "refresh_token", refresh_token: refreshToken, ...extra },
    basicOf(app),
  );
}

describe("authorization requests a client cannot be trusted with: an error page, never a redirect", () => {
  const variants = {
    "a trailing slash": "https://app.example/callback/",
    "another case in the path": "https://app.example/Callback",
    "another case in the host": "https://APP.example/callback",
    "an extra path segment": "https://app.example/callback/more",
    "an extra query": "https://app.example/callback?next=https://evil.example",
    "a look-alike host": "https://app.example.evil.example/callback",
    "userinfo before the host": "https://app.example@evil.example/callback",
    "userinfo on the host": "https://user@app.example/callback",
    "a path traversal": "https://app.example/callback/../../evil",
    "an encoded traversal": "https://app.example/callback/%2e%2e/evil",
    "http instead of https": "http://app.example/callback",
    "a fragment": "https://app.example/callback#x",
    "another port": "https://app.example:8443/callback",
  };
  for (const [name, redirectURI] of Object.entries(variants)) {
    it(`refuses a redirect URI with ${name}`, async () => {
      const { url } = await authorizationURL(confidentialApp, { redirect_uri: redirectURI });
      const response = await new BrowserAgent(server().issuer).request(url.href);
      expect(locationOf(response)).toBeNull();
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("text/html");
      expect(await response.text()).toMatch(/id="error">invalid_(redirect_uri|request)</);
    });
  }

  // A native app (public, loopback redirects only) may use any port (RFC 8252 section 7.3); nothing else.
  const nativeVariants = {
    "another path on another port": "http://127.0.0.1:49152/other",
    "another loopback host": "http://localhost:8765/callback",
    "https on loopback": "https://127.0.0.1:8765/callback",
    "a host that is not loopback": "http://app.example:8765/callback",
  };
  for (const [name, redirectURI] of Object.entries(nativeVariants)) {
    it(`refuses a native app's redirect URI with ${name}`, async () => {
      const { url } = await authorizationURL(publicApp, { redirect_uri: redirectURI });
      const response = await new BrowserAgent(server().issuer).request(url.href);
      expect(locationOf(response)).toBeNull();
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/id="error">invalid_(redirect_uri|request)</);
    });
  }

  it("answers a native app's prompt=none with interaction_required, remembered consent or not", async () => {
    const { issuer } = server();
    const agent = new BrowserAgent(issuer);
    await authorizeInBrowser({ agent, issuer, url: (await authorizationURL(publicApp)).url, remember: true });
    const { url } = await authorizationURL(publicApp, { prompt: "none", state: "s1" });
    const location = locationOf(await agent.request(url.href));
    expect(location).not.toBeNull();
    const callback = new URL(location ?? "");
    expect(`${callback.origin}${callback.pathname}`).toBe(publicApp.redirectURI);
    expect(callback.searchParams.get("error")).toBe("interaction_required");
  });

  it("refuses a request without redirect_uri with an error page, though the app registered one (OpenID Connect Core §3.1.2.1)", async () => {
    const { url } = await authorizationURL(confidentialApp, { redirect_uri: null, state: "s1" });
    const response = await new BrowserAgent(server().issuer).request(url.href);
    expect(locationOf(response)).toBeNull();
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('id="error">invalid_request<');
    expect(html).toContain("redirect_uri");
  });

  it("refuses to redeem a code without the redirect_uri its request carried (RFC 6749 §4.1.3)", async () => {
    const { code, verifier } = await codeFor(confidentialApp);
    const answer = await post(
      "/oidc/token",
      { grant_type: "authorization_code", code, code_verifier: verifier },
      basicOf(confidential),
    );
    expect(answer).toMatchObject({
      status: 400,
      body: { error: "invalid_request", error_description: "missing required parameter 'redirect_uri'" },
    });
    // The refusal spent nothing: the code is redeemed with its redirect_uri.
    expect((await redeem(confidentialApp, code, verifier)).status).toBe(200);
  });

  it("refuses an unknown client with an error page", async () => {
    const { url } = await authorizationURL({
      clientId: "no-such-app",
      redirectURI: confidentialApp.redirectURI,
    });
    const response = await new BrowserAgent(server().issuer).request(url.href);
    expect(locationOf(response)).toBeNull();
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('id="error">invalid_client<');
  });

  it("an unknown interaction has no details (the hosted page shows an error)", async () => {
    const response = await new BrowserAgent(server().issuer).request("/interaction/unknown-uid", {
      accept: "application/json",
    });
    expect(response.status).toBe(404);
  });
});

describe("scopes an app is not allowed", () => {
  // Each is refused on the redirect, never narrowed silently (docs/oidc.md): offline_access too,
  // which the library would drop unasked for an app without the refresh_token grant.
  for (const scope of ["email", "offline_access", "user:read"]) {
    it(`refuses ${scope} with invalid_scope on the redirect`, async () => {
      const { url } = await authorizationURL(narrowApp, {
        scope: `openid profile ${scope}`,
        prompt: "consent",
        state: "s-1",
      });
      const response = await new BrowserAgent(server().issuer).request(url.href);
      const location = new URL(String(locationOf(response)));
      expect(`${location.origin}${location.pathname}`).toBe(narrowApp.redirectURI);
      expect(location.searchParams.get("error")).toBe("invalid_scope");
      expect(location.searchParams.get("state")).toBe("s-1");
    });
  }

  it("leaves offline_access out of a request without prompt=consent, allowed or not (OpenID Connect Core §11)", async () => {
    const { url } = await authorizationURL(narrowApp, { scope: "openid offline_access", state: "s-2" });
    const { callback } = await authorizeInBrowser({
      agent: new BrowserAgent(server().issuer),
      issuer: server().issuer,
      url,
    });
    expect(callback.searchParams.get("error")).toBeNull();
    expect(callback.searchParams.get("code")).not.toBeNull();
  });

  it("refuses offline_access at the device authorization endpoint too", async () => {
    const answer = await post("/oidc/device/auth", {
      client_id: narrowApp.clientId,
      scope: "openid offline_access",
    });
    expect(answer).toMatchObject({ status: 400, body: { error: "invalid_scope" } });
  });

  // Without one, the library went on to the sign-in and, once the person had signed in (or, for a
  // device, pressed Allow), answered a bare access_denied: "the user declined" (docs/oidc.md).
  for (const [label, scope] of [
    ["no scope", null],
    ["an empty scope", ""],
    ["only scopes the service does not know", "read:all"],
    ["only offline_access, which a request without prompt=consent drops", "offline_access"],
  ] as const) {
    it(`refuses a request with ${label} on the redirect, before anyone signs in`, async () => {
      const { url } = await authorizationURL(narrowApp, { scope, state: "s-3" });
      const response = await new BrowserAgent(server().issuer).request(url.href);
      const location = new URL(String(locationOf(response)));
      expect(`${location.origin}${location.pathname}`).toBe(narrowApp.redirectURI);
      expect(location.searchParams.get("error")).toBe("invalid_scope");
      expect(location.searchParams.get("error_description")).toBe(noScopeDescription);
      expect(location.searchParams.get("state")).toBe("s-3");
      expect(location.searchParams.has("scope")).toBe(false);
    });
  }

  it("refuses a device authorization or a pushed request with no scope", async () => {
    const device = await post("/oidc/device/auth", { client_id: narrowApp.clientId });
    expect(device).toMatchObject({
      status: 400,
      body: { error: "invalid_scope", error_description: noScopeDescription },
    });
    const pushed = await post(
      "/oidc/request",
      {
        client_id: confidentialApp.clientId,
        response_type: "code",
        redirect_uri: confidentialApp.redirectURI,
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        code_challenge_method: "S256",
      },
      basicOf(confidential),
    );
    expect(pushed).toMatchObject({
      status: 400,
      body: { error: "invalid_scope", error_description: noScopeDescription },
    });
  });

  it("lets the app ask for what it is allowed", async () => {
    const { url } = await authorizationURL(narrowApp, { scope: "openid profile", state: "s-2" });
    const response = await new BrowserAgent(server().issuer).request(url.href);
    // On to the sign-in interaction, not back to the app.
    expect(new URL(String(locationOf(response)), server().issuer).pathname).toMatch(/^\/interaction\//);
  });
});

describe("PKCE", () => {
  async function redirectedError(overrides: Record<string, string | null>): Promise<string | null> {
    const { url } = await authorizationURL(confidentialApp, overrides);
    const location = locationOf(await new BrowserAgent(server().issuer).request(url.href));
    return location === null ? null : new URL(location).searchParams.get("error");
  }

  it("refuses an authorization request without a code challenge", async () => {
    expect(await redirectedError({ code_challenge: null, code_challenge_method: null })).toBe(
      "invalid_request",
    );
  });

  it("refuses the plain code challenge method", async () => {
    expect(await redirectedError({ code_challenge: "a".repeat(43), code_challenge_method: "plain" })).toBe(
      "invalid_request",
    );
  });

  it("refuses a code redeemed with the wrong verifier", async () => {
    const { code } = await codeFor(confidentialApp);
    const answer = await redeem(
      confidential as TestApp & { secret: string },
      code,
      oidc.randomPKCECodeVerifier(),
    );
    expect(answer).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("refuses a code redeemed without a verifier", async () => {
    const { code } = await codeFor(confidentialApp);
    const answer = await post(
      "/oidc/token",
      { grant_type: "authorization_code", code, redirect_uri: confidentialApp.redirectURI },
      basicOf(confidential),
    );
    expect(answer).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });
  it("refuses a public app's request without a code challenge, whatever its stored setting says", async () => {
    const { url } = await authorizationURL(publicApp, { code_challenge: null, code_challenge_method: null });
    const location = locationOf(await new BrowserAgent(server().issuer).request(url.href));
    expect(location === null ? null : new URL(location).searchParams.get("error")).toBe("invalid_request");
  });

  describe("a confidential app whose owner turned PKCE off", () => {
    /** A code for noPKCEApp from a request without a challenge. */
    async function codeWithoutChallenge(): Promise<string> {
      const { issuer } = server();
      const { url } = await authorizationURL(noPKCEApp, {
        code_challenge: null,
        code_challenge_method: null,
      });
      const { callback } = await authorizeInBrowser({ agent: new BrowserAgent(issuer), issuer, url });
      const code = callback.searchParams.get("code");
      if (code === null) throw new Error(`no code in ${callback.href}`);
      return code;
    }
    const tokenRequest = (code: string, extra: Record<string, string> = {}) =>
      post(
        "/oidc/token",
        { grant_type: "authorization_code", code, redirect_uri: noPKCEApp.redirectURI, ...extra },
        basicOf(noPKCEApp),
      );

    it("gets a code without a challenge and redeems it with its secret alone", async () => {
      const answer = await tokenRequest(await codeWithoutChallenge());
      expect(answer.status).toBe(200);
      expect(typeof answer.body.access_token).toBe("string");
      expect(typeof answer.body.id_token).toBe("string");
    });

    it("refuses a verifier for a code whose request had no challenge (a downgrade, RFC 9700 section 4.8.2)", async () => {
      const answer = await tokenRequest(await codeWithoutChallenge(), {
        code_verifier: oidc.randomPKCECodeVerifier(),
      });
      expect(answer).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    });

    it("still checks a challenge it sends: a wrong verifier is refused, the right one works", async () => {
      const { code, verifier } = await codeFor(noPKCEApp);
      expect(await redeem(noPKCEApp, code, oidc.randomPKCECodeVerifier())).toMatchObject({
        status: 400,
        body: { error: "invalid_grant" },
      });
      const again = await codeFor(noPKCEApp);
      expect((await redeem(noPKCEApp, again.code, again.verifier)).status).toBe(200);
      expect(verifier).not.toBe(again.verifier);
    });
  });
});

describe("authorization codes", () => {
  const app = { ...confidentialApp };

  it("a code used twice fails the second time, and the tokens of the first use die", async () => {
    const { code, verifier } = await codeFor(app);
    const first = await redeem(app, code, verifier);
    expect(first.status).toBe(200);
    const second = await redeem(app, code, verifier);
    expect(second).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    const introspected = await post(
      "/oidc/token/introspection",
      { token: String(first.body.access_token) },
      basicOf(confidential),
    );
    expect(introspected.body).toEqual({ active: false });
  });

  it("of 20 parallel redemptions of one code at most one gets tokens, and every other is invalid_grant", async () => {
    // One request alone consumes the code (the store's conditional consume). A request that reads
    // the code only after that is its second use (RFC 6749 §4.1.2), as in the test above: it
    // revokes what the code issued, so on a loaded machine the winner's own answer may be refused
    // too (its code is gone by its last check, revoked-while-issuing.ts). Never two sets of tokens.
    const { code, verifier } = await codeFor(app);
    const answers = await Promise.all(Array.from({ length: 20 }, () => redeem(app, code, verifier)));
    const granted = answers.filter((a) => a.status === 200).length;
    expect(granted).toBeLessThanOrEqual(1);
    expect(answers.filter((a) => a.status === 400 && a.body.error === "invalid_grant")).toHaveLength(
      20 - granted,
    );
  });

  it("an expired code is refused", async () => {
    const { code, verifier } = await codeFor(app);
    server().clock.offsetMs = 61_000;
    try {
      expect(await redeem(app, code, verifier)).toMatchObject({
        status: 400,
        body: { error: "invalid_grant" },
      });
    } finally {
      server().clock.offsetMs = 0;
    }
  });

  it("a code is bound to its client", async () => {
    const { code, verifier } = await codeFor(app);
    const answer = await post(
      "/oidc/token",
      { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: app.redirectURI },
      basicOf(other),
    );
    expect(answer).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("a code of an account disabled since is refused, and its userinfo too", async () => {
    const { code, verifier } = await codeFor({ ...otherApp });
    const tokens = await codeFor(app).then(({ code: c, verifier: v }) => redeem(app, c, v));
    server().disabledAccounts.add("user-1");
    try {
      const answer = await redeem({ ...otherApp }, code, verifier);
      expect(answer).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
      const userinfo = await fetch(`${server().issuer}/oidc/me`, {
        headers: { authorization: `Bearer ${String(tokens.body.access_token)}` },
      });
      expect(userinfo.status).toBe(401);
      expect(await userinfo.json()).toMatchObject({ error: "invalid_token" });
    } finally {
      server().disabledAccounts.delete("user-1");
    }
  });
});

describe("client authentication", () => {
  it("refuses a wrong secret sent with Basic", async () => {
    const answer = await post(
      "/oidc/token",
      { grant_type: "client_credentials" },
      basicOf({ clientId: confidentialApp.clientId, secret: "wrong-secret" }),
    );
    expect(answer).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });

  it("refuses a wrong secret sent in the body", async () => {
    const answer = await post("/oidc/token", {
      grant_type: "client_credentials",
      client_id: postApp.clientId,
      client_secret: "wrong-secret",
    });
    expect(answer).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });

  it("holds a client to where it registered its secret: the right secret elsewhere is refused", async () => {
    // confidentialApp registered client_secret_basic, postApp client_secret_post.
    const inBody = await post("/oidc/token", {
      grant_type: "client_credentials",
      client_id: confidentialApp.clientId,
      client_secret: confidentialApp.secret,
    });
    expect(inBody).toMatchObject({
      status: 401,
      body: {
        error: "invalid_client",
        error_description: expect.stringContaining(
          "registered client_secret_basic: send its secret in the Authorization header",
        ),
      },
    });
    const inHeader = await post(
      "/oidc/token",
      { grant_type: "client_credentials" },
      basicOf({ clientId: postApp.clientId, secret: postApp.secret }),
    );
    expect(inHeader).toMatchObject({
      status: 401,
      body: {
        error: "invalid_client",
        error_description: expect.stringContaining(
          "registered client_secret_post: send its secret in the body",
        ),
      },
    });
    // Introspection authenticates the client the same way.
    const introspected = await post("/oidc/token/introspection", {
      token: "anything",
      client_id: confidentialApp.clientId,
      client_secret: confidentialApp.secret,
    });
    expect(introspected).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    // Each where it registered: accepted.
    const basic = await post(
      "/oidc/token",
      { grant_type: "client_credentials" },
      basicOf({ clientId: confidentialApp.clientId, secret: confidentialApp.secret }),
    );
    expect(basic.status).toBe(200);
    const body = await post("/oidc/token", {
      grant_type: "client_credentials",
      client_id: postApp.clientId,
      client_secret: postApp.secret,
    });
    expect(body.status).toBe(200);
  });

  // The library answered each only "client authentication failed".
  it("says what an app did otherwise than it registered: no secret from a confidential app, one from a public app", async () => {
    const noSecret = await post("/oidc/token", {
      grant_type: "client_credentials",
      client_id: confidentialApp.clientId,
    });
    expect([noSecret.status, noSecret.body.error]).toEqual([401, "invalid_client"]);
    expect(noSecret.body.error_description).toBe(
      "client authentication failed: this client registered client_secret_basic: send its secret in the Authorization header, as the request did not",
    );
    const noPostedSecret = await post("/oidc/token/introspection", {
      token: "x",
      client_id: postApp.clientId,
    });
    expect(noPostedSecret.body.error_description).toBe(
      "client authentication failed: this client registered client_secret_post: send its secret in the body, as the request did not",
    );
    // A public app configured as a confidential one (Basic, some secret): the challenge says it too.
    const response = await fetch(`${server().issuer}/oidc/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${publicApp.clientId}:some-secret`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "x" }),
    });
    const publicRefusal =
      "client authentication failed: this client is public (token_endpoint_auth_method none): send its client_id in the body, with no secret and no Authorization header";
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "invalid_client", error_description: publicRefusal });
    expect(response.headers.get("www-authenticate")).toContain(`error_description="${publicRefusal}"`);
    // A wrong secret still says no more than the library's words.
    const wrong = await post(
      "/oidc/token",
      { grant_type: "client_credentials" },
      basicOf({ clientId: confidentialApp.clientId, secret: "wrong-secret" }),
    );
    expect(wrong.body.error_description).toBe("client authentication failed");
  });

  it("refuses the stored hash presented as the secret", async () => {
    const answer = await post(
      "/oidc/token",
      { grant_type: "client_credentials" },
      basicOf({ clientId: confidentialApp.clientId, secret: sha256(confidentialApp.secret) }),
    );
    expect(answer).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });

  it("refuses client_credentials to a public client", async () => {
    const answer = await post("/oidc/token", {
      grant_type: "client_credentials",
      client_id: publicApp.clientId,
    });
    // The library answers invalid_request here (lib/actions/token.js), not unauthorized_client.
    expect(answer).toMatchObject({
      status: 400,
      body: {
        error: "invalid_request",
        error_description: "requested grant type is not allowed for this client",
      },
    });
  });

  it("refuses a client assertion signed HS256 with our public key", async () => {
    const jwks = await server().publicJWKS();
    const publicKey = createPublicKey({ key: jwks.keys[1] as never, format: "jwk" }).export({
      format: "pem",
      type: "spki",
    });
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(confidentialApp.clientId)
      .setSubject(confidentialApp.clientId)
      .setAudience(server().issuer)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime("1m")
      .sign(Buffer.from(publicKey));
    const answer = await post("/oidc/token", {
      grant_type: "client_credentials",
      client_id: confidentialApp.clientId,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    });
    expect(answer).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });

  it("refuses an unsigned (alg none) client assertion", async () => {
    const assertion = new UnsecuredJWT({})
      .setIssuer(confidentialApp.clientId)
      .setSubject(confidentialApp.clientId)
      .setAudience(server().issuer)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime("1m")
      .encode();
    const answer = await post("/oidc/token", {
      grant_type: "client_credentials",
      client_id: confidentialApp.clientId,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    });
    expect(answer).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });

  for (const [name, forge] of Object.entries({
    "unsigned (alg none)": async (claims: Record<string, unknown>) =>
      new UnsecuredJWT(claims).setIssuer(server().issuer).setIssuedAt().setExpirationTime("5m").encode(),
    "HS256 with our public key": async (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", kid: "es-1" })
        .setIssuer(server().issuer)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(Buffer.from(JSON.stringify((await server().publicJWKS()).keys[0]))),
  })) {
    it(`refuses an ${name} ID token as a logout hint`, async () => {
      const hint = await forge({ sub: "user-1", aud: confidentialApp.clientId });
      const response = await new BrowserAgent(server().issuer).request(
        `/oidc/session/end?id_token_hint=${hint}&post_logout_redirect_uri=${encodeURIComponent("https://app.example/signed-out")}`,
      );
      expect(locationOf(response)).toBeNull();
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain('id="error">invalid_request<');
      // Refused while signing out: the page says so in those words (provider-pages.ts).
      expect(html).toContain('id="during">sign-out<');
    });
  }

  // The library reads no body without a Content-Type, and answered what it then missed.
  it.each(["/oidc/token", "/oidc/token/introspection", "/oidc/token/revocation", "/oidc/device/auth"])(
    "refuses a body sent to %s without a Content-Type as such, not as a request missing its parameters",
    async (path) => {
      const response = await fetch(`${server().issuer}${path}`, {
        method: "POST",
        headers: { authorization: basicOf(confidential) },
        // A byte body: fetch adds no Content-Type for it.
        body: new TextEncoder().encode("grant_type=client_credentials&token=x&scope=openid"),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: "invalid_request",
        error_description: noContentTypeDescription,
      });
    },
  );

  it("still answers a POST with no body and no Content-Type as a request missing its parameters", async () => {
    const response = await fetch(`${server().issuer}/oidc/token`, {
      method: "POST",
      headers: { authorization: basicOf(confidential) },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "invalid_request",
      error_description: "missing required parameter 'grant_type'",
    });
  });

  it("reads form bodies only: a JSON token request is refused", async () => {
    const response = await fetch(`${server().issuer}/oidc/token`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basicOf(confidential) },
      body: JSON.stringify({ grant_type: "client_credentials" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_request" });
  });
});

describe("refresh tokens", () => {
  it("refuses a refresh that asks for more scope than was granted", async () => {
    const { refreshToken } = await refreshTokenFor();
    const answer = await refresh(refreshToken, confidential, { scope: "openid offline_access email" });
    expect(answer).toMatchObject({ status: 400, body: { error: "invalid_scope" } });
  });

  it("a used refresh token presented again past REFRESH_REUSE_GRACE revokes the grant: its successor dies too", async () => {
    const { refreshToken } = await refreshTokenFor();
    const rotated = await refresh(refreshToken);
    expect(rotated.status).toBe(200);
    const { clock } = server();
    clock.offsetMs += testRefreshReuseGraceMs;
    try {
      const reuse = await refresh(refreshToken);
      expect(reuse).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
      const successor = await refresh(String(rotated.body.refresh_token));
      expect(successor).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    } finally {
      clock.offsetMs -= testRefreshReuseGraceMs;
    }
  });

  it("a refresh token is bound to its client", async () => {
    const { refreshToken } = await refreshTokenFor();
    const answer = await refresh(refreshToken, other);
    expect(answer).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });
});

describe("introspection and revocation across clients", () => {
  it("one client introspecting another's token learns nothing", async () => {
    const { refreshToken, accessToken } = await refreshTokenFor();
    for (const token of [accessToken, refreshToken]) {
      const answer = await post("/oidc/token/introspection", { token }, basicOf(other));
      expect(answer).toEqual({ status: 200, body: { active: false } });
    }
  });

  it("one client cannot revoke another's token, which stays active", async () => {
    const issued = await post("/oidc/token", { grant_type: "client_credentials" }, basicOf(confidential));
    const token = String(issued.body.access_token);
    const answer = await post("/oidc/token/revocation", { token }, basicOf(other));
    expect(answer).toMatchObject({ status: 400, body: { error: "invalid_request" } });
    const introspected = await post("/oidc/token/introspection", { token }, basicOf(confidential));
    expect(introspected.body).toMatchObject({ active: true });
  });

  it("a public client revoking another's token gets the 200 of an invalid token; the token stays active", async () => {
    const issued = await post("/oidc/token", { grant_type: "client_credentials" }, basicOf(confidential));
    const token = String(issued.body.access_token);
    const { refreshToken } = await refreshTokenFor();
    for (const presented of [token, refreshToken, "no-such-token"]) {
      const answer = await post("/oidc/token/revocation", {
        token: presented,
        client_id: publicApp.clientId,
      });
      expect(answer.status).toBe(200);
    }
    const introspected = await post("/oidc/token/introspection", { token }, basicOf(confidential));
    expect(introspected.body).toMatchObject({ active: true });
    expect((await refresh(refreshToken)).status).toBe(200);
  });

  it("a public client introspecting a confidential client's token learns nothing", async () => {
    const issued = await post("/oidc/token", { grant_type: "client_credentials" }, basicOf(confidential));
    const answer = await post("/oidc/token/introspection", {
      token: String(issued.body.access_token),
      client_id: publicApp.clientId,
    });
    expect(answer).toEqual({ status: 200, body: { active: false } });
  });

  it("an unknown client cannot introspect", async () => {
    const answer = await post(
      "/oidc/token/introspection",
      { token: "anything" },
      basicOf({ clientId: "nobody", secret: "x" }),
    );
    expect(answer).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });
});

describe("device codes", () => {
  it("a stored-row reference is worth nothing at the token endpoint", async () => {
    const started = await post("/oidc/device/auth", { client_id: publicApp.clientId, scope: "openid" });
    expect(started.status).toBe(200);
    const deviceCode = String(started.body.device_code);
    const userCode = String(started.body.user_code);
    for (const presented of [
      `stored:${sha256(deviceCode)}#${userCode}`,
      `stored:${sha256(deviceCode)}`,
      userCode,
    ]) {
      const answer = await post("/oidc/token", {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        device_code: presented,
        client_id: publicApp.clientId,
      });
      expect(answer).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    }
    const pending = await post("/oidc/token", {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: deviceCode,
      client_id: publicApp.clientId,
    });
    expect(pending).toMatchObject({ status: 400, body: { error: "authorization_pending" } });
  });

  describe("polled sooner than the interval (RFC 8628 §3.5)", () => {
    async function startDevice(): Promise<string> {
      const started = await post("/oidc/device/auth", { client_id: publicApp.clientId, scope: "openid" });
      expect(started).toMatchObject({ status: 200, body: { interval: devicePollIntervalSeconds } });
      return String(started.body.device_code);
    }
    const poll = (deviceCode: string) =>
      post("/oidc/token", {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        device_code: deviceCode,
        client_id: publicApp.clientId,
      });
    const slowDown = { status: 400, body: { error: "slow_down", error_description: slowDownDescription } };
    const pending = { status: 400, body: { error: "authorization_pending" } };

    it("the second poll within the spacing is told slow_down; one after it is pending again", async () => {
      // ADR 0050: sooner than every 4 s, the interval less a second.
      expect(devicePollSpacingMs).toBe(4_000);
      const deviceCode = await startDevice();
      expect(await poll(deviceCode)).toMatchObject(pending);
      expect(await poll(deviceCode)).toEqual(slowDown);
      // The store's clock runs on with the real one: two seconds short of the spacing leaves the
      // test two seconds of its own to be inside it, and two more are past it whatever it took.
      const { clock } = server();
      clock.offsetMs += devicePollSpacingMs - 2_000;
      try {
        // Slowed-down polls do not move the window: it runs from the last poll that was pending.
        expect(await poll(deviceCode)).toEqual(slowDown);
        clock.offsetMs += 2_000;
        expect(await poll(deviceCode)).toMatchObject(pending);
      } finally {
        clock.offsetMs -= devicePollSpacingMs;
      }
    });

    it("two polls at once: exactly one is pending, the other slowed down", async () => {
      const deviceCode = await startDevice();
      const answers = await Promise.all([poll(deviceCode), poll(deviceCode)]);
      expect(answers.map((answer) => answer.body.error).sort()).toEqual([
        "authorization_pending",
        "slow_down",
      ]);
    });

    it("each device code has its own spacing", async () => {
      const first = await startDevice();
      const second = await startDevice();
      expect(await poll(first)).toMatchObject(pending);
      expect(await poll(second)).toMatchObject(pending);
    });

    it("a poll of an unknown device code is invalid_grant however often it comes", async () => {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect(await poll("not-a-device-code")).toMatchObject({
          status: 400,
          body: { error: "invalid_grant" },
        });
      }
    });
  });
});

describe("a path or method the provider does not serve", () => {
  it.each([
    ["GET", "/oidc/token", "POST"],
    ["PUT", "/oidc/token", "POST"],
    ["GET", "/oidc/token/revocation", "POST"],
    ["GET", "/oidc/token/introspection", "POST"],
    ["GET", "/oidc/request", "POST"],
    ["POST", "/oidc/jwks", "GET, HEAD"],
    ["DELETE", "/oidc/me", "GET, HEAD, POST"],
    ["PATCH", "/oidc/auth", "GET, HEAD, POST"],
  ])(
    "%s %s: 405 with its methods in Allow and the contract's METHOD_NOT_ALLOWED envelope, as the API's routes answer",
    async (method, path, allow) => {
      const response = await fetch(`${server().issuer}${path}`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe(allow);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({
        success: false,
        error: "METHOD_NOT_ALLOWED",
        message: `${path} does not take ${method}: use ${allow.replaceAll(", ", " or ")}`,
      });
    },
  );

  it("HEAD of the endpoints that Allow names it is served, not refused", async () => {
    for (const path of ["/oidc/jwks", "/oidc/me", "/oidc/auth"]) {
      const response = await fetch(`${server().issuer}${path}`, { method: "HEAD" });
      expect(response.status, path).not.toBe(405);
      expect(response.status, path).not.toBe(404);
    }
  });

  it.each([
    ["GET", "/oidc/nope"],
    ["PUT", "/oidc/nope"],
  ])("%s %s: 404 with the contract's NOT_FOUND envelope, not plain text", async (method, path) => {
    const response = await fetch(`${server().issuer}${path}`, { method });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      success: false,
      error: "NOT_FOUND",
      message: `Route ${method} ${path} not found`,
    });
  });

  it.each(["/oidc/auth", "/oidc/session/end"])(
    "POST %s of a form: 303 to the same request by GET (OpenID Connect Core §3.1.2.1), the form's parameters first (ADR 0042)",
    async (path) => {
      const response = await fetch(`${server().issuer}${path}?ui_locales=en&state=from-url`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ client_id: confidentialApp.clientId, state: "a b&c" }),
        redirect: "manual",
      });
      expect(response.status).toBe(303);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.headers.get("location")).toBe(
        `${path}?client_id=${confidentialApp.clientId}&state=a+b%26c&ui_locales=en`,
      );
    },
  );

  it("POST /oidc/auth of a form: followed, the browser meets what the same GET meets", async () => {
    const parameters = authorizationParameters(confidentialApp.clientId, confidentialApp.redirectURI);
    parameters.set("state", "posted");
    const posted = await fetch(`${server().issuer}/oidc/auth`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: parameters,
    });
    const got = await fetch(`${server().issuer}/oidc/auth?${parameters}`, { redirect: "manual" });
    // fetch followed the 303 by GET: the library sent it on to sign in, as it does the GET.
    expect(posted.redirected).toBe(true);
    expect(got.status).toBe(303);
    expect(new URL(posted.url).pathname).toMatch(/^\/interaction\/[^/]+$/);
    expect(got.headers.get("location")).toMatch(/^\/interaction\/[^/]+$/);
  });

  it.each(["/oidc/auth", "/oidc/session/end"])(
    "POST %s of something else than a form (JSON): 415 in the protocol's shape; a form past the body limit: 413",
    async (path) => {
      const response = await fetch(`${server().issuer}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_id: confidentialApp.clientId, response_type: "code" }),
      });
      expect(response.status).toBe(415);
      expect(await response.json()).toEqual({
        error: "invalid_request",
        error_description: `${path} takes GET, or a POST of an HTML form (application/x-www-form-urlencoded)`,
      });
      const tooLarge = await fetch(`${server().issuer}${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        // Chunked (no Content-Length): counted while read.
        body: new Blob([`state=${"a".repeat(17 * 1024)}`]).stream(),
        duplex: "half",
      } as RequestInit);
      expect(tooLarge.status).toBe(413);
    },
  );

  it.each([
    ["POST", "/oidc/auth", 415, "sign-in"],
    ["POST", "/oidc/session/end", 415, "sign-out"],
    // A reload of the sign-out's confirmation, after it answered: a used sign-out page.
    ["GET", "/oidc/session/end/confirm", 405, "sign-out"],
    ["GET", "/oidc/nope", 404, "sign-in"],
  ] as const)("%s %s from a browser: %i as a page, not JSON", async (method, path, status, during) => {
    const response = await fetch(`${server().issuer}${path}`, {
      method,
      headers: {
        accept: "text/html,application/xhtml+xml,*/*;q=0.8",
        ...(method === "POST" ? { "content-type": "text/plain" } : {}),
      },
      ...(method === "POST" ? { body: "client_id=x" } : {}),
    });
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('id="error">invalid_request<');
    expect(html).toContain(`id="during">${during}<`);
    if (path === "/oidc/session/end/confirm") expect(html).toContain("could not find logout details");
  });

  it.each(["/oidc/token", "/oidc/token/introspection", "/oidc/token/revocation", "/oidc/request"])(
    "POST %s naming no client at all: 401 invalid_client (RFC 6749 §5.2), not 400 invalid_request",
    async (path) => {
      const response = await fetch(`${server().issuer}${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials&token=abc&response_type=code",
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: "invalid_client",
        error_description: "client authentication failed: no client authentication included",
      });
    },
  );

  it("a route it serves still answers in the protocol's own shape (userinfo without a token)", async () => {
    const response = await fetch(`${server().issuer}/oidc/me`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: "invalid_token" });
  });
});

describe("browser calls to the token endpoint (CORS)", () => {
  const tokenRequestFrom = (origin: string, form: Record<string, string>, authorization?: string) =>
    fetch(`${server().issuer}/oidc/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin,
        ...(authorization === undefined ? {} : { authorization }),
      },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: "not-a-code",
        code_verifier: "a".repeat(43),
        ...form,
      }),
    });

  it("answers a public app from its redirect URI's origin, and never a confidential app or the origin null", async () => {
    const allowed = await tokenRequestFrom("http://127.0.0.1:8765", {
      client_id: publicApp.clientId,
      redirect_uri: publicApp.redirectURI,
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:8765");
    // A confidential app's secret has no place in a browser, whose origin is its redirect URI's.
    const confidential = await tokenRequestFrom(
      "https://app.example",
      { redirect_uri: confidentialApp.redirectURI },
      basicOf(confidentialApp),
    );
    // Refused unreadably by the page, but its developer reads why in the network panel.
    const refusal = async (response: Response) => {
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      const { error, error_description } = (await response.json()) as Record<string, string>;
      expect(error).toBe("invalid_request");
      return error_description;
    };
    expect(await refusal(confidential)).toBe(
      `origin https://app.example not allowed for client ${confidentialApp.clientId}: the app is confidential: its server makes these requests, with its secret; code in a browser signs in as a public app (docs/oidc.md, section 1)`,
    );
    const publicForm = { client_id: publicApp.clientId, redirect_uri: publicApp.redirectURI };
    expect(await refusal(await tokenRequestFrom("http://localhost:8765", publicForm))).toBe(
      `origin http://localhost:8765 not allowed for client ${publicApp.clientId}: a browser may call it only from the origin of one of the app's redirect URIs`,
    );
    // A private-use scheme's URL has the origin "null", as a sandboxed frame or a file has.
    const opaque = await tokenRequestFrom("null", {
      client_id: mobileApp.clientId,
      redirect_uri: mobileApp.redirectURI,
    });
    expect(await refusal(opaque)).toContain("a page whose origin is null");
  });
});
