import { connect } from "node:net";
import { useSQLiteTestDatabase } from "@superoauth/adapter-sql/testing";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import {
  answerDeviceCode,
  approveDeviceCode,
  authorizeInBrowser,
  confidentialApp,
  discover,
  mobileApp,
  openDeviceCode,
  otherApp,
  pollDeviceToken,
  postApp,
  publicApp,
  signedInInBrowser,
  signInWithCode,
  signOutOfApp,
} from "./authorization-driver.ts";
import { BrowserAgent, hiddenInput, locationOf } from "./browser-agent.ts";
import {
  authorizationParameters,
  browserSessionCookie,
  testPages,
  testRefreshReuseGraceMs,
  useOIDCTestServer,
} from "./oidc-test-server.ts";

// Issue 9: an off-the-shelf client (openid-client v6, on oauth4webapi) works against the provider
// unchanged: discovery, code + PKCE, tokens, refresh, userinfo, ID token, introspection,
// revocation, client credentials, PAR, DPoP and the device flow, over a real socket.

const day = 86_400_000;
const hour = 3_600_000;

const database = useSQLiteTestDatabase();
/** The server's log lines (JSON), for what the operator is told. */
const logLines: string[] = [];
const server = useOIDCTestServer(() => database.storage().oidcModels, logLines);

