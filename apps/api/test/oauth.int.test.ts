import { createHash, randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import {
  type FakeIdentity,
  type FakeProviders,
  fakeClients,
  routeProvidersTo,
  startFakeProviders,
} from "@superoauth/adapter-oauth/testing";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import type { Config } from "../src/config.ts";
import { integrationTestConfig } from "./test-config.ts";

// The composed service on MySQL, with Arctic talking to the local fake providers: the whole flow
// a browser goes through, for each provider, with no other network.

const database = useTestDatabase();
let service: Service;
let fake: FakeProviders;
let restoreDispatcher: () => void;
const logLines: string[] = [];
const cookieName = "superoauth_oauth_state";
const landing = "https://app.example/oauth/complete";

function testConfig(url: string): Config {
  const config = integrationTestConfig({
    DATABASE_URL: url,
    OAUTH_SUCCESS_REDIRECT: landing,
    // Long enough for a loaded CI machine's ordinary exchanges (at 300 ms, two of them timed out
    // under a load average of 14); the slow provider below waits far longer.
    OAUTH_HTTP_TIMEOUT: "1500ms",
    DISCORD_CLIENT_ID: fakeClients.discord.clientId,
    DISCORD_CLIENT_SECRET: fakeClients.discord.clientSecret,
    TWITCH_CLIENT_ID: fakeClients.twitch.clientId,
    TWITCH_CLIENT_SECRET: fakeClients.twitch.clientSecret,
    GOOGLE_CLIENT_ID: fakeClients.google.clientId,
    GOOGLE_CLIENT_SECRET: fakeClients.google.clientSecret,
    GITHUB_CLIENT_ID: fakeClients.github.clientId,
    GITHUB_CLIENT_SECRET: fakeClients.github.clientSecret,
  });
  return config;
}

beforeAll(async () => {
  fake = await startFakeProviders();
  restoreDispatcher = routeProvidersTo(fake);
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  service = await composeService(testConfig(database.url()), pino({ level: "trace" }, sink));
});
afterAll(async () => {
  await service?.close();
  restoreDispatcher?.();
  await fake?.close();
});
afterEach(() => fake.reset());

type Provider = "discord" | "twitch" | "google" | "github";

/** A front end's PKCE pair, made as a browser makes it with crypto.subtle (docs/oauth.md). */
function codeVerifierPair() {
  const codeVerifier = randomBytes(32).toString("base64url");
  return { codeVerifier, codeChallenge: createHash("sha256").update(codeVerifier).digest("base64url") };
}

function startURL(provider: Provider, codeChallenge: string): string {
  return `/api/v1/oauth/${provider}?code_challenge=${codeChallenge}&code_challenge_method=S256`;
}

async function startTrip(provider: Provider) {
  const { codeVerifier, codeChallenge } = codeVerifierPair();
  const response = await service.app.inject({ method: "GET", url: startURL(provider, codeChallenge) });
  expect(response.statusCode, response.body).toBe(302);
  const cookie = response.cookies.find((c) => c.name === cookieName);
  if (cookie === undefined) throw new Error("no state cookie");
  return {
    authorizationURL: String(response.headers.location),
    cookie: cookie.value,
    codeVerifier,
    codeChallenge,
  };
}

function callback(provider: Provider, query: Record<string, string>, cookie: string, json = false) {
  return service.app.inject({
    method: "GET",
    url: `/api/v1/oauth/${provider}/callback?${new URLSearchParams(query).toString()}`,
    cookies: { [cookieName]: cookie },
    // A browser navigation (Accept: text/html) would be sent to the landing page on failure too.
    headers: json ? { accept: "application/json" } : {},
  });
}

/** Start, sign in at the fake provider as `identity`, come back, and trade the login code. */
async function signIn(provider: Provider, identity: FakeIdentity) {
  const trip = await startTrip(provider);
  const back = fake.approve(trip.authorizationURL, identity);
  const landed = await callback(provider, back, trip.cookie);
  if (landed.statusCode !== 302) return { landed, exchanged: undefined, trip, back };
  const code = new URL(String(landed.headers.location)).searchParams.get("code") ?? "";
  const exchanged = await service.app.inject({
    method: "POST",
    url: "/api/v1/oauth/exchange",
    payload: { code, code_verifier: trip.codeVerifier },
  });
  return { landed, exchanged, trip, back };
}

const identities: Record<Provider, FakeIdentity> = {
  discord: {
    subject: "80351110224678912",
    email: "nelly@discord.example",
    emailVerified: true,
    displayName: "Nelly",
  },
  twitch: {
    subject: "141981764",
    email: "twitchdev@twitch.example",
    emailVerified: true,
    displayName: "TwitchDev",
  },
  google: {
    subject: "110169484474386276334",
    email: "grace@gmail.example",
    emailVerified: true,
    displayName: "Grace Hopper",
  },
  github: {
    subject: "583231",
    email: "octocat@github.example",
    emailVerified: true,
    displayName: "The Octocat",
  },
};

describe("social sign-in on MySQL through Arctic and the fake providers", () => {
  it.each(["discord", "twitch", "google", "github"] as const)(
    "%s: a new person gets an account, a returning one the same account",
    async (provider) => {
      const identity = identities[provider];
      const first = await signIn(provider, identity);
      expect(first.landed.statusCode, first.landed.body).toBe(302);
      expect(first.exchanged?.statusCode, first.exchanged?.body).toBe(200);
      const user = first.exchanged?.json().data.user;
      expect(user).toMatchObject({ email: identity.email, emailVerified: true, hasPassword: false });

      const second = await signIn(provider, identity);
      expect(second.exchanged?.json().data.user.id).toBe(user.id);

      const rows = await database
        .db()
        .selectFrom("linked_providers")
        .selectAll()
        .where("provider", "=", provider)
        .where("subject", "=", identity.subject)
        .execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]?.user_id).toBe(user.id);
      const me = await service.app.inject({
        url: "/api/v1/auth/me",
        headers: { authorization: `Bearer ${second.exchanged?.json().data.accessToken}` },
      });
      expect(me.statusCode).toBe(200);
    },
  );

  it("a replayed callback (same cookie, state and code) answers INVALID_STATE 400", async () => {
    const { trip, back } = await signIn("github", {
      ...identities.github,
      subject: "9001",
      email: "replay@example.com",
    });
    const replay = await callback("github", back, trip.cookie);
    expect({ status: replay.statusCode, body: replay.json() }).toMatchObject({
      status: 400,
      body: { success: false, error: "INVALID_STATE" },
    });
  });

  it("a provider slower than OAUTH_HTTP_TIMEOUT answers TOKEN_EXCHANGE_FAILED 500, and the log names provider and reason only", async () => {
    fake.behaviour = { tokenDelayMs: 5000 };
    const trip = await startTrip("discord");
    const back = fake.approve(trip.authorizationURL, { ...identities.discord, subject: "slow" });
    const started = Date.now();
    const response = await callback("discord", back, trip.cookie, true);
    expect(Date.now() - started).toBeLessThan(4000);
    expect({ status: response.statusCode, body: response.json() }).toMatchObject({
      status: 500,
      body: { success: false, error: "TOKEN_EXCHANGE_FAILED" },
    });
    const line = logLines.find((l) => l.includes('"reason":"timeout"'));
    expect(line).toContain('"provider":"discord"');
    const everything = logLines.join("\n");
    expect(everything).not.toContain(back.code);
    expect(everything).not.toContain(fakeClients.discord.clientSecret);
  });

  it("a provider answering 503 answers TOKEN_EXCHANGE_FAILED 500; a failing profile USER_INFO_FAILED 500", async () => {
    fake.behaviour = { tokenStatus: 503 };
    let result = await signIn("twitch", { ...identities.twitch, subject: "t503" });
    expect({ status: result.landed.statusCode, error: result.landed.json().error }).toEqual({
      status: 500,
      error: "TOKEN_EXCHANGE_FAILED",
    });
    fake.behaviour = { profileStatus: 500 };
    result = await signIn("github", { ...identities.github, subject: "4242" });
    expect({ status: result.landed.statusCode, error: result.landed.json().error }).toEqual({
      status: 500,
      error: "USER_INFO_FAILED",
    });
  });

  it("an unverified provider email that an account already has answers OAUTH_EMAIL_CONFLICT 409", async () => {
    const registered = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { email: "taken@example.com", password: "Integr4tion-pass!", nickname: "taken" },
    });
    expect(registered.statusCode).toBe(201);
    const result = await signIn("google", {
      subject: "conflict",
      email: "taken@example.com",
      emailVerified: false,
      displayName: "Mallory",
    });
    expect({ status: result.landed.statusCode, error: result.landed.json().error }).toEqual({
      status: 409,
      error: "OAUTH_EMAIL_CONFLICT",
    });
  });

  it("links a second provider to a signed-in account, lists it, and unlinks it", async () => {
    const first = await signIn("discord", {
      ...identities.discord,
      subject: "link-owner",
      email: "owner@example.com",
    });
    const auth = { authorization: `Bearer ${first.exchanged?.json().data.accessToken}` };
    const link = await service.app.inject({
      method: "POST",
      url: "/api/v1/oauth/github/link",
      headers: auth,
    });
    expect(link.statusCode, link.body).toBe(200);
    const cookie = link.cookies.find((c) => c.name === cookieName)?.value ?? "";
    const back = fake.approve(link.json().data.authorizationURL, { ...identities.github, subject: "77777" });
    const linked = await callback("github", back, cookie, true);
    expect(linked.json()).toEqual({ success: true, data: { linked: true, provider: "github" } });

    const list = await service.app.inject({ method: "GET", url: "/api/v1/oauth/linked", headers: auth });
    expect(list.json().data.providers.map((p: { provider: string }) => p.provider)).toEqual([
      "discord",
      "github",
    ]);
    const unlink = await service.app.inject({
      method: "DELETE",
      url: "/api/v1/oauth/discord/unlink",
      headers: auth,
    });
    expect(unlink.statusCode).toBe(200);
    const last = await service.app.inject({
      method: "DELETE",
      url: "/api/v1/oauth/github/unlink",
      headers: auth,
    });
    expect({ status: last.statusCode, error: last.json().error }).toEqual({
      status: 400,
      error: "CANNOT_UNLINK_LAST_AUTH",
    });
  });
});

