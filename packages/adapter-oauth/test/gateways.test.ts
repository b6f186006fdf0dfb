import { createHash } from "node:crypto";
import type { OAuthProviderGateway } from "@superoauth/application";
import { type OAuthProviderId, oauthProviderNames } from "@superoauth/domain";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOAuthProviderGateways } from "../src/index.ts";
import {
  type FakeIdentity,
  type FakeProviders,
  fakeClients,
  routeProvidersTo,
  startFakeProviders,
} from "./fake-provider.ts";

let fake: FakeProviders;
let restoreDispatcher: () => void;
const logged: Record<string, unknown>[] = [];

beforeAll(async () => {
  fake = await startFakeProviders();
  restoreDispatcher = routeProvidersTo(fake);
});
afterAll(async () => {
  restoreDispatcher();
  await fake.close();
});
afterEach(() => {
  fake.reset();
  logged.length = 0;
});

const providers: OAuthProviderId[] = ["discord", "twitch", "google", "github"];
/** A message that names the provider by its name (GitHub, not github). */
const named = (provider: OAuthProviderId) => expect.stringContaining(oauthProviderNames[provider]);
const scopes: Record<OAuthProviderId, string[]> = {
  discord: ["identify", "email"],
  twitch: ["user:read:email"],
  google: ["openid", "profile", "email"],
  github: ["user:email"],
};

function gatewaysWith(timeoutMs = 2000) {
  return createOAuthProviderGateways({
    providers: Object.fromEntries(
      providers.map((p) => [
        p,
        {
          ...fakeClients[p],
          redirectURI: `http://localhost:3000/api/v1/oauth/${p}/callback`,
          scopes: scopes[p],
        },
      ]),
    ),
    timeoutMs,
    logger: { warn: (details) => logged.push(details) },
  });
}

function gateway(provider: OAuthProviderId, timeoutMs?: number): OAuthProviderGateway {
  const found = gatewaysWith(timeoutMs)[provider];
  if (found === undefined) throw new Error(`no gateway for ${provider}`);
  return found;
}

const ada: FakeIdentity = {
  subject: "80351110224678912",
  email: "Ada@Example.com",
  emailVerified: true,
  displayName: "Ada Lovelace",
};

/** Goes to the provider with a fresh state (and verifier), signs in as `identity`, and exchanges the code. */
async function signIn(provider: OAuthProviderId, identity: FakeIdentity = ada, timeoutMs?: number) {
  const g = gateway(provider, timeoutMs);
  const codeVerifier = g.supportsPKCE ? `${"v".repeat(20)}erifier-of-forty-three-chars` : null;
  const url = g.createAuthorizationURL({ state: "the-state", codeVerifier });
  const { code, state } = fake.approve(url, identity);
  expect(state).toBe("the-state");
  return g.exchangeCodeForProfile({ code, codeVerifier });
}

describe("authorization URLs", () => {
  it.each(providers)("%s: carries client id, redirect URI, scopes and state", (provider) => {
    const g = gateway(provider);
    const url = new URL(
      g.createAuthorizationURL({ state: "s1", codeVerifier: g.supportsPKCE ? "x".repeat(43) : null }),
    );
    expect(url.searchParams.get("client_id")).toBe(fakeClients[provider].clientId);
    expect(url.searchParams.get("redirect_uri")).toBe(
      `http://localhost:3000/api/v1/oauth/${provider}/callback`,
    );
    expect(url.searchParams.get("state")).toBe("s1");
    expect(url.searchParams.get("scope")).toBe(scopes[provider].join(" "));
    expect(url.searchParams.get("response_type")).toBe("code");
  });

  it.each(["discord", "google"] as const)("%s: uses PKCE with S256", (provider) => {
    const g = gateway(provider);
    expect(g.supportsPKCE).toBe(true);
    const verifier = "x".repeat(43);
    const url = new URL(g.createAuthorizationURL({ state: "s", codeVerifier: verifier }));
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toBe(
      createHash("sha256").update(verifier).digest("base64url"),
    );
  });

  it.each(["twitch", "github"] as const)("%s: has no PKCE in Arctic", (provider) => {
    expect(gateway(provider).supportsPKCE).toBe(false);
  });

  it("makes gateways only for configured providers", () => {
    const gateways = createOAuthProviderGateways({
      providers: { github: { ...fakeClients.github, redirectURI: "http://x/cb", scopes: [] } },
    });
    expect(Object.keys(gateways)).toEqual(["github"]);
  });
});