describe("discovery", () => {
  it("serves the same metadata at both root documents, with only what we support", async () => {
    const { issuer } = server();
    const openid = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
      registration_endpoint?: string;
      token_endpoint_auth_methods_supported: string[];
      id_token_signing_alg_values_supported: string[];
      token_endpoint_auth_signing_alg_values_supported?: string[];
      dpop_signing_alg_values_supported?: string[];
    };
    const oauth = await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json();
    expect(oauth).toEqual(openid);
    expect(openid).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/oidc/auth`,
      token_endpoint: `${issuer}/oidc/token`,
      userinfo_endpoint: `${issuer}/oidc/me`,
      jwks_uri: `${issuer}/oidc/jwks`,
      end_session_endpoint: `${issuer}/oidc/session/end`,
      introspection_endpoint: `${issuer}/oidc/token/introspection`,
      revocation_endpoint: `${issuer}/oidc/token/revocation`,
      pushed_authorization_request_endpoint: `${issuer}/oidc/request`,
      device_authorization_endpoint: `${issuer}/oidc/device/auth`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      scopes_supported: ["openid", "profile", "email", "offline_access", "user:read"],
    });
    expect(openid.registration_endpoint).toBeUndefined();
    // RFC 8414 §2: absent, these would read as client_secret_basic alone.
    expect(openid).toMatchObject({
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      claim_types_supported: ["normal"],
      prompt_values_supported: ["none", "select_account", "login", "consent"],
    });
    // The claims an ID token or userinfo can carry, and no others: `sid` is in the ID tokens of an
    // app with a back-channel logout URI (ADR 0073).
    expect((openid as { claims_supported?: string[] }).claims_supported?.toSorted()).toEqual(
      [
        "amr",
        "auth_time",
        "email",
        "email_verified",
        "iss",
        "name",
        "nickname",
        "preferred_username",
        "sid",
        "sub",
        "updated_at",
      ].toSorted(),
    );
    expect(openid.token_endpoint_auth_methods_supported).toEqual([
      "client_secret_basic",
      "client_secret_post",
      "none",
    ]);
    const algorithms = [
      ...openid.id_token_signing_alg_values_supported,
      ...(openid.token_endpoint_auth_signing_alg_values_supported ?? []),
      ...(openid.dpop_signing_alg_values_supported ?? []),
    ];
    expect(algorithms.filter((alg) => alg.startsWith("HS") || alg === "none")).toEqual([]);
  });

  it("lists each prompt value the authorization endpoint takes, and it refuses one not listed", async () => {
    const { issuer } = server();
    const { prompt_values_supported: listed } = (await (
      await fetch(`${issuer}/.well-known/openid-configuration`)
    ).json()) as { prompt_values_supported: string[] };
    const errorOf = async (prompt: string) => {
      const parameters = authorizationParameters(confidentialApp.clientId, confidentialApp.redirectURI);
      parameters.set("prompt", prompt);
      const response = await fetch(`${issuer}/oidc/auth?${parameters}`, { redirect: "manual" });
      const location = new URL(response.headers.get("location") ?? "", issuer);
      return location.searchParams.get("error_description") ?? location.searchParams.get("error") ?? "";
    };
    for (const prompt of listed) expect(await errorOf(prompt), prompt).not.toMatch(/unsupported prompt/);
    expect(await errorOf("create")).toBe("unsupported prompt value requested");
  });

  it("publishes public keys only, with their kid, at the JWKS URI", async () => {
    const jwks = await server().publicJWKS();
    expect(jwks.keys.map((key) => [key.kid, key.alg])).toEqual([
      ["es-1", "ES256"],
      ["rs-1", "RS256"],
    ]);
    expect(jwks.keys.every((key) => key.d === undefined && key.p === undefined)).toBe(true);
  });

  it("names the issuer's endpoints for a request whose target names another host (absolute form)", async () => {
    const { issuer } = server();
    const { port } = new URL(issuer);
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () =>
        socket.write(
          "GET http://evil.example/.well-known/openid-configuration HTTP/1.1\r\n" +
            "Host: evil.example\r\nConnection: close\r\n\r\n",
        ),
      );
      let received = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        received += chunk;
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(received));
    });
    const metadata = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>;
    expect(metadata.issuer).toBe(issuer);
    expect(metadata.token_endpoint).toBe(`${issuer}/oidc/token`);
    expect(metadata.authorization_endpoint).toBe(`${issuer}/oidc/auth`);
  });

  it("answers with the pages' CSP (form-action included) and no-store", async () => {
    const response = await fetch(`${server().issuer}/.well-known/openid-configuration`);
    expect(response.headers.get("content-security-policy")).toBe(testPages.contentSecurityPolicy);
    const device = await fetch(`${server().issuer}/oidc/device`);
    expect(device.headers.get("content-security-policy")).toBe(testPages.contentSecurityPolicy);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
  });
});

describe("authorization code with PKCE", () => {
  it("signs in, consents, and gets tokens whose ID token verifies against the JWKS", async () => {
    const { issuer, grants } = server();
    const config = await discover(issuer, confidentialApp);
    const { tokens, prompts } = await signInWithCode({
      issuer,
      config,
      app: confidentialApp,
      scope: "openid profile email offline_access",
      prompt: "consent",
    });
    expect(prompts).toEqual(["login", "consent"]);
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.expires_in).toBe(300);
    expect(typeof tokens.refresh_token).toBe("string");

    const idToken = tokens.id_token;
    if (idToken === undefined) throw new Error("no id token");
    const verified = await jwtVerify(idToken, createLocalJWKSet(await server().publicJWKS()), {
      issuer,
      audience: confidentialApp.clientId,
      algorithms: ["ES256"],
    });
    expect(verified.protectedHeader).toMatchObject({ alg: "ES256", kid: "es-1" });
    expect(verified.payload.sub).toBe("user-1");
    // How and when the user signed in (the test server's sign-in is a password one, just now).
    expect(verified.payload.amr).toEqual(["pwd"]);
    expect(Math.abs(Number(verified.payload.auth_time) - Date.now() / 1000)).toBeLessThan(30);

    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, "user-1");
    expect(userinfo).toEqual({
      sub: "user-1",
      email: "ada@example.com",
      email_verified: true,
      nickname: "ada",
      name: "ada",
      preferred_username: "ada",
      updated_at: Math.floor(Date.parse("2026-11-01T00:00:00Z") / 1000),
    });
    expect(grants.remembered.get(`user-1|${confidentialApp.clientId}`)?.scopes).toEqual([
      "openid",
      "profile",
      "email",
      "offline_access",
    ]);
    expect(grants.touched).toContain(`user-1|${confidentialApp.clientId}`);
    // The consent is told to the security log: who gave which app what, and from where.
    expect(grants.consents.filter((c) => c.clientId === confidentialApp.clientId)).toEqual([
      {
        accountId: "user-1",
        clientId: confidentialApp.clientId,
        scopes: ["openid", "profile", "email", "offline_access"],
        remembered: true,
        renewed: false,
        client: { ip: "127.0.0.1", userAgent: expect.any(String) },
      },
    ]);
  });

  // A native app is asked at every sign-in, and a mobile app sends prompt=consent for its refresh
  // token: each remembered answer mailed "An app can now access your account", as if it were new.
  it("tells the security log whether a remembered consent gave the app anything new", async () => {
    const { issuer, grants } = server();
    const config = await discover(issuer, postApp);
    const consentsOf = async (scope: string) => {
      const before = grants.consents.length;
      await signInWithCode({ issuer, config, app: postApp, scope, prompt: "consent", remember: true });
      return grants.consents.slice(before).map(({ scopes, renewed }) => ({ scopes, renewed }));
    };
    expect(await consentsOf("openid profile")).toEqual([{ scopes: ["openid", "profile"], renewed: false }]);
    expect(await consentsOf("openid profile")).toEqual([{ scopes: ["openid", "profile"], renewed: true }]);
    // Fewer scopes asked: the grant keeps what it had, and nothing is new.
    expect(await consentsOf("openid")).toEqual([{ scopes: ["openid", "profile"], renewed: true }]);
    expect(await consentsOf("openid email")).toEqual([
      { scopes: ["openid", "profile", "email"], renewed: false },
    ]);
  });

  it("releases only the claims of the granted scopes", async () => {
    const { issuer } = server();
    const config = await discover(issuer, otherApp);
    const { tokens } = await signInWithCode({ issuer, config, app: otherApp, scope: "openid email" });
    expect(await oidc.fetchUserInfo(config, tokens.access_token, "user-1")).toEqual({
      sub: "user-1",
      email: "ada@example.com",
      email_verified: true,
    });
    expect(tokens.refresh_token).toBeUndefined();
  });

  /** A signed-in confidential app's first refresh token (offline_access, consented). */
  async function firstRefreshToken(issuer: string, config: oidc.Configuration): Promise<string> {
    const { tokens } = await signInWithCode({
      issuer,
      config,
      app: confidentialApp,
      scope: "openid offline_access",
      prompt: "consent",
    });
    if (tokens.refresh_token === undefined) throw new Error("no refresh token");
    return tokens.refresh_token;
  }

  it("rotates the refresh token on every refresh", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const first = await firstRefreshToken(issuer, config);
    const refreshed = await oidc.refreshTokenGrant(config, first);
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(first);
    await expect(oidc.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: "invalid_grant" });
  });

  it("a used refresh token presented again within REFRESH_REUSE_GRACE is refused and the grant lives; after it, the grant is revoked", async () => {
    const { issuer, clock, refreshes, grants } = server();
    const config = await discover(issuer, confidentialApp);
    const first = await firstRefreshToken(issuer, config);
    const reusesBefore = grants.reuses.length;
    const reportedBefore = refreshes.length;
    // Two refreshes of one token at once (two tabs, two workers): one wins, one is refused.
    const raced = await Promise.allSettled([
      oidc.refreshTokenGrant(config, first),
      oidc.refreshTokenGrant(config, first),
    ]);
    const won = raced.filter((outcome) => outcome.status === "fulfilled");
    expect(won).toHaveLength(1);
    expect(raced.find((outcome) => outcome.status === "rejected")).toMatchObject({
      reason: { error: "invalid_grant" },
    });
    // Retried within the grace: refused again, and the winner's token goes on working.
    await expect(oidc.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: "invalid_grant" });
    let newest = ((won[0] as PromiseFulfilledResult<oidc.TokenEndpointResponse>).value.refresh_token ??
      "") as string;
    newest = (await oidc.refreshTokenGrant(config, newest)).refresh_token as string;

    // Past the grace, a used token is a stolen one: the whole grant goes (RFC 9700 §4.14.2).
    clock.offsetMs += testRefreshReuseGraceMs + 1_000;
    try {
      await expect(oidc.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: "invalid_grant" });
      await expect(oidc.refreshTokenGrant(config, newest)).rejects.toMatchObject({ error: "invalid_grant" });
    } finally {
      clock.offsetMs -= testRefreshReuseGraceMs + 1_000;
    }
    // What the metrics are told: the race's winner and the two refreshes after it rotated; the
    // loser and the retry within the grace were refused; the theft past it was reuse, and the
    // newest token, its grant revoked, refused.
    expect(refreshes.slice(reportedBefore).sort()).toEqual(
      ["rotated", "rotated", "rejected", "rejected", "reuse_detected", "rejected"].sort(),
    );
    // And the log, once, naming the app and the person, never the token.
    const warnings = logLines.filter((line) => line.includes("refresh token was used again"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] as string)).toMatchObject({
      level: 40,
      clientId: confidentialApp.clientId,
    });
    expect(warnings[0]).not.toContain(first);
    // And the person's security log, once, with where the spent token came from.
    await vi.waitFor(() => expect(grants.reuses.length).toBe(reusesBefore + 1));
    expect(grants.reuses.slice(reusesBefore)).toEqual([
      {
        accountId: "user-1",
        clientId: confidentialApp.clientId,
        client: { ip: "127.0.0.1", userAgent: expect.any(String) },
      },
    ]);
  });

  // Refresh tokens live 7 days and the remembered consent (the grant) 30: each check below sits an
  // hour past a grant's end and days inside its last refresh token's, so only the grant decides.
  // (This test once checked the old chain at day 31, the very second its day-24 token expired: a slow
  // refresh at day 24 left that token a second to live, and the check passed or failed by chance.)
  it("a refresh-token chain ends with the remembered consent, 30 days after it was given, however often it is refreshed", async () => {
    const { issuer } = server();
    const config = await discover(issuer, otherApp);
    const first = await signInWithCode({
      issuer,
      config,
      app: otherApp,
      scope: "openid offline_access",
      prompt: "consent",
    });
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    try {
      let refreshToken = first.tokens.refresh_token as string;
      for (const days of [6, 12, 18, 24, 29]) {
        vi.setSystemTime(start + days * day);
        refreshToken = (await oidc.refreshTokenGrant(config, refreshToken)).refresh_token as string;
      }
      // Day 30 and an hour: the day-29 token has six days left, but the consent behind it is over.
      vi.setSystemTime(start + 30 * day + hour);
      await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({
        error: "invalid_grant",
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it("consent given again renews the grant for 30 days from then, for the chain the app already holds too", async () => {
    const { issuer } = server();
    const config = await discover(issuer, otherApp);
    const consent = () =>
      signInWithCode({ issuer, config, app: otherApp, scope: "openid offline_access", prompt: "consent" });
    const first = await consent();
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    try {
      let held = first.tokens.refresh_token as string;
      for (const days of [6, 12, 18, 24]) {
        vi.setSystemTime(start + days * day);
        held = (await oidc.refreshTokenGrant(config, held)).refresh_token as string;
      }
      // Asked again on day 29, the person consents again: the same grant, now lasting to day 59.
      vi.setSystemTime(start + 29 * day);
      const again = await consent();
      let renewed = again.tokens.refresh_token as string;
      vi.setSystemTime(start + 30 * day + hour);
      held = (await oidc.refreshTokenGrant(config, held)).refresh_token as string;
      for (const days of [35, 41, 47, 53, 58]) {
        vi.setSystemTime(start + days * day);
        held = (await oidc.refreshTokenGrant(config, held)).refresh_token as string;
        renewed = (await oidc.refreshTokenGrant(config, renewed)).refresh_token as string;
      }
      vi.setSystemTime(start + 59 * day + hour);
      for (const token of [held, renewed]) {
        await expect(oidc.refreshTokenGrant(config, token)).rejects.toMatchObject({ error: "invalid_grant" });
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it("a public client with client_secret none completes the flow with PKCE", async () => {
    const { issuer } = server();
    const config = await discover(issuer, publicApp);
    const { tokens } = await signInWithCode({ issuer, config, app: publicApp, scope: "openid" });
    expect(tokens.claims()?.aud).toBe(publicApp.clientId);
  });

  it("a public loopback app (native, RFC 8252) gets its code on any loopback port it listens on", async () => {
    const { issuer } = server();
    const config = await discover(issuer, publicApp);
    const registered = new URL(publicApp.redirectURI);
    const elsewhere = `http://${registered.hostname}:49152${registered.pathname}`;
    const { tokens } = await signInWithCode({
      issuer,
      config,
      app: { ...publicApp, redirectURI: elsewhere },
      scope: "openid",
    });
    expect(tokens.claims()?.aud).toBe(publicApp.clientId);
  });

  it("a native app is asked for consent on every authorization, remembered or not (RFC 8252 section 8.6)", async () => {
    const { issuer } = server();
    const agent = new BrowserAgent(issuer);
    const config = await discover(issuer, publicApp);
    const first = await signInWithCode({
      issuer,
      config,
      app: publicApp,
      agent,
      scope: "openid",
      remember: true,
    });
    expect(first.prompts).toEqual(["login", "consent"]);
    const again = await signInWithCode({ issuer, config, app: publicApp, agent, scope: "openid" });
    expect(again.prompts).toEqual(["consent"]);
    // A web app with the same remembered consent is not asked again.
    const web = await discover(issuer, confidentialApp);
    await signInWithCode({
      issuer,
      config: web,
      app: confidentialApp,
      agent,
      scope: "openid",
      remember: true,
    });
    const webAgain = await signInWithCode({
      issuer,
      config: web,
      app: confidentialApp,
      agent,
      scope: "openid",
    });
    expect(webAgain.prompts).toEqual([]);
  });

  it("a code refused at the token endpoint (a PKCE verifier that does not match) says why in the log, never the code", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const state = oidc.randomState();
    const url = await authorizationWithVerifierForgotten(config, { state });
    const { callback } = await authorizeInBrowser({ agent: new BrowserAgent(issuer), issuer, url });
    const code = callback.searchParams.get("code") ?? "";
    // The verifier of another authorization: the answer is the library's generic one.
    const logged = logLines.length;
    await expect(
      oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
        expectedState: state,
      }),
    ).rejects.toMatchObject({ error: "invalid_grant", error_description: "grant request is invalid" });
    const refused = logLines
      .slice(logged)
      .filter((line) => line.includes("token request refused: invalid_grant"));
    expect(refused.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        level: 30,
        clientId: confidentialApp.clientId,
        grantType: "authorization_code",
        reason: "code_verifier does not match code_challenge",
      }),
    ]);
    expect(refused.join("\n")).not.toContain(code);
  });

  it("a code redeemed after its 60 s says in the log that it may have expired, not only that it was not found", async () => {
    const { issuer, clock } = server();
    const config = await discover(issuer, confidentialApp);
    const logged = logLines.length;
    let movedMs = 0;
    try {
      await expect(
        signInWithCode({
          issuer,
          config,
          app: confidentialApp,
          scope: "openid",
          beforeRedeem: () => {
            movedMs = 61_000;
            clock.offsetMs += movedMs;
          },
        }),
      ).rejects.toMatchObject({ error: "invalid_grant", error_description: "grant request is invalid" });
    } finally {
      clock.offsetMs -= movedMs;
    }
    const refused = logLines
      .slice(logged)
      .filter((line) => line.includes("token request refused: invalid_grant"));
    expect(refused.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        grantType: "authorization_code",
        reason: "authorization code not found: expired, used, revoked or never issued",
      }),
    ]);
  });

  it("a client_secret_post app authenticates with the secret in the body", async () => {
    const { issuer } = server();
    const config = await discover(issuer, postApp);
    const { tokens } = await signInWithCode({ issuer, config, app: postApp, scope: "openid" });
    expect(tokens.claims()?.sub).toBe("user-1");
  });

  it("goes through a pushed authorization request", async () => {
    const { issuer } = server();
    const config = await discover(issuer, otherApp);
    const { tokens } = await signInWithCode({
      issuer,
      config,
      app: otherApp,
      scope: "openid profile",
      usePAR: true,
    });
    expect(tokens.claims()?.sub).toBe("user-1");
  });
});

