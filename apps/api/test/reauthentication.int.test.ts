import { createHash, randomBytes } from "node:crypto";
import {
  type FakeIdentity,
  type FakeProviders,
  fakeClients,
  routeProvidersTo,
  startFakeProviders,
} from "@superoauth/adapter-oauth/testing";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { ManualClock } from "@superoauth/application/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { integrationTestConfig } from "./test-config.ts";

// Issue 7, weak item 3 (ADR 0012), end to end on MySQL, with Arctic talking to the local fake
// GitHub: a stolen access token of a social-only account, six minutes after its sign-in, cannot set
// a password; re-signing in at GitHub as the linked identity records the proof on that session.

const database = useTestDatabase();
const clock = new ManualClock(new Date());
let service: Service;
let fake: FakeProviders;
let restoreDispatcher: () => void;
const cookieName = "superoauth_oauth_state";
const landing = "https://app.example/oauth/complete";

beforeAll(async () => {
  fake = await startFakeProviders();
  restoreDispatcher = routeProvidersTo(fake);
  const config = integrationTestConfig({
    DATABASE_URL: database.url(),
    OAUTH_SUCCESS_REDIRECT: landing,
    GITHUB_CLIENT_ID: fakeClients.github.clientId,
    GITHUB_CLIENT_SECRET: fakeClients.github.clientSecret,
  });
  service = await composeService(config, undefined, { clock });
});
afterAll(async () => {
  await service?.close();
  restoreDispatcher?.();
  await fake?.close();
});
afterEach(() => fake.reset());

const owner: FakeIdentity = {
  subject: "4242",
  email: "owner@github.example",
  emailVerified: true,
  displayName: "Owner",
};
const stranger: FakeIdentity = {
  subject: "6666",
  email: "stranger@github.example",
  emailVerified: true,
  displayName: "Stranger",
};

function call(method: "GET" | "POST", url: string, options: { token?: string; payload?: object } = {}) {
  return service.app.inject({
    method,
    url: `/api/v1${url}`,
    ...(options.payload === undefined ? {} : { payload: options.payload }),
    ...(options.token === undefined ? {} : { headers: { authorization: `Bearer ${options.token}` } }),
  });
}

function callback(query: { code: string; state: string }, cookie: string) {
  return service.app.inject({
    method: "GET",
    url: `/api/v1/oauth/github/callback?${new URLSearchParams(query).toString()}`,
    cookies: { [cookieName]: cookie },
    // No Accept: a browser's navigation (text/html) would be sent to the landing page on failure.
  });
}

function cookieOf(response: { cookies: { name: string; value: string }[] }): string {
  const cookie = response.cookies.find((c) => c.name === cookieName);
  if (cookie === undefined) throw new Error("no state cookie");
  return cookie.value;
}

/** Signs in at the fake GitHub as `identity` and trades the login code: the account's first tokens. */
async function signIn(identity: FakeIdentity) {
  // A front end binds its sign-in to itself with an S256 challenge (ADR 0013).
  const codeVerifier = randomBytes(32).toString("base64url");
  const codeChallenge = createHash("sha256").update(codeVerifier).digest("base64url");
  const started = await call(
    "GET",
    `/oauth/github?code_challenge=${codeChallenge}&code_challenge_method=S256`,
  );
  const back = fake.approve(String(started.headers.location), identity);
  const landed = await callback(back, cookieOf(started));
  const code = new URL(String(landed.headers.location)).searchParams.get("code") ?? "";
  const exchanged = await call("POST", "/oauth/exchange", { payload: { code, code_verifier: codeVerifier } });
  expect(exchanged.statusCode, exchanged.body).toBe(200);
  return exchanged.json().data as { accessToken: string; refreshToken: string };
}

/** Starts a provider re-authentication with `token` and comes back from GitHub as `identity`. */
async function reauthenticateAs(token: string, identity: FakeIdentity) {
  const started = await call("POST", "/oauth/github/reauthenticate", { token });
  expect(started.statusCode, started.body).toBe(200);
  const back = fake.approve(started.json().data.authorizationURL, identity);
  return callback(back, cookieOf(started));
}

describe("re-authentication before sensitive changes, on MySQL", () => {
  it("a stolen token of a social-only account cannot set a password until the linked GitHub identity signs in again", async () => {
    await signIn(stranger);
    const signedIn = await signIn(owner);
    clock.advance(6 * 60_000);
    const refreshed = await call("POST", "/auth/refresh", {
      payload: { refreshToken: signedIn.refreshToken },
    });
    const stolen: string = refreshed.json().data.accessToken;
    const setPassword = () =>
      call("POST", "/user/password", { token: stolen, payload: { newPassword: "Th1ef-pass!" } });

    const refused = await setPassword();
    expect({ status: refused.statusCode, body: refused.json() }).toMatchObject({
      status: 401,
      body: { success: false, error: "REAUTH_REQUIRED" },
    });

    const wrong = await reauthenticateAs(stolen, stranger);
    expect({ status: wrong.statusCode, body: wrong.json() }).toMatchObject({
      status: 403,
      body: { success: false, error: "REAUTH_IDENTITY_MISMATCH" },
    });
    expect((await setPassword()).statusCode).toBe(401);

    const proved = await reauthenticateAs(stolen, owner);
    expect(proved.statusCode, proved.body).toBe(302);
    expect(new URL(String(proved.headers.location)).searchParams.get("reauthenticated")).toBe("github");
    const session = await database
      .db()
      .selectFrom("sessions")
      .select(["created_at", "authenticated_at"])
      .where("revoked_at", "is", null)
      .orderBy("authenticated_at", "desc")
      .executeTakeFirstOrThrow();
    expect(session.authenticated_at).toEqual(clock.now());
    expect(session.authenticated_at.getTime() - session.created_at.getTime()).toBe(6 * 60_000);

    const accepted = await setPassword();
    expect(accepted.statusCode, accepted.body).toBe(200);
  });

  it("POST /auth/reauthenticate with the password records the proof; a wrong one answers INVALID_CURRENT_PASSWORD", async () => {
    const registered = await call("POST", "/auth/register", {
      payload: { email: "ada@example.com", password: "Integr4tion-pass!", nickname: "ada" },
    });
    const { refreshToken, user } = registered.json().data;
    // 2FA is turned on only on a verified address (as its mailed link would verify it).
    await service.storage.users.markEmailVerified({ userId: user.id, now: clock.now() });
    clock.advance(6 * 60_000);
    const token: string = (await call("POST", "/auth/refresh", { payload: { refreshToken } })).json().data
      .accessToken;
    expect((await call("POST", "/auth/2fa/setup", { token })).json()).toMatchObject({
      error: "REAUTH_REQUIRED",
    });

    const wrong = await call("POST", "/auth/reauthenticate", { token, payload: { password: "Wr0ng-pass!" } });
    expect({ status: wrong.statusCode, body: wrong.json() }).toMatchObject({
      status: 400,
      body: { error: "INVALID_CURRENT_PASSWORD" },
    });
    const right = await call("POST", "/auth/reauthenticate", {
      token,
      payload: { password: "Integr4tion-pass!" },
    });
    expect(right.json()).toEqual({ success: true, data: { reauthenticatedAt: clock.now().toISOString() } });
    expect((await call("POST", "/auth/2fa/setup", { token })).statusCode).toBe(200);
  });
});