describe("exchanging a code for a profile", () => {
  it("discord: /users/@me with its verified flag and CDN avatar", async () => {
    expect(await signIn("discord")).toEqual({
      ok: true,
      value: {
        provider: "discord",
        subject: ada.subject,
        email: "Ada@Example.com",
        emailVerified: true,
        displayName: "Ada Lovelace",
        avatarURL: `https://cdn.discordapp.com/avatars/${ada.subject}/a1b2c3d4e5f6.png`,
      },
    });
    expect(fake.requests.find((r) => r.method === "POST")?.form?.code_verifier).toMatch(/erifier/);
  });

  it("twitch: helix users with the Client-Id header; the email counts as verified", async () => {
    const result = await signIn("twitch", { ...ada, subject: "141981764", emailVerified: false });
    expect(result).toMatchObject({
      ok: true,
      value: { provider: "twitch", subject: "141981764", email: "Ada@Example.com", emailVerified: true },
    });
    expect(fake.requests.find((r) => r.path === "/helix/users")?.clientId).toBe(fakeClients.twitch.clientId);
  });

  it("google: claims of the ID token", async () => {
    expect(await signIn("google", { ...ada, subject: "110169484474386276334" })).toEqual({
      ok: true,
      value: {
        provider: "google",
        subject: "110169484474386276334",
        email: "Ada@Example.com",
        emailVerified: true,
        displayName: "Ada Lovelace",
        avatarURL: "https://lh3.googleusercontent.com/a/110169484474386276334",
      },
    });
    expect(fake.requests.map((r) => r.path)).not.toContain("/v1/userinfo");
  });

  it("google: the userinfo endpoint when the token response has no ID token", async () => {
    fake.behaviour = { googleWithoutIdToken: true };
    const result = await signIn("google", { ...ada, subject: "1101", emailVerified: false });
    expect(result).toMatchObject({ ok: true, value: { subject: "1101", emailVerified: false } });
    expect(fake.requests.map((r) => r.path)).toContain("/v1/userinfo");
  });

  it("github: /user for the id, /user/emails for the primary verified address", async () => {
    expect(await signIn("github", { ...ada, subject: "583231" })).toEqual({
      ok: true,
      value: {
        provider: "github",
        subject: "583231",
        email: "Ada@Example.com",
        emailVerified: true,
        displayName: "Ada Lovelace",
        avatarURL: "https://avatars.githubusercontent.com/u/583231?v=4",
      },
    });
  });

  it("github: an unverified primary address stays unverified (no verified noreply address instead); none at all is a null email", async () => {
    expect(await signIn("github", { ...ada, subject: "1", emailVerified: false })).toMatchObject({
      ok: true,
      value: { email: "Ada@Example.com", emailVerified: false },
    });
    fake.behaviour = { githubNoEmails: true };
    expect(await signIn("github", { ...ada, subject: "2" })).toMatchObject({
      ok: true,
      value: { email: null, emailVerified: false },
    });
  });

  it.each(providers)("%s: a profile without email gives a null email", async (provider) => {
    expect(await signIn(provider, { ...ada, subject: "77", email: null })).toMatchObject({
      ok: true,
      value: { email: null, emailVerified: false },
    });
  });
});