describe("interactions, as the hosted pages see them", () => {
  it("details say when the app asked for a fresh sign-in (prompt=login) and how old one may be (max_age)", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    for (const [asked, expected] of [
      [{ prompt: "login" }, { loginPrompted: true, maxAgeSeconds: null }],
      // select_account is asked first, but the fresh sign-in asked with it still holds.
      [{ prompt: "login select_account" }, { loginPrompted: true, maxAgeSeconds: null }],
      [{ prompt: "select_account" }, { loginPrompted: false, maxAgeSeconds: null }],
      [{ max_age: "120" }, { loginPrompted: false, maxAgeSeconds: 120 }],
    ] as const) {
      const agent = new BrowserAgent(issuer);
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: confidentialApp.redirectURI,
        scope: "openid",
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: "S256",
        ...asked,
      });
      const loginAt = new URL(locationOf(await agent.request(url.href)) ?? "", issuer).pathname;
      expect(await (await agent.request(loginAt, { accept: "application/json" })).json()).toMatchObject({
        prompt: "login",
        ...expected,
      });
    }
  });

  it("details name the account an id_token_hint names, for the pages to compare with the browser's", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const agent = new BrowserAgent(issuer);
    // Nothing remembered: the tests after this one meet these accounts at this app for the first time.
    const signIn = { issuer, config, app: confidentialApp, agent, scope: "openid", remember: false };
    const named = await signInWithCode(signIn);
    agent.setCookie(browserSessionCookie, "user-2");
    await signInWithCode({ ...signIn, account: "user-2" });
    const authorize = async (idTokenHint: string) => {
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: confidentialApp.redirectURI,
        scope: "openid",
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: "S256",
        id_token_hint: idTokenHint,
      });
      return new URL(locationOf(await agent.request(url.href)) ?? "", issuer);
    };

    const loginAt = await authorize(named.tokens.id_token ?? "");
    expect(
      await (await agent.request(loginAt.pathname, { accept: "application/json" })).json(),
    ).toMatchObject({
      prompt: "login",
      // Not a prompt=login: a hint naming the browser's own account must not cost a password.
      loginPrompted: false,
      hintedAccountId: "user-1",
    });
  });

  it("details name the app, the login hint, then the account and the scopes, all new the first time", async () => {
    const { issuer } = server();
    const agent = new BrowserAgent(issuer);
    const config = await discover(issuer, confidentialApp);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: confidentialApp.redirectURI,
      scope: "openid email user:read offline_access",
      prompt: "consent",
      login_hint: "ada@example.com",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
    });
    const loginAt = new URL(locationOf(await agent.request(url.href)) ?? "", issuer).pathname;
    const client = {
      clientId: confidentialApp.clientId,
      name: `App ${confidentialApp.clientId}`,
      logoURL: null,
      homepageURL: "https://app.example",
      native: false,
      privateUseSchemes: [],
    };
    expect(await (await agent.request(loginAt, { accept: "application/json" })).json()).toEqual({
      uid: loginAt.split("/").pop(),
      prompt: "login",
      client,
      loginHint: "ada@example.com",
      loginPrompted: false,
      hintedAccountId: null,
      maxAgeSeconds: null,
    });
    const consentAt = await nextInteraction(
      agent,
      issuer,
      await agent.request(`${loginAt}/login?account=user-2`, { method: "POST" }),
    );
    expect(await (await agent.request(consentAt, { accept: "application/json" })).json()).toEqual({
      uid: consentAt.split("/").pop(),
      prompt: "consent",
      client,
      accountId: "user-2",
      scopes: ["openid", "email", "user:read", "offline_access"],
      newScopes: ["openid", "email", "user:read", "offline_access"],
    });
  });

  it("asked again (prompt=consent), details list every requested scope and which are new", async () => {
    const { issuer } = server();
    const agent = new BrowserAgent(issuer);
    // An (app, account) pair no other test here grants anything to: the grants outlive each test.
    const config = await discover(issuer, publicApp);
    await signInWithCode({
      issuer,
      config,
      app: publicApp,
      agent,
      account: "user-2",
      scope: "openid profile",
    });
    const consentDetails = async (scope: string) => {
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: publicApp.redirectURI,
        scope,
        prompt: "consent",
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: "S256",
      });
      const consentAt = await nextInteraction(agent, issuer, await agent.request(url.href));
      const details = await agent.request(consentAt, { accept: "application/json" });
      expect(details.status).toBe(200);
      return details.json();
    };
    expect(await consentDetails("openid profile")).toMatchObject({
      prompt: "consent",
      // A public app redirecting to loopback only: the page says it asks each time.
      client: { clientId: publicApp.clientId, native: true },
      scopes: ["openid", "profile"],
      newScopes: [],
    });
    expect(await consentDetails("openid profile email")).toMatchObject({
      prompt: "consent",
      scopes: ["openid", "profile", "email"],
      newScopes: ["email"],
    });
  });

  it("finishing a prompt the interaction is not at is refused", async () => {
    const { issuer } = server();
    const agent = new BrowserAgent(issuer);
    const config = await discover(issuer, otherApp);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: otherApp.redirectURI,
      scope: "openid",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
    });
    const loginAt = new URL(locationOf(await agent.request(url.href)) ?? "", issuer).pathname;
    const consentTooEarly = await agent.request(`${loginAt}/consent`, { method: "POST" });
    expect(consentTooEarly.status).toBe(400);
  });
});