describe("the flow's other outcomes, through Arctic and the fake providers", () => {
  function errorOf(response: { statusCode: number; json(): { error?: string } }) {
    return { status: response.statusCode, error: response.json().error };
  }

  it("sets the state cookie signed, HttpOnly, SameSite=Lax, Secure (not development), on the callback path, for 10 minutes", async () => {
    const response = await service.app.inject({
      method: "GET",
      url: startURL("google", codeVerifierPair().codeChallenge),
    });
    const cookie = response.cookies.find((c) => c.name === cookieName);
    expect(cookie).toMatchObject({
      httpOnly: true,
      sameSite: "Lax",
      secure: true,
      path: "/api/v1/oauth/google/callback",
      maxAge: 600,
    });
    const location = new URL(String(response.headers.location));
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(cookie?.value.startsWith(`${location.searchParams.get("state")}.`)).toBe(true);
  });

  it("keeps only a hash of the code challenge, with the state and then the login code, and spends the code on a wrong verifier", async () => {
    const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
    const trip = await startTrip("github");
    const authorizations = await database
      .db()
      .selectFrom("oauth_authorizations")
      .select("code_challenge_hash")
      .where("code_challenge_hash", "=", sha256(trip.codeChallenge))
      .execute();
    expect(authorizations).toHaveLength(1);
    const back = fake.approve(trip.authorizationURL, {
      ...identities.github,
      subject: "9002",
      email: "pkce@github.example",
    });
    const landed = await callback("github", back, trip.cookie);
    expect(landed.statusCode, landed.body).toBe(302);
    const code = new URL(String(landed.headers.location)).searchParams.get("code") ?? "";
    const codeHash = sha256(code);
    const stored = await database
      .db()
      .selectFrom("oauth_login_codes")
      .selectAll()
      .where("code_hash", "=", codeHash)
      .execute();
    expect(stored.map((row) => row.code_challenge_hash)).toEqual([sha256(trip.codeChallenge)]);

    const exchange = (codeVerifier: string) =>
      service.app.inject({
        method: "POST",
        url: "/api/v1/oauth/exchange",
        payload: { code, code_verifier: codeVerifier },
      });
    expect(errorOf(await exchange(codeVerifierPair().codeVerifier))).toEqual({
      status: 400,
      error: "INVALID_LOGIN_CODE",
    });
    expect(
      await database
        .db()
        .selectFrom("oauth_login_codes")
        .select("code_hash")
        .where("code_hash", "=", codeHash)
        .execute(),
    ).toEqual([]);
    expect(errorOf(await exchange(trip.codeVerifier))).toEqual({ status: 400, error: "INVALID_LOGIN_CODE" });
  });

  it("a state that does not match the cookie answers INVALID_STATE 400, and the provider is never asked", async () => {
    const mine = await startTrip("github");
    const theirs = await startTrip("github");
    const back = fake.approve(theirs.authorizationURL, { ...identities.github, subject: "5150" });
    expect(errorOf(await callback("github", back, mine.cookie))).toEqual({
      status: 400,
      error: "INVALID_STATE",
    });
    expect(fake.requests.filter((r) => r.method === "POST")).toEqual([]);
  });

  it("a code the provider rejects answers INVALID_AUTHORIZATION_CODE 400", async () => {
    for (const provider of ["discord", "twitch", "google", "github"] as const) {
      const trip = await startTrip(provider);
      const { state } = fake.approve(trip.authorizationURL, identities[provider]);
      expect(
        errorOf(await callback(provider, { code: "never-issued", state }, trip.cookie)),
        provider,
      ).toEqual({
        status: 400,
        error: "INVALID_AUTHORIZATION_CODE",
      });
    }
  });

  it("cancelling at the provider answers OAUTH_ACCESS_DENIED 400", async () => {
    const trip = await startTrip("twitch");
    expect(errorOf(await callback("twitch", fake.deny(trip.authorizationURL), trip.cookie))).toEqual({
      status: 400,
      error: "OAUTH_ACCESS_DENIED",
    });
  });

  it("a new identity without an email answers USER_INFO_FAILED 500 and creates nothing", async () => {
    fake.behaviour = { githubNoEmails: true };
    const result = await signIn("github", { ...identities.github, subject: "31337" });
    expect(errorOf(result.landed)).toEqual({ status: 500, error: "USER_INFO_FAILED" });
    const links = await database
      .db()
      .selectFrom("linked_providers")
      .select("user_id")
      .where("subject", "=", "31337")
      .execute();
    expect(links).toEqual([]);
  });

  it("an email the provider has not verified makes no account: EMAIL_NOT_VERIFIED 403 (ADR 0043)", async () => {
    const result = await signIn("discord", {
      subject: "unverified-new",
      email: "unverified-new@example.com",
      emailVerified: false,
      displayName: "Unverified",
    });
    expect(errorOf(result.landed)).toEqual({ status: 403, error: "EMAIL_NOT_VERIFIED" });
    const users = await database
      .db()
      .selectFrom("users")
      .select("id")
      .where("email", "=", "unverified-new@example.com")
      .execute();
    expect(users).toEqual([]);
  });

  it("an email both sides verified links the provider to the existing password-less account", async () => {
    const first = await signIn("google", {
      subject: "verified-both-google",
      email: "verified-both@example.com",
      emailVerified: true,
      displayName: "Both",
    });
    const userId = first.exchanged?.json().data.user.id;
    const result = await signIn("twitch", {
      subject: "verified-both",
      email: "verified-both@example.com",
      emailVerified: true,
      displayName: "Both",
    });
    expect(result.exchanged?.json().data.user.id).toBe(userId);
  });

  it("pre-hijacking: a stranger's password account, verified by the owner's click, is never joined by the owner's provider (ADR 0043)", async () => {
    // The stranger registers the owner's address; the owner clicks the verification mail.
    const registered = await service.app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: { email: "pre-hijacked@example.com", password: "Str4nger-pass!", nickname: "stranger" },
    });
    const userId = registered.json().data.user.id;
    await database.db().updateTable("users").set({ email_verified: true }).where("id", "=", userId).execute();
    const result = await signIn("google", {
      subject: "the-owner",
      email: "pre-hijacked@example.com",
      emailVerified: true,
      displayName: "Owner",
    });
    expect(errorOf(result.landed)).toEqual({ status: 409, error: "OAUTH_EMAIL_CONFLICT" });
    const links = await database
      .db()
      .selectFrom("linked_providers")
      .select("provider")
      .where("user_id", "=", userId)
      .execute();
    expect(links).toEqual([]);
  });

  it("linking an identity another account has answers PROVIDER_ALREADY_LINKED 409", async () => {
    const owner = { ...identities.google, subject: "taken-identity", email: "taken-identity@example.com" };
    expect((await signIn("google", owner)).exchanged?.statusCode).toBe(200);
    const other = await signIn("discord", {
      ...identities.discord,
      subject: "wants-it",
      email: "wants-it@example.com",
    });
    const auth = { authorization: `Bearer ${other.exchanged?.json().data.accessToken}` };
    const link = await service.app.inject({
      method: "POST",
      url: "/api/v1/oauth/google/link",
      headers: auth,
    });
    const cookie = link.cookies.find((c) => c.name === cookieName)?.value ?? "";
    const back = fake.approve(link.json().data.authorizationURL, owner);
    expect(errorOf(await callback("google", back, cookie))).toEqual({
      status: 409,
      error: "PROVIDER_ALREADY_LINKED",
    });
  });

  it("the log of a whole flow holds no code, state, cookie, token or secret", async () => {
    const from = logLines.length;
    const result = await signIn("github", {
      ...identities.github,
      subject: "8080",
      email: "logs@example.com",
    });
    const signedIn = result.exchanged?.json().data;
    const loginCode = new URL(String(result.landed.headers.location)).searchParams.get("code") ?? "";
    const auth = { authorization: `Bearer ${signedIn.accessToken}` };
    const link = await service.app.inject({
      method: "POST",
      url: "/api/v1/oauth/discord/link",
      headers: auth,
    });
    const linkCookie = link.cookies.find((c) => c.name === cookieName)?.value ?? "";
    const linkBack = fake.approve(link.json().data.authorizationURL, {
      ...identities.discord,
      subject: "8081",
    });
    expect((await callback("discord", linkBack, linkCookie)).statusCode).toBe(302);
    const logged = logLines.slice(from).join("\n");
    expect(logged).toContain("/api/v1/oauth/github/callback");
    const secrets = [
      result.back.code,
      result.back.state,
      result.trip.cookie,
      loginCode,
      signedIn.accessToken,
      signedIn.refreshToken,
      linkBack.code,
      linkBack.state,
      linkCookie,
      ...Object.values(fakeClients).map((c) => c.clientSecret),
      "integration-cookie-secret-0123456789-abcdef",
      "integration-test-secret-0123456789-abcdefghij",
    ];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(5);
      expect(logged).not.toContain(secret);
    }
  });
});