describe("failures", () => {
  it.each(providers)("%s: a code the provider rejects is INVALID_AUTHORIZATION_CODE", async (provider) => {
    const result = await gateway(provider).exchangeCodeForProfile({
      code: "never-issued",
      codeVerifier: gateway(provider).supportsPKCE ? "x".repeat(43) : null,
    });
    // The message names the provider as people know it ("GitHub", as every other message does).
    expect(result).toMatchObject({
      ok: false,
      error: "INVALID_AUTHORIZATION_CODE",
      message: named(provider),
    });
    expect(logged).toContainEqual(expect.objectContaining({ provider, reason: "code rejected" }));
  });

  it.each(["discord", "google"] as const)(
    "%s: a wrong PKCE verifier is INVALID_AUTHORIZATION_CODE",
    async (provider) => {
      const g = gateway(provider);
      const url = g.createAuthorizationURL({ state: "s", codeVerifier: "a".repeat(43) });
      const { code } = fake.approve(url, ada);
      expect(await g.exchangeCodeForProfile({ code, codeVerifier: "b".repeat(43) })).toMatchObject({
        ok: false,
        error: "INVALID_AUTHORIZATION_CODE",
      });
    },
  );

  it.each(providers)("%s: a token endpoint answering 503 is TOKEN_EXCHANGE_FAILED", async (provider) => {
    fake.behaviour = { tokenStatus: 503 };
    expect(await signIn(provider)).toMatchObject({
      ok: false,
      error: "TOKEN_EXCHANGE_FAILED",
      message: named(provider),
    });
    expect(logged).toContainEqual(expect.objectContaining({ provider, status: 503 }));
  });

  it.each(providers)(
    "%s: a token endpoint slower than the timeout is TOKEN_EXCHANGE_FAILED",
    async (provider) => {
      fake.behaviour = { tokenDelayMs: 1500 };
      const started = Date.now();
      expect(await signIn(provider, ada, 150)).toMatchObject({ ok: false, error: "TOKEN_EXCHANGE_FAILED" });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(logged).toContainEqual(expect.objectContaining({ provider, reason: "timeout" }));
    },
  );

  it("google: an ID token past its exp (beyond 5 minutes' leeway), or without one, is USER_INFO_FAILED", async () => {
    for (const expiresIn of [-301, null]) {
      fake.behaviour = { googleIdTokenExpiresIn: expiresIn };
      expect(await signIn("google"), String(expiresIn)).toMatchObject({
        ok: false,
        error: "USER_INFO_FAILED",
      });
    }
    expect(logged).toContainEqual(
      expect.objectContaining({ provider: "google", reason: "expired ID token" }),
    );
    // Within the leeway (a clock a little behind Google's) it is read.
    fake.behaviour = { googleIdTokenExpiresIn: -60 };
    expect(await signIn("google")).toMatchObject({ ok: true });
  });

  it.each(providers)("%s: a profile endpoint answering 500 is USER_INFO_FAILED", async (provider) => {
    fake.behaviour = { profileStatus: 500, googleWithoutIdToken: true };
    expect(await signIn(provider)).toMatchObject({
      ok: false,
      error: "USER_INFO_FAILED",
      message: named(provider),
    });
    expect(logged).toContainEqual(expect.objectContaining({ provider, status: 500 }));
  });

  it.each(providers)(
    "%s: a profile endpoint slower than the timeout is USER_INFO_FAILED",
    async (provider) => {
      fake.behaviour = { profileDelayMs: 1500, googleWithoutIdToken: true };
      expect(await signIn(provider, ada, 150)).toMatchObject({ ok: false, error: "USER_INFO_FAILED" });
      expect(logged).toContainEqual(expect.objectContaining({ provider, reason: "timeout" }));
    },
  );

  it("an unreachable provider is TOKEN_EXCHANGE_FAILED, logged as a network error", async () => {
    const closed = await startFakeProviders();
    const origin = closed.origin;
    await closed.close();
    restoreDispatcher();
    restoreDispatcher = routeProvidersTo({ origin });
    try {
      const g = gateway("github");
      const { code } = fake.approve(g.createAuthorizationURL({ state: "s", codeVerifier: null }), ada);
      expect(await g.exchangeCodeForProfile({ code, codeVerifier: null })).toMatchObject({
        ok: false,
        error: "TOKEN_EXCHANGE_FAILED",
      });
      expect(logged).toContainEqual(expect.objectContaining({ provider: "github", reason: "network error" }));
    } finally {
      restoreDispatcher();
      restoreDispatcher = routeProvidersTo(fake);
    }
  });

  it("logs never contain the code, the client secret or a token", async () => {
    fake.behaviour = { tokenStatus: 500 };
    await signIn("discord");
    fake.reset();
    fake.behaviour = { profileStatus: 500 };
    await signIn("github");
    const text = JSON.stringify(logged);
    expect(logged.length).toBeGreaterThan(0);
    for (const secret of Object.values(fakeClients).map((c) => c.clientSecret))
      expect(text).not.toContain(secret);
    expect(text).not.toMatch(/[0-9a-f]{32}/);
  });
});