describe("remembered consent and single sign-on", () => {
  it("remembered consent survives a new browser session: only the login is asked again", async () => {
    const { issuer } = server();
    const config = await discover(issuer, otherApp);
    await signInWithCode({ issuer, config, app: otherApp, scope: "openid profile", account: "user-2" });
    const { prompts } = await signInWithCode({
      issuer,
      config,
      app: otherApp,
      scope: "openid profile",
      account: "user-2",
    });
    expect(prompts).toEqual(["login"]);
  });

  it("consent not remembered is asked again, gives no refresh token, and its grant outlives only its tokens", async () => {
    const { issuer, grants, clock } = server();
    const config = await discover(issuer, postApp);
    const agent = new BrowserAgent(issuer);
    const first = await signInWithCode({
      issuer,
      config,
      app: postApp,
      agent,
      account: "user-2",
      scope: "openid offline_access",
      prompt: "consent",
      remember: false,
    });
    expect(first.tokens.refresh_token).toBeUndefined();
    expect(first.tokens.scope).toBe("openid");
    expect(grants.remembered.has(`user-2|${postApp.clientId}`)).toBe(false);
    // Its grant is kept while this authorization's code and access token can use it (an
    // interaction's 30 minutes to resume, the code's minute, the token's five), not for a
    // remembered consent's 30 days: nothing reads it after, and no list or export shows it.
    const stored = await database
      .storage()
      .db.selectFrom("oidc_models")
      .select("expires_at")
      .where("model", "=", "Grant")
      .where("account_id", "=", "user-2")
      .where("client_id", "=", postApp.clientId)
      .execute();
    expect(stored).toHaveLength(1);
    const keptMs = new Date(stored[0]?.expires_at ?? 0).getTime() - clock.now().getTime();
    expect(keptMs).toBeGreaterThan(35 * 60_000);
    expect(keptMs).toBeLessThanOrEqual(36 * 60_000);
    // The access token it bought works: userinfo reads its grant.
    await expect(oidc.fetchUserInfo(config, first.tokens.access_token, "user-2")).resolves.toMatchObject({
      sub: "user-2",
    });
    // Not remembered, yet on record: the app got an access token on the person's word.
    expect(grants.consents.filter((c) => c.clientId === postApp.clientId).at(-1)).toMatchObject({
      accountId: "user-2",
      scopes: ["openid"],
      remembered: false,
    });
    const second = await signInWithCode({
      issuer,
      config,
      app: postApp,
      agent,
      account: "user-2",
      scope: "openid",
    });
    expect(second.prompts).toEqual(["consent"]);
  });

  /** Signs a fresh browser in to one app, then authorizes another (single sign-on) with `second`. */
  async function signInToSecondApp(
    second: { account?: string; prompt?: string; switchAtConsent?: boolean } = {},
  ) {
    const { issuer } = server();
    const agent = new BrowserAgent(issuer);
    await signInWithCode({
      issuer,
      config: await discover(issuer, confidentialApp),
      app: confidentialApp,
      agent,
      scope: "openid",
    });
    return signInWithCode({
      issuer,
      config: await discover(issuer, otherApp),
      app: otherApp,
      agent,
      scope: "openid",
      ...second,
    });
  }

  it("signs in once for every app while our browser session lasts", async () => {
    const second = await signInToSecondApp();
    expect(second.prompts).not.toContain("login");
  });

  it("asks for a login again when our browser session ended or belongs to someone else", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const agent = new BrowserAgent(issuer);
    await signInWithCode({ issuer, config, app: confidentialApp, agent, scope: "openid" });

    agent.setCookie(browserSessionCookie, "user-2");
    const switched = await signInWithCode({
      issuer,
      config,
      app: confidentialApp,
      agent,
      scope: "openid",
      account: "user-2",
    });
    expect(switched.prompts[0]).toBe("login");
    expect(switched.tokens.claims()?.sub).toBe("user-2");

    agent.setCookie(browserSessionCookie, "");
    expect(await errorOfSilentAuthorization(config, agent, "none")).toBe("login_required");
  });

  it("prompt=select_account shows the sign-in page even while our browser session would do, and the account chosen gets the tokens", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const agent = new BrowserAgent(issuer);
    await signInWithCode({ issuer, config, app: confidentialApp, agent, scope: "openid" });

    // Without it, the browser's session signs the app in with no page at all (the test above). With
    // it the page is shown: the person continues as the signed-in account, or signs in to another.
    const select = (account: string) =>
      signInWithCode({
        issuer,
        config,
        app: confidentialApp,
        agent,
        scope: "openid",
        prompt: "select_account",
        account,
      });
    const same = await select("user-1");
    expect(same.prompts).toEqual(["login"]);
    // The app asked the person to choose: the page offers both ways, not the form alone.
    expect(same.pages).toEqual([expect.stringMatching(/^\/interaction\/[^/?]+$/)]);
    expect(same.tokens.claims()?.sub).toBe("user-1");
    const another = await select("user-2");
    expect(another.prompts[0]).toBe("login");
    expect(another.tokens.claims()?.sub).toBe("user-2");
  });

  it("'Not you? Use another account' on a consent page reached by single sign-on asks select_account at the sign-in form, and the account chosen gets the tokens", async () => {
    // The second app's first page is its consent page (asked for: other tests of this file left
    // user-1's consent to it remembered, so the sign-in loads that grant); the person says it is
    // not them. Signing user-2 in over the session, the library signs user-1 out of it, which
    // revokes the grant it loaded: the sign-in under way that names it goes on (revokeByGrantId
    // keeps it; it was deleted with the grant, and the switch ended on "interaction session not found").
    const switched = await signInToSecondApp({ account: "user-2", prompt: "consent", switchAtConsent: true });
    expect(switched.prompts).toEqual(["consent", "login", "consent"]);
    // The person said the account is not theirs: straight to the sign-in form (`?another=1`), not
    // to the choice of continuing as it, which was one click more.
    expect(switched.pages[1]).toMatch(/^\/interaction\/[^/?]+\?another=1$/);
    expect(switched.pages[0]).not.toContain("?");
    expect(switched.tokens.claims()?.sub).toBe("user-2");
  });

  it("prompt=select_account with prompt=none is refused at the app (the person cannot be asked)", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const agent = new BrowserAgent(issuer);
    expect(await errorOfSilentAuthorization(config, agent, "none select_account")).toBe("invalid_request");
  });

  it("the user declining gives the client access_denied", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: confidentialApp.redirectURI,
      scope: "openid",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
    });
    const { callback } = await authorizeInBrowser({
      agent: new BrowserAgent(issuer),
      issuer,
      url,
      deny: true,
    });
    expect(callback.searchParams.get("error")).toBe("access_denied");
  });

  it("a mobile app gets its code at its private-use scheme, asked for consent each time, and trades it without a secret", async () => {
    const { issuer } = server();
    const config = await discover(issuer, mobileApp);
    const agent = new BrowserAgent(issuer);
    const first = await signInWithCode({ issuer, config, app: mobileApp, agent, scope: "openid profile" });
    expect(first.prompts).toEqual(["login", "consent"]);
    expect(first.tokens.access_token).toEqual(expect.any(String));
    // Native (RFC 8252 section 8.6): consent is asked again, remembered or not; the details tell
    // the pages the scheme their form-action must allow.
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: mobileApp.redirectURI,
      scope: "openid profile",
      state: "s-1",
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: "S256",
    });
    const consentAt = await nextInteraction(agent, issuer, await agent.request(url.href));
    expect(await (await agent.request(consentAt, { accept: "application/json" })).json()).toMatchObject({
      prompt: "consent",
      client: { clientId: mobileApp.clientId, native: true, privateUseSchemes: ["com.example.app:"] },
    });
    let response = await agent.request(`${consentAt}/consent?remember=yes`, { method: "POST" });
    while (new URL(locationOf(response) ?? "", issuer).origin === issuer) {
      response = await agent.request(locationOf(response) ?? "");
    }
    const callback = new URL(locationOf(response) ?? "");
    expect(`${callback.protocol}${callback.pathname}`).toBe(mobileApp.redirectURI);
    expect(callback.searchParams.get("state")).toBe("s-1");
    expect(callback.searchParams.get("code")).toEqual(expect.any(String));
  });

  it("RP-initiated logout of a mobile app allows its scheme in the confirmation's form-action and returns to it", async () => {
    const { issuer } = server();
    const config = await discover(issuer, mobileApp);
    const agent = new BrowserAgent(issuer);
    const { tokens } = await signInWithCode({ issuer, config, app: mobileApp, agent, scope: "openid" });
    const endURL = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token ?? "",
      post_logout_redirect_uri: mobileApp.postLogoutRedirectURI,
    });
    const page = await agent.request(endURL.href);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toBe(
      testPages.contentSecurityPolicyFor({ privateUseSchemes: ["com.example.app:"] }),
    );
    const done = await agent.request("/oidc/session/end/confirm", {
      form: { xsrf: hiddenInput(await page.text(), "xsrf"), logout: "yes" },
    });
    expect(locationOf(done)).toBe(mobileApp.postLogoutRedirectURI);
  });

  describe("the library's auto-submitting forms, in our pages' look (continueForm)", () => {
    /** The page's form as continueForm was given it: its action, fields and flow. */
    const continueFormOf = (html: string) => ({
      action: /<form method="post" action="([^"]+)"/.exec(html)?.[1],
      fields: [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
        m[1],
        m[2],
      ]),
      during: /<p id="continue-during">([^<]*)</.exec(html)?.[1],
    });

    it("a sign-out with no session here: the form that finishes it, which then signs out", async () => {
      const { issuer } = server();
      const agent = new BrowserAgent(issuer);

      const page = await agent.request("/oidc/session/end");

      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).not.toContain("Submitting Callback");
      const form = continueFormOf(html);
      expect(form).toEqual({
        action: `${issuer}/oidc/session/end/confirm`,
        fields: [
          ["xsrf", hiddenInput(html, "xsrf")],
          ["logout", "yes"],
        ],
        during: "sign-out",
      });
      const done = await agent.request("/oidc/session/end/confirm", {
        form: Object.fromEntries(form.fields),
      });
      const signedOut = await agent.request(locationOf(done) ?? "");
      expect(await signedOut.text()).toContain('<p id="done">');
    });

    it("a device's code from its link: the form that sends the code, which then asks to allow the device", async () => {
      const { issuer } = server();
      const config = await discover(issuer, publicApp);
      const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid" });
      const agent = new BrowserAgent(issuer);

      const page = await agent.request(started.verification_uri_complete ?? "");

      const html = await page.text();
      const form = continueFormOf(html);
      expect(form).toEqual({
        action: `${issuer}/oidc/device`,
        fields: [
          ["xsrf", hiddenInput(html, "xsrf")],
          ["user_code", started.user_code],
        ],
        during: "device",
      });
      const confirm = await agent.request("/oidc/device", { form: Object.fromEntries(form.fields) });
      expect(/<p id="user-code">([^<]*)</.exec(await confirm.text())?.[1]).toBe(started.user_code);
    });
  });

  it("RP-initiated logout asks, then ends the provider session and ours", async () => {
    const { issuer, endedBrowserSessions } = server();
    const config = await discover(issuer, confidentialApp);
    const agent = new BrowserAgent(issuer);
    const { tokens } = await signInWithCode({ issuer, config, app: confidentialApp, agent, scope: "openid" });
    const endURL = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token ?? "",
      post_logout_redirect_uri: "https://app.example/signed-out",
    });
    const endedBefore = endedBrowserSessions.length;
    const page = await agent.request(endURL.href);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('id="op.logoutForm"');
    const done = await agent.request("/oidc/session/end/confirm", {
      form: { xsrf: hiddenInput(html, "xsrf"), logout: "yes" },
    });
    expect(locationOf(done)).toBe("https://app.example/signed-out");
    // This sign-out's ending only (the file's other tests share the server and its record).
    expect(endedBrowserSessions.slice(endedBefore)).toEqual(["user-1"]);
    expect(agent.cookieHeader("/")).not.toContain(browserSessionCookie);
    expect(agent.cookieHeader("/")).not.toMatch(/(^|; )_session=/);
  });

  it.each([
    ["of both", { logout: "yes" }, ["user-1"]],
    ["of the app only", {}, []],
  ] as const)(
    "signing out %s ends the app's tokens for the person and keeps its remembered consent",
    async (_name, choice, ended) => {
      const { issuer, endedBrowserSessions } = server();
      const { config, agent, tokens, refreshToken } = await signedInWithRefreshToken();
      const endedBefore = endedBrowserSessions.length;
      const done = await signOutOfApp({ agent, config, idToken: tokens.id_token, choice });

      expect(locationOf(done)).toBe("https://app.example/signed-out");
      expect(endedBrowserSessions.slice(endedBefore)).toEqual(ended);
      expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
      await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({
        error: "invalid_grant",
      });
      // Signing in to the app again asks no consent: signing out is not revoking the app.
      const again = await signInWithCode({ issuer, config, app: confidentialApp, agent, scope: "openid" });
      expect(again.prompts).not.toContain("consent");
      expect(await oidc.tokenIntrospection(config, again.tokens.access_token)).toMatchObject({
        active: true,
      });
    },
  );

  it('"Sign out of both" whose ending of our session fails still ends the app\'s tokens (the answer is the failure)', async () => {
    const { browserSessionEndFailure } = server();
    const { config, agent, tokens, refreshToken } = await signedInWithRefreshToken();
    // Our session's ending fails part-way (its sign-out's security-log write, a dropped connection).
    browserSessionEndFailure.next = new Error("the sign-out's log write failed");
    const done = await signOutOfApp({ agent, config, idToken: tokens.id_token, choice: { logout: "yes" } });

    expect(done.status).toBe(500);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
    await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });
});

