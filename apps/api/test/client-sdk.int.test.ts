import { generateTOTPCode } from "@superoauth/adapter-crypto";
import { servedRoutes } from "@superoauth/adapter-http/testing";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { ManualClock } from "@superoauth/application/testing";
import {
  MemoryTokenStorage,
  routes,
  type SessionEnded,
  SuperOAuthClient,
  type SuperOAuthClientOptions,
  SuperOAuthError,
  SuperOAuthNetworkError,
} from "@superoauth/client";
import { SuperOAuthOIDCClient } from "@superoauth/client/oidc";
import type { UserId } from "@superoauth/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../src/compose.ts";
import { signInAndConsent } from "./hosted-consent.ts";
import { listenComposedService } from "./test-config.ts";

// @superoauth/client against the running composed service (issue 11): every /api/v1 route has a
// client method, and the client's sign-ins, refresh, two-factor, sessions, errors and OIDC helpers
// work against the real server over HTTP.

const database = useTestDatabase();
const password = "Cl1ent-SDK-passw0rd!";

/** The service most tests use: real clock, the test configuration's generous rate limits. */
let service: Service;
let url: string;
/** A second instance on the same database whose clock the tests move (token expiry), with a login budget of 2. */
let movable: Service;
let movableURL: string;
const clock = new ManualClock(new Date());

beforeAll(async () => {
  ({ service, url } = await listenComposedService(database.url()));
  ({ service: movable, url: movableURL } = await listenComposedService(database.url(), {
    clock,
    env: { RATE_LIMIT_LOGIN_MAX: "2" },
  }));
});

afterAll(async () => {
  await Promise.all([service?.close(), movable?.close()]);
});