describe("races on MySQL", () => {
  /** Signs up through Discord and links GitHub: an account without a password and with two providers. */
  async function accountWithTwoProviders(tag: string) {
    const first = await signIn("discord", {
      ...identities.discord,
      subject: `race-d-${tag}`,
      email: `race-${tag}@example.com`,
    });
    expect(first.exchanged?.statusCode, first.exchanged?.body).toBe(200);
    const data = first.exchanged?.json().data;
    const auth = { authorization: `Bearer ${data.accessToken}` };
    const link = await service.app.inject({
      method: "POST",
      url: "/api/v1/oauth/github/link",
      headers: auth,
    });
    const cookie = link.cookies.find((c) => c.name === cookieName)?.value ?? "";
    const back = fake.approve(link.json().data.authorizationURL, {
      ...identities.github,
      subject: `${9_000_000 + Number(tag)}`,
    });
    expect((await callback("github", back, cookie, true)).statusCode).toBe(200);
    return { userId: data.user.id as string, auth };
  }

  it("unlinking the last two providers at the same moment leaves one: one 200, one CANNOT_UNLINK_LAST_AUTH 400", async () => {
    for (let round = 0; round < 5; round++) {
      const { userId, auth } = await accountWithTwoProviders(String(round));
      const answers = await Promise.all(
        (["discord", "github"] as const).map((provider) =>
          service.app.inject({ method: "DELETE", url: `/api/v1/oauth/${provider}/unlink`, headers: auth }),
        ),
      );
      const outcomes = answers.map((a) => `${a.statusCode} ${a.json().error ?? "ok"}`).sort();
      expect(outcomes).toEqual(["200 ok", "400 CANNOT_UNLINK_LAST_AUTH"]);
      const left = await database
        .db()
        .selectFrom("linked_providers")
        .select("provider")
        .where("user_id", "=", userId)
        .execute();
      expect(left).toHaveLength(1);
    }
  });

  it("first sign-ins of one new identity at the same moment make one account, and every one signs in to it", async () => {
    for (const [round, emailVerified] of [true, true].entries()) {
      const identity: FakeIdentity = {
        subject: `race-new-${round}`,
        email: `race-new-${round}@example.com`,
        emailVerified,
        displayName: "Racer",
      };
      const trips = await Promise.all(Array.from({ length: 4 }, () => startTrip("google")));
      const landed = await Promise.all(
        trips.map((trip) =>
          callback("google", fake.approve(trip.authorizationURL, identity), trip.cookie, true),
        ),
      );
      for (const answer of landed) expect(answer.statusCode, answer.body).toBe(200);
      expect(new Set(landed.map((answer) => answer.json().data.user.id)).size).toBe(1);
      const users = await database
        .db()
        .selectFrom("users")
        .select("id")
        .where("email", "=", identity.email ?? "")
        .execute();
      expect(users).toHaveLength(1);
      const links = await database
        .db()
        .selectFrom("linked_providers")
        .select("user_id")
        .where("provider", "=", "google")
        .where("subject", "=", identity.subject)
        .execute();
      expect(links).toEqual([{ user_id: users[0]?.id }]);
    }
  });
});