/** A person signed in to the confidential app through a browser, with a refresh token (offline_access). */
async function signedInWithRefreshToken() {
  const { config, agent, tokens } = await signedInInBrowser({
    issuer: server().issuer,
    app: confidentialApp,
    scope: "openid offline_access",
    prompt: "consent",
  });
  const refreshToken = tokens.refresh_token;
  if (refreshToken === undefined) throw new Error("no refresh token");
  return { config, agent, tokens, refreshToken };
}

/** The `error` an authorization that must not show a page (`prompt`) brings back to the app. */
/** Follows the provider's redirects from `response` to the next interaction page; answers its path. */
async function nextInteraction(agent: BrowserAgent, issuer: string, response: Response): Promise<string> {
  let current = response;
  while (!(locationOf(current) ?? "").includes("/interaction/")) {
    current = await agent.request(locationOf(current) ?? "");
  }
  return new URL(locationOf(current) ?? "", issuer).pathname;
}

/** The confidential app's authorization URL for `openid`, with PKCE whose verifier nobody keeps. */
async function authorizationWithVerifierForgotten(
  config: oidc.Configuration,
  parameters: Record<string, string>,
): Promise<URL> {
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: confidentialApp.redirectURI,
    scope: "openid",
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: "S256",
    ...parameters,
  });
}