/** A fetch that records the path of every request (to count refreshes). */
function countingFetch(): { fetch: typeof fetch; paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    fetch: (input, init) => {
      paths.push(`${init?.method ?? "GET"} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    },
  };
}

function clientOf(options: Partial<SuperOAuthClientOptions> = {}): SuperOAuthClient {
  return new SuperOAuthClient({ baseURL: url, ...options });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

describe("the client's route table", () => {
  const served = () =>
    servedRoutes(service.app)
      .filter((r) => r.includes(" /api/v1/") && !r.startsWith("HEAD "))
      .sort();
  const known = Object.entries(routes).map(([name, r]) => ({ name, route: `${r.method} /api/v1${r.path}` }));

  it("has a method for every /api/v1 route the composed service serves", () => {
    expect(served().length).toBeGreaterThan(40);
    const missing = served().filter((route) => !known.some((k) => k.route === route));
    expect(missing).toEqual([]);
    const client = clientOf() as unknown as Record<string, Record<string, unknown>>;
    for (const { name } of known) {
      const [group = "", method = ""] = name.split(".");
      expect(typeof client[group]?.[method], name).toBe("function");
    }
  });

  it("names no route the service does not serve", () => {
    expect(known.filter((k) => !served().includes(k.route)).map((k) => k.name)).toEqual([]);
  });
});

describe("signing up and in", () => {
  it("registers (tokens stored), reads /auth/me, and answers errors with their codes and statuses", async () => {
    const email = "sdk-user@example.com";
    const storage = new MemoryTokenStorage();
    const client = clientOf({ storage });
    const signedIn = await client.auth.register({ email, password, nickname: "sdk_user" });
    expect(signedIn).toMatchObject({ tokenType: "Bearer", user: { email, nickname: "sdk_user" } });
    expect(storage.get()).toEqual({ accessToken: signedIn.accessToken, refreshToken: signedIn.refreshToken });
    const { user } = await client.auth.me();
    expect(user).toMatchObject({
      id: signedIn.user.id,
      email,
      twoFactorEnabled: false,
      backupCodesRemaining: 0,
    });
    // Typed as always present (the typecheck fails if the SDK makes them optional again).
    const status: { enabled: boolean; remaining: number } = {
      enabled: user.twoFactorEnabled,
      remaining: user.backupCodesRemaining,
    };
    expect(status).toEqual({ enabled: false, remaining: 0 });

    const exists = await rejectionOf(client.auth.register({ email, password, nickname: "again" }));
    expect(exists).toBeInstanceOf(SuperOAuthError);
    expect(exists).toMatchObject({ code: "USER_EXISTS", status: 409 });
    expect((exists as SuperOAuthError).requestId).toMatch(/.+/);

    const wrong = await rejectionOf(clientOf().auth.logIn({ email, password: "Wr0ng-password!" }));
    expect(wrong).toMatchObject({ code: "INVALID_CREDENTIALS", status: 401 });

    const invalid = await rejectionOf(
      clientOf().auth.register({ email: "not-an-email", password, nickname: "x" }),
    );
    expect(invalid).toMatchObject({ code: "VALIDATION_ERROR", status: 400 });

    expect(await rejectionOf(clientOf().auth.me())).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
    expect(await rejectionOf(client.sessions.revoke({ id: "no-such-session" }))).toMatchObject({
      code: "SESSION_NOT_FOUND",
      status: 404,
    });
  });

  it("logs in, lists and revokes sessions, and logs out (its tokens then end in INVALID_REFRESH_TOKEN)", async () => {
    // An account of its own, signed up by another client: the two below log in to it.
    const email = "sdk-sessions@example.com";
    await clientOf().auth.register({ email, password, nickname: "sdk_sessions" });
    const first = new MemoryTokenStorage();
    const firstClient = clientOf({ storage: first });
    const secondClient = clientOf();
    const outcome = await firstClient.auth.logIn({ email, password });
    expect(outcome).toMatchObject({ tokenType: "Bearer", user: { email } });
    await secondClient.auth.logIn({ email, password });

    const secondSession = (await secondClient.sessions.list()).sessions.find((s) => s.current);
    if (secondSession === undefined) throw new Error("expected the second client's session");
    const { sessions } = await firstClient.sessions.list();
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.map((s) => s.id)).toContain(secondSession.id);
    expect(await firstClient.sessions.revoke({ id: secondSession.id })).toEqual({ revoked: true });
    expect((await firstClient.sessions.list()).sessions.map((s) => s.id)).not.toContain(secondSession.id);

    // The revoked session's client gets INVALID_TOKEN, refreshes once, is refused, and forgets its tokens.
    expect(await rejectionOf(secondClient.auth.me())).toMatchObject({
      code: "INVALID_REFRESH_TOKEN",
      status: 401,
    });
    expect(await secondClient.isSignedIn()).toBe(false);

    const { events } = await firstClient.sessions.listSecurityEvents({ limit: 5 });
    expect(events.length).toBeGreaterThan(0);
    const before = first.get();
    if (before === null) throw new Error("expected stored tokens");
    expect(await firstClient.auth.logOut()).toEqual({ loggedOut: true });
    expect(await firstClient.isSignedIn()).toBe(false);
    // Signed out, a signed-in method is sent without a token: UNAUTHORIZED, as the README says.
    expect(await rejectionOf(firstClient.auth.me())).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
    const stale = new MemoryTokenStorage();
    stale.set(before);
    expect(await rejectionOf(clientOf({ storage: stale }).auth.me())).toMatchObject({
      code: "INVALID_REFRESH_TOKEN",
      status: 401,
    });
  });

  it("logs out another device by its refresh token (this client stays signed in), and refuses one not the account's", async () => {
    const email = "sdk-logout-other@example.com";
    await clientOf().auth.register({ email, password, nickname: "sdk_logout" });
    const here = new MemoryTokenStorage();
    const client = clientOf({ storage: here });
    await client.auth.logIn({ email, password });
    const device = new MemoryTokenStorage();
    const deviceClient = clientOf({ storage: device });
    const signedIn = await deviceClient.auth.logIn({ email, password });
    if (!("refreshToken" in signedIn)) throw new Error("expected a session");

    expect(await client.auth.logOut({ refreshToken: signedIn.refreshToken })).toEqual({ loggedOut: true });
    // The other device's refresh token stopped working at once; this client's tokens stand.
    expect(await rejectionOf(deviceClient.auth.refresh())).toMatchObject({
      code: "INVALID_REFRESH_TOKEN",
      status: 401,
    });
    expect(here.get()).not.toBeNull();
    expect((await client.auth.me()).user.email).toBe(email);

    // Another account's refresh token: refused, nothing ended, and this client keeps its tokens.
    const stranger = await clientOf().auth.register({
      email: "sdk-logout-stranger@example.com",
      password,
      nickname: "sdk_stranger",
    });
    expect(await rejectionOf(client.auth.logOut({ refreshToken: stranger.refreshToken }))).toMatchObject({
      code: "INVALID_REFRESH_TOKEN",
      status: 401,
    });
    expect((await client.auth.me()).user.email).toBe(email);

    // Without one, the stored refresh token goes, and its session ends.
    const stored = here.get();
    if (stored === null) throw new Error("expected stored tokens");
    expect(await client.auth.logOut()).toEqual({ loggedOut: true });
    expect(here.get()).toBeNull();
    const after = new MemoryTokenStorage();
    after.set(stored);
    expect(await rejectionOf(clientOf({ storage: after }).auth.refresh())).toMatchObject({
      code: "INVALID_REFRESH_TOKEN",
      status: 401,
    });
  });

  it("changes the nickname, asks for an email change behind a fresh proof, and refuses a bad confirmation", async () => {
    const client = clientOf();
    await client.auth.register({ email: "sdk-profile@example.com", password, nickname: "before" });
    expect((await client.user.updateProfile({ nickname: "after" })).user).toMatchObject({
      email: "sdk-profile@example.com",
      nickname: "after",
    });
    await client.auth.reauthenticate({ password });
    expect(await client.user.requestEmailChange({ newEmail: "sdk-profile-new@example.com" })).toEqual({
      pending: true,
    });
    expect(await rejectionOf(client.user.confirmEmailChange({ token: "not-a-token" }))).toMatchObject({
      code: "INVALID_VERIFICATION_TOKEN",
      status: 400,
    });
    expect((await client.auth.me()).user.email).toBe("sdk-profile@example.com");
  });

  it("signs in with two-factor authentication: the mfaRequired step, then a backup code", async () => {
    const client = clientOf();
    const { user } = await client.auth.register({
      email: "sdk-2fa@example.com",
      password,
      nickname: "sdk_2fa",
    });
    // Only on a verified address: the SDK's error carries the code and status.
    expect(await rejectionOf(client.twoFactor.setUp())).toMatchObject({
      code: "EMAIL_NOT_VERIFIED",
      status: 403,
    });
    await service.storage.users.markEmailVerified({ userId: user.id as UserId, now: new Date() });
    const setup = await client.twoFactor.setUp();
    const enabled = await client.twoFactor.enable({
      code: await generateTOTPCode({ secret: setup.secret, now: new Date() }),
    });
    expect(enabled.backupCodes).toHaveLength(10);
    expect((await client.auth.me()).user).toMatchObject({ twoFactorEnabled: true, backupCodesRemaining: 10 });
    await client.auth.logOut();

    const step = await client.auth.logIn({ email: "sdk-2fa@example.com", password });
    if (!("mfaRequired" in step)) throw new Error("expected the second-factor step");
    expect(await client.isSignedIn()).toBe(false);
    const wrongCode = await rejectionOf(client.twoFactor.verify({ mfaToken: step.mfaToken, code: "000000" }));
    expect(wrongCode).toMatchObject({ code: "INVALID_TWO_FACTOR_CODE", status: 401 });
    const signedIn = await client.twoFactor.verify({
      mfaToken: step.mfaToken,
      backupCode: enabled.backupCodes[0],
    });
    expect(signedIn.user.email).toBe("sdk-2fa@example.com");
    expect((await client.auth.me()).user.backupCodesRemaining).toBe(9);
  });
});

describe("tokens against a service whose clock moves", () => {
  it("an expired access token: N parallel calls make exactly one refresh, and the rotated token is stored", async () => {
    const counted = countingFetch();
    const storage = new MemoryTokenStorage();
    const client = new SuperOAuthClient({ baseURL: movableURL, storage, fetch: counted.fetch });
    const signedIn = await client.auth.register({
      email: "sdk-expiry@example.com",
      password,
      nickname: "expiry",
    });
    clock.advance(6 * 60_000);

    const answers = await Promise.all(Array.from({ length: 5 }, () => client.auth.me()));
    expect(answers.map((a) => a.user.id)).toEqual(Array.from({ length: 5 }, () => signedIn.user.id));
    expect(counted.paths.filter((p) => p === "POST /api/v1/auth/refresh")).toHaveLength(1);
    expect(counted.paths.filter((p) => p === "GET /api/v1/auth/me")).toHaveLength(10);
    const stored = storage.get();
    expect(stored?.refreshToken).not.toBe(signedIn.refreshToken);
    expect(stored?.accessToken).not.toBe(signedIn.accessToken);

    // The retired refresh token, presented after the reuse grace, is refused (RFC 9700 reuse detection).
    clock.advance(60_000);
    const stale = new MemoryTokenStorage();
    stale.set({ accessToken: signedIn.accessToken, refreshToken: signedIn.refreshToken });
    const reused = await rejectionOf(
      new SuperOAuthClient({ baseURL: movableURL, storage: stale }).auth.refresh(),
    );
    expect(reused).toMatchObject({ code: "INVALID_REFRESH_TOKEN", status: 401 });
    expect(stale.get()).toBeNull();
  });

  it("logging out with an expired access token refreshes it, and the session of the refresh token sent still ends", async () => {
    const counted = countingFetch();
    const storage = new MemoryTokenStorage();
    const client = new SuperOAuthClient({ baseURL: movableURL, storage, fetch: counted.fetch });
    const signedIn = await client.auth.register({
      email: "sdk-logout-expired@example.com",
      password,
      nickname: "logout_expired",
    });
    clock.advance(6 * 60_000);

    // The body names the refresh token stored when the call began; the refresh on the way retires
    // it, and the server still finds its session by it.
    expect(await client.auth.logOut()).toEqual({ loggedOut: true });
    expect(counted.paths).toContain("POST /api/v1/auth/refresh");
    expect(storage.get()).toBeNull();
    const live = await movable.storage.sessions.listLiveSessionsOfUser({
      userId: signedIn.user.id as UserId,
      usedSince: new Date(0),
    });
    expect(live).toEqual([]);
  });

  it("when the server refuses the refresh, the tokens are cleared and onSessionEnded fires once", async () => {
    const ended: SessionEnded[] = [];
    const storage = new MemoryTokenStorage();
    const client = new SuperOAuthClient({
      baseURL: movableURL,
      storage,
      onSessionEnded: (event) => ended.push(event),
    });
    await client.auth.register({ email: "sdk-ended@example.com", password, nickname: "ended" });
    // Another device of the account (through the other instance) logs out everywhere; this one's token then expires.
    const other = clientOf();
    await other.auth.logIn({ email: "sdk-ended@example.com", password });
    await other.auth.logOutEverywhere();
    clock.advance(6 * 60_000);

    const errors = await Promise.all([client.auth.me(), client.sessions.list()].map(rejectionOf));
    for (const error of errors) expect(error).toMatchObject({ code: "INVALID_REFRESH_TOKEN", status: 401 });
    expect(storage.get()).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(ended).toEqual([{ reason: "INVALID_REFRESH_TOKEN" }]);
  });

  it("a spent login budget is thrown at once with its Retry-After (a window is longer than the client waits)", async () => {
    const client = new SuperOAuthClient({ baseURL: movableURL });
    const attempt = () => client.auth.logIn({ email: "nobody@example.com", password });
    await rejectionOf(attempt());
    const second = await rejectionOf(attempt());
    const limited = await rejectionOf(attempt());
    expect(limited).toMatchObject({ code: "RATE_LIMIT_EXCEEDED", status: 429 });
    expect((limited as SuperOAuthError).retryAfter).toBeGreaterThan(60);
    // The budget's headers, for an app that shows what is left or throttles itself.
    const budget = (limited as SuperOAuthError).rateLimit;
    expect(budget).toMatchObject({ limit: 2, remaining: 0 });
    expect(budget?.resetAt.getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect((second as SuperOAuthError).rateLimit).toMatchObject({ limit: 2, remaining: 0 });
  });

  it("a server that does not answer in time is a TIMEOUT; one that is gone is a NETWORK_ERROR", async () => {
    const hung = new SuperOAuthClient({
      baseURL: url,
      timeoutMs: 1,
      retry: false,
      fetch: (_input, init) =>
        new Promise((_resolve, reject) =>
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason), { once: true }),
        ),
    });
    expect(await rejectionOf(hung.oauth.listProviders())).toMatchObject({ code: "TIMEOUT" });
    const gone = new SuperOAuthClient({ baseURL: "http://127.0.0.1:9", retry: false });
    const error = await rejectionOf(gone.oauth.listProviders());
    expect(error).toBeInstanceOf(SuperOAuthNetworkError);
    expect(error).toMatchObject({ code: "NETWORK_ERROR" });
  });
});

describe("a third-party app through the OIDC helper", () => {
  it("takes a timeout of Infinity (none) or 2500.5 ms (AbortSignal.timeout threw a RangeError for both) and refuses a NaN one before any request", async () => {
    const settings = {
      issuer: url,
      clientId: "any",
      redirectURI: "https://app.example/cb",
      allowInsecureRequests: true,
    };
    const unbounded = await SuperOAuthOIDCClient.discover({
      ...settings,
      timeoutMs: Number.POSITIVE_INFINITY,
    });
    // The discovery request went out and was answered: the endpoints it read are the service's.
    const request = await unbounded.createAuthorizationRequest({ scope: "openid" });
    expect(new URL(request.url).href.startsWith(`${url}/oidc/auth?`)).toBe(true);
    // A fraction of a millisecond too (rounded up).
    await expect(SuperOAuthOIDCClient.discover({ ...settings, timeoutMs: 2500.5 })).resolves.toBeDefined();
    await expect(SuperOAuthOIDCClient.discover({ ...settings, timeoutMs: Number.NaN })).rejects.toThrow(
      new RangeError("timeoutMs must be a number of milliseconds of at least 1 (Infinity for none), not NaN"),
    );
  });

  it("authorization code with PKCE and state, through the hosted sign-in and consent, then userinfo and refresh", async () => {
    const owner = clientOf();
    const account = await owner.auth.register({ email: "sdk-oidc@example.com", password, nickname: "oidc" });
    const redirectURI = "https://app.example/callback";
    const appSettings = {
      name: "SDK App",
      redirectURIs: [redirectURI],
      allowedScopes: ["openid", "profile", "email", "offline_access"],
      type: "confidential",
    } as const;
    // Only on a verified address: the SDK's error carries the code and status.
    expect(await rejectionOf(owner.apps.register(appSettings))).toMatchObject({
      code: "EMAIL_NOT_VERIFIED",
      status: 403,
    });
    await service.storage.users.markEmailVerified({ userId: account.user.id as UserId, now: new Date() });
    const { app, clientSecret } = await owner.apps.register(appSettings);
    if (clientSecret === null) throw new Error("a confidential app has a secret");
    const oidc = await SuperOAuthOIDCClient.discover({
      issuer: url,
      clientId: app.clientId,
      clientSecret,
      redirectURI,
      allowInsecureRequests: true,
    });
    const request = await oidc.createAuthorizationRequest({
      scope: "openid profile email offline_access",
      prompt: "consent",
    });
    expect(new URL(request.url).searchParams.get("code_challenge_method")).toBe("S256");

    const callback = await signInAndConsent({
      url: request.url,
      email: "sdk-oidc@example.com",
      password,
      baseURL: url,
    });
    expect(callback.searchParams.get("state")).toBe(request.state);
    expect(new URL(request.url).searchParams.get("nonce")).toBe(request.nonce);
    const tokens = await oidc.exchangeCode({ ...request, callbackURL: callback });
    expect(tokens.claims?.nonce).toBe(request.nonce);
    expect(tokens.claims?.sub).toBe(account.user.id);
    expect(tokens.refreshToken).not.toBeNull();

    // A sign-in at most ten minutes old, and an ID token checked against the nonce of another
    // request: refused by the SDK, the token was not for this one.
    const recent = await oidc.createAuthorizationRequest({ scope: "openid", maxAge: 600 });
    expect(new URL(recent.url).searchParams.get("max_age")).toBe("600");
    expect(recent.maxAge).toBe(600);
    const recentCallback = await signInAndConsent({
      url: recent.url,
      email: "sdk-oidc@example.com",
      password,
      baseURL: url,
    });
    await expect(
      oidc.exchangeCode({ ...recent, nonce: request.nonce, callbackURL: recentCallback }),
    ).rejects.toThrow(/nonce/);

    const info = await oidc.fetchUserInfo({
      accessToken: tokens.accessToken,
      expectedSubject: account.user.id,
    });
    expect(info).toMatchObject({ sub: account.user.id, email: "sdk-oidc@example.com", nickname: "oidc" });

    const refreshed = await oidc.refresh({ refreshToken: tokens.refreshToken ?? "" });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);

    expect((await owner.apps.listAuthorized()).apps.map((a) => a.clientId)).toContain(app.clientId);

    // The app gives its access up (RFC 7009: revoking the refresh token ends the grant): the person's
    // list no longer shows an app that has no access left.
    const revoked = await fetch(`${url}/oidc/token/revocation`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${app.clientId}:${clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ token: refreshed.refreshToken ?? "", token_type_hint: "refresh_token" }),
    });
    expect(revoked.status).toBe(200);
    expect((await owner.apps.listAuthorized()).apps.map((a) => a.clientId)).not.toContain(app.clientId);
  });
});

describe("a third-party app's spent refresh token presented again past the grace", () => {
  it("ends the app's grant and is in the person's security log, with where it came from", async () => {
    // Its own instance, with no grace: the second presentation of a rotated token is reuse at once.
    const { service: graceless, url: base } = await listenComposedService(database.url(), {
      env: { REFRESH_REUSE_GRACE: "0s" },
    });
    try {
      const owner = new SuperOAuthClient({ baseURL: base });
      const email = "sdk-oidc-reuse@example.com";
      const { user } = await owner.auth.register({ email, password, nickname: "reuse" });
      // Verified, as its mailed link would: registering an app waits for that.
      await graceless.storage.users.markEmailVerified({ userId: user.id as UserId, now: new Date() });
      const redirectURI = "https://app.example/callback";
      const { app, clientSecret } = await owner.apps.register({
        name: "Leaky App",
        redirectURIs: [redirectURI],
        allowedScopes: ["openid", "offline_access"],
        type: "confidential",
      });
      const oidc = await SuperOAuthOIDCClient.discover({
        issuer: base,
        clientId: app.clientId,
        clientSecret: clientSecret ?? "",
        redirectURI,
        allowInsecureRequests: true,
      });
      const request = await oidc.createAuthorizationRequest({
        scope: "openid offline_access",
        prompt: "consent",
      });
      const callback = await signInAndConsent({ url: request.url, email, password, baseURL: base });
      const tokens = await oidc.exchangeCode({ ...request, callbackURL: callback });
      const refreshed = await oidc.refresh({ refreshToken: tokens.refreshToken ?? "" });

      await expect(oidc.refresh({ refreshToken: tokens.refreshToken ?? "" })).rejects.toThrow();
      // The grant is gone: the newest token too.
      await expect(oidc.refresh({ refreshToken: refreshed.refreshToken ?? "" })).rejects.toThrow();
      // Recorded after the answer: wait for it.
      let reuse: { type: string; details: Record<string, unknown>; ip: string | null } | undefined;
      for (let i = 0; i < 50 && reuse === undefined; i++) {
        const { events } = await owner.sessions.listSecurityEvents();
        reuse = events.find((event) => event.type === "app_token_reuse_detected");
        if (reuse === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(reuse).toMatchObject({
        details: { clientId: app.clientId, app: "Leaky App" },
        ip: "127.0.0.1",
      });
    } finally {
      await graceless.close();
    }
  });
});