async function errorOfSilentAuthorization(
  config: oidc.Configuration,
  agent: BrowserAgent,
  prompt: string,
): Promise<string | null> {
  const url = await authorizationWithVerifierForgotten(config, { prompt });
  const refused = new URL(locationOf(await agent.request(url.href)) ?? "");
  expect(refused.origin + refused.pathname).toBe(confidentialApp.redirectURI);
  return refused.searchParams.get("error");
}

describe("tokens for apps themselves", () => {
  it("issues client credentials, introspects and revokes them", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: "user:read" });
    expect(tokens).toMatchObject({ token_type: "bearer", expires_in: 300, scope: "user:read" });
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({
      active: true,
      client_id: confidentialApp.clientId,
      scope: "user:read",
    });
    await oidc.tokenRevocation(config, tokens.access_token);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });

  it("introspects a JWT (an ID token) as inactive, 200, to an app that authenticated, and 401 to one that did not (RFC 7662 §2.2)", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const { tokens } = await signInWithCode({ issuer, config, app: confidentialApp, scope: "openid" });
    const introspect = (authorization: string) =>
      fetch(`${issuer}/oidc/token/introspection`, {
        method: "POST",
        headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: tokens.id_token ?? "" }),
      });
    const answer = await introspect(`Basic ${btoa(`${confidentialApp.clientId}:${confidentialApp.secret}`)}`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ active: false });
    const stranger = await introspect(`Basic ${btoa(`${confidentialApp.clientId}:wrong-secret`)}`);
    expect(stranger.status).toBe(401);
    expect(await stranger.json()).toMatchObject({ error: "invalid_client" });
  });

  it("answers a revocation 200 with no body and no Content-Type (RFC 7009; a client reading JSON only accepts it)", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: "user:read" });
    const answer = await fetch(`${issuer}/oidc/token/revocation`, {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa(`${confidentialApp.clientId}:${confidentialApp.secret}`)}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBeNull();
    expect(await answer.text()).toBe("");
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
  });

  it("leaves offline_access out of a client credentials token's scope: no refresh token comes with it", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: "offline_access user:read" });
    expect(tokens.scope).toBe("user:read");
    expect(tokens.refresh_token).toBeUndefined();
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({
      active: true,
      scope: "user:read",
    });
    const alone = await oidc.clientCredentialsGrant(config, { scope: "offline_access" });
    expect(alone.scope).toBeUndefined();
    expect(await oidc.tokenIntrospection(config, alone.access_token)).not.toHaveProperty("scope");
  });

  it("binds tokens to a DPoP key when the client proves one", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const keyPair = await oidc.randomDPoPKeyPair();
    const tokens = await oidc.clientCredentialsGrant(
      config,
      { scope: "user:read" },
      { DPoP: oidc.getDPoPHandle(config, keyPair) },
    );
    expect(tokens.token_type.toLowerCase()).toBe("dpop");
    const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(introspected).toMatchObject({ active: true, token_type: "DPoP" });
    expect(typeof (introspected.cnf as { jkt?: unknown } | undefined)?.jkt).toBe("string");
  });

  it("binds a code flow's tokens to DPoP and refuses them without the proof", async () => {
    const { issuer } = server();
    const config = await discover(issuer, otherApp);
    const keyPair = await oidc.randomDPoPKeyPair();
    const DPoP = oidc.getDPoPHandle(config, keyPair);
    const { verifier, callback } = await codeFromBrowser(config, issuer, { scope: "openid email" });
    const tokens = await oidc.authorizationCodeGrant(
      config,
      callback,
      { pkceCodeVerifier: verifier },
      undefined,
      { DPoP },
    );
    expect(tokens.token_type.toLowerCase()).toBe("dpop");
    expect((await oidc.fetchUserInfo(config, tokens.access_token, "user-1", { DPoP })).email).toBe(
      "ada@example.com",
    );
    const bare = await fetch(`${issuer}/oidc/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(bare.status).toBe(401);
  });
});

/** otherApp's code flow with PKCE S256, user-1 signing in and consenting in the scripted browser. */
async function codeFromBrowser(
  config: oidc.Configuration,
  issuer: string,
  parameters: Record<string, string>,
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: otherApp.redirectURI,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    ...parameters,
  });
  const { callback } = await authorizeInBrowser({ agent: new BrowserAgent(issuer), issuer, url });
  return { verifier, callback };
}

describe("the ID token's claims", () => {
  it("are the sign-in's, not the scopes': profile and email come from userinfo (as docs/oidc.md says)", async () => {
    const { issuer } = server();
    const config = await discover(issuer, otherApp);
    const nonce = oidc.randomNonce();
    const { verifier, callback } = await codeFromBrowser(config, issuer, {
      scope: "openid profile email",
      nonce,
    });
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
    });
    expect(Object.keys(tokens.claims() ?? {}).sort()).toEqual([
      "amr",
      "aud",
      "auth_time",
      "exp",
      "iat",
      "iss",
      "nonce",
      "sub",
    ]);
    expect(await oidc.fetchUserInfo(config, tokens.access_token, "user-1")).toMatchObject({
      sub: "user-1",
      email: "ada@example.com",
    });
    // This app registered RS256: its ID token is signed with the RSA key the JWKS publishes.
    const idToken = tokens.id_token ?? "";
    expect(decodeProtectedHeader(idToken).alg).toBe("RS256");
    const { payload } = await jwtVerify(idToken, createLocalJWKSet(await server().publicJWKS()), {
      issuer,
      audience: otherApp.clientId,
      algorithms: ["RS256"],
    });
    expect(payload.nonce).toBe(nonce);
  });

  it("are signed ES256 for an app that did not ask for RS256", async () => {
    const { issuer } = server();
    const config = await discover(issuer, confidentialApp);
    const { tokens } = await signInWithCode({ issuer, config, app: confidentialApp, scope: "openid" });
    expect(decodeProtectedHeader(tokens.id_token ?? "").alg).toBe("ES256");
  });
});

describe("device flow", () => {
  it("a CLI gets tokens once the user enters the code and approves in the browser", async () => {
    const { issuer } = server();
    const config = await discover(issuer, publicApp);
    const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid profile" });
    expect(started.interval).toBe(5);
    const poll = () =>
      pollDeviceToken({ issuer, deviceCode: started.device_code, clientId: publicApp.clientId });
    expect(await (await poll()).json()).toMatchObject({ error: "authorization_pending" });
    // The store's clock held back a minute: the pending poll's spacing lasts to the tokens' poll
    // below, which ends the flow and so is answered whatever the spacing says.
    const { clock } = server();
    clock.offsetMs -= 60_000;
    onTestFinished(() => {
      clock.offsetMs += 60_000;
    });
    const { inputHTML, confirmHTML, doneHTML } = await approveDeviceCode({
      agent: new BrowserAgent(issuer),
      issuer,
      started,
    });
    expect(inputHTML).toContain('id="op.deviceInputForm"');
    // The pages render their own code field and Allow/Deny buttons: the library's form keeps its
    // CSRF field only, or a browser would send user_code (or confirm) twice, which it refuses.
    expect(inputHTML).not.toContain('name="user_code"');
    expect(confirmHTML).toContain(`App ${publicApp.clientId}`);
    expect(confirmHTML).toContain('id="scopes">openid profile<');
    expect(confirmHTML).not.toContain('name="confirm"');
    expect(confirmHTML).toMatch(/<input type="hidden" name="user_code" value="[^"]+"\/>/);
    expect(doneHTML).toContain('id="device-done">approved<');

    const tokenResponse = await poll();
    expect(tokenResponse.status).toBe(200);
    const tokens = (await tokenResponse.json()) as { access_token: string; id_token: string };
    expect(await oidc.fetchUserInfo(config, tokens.access_token, "user-1")).toMatchObject({
      nickname: "ada",
    });
  });

  it("a code posted without the page's session cookie is refused with the code page, not a 500", async () => {
    const { issuer } = server();
    const response = await fetch(`${issuer}/oidc/device`, {
      method: "POST",
      headers: { accept: "text/html", "content-type": "application/x-www-form-urlencoded" },
      body: "xsrf=forged&user_code=BCDF-GHJK",
    });

    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('id="op.deviceInputForm"');
    expect(html).not.toContain("server_error");
  });

  describe("the code page again, 4xx and a message, for a code that cannot go on", () => {
    /** A device code started, the code page opened, and `userCode` sent from it. */
    async function sendCode(userCode: (started: { user_code: string }) => string) {
      const { issuer } = server();
      const config = await discover(issuer, publicApp);
      const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid" });
      const agent = new BrowserAgent(issuer);
      const inputHTML = await (await agent.request("/oidc/device")).text();
      const answer = await agent.request("/oidc/device", {
        form: { xsrf: hiddenInput(inputHTML, "xsrf"), user_code: userCode(started) },
      });
      return { status: answer.status, html: await answer.text() };
    }
    const problemOf = (html: string) => /<p id="device-error">([^<]*)</.exec(html)?.[1];

    it("a mistyped code: 400, not valid", async () => {
      const answer = await sendCode(() => "BCDF-GHJK");
      expect(answer.status).toBe(400);
      expect(problemOf(answer.html)).toBe("That code is not valid. Check it and try again.");
      expect(answer.html).toContain('id="op.deviceInputForm"');
    });

    it("no code: 400, saying to type the one on the device (not the page's own lead sentence again)", async () => {
      const answer = await sendCode(() => "");
      expect(answer.status).toBe(400);
      expect(problemOf(answer.html)).toBe("No code was typed. Type the code shown on your device.");
    });

    it("an expired code: 400, start again", async () => {
      // The library reads the system time for the code's expiry, the store its own clock: the
      // library's moved past the code's 10 minutes, the store's kept, which still finds the code.
      const { clock } = server();
      const ahead = 11 * 60_000;
      vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
      try {
        const answer = await sendCode((started) => {
          vi.setSystemTime(Date.now() + ahead);
          clock.offsetMs -= ahead;
          return started.user_code;
        });
        expect(answer.status).toBe(400);
        expect(problemOf(answer.html)).toBe("That code has expired. Start again on your device.");
      } finally {
        vi.useRealTimers();
        clock.offsetMs += ahead;
      }
    });

    it("a code answered already (Deny pressed): 409, used", async () => {
      const { issuer } = server();
      const config = await discover(issuer, publicApp);
      const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid" });
      const agent = new BrowserAgent(issuer);
      const { confirmHTML } = await openDeviceCode({ agent, started });
      const denied = await (await answerDeviceCode({ agent, started, confirmHTML, answer: "deny" })).text();
      // The declined page names the app, as the approved one does.
      expect(denied).toContain('<p id="device-done">declined</p>');
      expect(/<p id="device-client">([^<]*)</.exec(denied)?.[1]).toBe(
        /<p id="client">([^<]*)</.exec(confirmHTML)?.[1],
      );
      expect(/<p id="device-client">([^<]*)</.exec(denied)?.[1]).not.toBe("");
      const inputHTML = await (await agent.request("/oidc/device")).text();
      const answer = await agent.request("/oidc/device", {
        form: { xsrf: hiddenInput(inputHTML, "xsrf"), user_code: started.user_code },
      });
      expect(answer.status).toBe(409);
      expect(problemOf(await answer.text())).toBe(
        "That code has already been used. Start again on your device.",
      );
    });

    it("the right code: 200 and the confirmation, as before", async () => {
      const answer = await sendCode((started) => started.user_code);
      expect(answer.status).toBe(200);
      expect(answer.html).toContain(`<p id="client">App ${publicApp.clientId}</p>`);
    });
  });
});
