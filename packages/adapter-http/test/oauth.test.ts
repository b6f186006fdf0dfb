import { InMemorySecretHasher, ScriptedOAuthProviderGateway } from "@superoauth/application/testing";
import { type ErrorCode, type OAuthProviderId, parseEmail, type UserId } from "@superoauth/domain";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestApp,
  expectError,
  messageOf,
  recordingLogger,
  registerUser,
  type TestAppOptions,
  type TestDependencies,
  validRegistration,
} from "./test-app.ts";

const landingURL = "https://app.example/oauth/complete";
const cookieName = "superoauth_oauth_state";
const verifierCookieName = "superoauth_login_verifier";

/** The PKCE verifier the front end keeps; it starts sign-ins with the verifier's S256 challenge. */
const browserVerifier = "browser-verifier".padEnd(43, "0");
/** Start parameters with the challenge of `verifier` (the in-memory hasher's S256 stand-in). */
function challengeQuery(verifier = browserVerifier): string {
  const codeChallenge = new InMemorySecretHasher().codeChallengeOf(verifier);
  return new URLSearchParams({ code_challenge: codeChallenge, code_challenge_method: "S256" }).toString();
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

type Gateways = Record<OAuthProviderId, ScriptedOAuthProviderGateway>;

/** The app over in-memory ports, with scripted providers (those named in `configured`). */
async function start(
  options: TestAppOptions & { configured?: OAuthProviderId[] } = {},
): Promise<{ app: FastifyInstance; deps: TestDependencies; gateways: Gateways }> {
  const { configured = ["discord", "twitch", "google", "github"], ...appOptions } = options;
  const built = await buildTestApp({
    cookieSecret: "cookie-secret-for-tests-0123456789abcdef",
    oauth: { successRedirectURL: landingURL, secureCookies: true },
    ...appOptions,
  });
  app = built.app;
  const gateways: Gateways = {
    discord: new ScriptedOAuthProviderGateway("discord", { supportsPKCE: true }),
    twitch: new ScriptedOAuthProviderGateway("twitch", { supportsPKCE: false }),
    google: new ScriptedOAuthProviderGateway("google", { supportsPKCE: true }),
    github: new ScriptedOAuthProviderGateway("github", { supportsPKCE: false }),
  };
  // The use cases read the providers at call time, so configuring them after the build takes effect.
  const providers = built.deps.oauthProviders as Partial<Record<OAuthProviderId, unknown>>;
  for (const id of configured) providers[id] = gateways[id];
  return { app: built.app, deps: built.deps, gateways };
}

interface Trip {
  /** The signed cookie value the browser keeps. */
  cookie: string;
  state: string;
  response: LightMyRequestResponse;
}

function stateCookieOf(response: LightMyRequestResponse) {
  const cookie = response.cookies.find((c) => c.name === cookieName);
  if (cookie === undefined) throw new Error(`no state cookie in ${JSON.stringify(response.headers)}`);
  return cookie;
}

/** GET /oauth/:provider as a front end's browser: where it is sent, and the cookie it keeps. */
async function startTrip(
  target: FastifyInstance,
  provider: string,
  verifier = browserVerifier,
): Promise<Trip> {
  const response = await target.inject({
    method: "GET",
    url: `/api/v1/oauth/${provider}?${challengeQuery(verifier)}`,
  });
  expect(response.statusCode, response.body).toBe(302);
  const location = new URL(String(response.headers.location));
  return { cookie: stateCookieOf(response).value, state: location.searchParams.get("state") ?? "", response };
}

/** The landing page's heading and the words of its status line, as the server rendered them. */
function headingAndStatusOf(html: string): [string, string] {
  return [
    /<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? "",
    /<p id="status"[^>]*>([^<]*)<\/p>/.exec(html)?.[1] ?? "",
  ];
}

function callback(
  target: FastifyInstance,
  provider: string,
  input: {
    code?: string;
    state?: string;
    cookie?: string;
    error?: string;
    json?: boolean;
    browser?: boolean;
  },
): Promise<LightMyRequestResponse> {
  const query = new URLSearchParams();
  if (input.code !== undefined) query.set("code", input.code);
  if (input.state !== undefined) query.set("state", input.state);
  if (input.error !== undefined) query.set("error", input.error);
  return target.inject({
    method: "GET",
    url: `/api/v1/oauth/${provider}/callback?${query.toString()}`,
    ...(input.cookie === undefined ? {} : { cookies: { [cookieName]: input.cookie } }),
    // No Accept (as fetch or curl) unless told: JSON, or a browser's navigation (which asks for HTML).
    headers:
      input.json === true
        ? { accept: "application/json" }
        : input.browser === true
          ? { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" }
          : {},
  });
}

/** A whole browser sign-in: start, come back with `code`, follow to the landing page. */
async function browserSignIn(
  target: FastifyInstance,
  provider: OAuthProviderId,
  code: string,
  verifier = browserVerifier,
) {
  const trip = await startTrip(target, provider, verifier);
  return callback(target, provider, { code, state: trip.state, cookie: trip.cookie });
}

function loginCodeOf(response: LightMyRequestResponse): string {
  expect(response.statusCode, response.body).toBe(302);
  const location = new URL(String(response.headers.location));
  expect(`${location.origin}${location.pathname}`).toBe(landingURL);
  return location.searchParams.get("code") ?? "";
}

function exchange(
  target: FastifyInstance,
  code: unknown,
  /** null: none sent. */
  codeVerifier: string | null = browserVerifier,
): Promise<LightMyRequestResponse> {
  return target.inject({
    method: "POST",
    url: "/api/v1/oauth/exchange",
    payload: codeVerifier === null ? { code } : { code, code_verifier: codeVerifier },
  });
}

describe("GET /oauth/providers", () => {
  it("lists the configured providers with their names and start URLs", async () => {
    const { app } = await start({ configured: ["github", "discord"] });
    const response = await app.inject({ method: "GET", url: "/api/v1/oauth/providers" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      success: true,
      data: {
        providers: [
          { id: "discord", name: "Discord", startURL: "/api/v1/oauth/discord" },
          { id: "github", name: "GitHub", startURL: "/api/v1/oauth/github" },
        ],
      },
    });
  });
});

describe("GET /oauth/:provider", () => {
  it("redirects to the provider with a state, and keeps state and verifier in a signed, HttpOnly, Lax cookie on the callback path", async () => {
    const { app } = await start();
    const trip = await startTrip(app, "discord");
    const location = new URL(String(trip.response.headers.location));
    expect(location.host).toBe("discord.example");
    expect(trip.state).toMatch(/\S{43,}/);
    expect(location.searchParams.get("code_challenge")).not.toBeNull();
    const cookie = stateCookieOf(trip.response);
    expect(cookie).toMatchObject({
      httpOnly: true,
      sameSite: "Lax",
      secure: true,
      path: "/api/v1/oauth/discord/callback",
      maxAge: 600,
    });
    // Signed: the value carries a signature after the state and verifier.
    expect(cookie.value.startsWith(`${trip.state}.`)).toBe(true);
    expect(cookie.value.split(".")).toHaveLength(3);
  });

  it.each([
    ["", "code_challenge is required"],
    ["code_challenge_method=S256", "code_challenge is required"],
    [`code_challenge=${"a".repeat(43)}`, "must be S256"],
    [`code_challenge=${"a".repeat(43)}&code_challenge_method=plain`, "must be S256"],
    ["code_challenge=short&code_challenge_method=S256", "43-128 characters"],
  ])(
    "answers VALIDATION_ERROR 400 to a sign-in start with %j, saying what to send, and sets no cookie",
    async (query, message) => {
      const { app } = await start();
      const response = await app.inject({ method: "GET", url: `/api/v1/oauth/github?${query}` });
      expectError(response, "VALIDATION_ERROR", 400);
      expect(response.json().message).toContain(message);
      expect(response.cookies).toEqual([]);
    },
  );

  it("does not mark the cookie Secure when told it runs over plain HTTP", async () => {
    const { app } = await start({ oauth: { successRedirectURL: landingURL, secureCookies: false } });
    expect(stateCookieOf((await startTrip(app, "github")).response).secure).toBeFalsy();
  });

  it.each(["facebook", "GitHub", "GITHUB", "git%20hub", "providers%2Fx"])(
    "answers UNSUPPORTED_PROVIDER 400 for %s",
    async (provider) => {
      const { app } = await start();
      expectError(
        await app.inject({ method: "GET", url: `/api/v1/oauth/${provider}?${challengeQuery()}` }),
        "UNSUPPORTED_PROVIDER",
        400,
      );
    },
  );

  it("answers OAUTH_INIT_FAILED 500 for a known provider without credentials, and logs which, with the request's id", async () => {
    const lines: Record<string, unknown>[] = [];
    const { app } = await start({ configured: ["github"], logger: recordingLogger(lines) });
    const response = await app.inject({ method: "GET", url: `/api/v1/oauth/twitch?${challengeQuery()}` });
    expectError(response, "OAUTH_INIT_FAILED", 500);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 50,
        msg: "request failed",
        reqId: response.json().requestId,
        code: "OAUTH_INIT_FAILED",
        reason: "Sign-in with Twitch is not configured on this server",
      }),
    );
  });

  it("answers OAUTH_INIT_FAILED 500 when no cookie secret is configured", async () => {
    const { app } = await start({ cookieSecret: undefined });
    expectError(
      await app.inject({ method: "GET", url: `/api/v1/oauth/github?${challengeQuery()}` }),
      "OAUTH_INIT_FAILED",
      500,
    );
  });
});

describe("the callback, in a browser", () => {
  it("creates the account and lands on OAUTH_SUCCESS_REDIRECT with a login code, never tokens; the cookie is cleared", async () => {
    const { app, gateways } = await start();
    gateways.github.answer("good", { subject: "583231", email: "ada@example.com" });
    const response = await browserSignIn(app, "github", "good");

    const code = loginCodeOf(response);
    expect(code).toMatch(/^\S{43,}$/);
    expect(String(response.headers.location)).not.toMatch(/accessToken|refreshToken|test-access/);
    expect(stateCookieOf(response)).toMatchObject({ value: "", path: "/api/v1/oauth/github/callback" });

    const exchanged = await exchange(app, code);
    expect(exchanged.statusCode).toBe(200);
    expect(exchanged.json()).toEqual({
      success: true,
      data: {
        user: expect.objectContaining({ email: "ada@example.com", hasPassword: false, emailVerified: true }),
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 300,
        tokenType: "Bearer",
      },
    });
  });

  it("a hosted page's trip that fails on the server's side goes back to the page with the code, and is logged with the request's id", async () => {
    const lines: Record<string, unknown>[] = [];
    const { app, gateways } = await start({ logger: recordingLogger(lines) });
    gateways.github.answer("broken", {
      ok: false,
      error: "TOKEN_EXCHANGE_FAILED",
      message: "no answer from GitHub",
    });
    const started = await app.inject({
      method: "GET",
      url: `/api/v1/oauth/github?${challengeQuery()}&return_to=/account/sign-in/social`,
    });
    const state = new URL(String(started.headers.location)).searchParams.get("state") ?? "";
    const back = await app.inject({
      method: "GET",
      url: `/api/v1/oauth/github/callback?code=broken&state=${encodeURIComponent(state)}`,
      cookies: Object.fromEntries(started.cookies.map((c) => [c.name, c.value])),
      headers: { accept: "text/html", "x-request-id": "hosted-trip-1" },
    });
    expect(back.statusCode).toBe(302);
    expect(back.headers.location).toBe("/account/sign-in/social?error=TOKEN_EXCHANGE_FAILED&provider=github");
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: "request failed",
        code: "TOKEN_EXCHANGE_FAILED",
        reason: "no answer from GitHub",
        reqId: back.headers["x-request-id"],
      }),
    );
  });

  it("a trip started without a return target clears one an abandoned trip left, so its code lands on OAUTH_SUCCESS_REDIRECT", async () => {
    const { app } = await start();
    const abandoned = await app.inject({
      method: "GET",
      url: `/api/v1/oauth/github?${challengeQuery()}&return_to=/interaction/someone-else/social`,
    });
    expect(abandoned.cookies.find((c) => c.name === "superoauth_oauth_return")).toMatchObject({
      value: expect.stringMatching(/\S/),
      path: "/api/v1/oauth/github/callback",
    });

    const plain = await startTrip(app, "github");

    // The new trip's answer expires the cookie on the callback's path (the browser replaces the old one).
    expect(plain.response.cookies.find((c) => c.name === "superoauth_oauth_return")).toMatchObject({
      value: "",
      path: "/api/v1/oauth/github/callback",
    });
    expect(
      plain.response.cookies.find((c) => c.name === "superoauth_oauth_return")?.expires?.getTime(),
    ).toBeLessThan(Date.now());
  });

  it("a login code works once", async () => {
    const { app, gateways } = await start();
    gateways.google.answer("good", {});
    const code = loginCodeOf(await browserSignIn(app, "google", "good"));
    expect((await exchange(app, code)).statusCode).toBe(200);
    expectError(await exchange(app, code), "INVALID_LOGIN_CODE", 400);
  });

  it("a login code expires after 60 seconds", async () => {
    const { app, deps, gateways } = await start();
    gateways.google.answer("good", {});
    const code = loginCodeOf(await browserSignIn(app, "google", "good"));
    deps.clock.advance(60_000);
    expectError(await exchange(app, code), "INVALID_LOGIN_CODE", 400);
  });

  it("answers INVALID_LOGIN_CODE 400 to an exchange without the code_verifier, or with another, and spends the code", async () => {
    const { app, gateways } = await start();
    for (const codeVerifier of [null, "", "another-verifier".padEnd(43, "0")]) {
      gateways.google.answer("good", {});
      const code = loginCodeOf(await browserSignIn(app, "google", "good"));
      const refused = await exchange(app, code, codeVerifier);
      expectError(refused, "INVALID_LOGIN_CODE", 400);
      expect(refused.json().message).toContain("code_verifier");
      expectError(await exchange(app, code), "INVALID_LOGIN_CODE", 400);
    }
  });

  it("refuses an attacker's login code sent to a victim's landing page, whose browser holds its own verifier", async () => {
    const { app, gateways } = await start();
    gateways.github.answer("attacker", { subject: "666", email: "attacker@example.com" });
    const attackersCode = loginCodeOf(
      await browserSignIn(app, "github", "attacker", "attacker-verifier".padEnd(43, "0")),
    );
    // The victim's page trades whatever code its URL carries, with the verifier of its own browser.
    expectError(await exchange(app, attackersCode, browserVerifier), "INVALID_LOGIN_CODE", 400);
  });

  it.each([[""], ["nope"], ["x".repeat(512)]])(
    "answers INVALID_LOGIN_CODE 400 for the code %j",
    async (code) => {
      const { app } = await start();
      expectError(await exchange(app, code), "INVALID_LOGIN_CODE", 400);
    },
  );

  it.each([[{}], [{ code: 42 }], [{ code: "x".repeat(513) }]])(
    "answers VALIDATION_ERROR 400 for the body %j",
    async (body) => {
      const { app } = await start();
      expectError(
        await app.inject({ method: "POST", url: "/api/v1/oauth/exchange", payload: body }),
        "VALIDATION_ERROR",
        400,
      );
    },
  );

  it("links a signed-in user's new identity and lands with ?linked=", async () => {
    const { app, gateways } = await start();
    const { accessToken } = await registerUser(app);
    gateways.twitch.answer("tw", { subject: "141981764", email: "other@example.com" });
    const link = await app.inject({
      method: "POST",
      url: "/api/v1/oauth/twitch/link",
      headers: bearer(accessToken),
    });
    expect(link.statusCode).toBe(200);
    const authorizationURL = new URL(link.json().data.authorizationURL);
    const state = authorizationURL.searchParams.get("state") ?? "";
    const cookie = stateCookieOf(link);
    expect(cookie).toMatchObject({ httpOnly: true, path: "/api/v1/oauth/twitch/callback" });

    const back = await callback(app, "twitch", { code: "tw", state, cookie: cookie.value });
    expect(back.statusCode, back.body).toBe(302);
    const landed = new URL(String(back.headers.location));
    expect(landed.searchParams.get("linked")).toBe("twitch");
    // The landing page says what happened in its heading, not "Signing in", with or without script.
    const page = await app.inject({ method: "GET", url: `${landed.pathname}${landed.search}` });
    expect(headingAndStatusOf(page.body)).toEqual([
      "Twitch linked",
      "Your Twitch account is now linked. You can close this page.",
    ]);

    const linked = await app.inject({
      method: "GET",
      url: "/api/v1/oauth/linked",
      headers: bearer(accessToken),
    });
    expect(linked.json()).toEqual({
      success: true,
      data: {
        providers: [
          {
            provider: "twitch",
            name: "Twitch",
            displayName: "Ada Lovelace",
            email: "other@example.com",
            linkedAt: expect.any(String),
          },
        ],
      },
    });
  });
});

describe("the callback, for a JSON client", () => {
  it("answers the sign-in data directly, and a returning identity gets the same account", async () => {
    const { app, gateways } = await start();
    gateways.discord.answer("one", { subject: "80351110224678912" });
    gateways.discord.answer("two", { subject: "80351110224678912" });
    const tripOne = await startTrip(app, "discord");
    const first = await callback(app, "discord", {
      code: "one",
      state: tripOne.state,
      cookie: tripOne.cookie,
      json: true,
    });
    expect(first.statusCode, first.body).toBe(200);
    const tripTwo = await startTrip(app, "discord");
    const second = await callback(app, "discord", {
      code: "two",
      state: tripTwo.state,
      cookie: tripTwo.cookie,
      json: true,
    });
    expect(second.json().data.user.id).toBe(first.json().data.user.id);
    expect(second.json().data).toMatchObject({ tokenType: "Bearer", accessToken: expect.any(String) });
  });
});

describe("the callback's errors", () => {
  async function withTrip(provider: OAuthProviderId = "github") {
    const started = await start();
    started.gateways[provider].answer("good", {});
    const trip = await startTrip(started.app, provider);
    return { ...started, trip };
  }

  it("answers INVALID_STATE 400 without the cookie", async () => {
    const { app, trip } = await withTrip();
    expectError(await callback(app, "github", { code: "good", state: trip.state }), "INVALID_STATE", 400);
  });

  it("answers INVALID_STATE 400 without a state", async () => {
    const { app, trip } = await withTrip();
    expectError(await callback(app, "github", { code: "good", cookie: trip.cookie }), "INVALID_STATE", 400);
  });

  it("answers INVALID_STATE 400 when the state does not match the cookie", async () => {
    const { app, trip } = await withTrip();
    const other = await startTrip(app, "github");
    expectError(
      await callback(app, "github", { code: "good", state: other.state, cookie: trip.cookie }),
      "INVALID_STATE",
      400,
    );
  });

  it("answers INVALID_STATE 400 for a cookie whose signature is wrong", async () => {
    const { app, trip } = await withTrip();
    const [state, verifier] = trip.cookie.split(".");
    expectError(
      await callback(app, "github", {
        code: "good",
        state: trip.state,
        cookie: `${state}.${verifier}.forged`,
      }),
      "INVALID_STATE",
      400,
    );
    expectError(
      await callback(app, "github", { code: "good", state: trip.state, cookie: `${trip.state}.` }),
      "INVALID_STATE",
      400,
    );
  });

  it("answers INVALID_STATE 400 when a captured cookie and state are replayed", async () => {
    const { app, trip } = await withTrip();
    expect(
      (await callback(app, "github", { code: "good", state: trip.state, cookie: trip.cookie })).statusCode,
    ).toBe(302);
    expectError(
      await callback(app, "github", { code: "good", state: trip.state, cookie: trip.cookie }),
      "INVALID_STATE",
      400,
    );
  });

  it("answers INVALID_STATE 400 after ten minutes", async () => {
    const { app, deps, trip } = await withTrip();
    deps.clock.advance(10 * 60_000);
    expectError(
      await callback(app, "github", { code: "good", state: trip.state, cookie: trip.cookie }),
      "INVALID_STATE",
      400,
    );
  });

  it("answers INVALID_STATE 400 for another provider's state", async () => {
    const { app, trip } = await withTrip("github");
    expectError(
      await callback(app, "twitch", { code: "good", state: trip.state, cookie: trip.cookie }),
      "INVALID_STATE",
      400,
    );
  });

  it("answers OAUTH_ACCESS_DENIED 400 when the person cancelled at the provider", async () => {
    const { app, trip } = await withTrip();
    expectError(
      await callback(app, "github", { error: "access_denied", state: trip.state, cookie: trip.cookie }),
      "OAUTH_ACCESS_DENIED",
      400,
    );
  });

  it("sends a browser's navigation on to the landing page with the error's code, which says why in words", async () => {
    const { app, trip } = await withTrip();
    const cancelled = await callback(app, "github", {
      error: "access_denied",
      state: trip.state,
      cookie: trip.cookie,
      browser: true,
    });
    expect(cancelled.statusCode).toBe(302);
    const location = new URL(cancelled.headers.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(landingURL);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: "OAUTH_ACCESS_DENIED",
      provider: "github",
    });
    // A replay of the same trip: its state is spent, and the browser is told so the same way.
    const replayed = await callback(app, "github", {
      code: "good",
      state: trip.state,
      cookie: trip.cookie,
      browser: true,
    });
    expect(new URL(replayed.headers.location as string).searchParams.get("error")).toBe("INVALID_STATE");
    // An unknown provider's segment is not carried into the page's address.
    const unknown = await callback(app, "myspace", { code: "x", state: "y", browser: true });
    expect(Object.fromEntries(new URL(unknown.headers.location as string).searchParams)).toEqual({
      error: "UNSUPPORTED_PROVIDER",
    });

    const landing = await app.inject({ method: "GET", url: `${location.pathname}${location.search}` });
    expect(landing.statusCode).toBe(200);
    expect(landing.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(landing.body).toContain(
      '<p id="status" role="status" aria-live="polite" class="error">You cancelled at GitHub, so you are not signed in. Start again below, or sign in another way.</p>',
    );
    // Without a provider (or with one it does not know, or a reason it does not know) it names none.
    for (const query of ["", "&provider=myspace&reason=%3Cb%3E"]) {
      const unnamed = await app.inject({
        method: "GET",
        url: `/oauth/complete?error=OAUTH_ACCESS_DENIED${query}`,
      });
      expect(headingAndStatusOf(unnamed.body)[1]).toBe(
        "You cancelled at the provider, so you are not signed in. Start again below, or sign in another way.",
      );
    }
    // Only a known code is put in words; anything else is the plain page.
    const forged = await app.inject({ method: "GET", url: "/oauth/complete?error=%3Cb%3Ehi%3C%2Fb%3E" });
    expect(forged.body).toContain('<p id="status" role="status" aria-live="polite"></p>');
    expect(forged.body).not.toContain("<b>hi</b>");
  });

  it("the landing page after a failed trip links a new start per configured provider in its HTML, for a person without JavaScript", async () => {
    const { app, deps } = await start({ configured: ["google", "github"] });
    const landing = await app.inject({ method: "GET", url: "/oauth/complete?error=INVALID_STATE" });
    expect(landing.statusCode).toBe(200);
    // Shown (not hidden), in the configured providers' order, to the page's own start: no token in
    // the address, the PKCE verifier made there and kept in an HttpOnly cookie.
    expect(landing.body).toContain(
      '<ul id="starts">\n<li><a href="/oauth/start/google">Sign in with Google</a></li>\n<li><a href="/oauth/start/github">Sign in with GitHub</a></li>\n</ul>',
    );
    // They work without JavaScript, so the page does not say it needs it (it did, above them).
    expect(landing.body).not.toContain("<noscript>");
    const started = await app.inject({ method: "GET", url: "/oauth/start/google" });
    expect(started.statusCode).toBe(302);
    expect(String(started.headers.location)).toMatch(/^\/api\/v1\/oauth\/google\?code_challenge=/);
    // A page with a login code to trade holds them hidden, for its script to show if the trade
    // fails; a linking or a re-authentication, done, offers none.
    const toTrade = await app.inject({ method: "GET", url: "/oauth/complete?code=abc" });
    expect(toTrade.body).toContain('<ul id="starts" hidden>\n<li><a href="/oauth/start/google">');
    expect(toTrade.body).toContain('<noscript><p class="error">Finishing a sign-in here needs JavaScript');
    for (const done of ["linked=github", "reauthenticated=github"]) {
      const page = await app.inject({ method: "GET", url: `/oauth/complete?${done}` });
      expect(page.body).not.toContain("/oauth/start/");
    }
    // With no provider configured, no empty list is shown.
    const providers = deps.oauthProviders as Partial<Record<OAuthProviderId, unknown>>;
    for (const id of ["google", "github"] as const) delete providers[id];
    const bare = await app.inject({ method: "GET", url: "/oauth/complete?error=INVALID_STATE" });
    expect(bare.body).toContain('<ul id="starts" hidden></ul>');
  });

  it("the landing page back from re-authenticating says so in its heading; only a provider's id is taken from the address", async () => {
    const { app } = await start();
    const landing = (query: string) => app.inject({ method: "GET", url: `/oauth/complete?${query}` });
    const back = await landing("reauthenticated=github");
    expect(headingAndStatusOf(back.body)).toEqual([
      "Identity confirmed",
      "You signed in again with GitHub. Go back and finish your change.",
    ]);
    expect(back.body).toContain('class="ok"');
    // Anything else in the address (the page is linkable) is the plain page, not words of ours.
    for (const parameter of ["linked", "reauthenticated"]) {
      const spoofed = await landing(`${parameter}=${encodeURIComponent("Call 555-0100 now. GitHub")}`);
      expect(headingAndStatusOf(spoofed.body)).toEqual(["Signing in", ""]);
    }
  });

  it("a new identity whose address the provider has not verified lands on words that send the person to the provider, not to a mail that was never sent", async () => {
    const { app, gateways } = await start();
    gateways.google.answer("unverified", { email: "new@example.com", emailVerified: false });
    const { state, cookie } = await startTrip(app, "google");
    const refused = await callback(app, "google", { code: "unverified", state, cookie, browser: true });
    // The landing page the browser is sent to, asked of this app (its origin is the configured one).
    const { pathname, search } = new URL(String(refused.headers.location));
    expect([refused.statusCode, search]).toEqual([302, "?error=EMAIL_NOT_VERIFIED&provider=google"]);
    const landing = await app.inject({ method: "GET", url: `${pathname}${search}` });
    expect(landing.statusCode).toBe(200);
    const [, status] = headingAndStatusOf(landing.body);
    expect(status).toContain("verify it at the provider");
    expect(status).not.toContain("open the link we mailed");
    // "Start again below": the words come before the page's starts (and its 2FA form), under the heading.
    expect(status).toMatch(/Start again below/);
    expect(landing.body.indexOf('<p id="status"')).toBeLessThan(landing.body.indexOf('<ul id="starts"'));
  });

  it.each([
    ["INVALID_STATE", "This sign-in expired, was used already, or began in another browser"],
    ["TOKEN_EXCHANGE_FAILED", "We could not reach the provider, or it took too long to answer"],
    ["USER_INFO_FAILED", "it shared no email address (an account needs one)"],
  ])("the landing page puts %s in a person's words, not the API reference's", async (code, words) => {
    const { app } = await start();
    const landing = await app.inject({ method: "GET", url: `/oauth/complete?error=${code}` });
    expect(landing.statusCode).toBe(200);
    expect(landing.body).toContain(words);
    expect(landing.body).not.toMatch(/OAuth state|authorization code|the user's profile/);
  });

  it("answers INVALID_AUTHORIZATION_CODE 400 for a code the provider rejects, or no code", async () => {
    const { app, trip } = await withTrip();
    expectError(
      await callback(app, "github", { code: "bad", state: trip.state, cookie: trip.cookie }),
      "INVALID_AUTHORIZATION_CODE",
      400,
    );
    const next = await startTrip(app, "github");
    expectError(
      await callback(app, "github", { state: next.state, cookie: next.cookie }),
      "INVALID_AUTHORIZATION_CODE",
      400,
    );
  });

  it.each([
    ["TOKEN_EXCHANGE_FAILED", 500],
    ["USER_INFO_FAILED", 500],
  ] as const)("passes the provider's %s through as %i", async (code, status) => {
    const { app, gateways } = await start();
    gateways.github.answer("failing", { ok: false, error: code });
    expectError(await browserSignIn(app, "github", "failing"), code, status);
  });

  it("answers USER_INFO_FAILED 500 when a new identity has no email", async () => {
    const { app, gateways } = await start();
    gateways.github.answer("no-email", { email: null });
    expectError(await browserSignIn(app, "github", "no-email"), "USER_INFO_FAILED", 500);
  });

  it("answers OAUTH_EMAIL_CONFLICT 409 when the email is taken and not verified on both sides", async () => {
    const { app, gateways } = await start();
    await registerUser(app);
    gateways.github.answer("collide", { email: validRegistration.email, emailVerified: true });
    expectError(await browserSignIn(app, "github", "collide"), "OAUTH_EMAIL_CONFLICT", 409);
  });

  it("links automatically when both the provider and our password-less account verified the email", async () => {
    const { app, deps, gateways } = await start();
    gateways.github.answer("first", { subject: "gh-1", email: "ada@example.com", emailVerified: true });
    const owner = (await exchange(app, loginCodeOf(await browserSignIn(app, "github", "first")))).json().data
      .user;
    gateways.google.answer("verified", { email: "ada@example.com", emailVerified: true });
    const code = loginCodeOf(await browserSignIn(app, "google", "verified"));
    expect((await exchange(app, code)).json().data.user.id).toBe(owner.id);
    const email = parseEmail("ada@example.com");
    expect(email.ok && (await deps.users.findUserByEmail(email.value))?.id).toBe(owner.id);
  });

  it("answers OAUTH_EMAIL_CONFLICT 409 for an account with a password, however verified: its owner links from the account (ADR 0043)", async () => {
    const { app, deps, gateways } = await start();
    const registered = await registerUser(app);
    await deps.users.markEmailVerified({ userId: registered.user.id as UserId, now: deps.clock.now() });
    gateways.google.answer("verified", { email: validRegistration.email, emailVerified: true });
    const trip = await startTrip(app, "google");
    expectError(
      await callback(app, "google", { code: "verified", state: trip.state, cookie: trip.cookie, json: true }),
      "OAUTH_EMAIL_CONFLICT",
      409,
    );
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(registered.user.id as UserId)).toEqual([]);
  });

  it("answers PROVIDER_ALREADY_LINKED 409 when linking an identity another user has", async () => {
    const { app, gateways } = await start();
    gateways.github.answer("theirs", { subject: "1", email: "first@example.com" });
    loginCodeOf(await browserSignIn(app, "github", "theirs"));
    const { accessToken } = await registerUser(app);
    const link = await app.inject({
      method: "POST",
      url: "/api/v1/oauth/github/link",
      headers: bearer(accessToken),
    });
    const state = new URL(link.json().data.authorizationURL).searchParams.get("state") ?? "";
    gateways.github.answer("theirs-again", { subject: "1" });
    expectError(
      await callback(app, "github", { code: "theirs-again", state, cookie: stateCookieOf(link).value }),
      "PROVIDER_ALREADY_LINKED",
      409,
    );
  });
});

describe("every other error of the flow, with its status", () => {
  /** POST /oauth/:provider/link for a signed-in user: the state and cookie of the trip. */
  async function startLink(target: FastifyInstance, provider: string, accessToken: string) {
    const link = await target.inject({
      method: "POST",
      url: `/api/v1/oauth/${provider}/link`,
      headers: bearer(accessToken),
    });
    expect(link.statusCode, link.body).toBe(200);
    const state = new URL(link.json().data.authorizationURL).searchParams.get("state") ?? "";
    return { state, cookie: stateCookieOf(link).value };
  }

  it("POST /oauth/:provider/link answers UNSUPPORTED_PROVIDER 400 and OAUTH_INIT_FAILED 500 like the start", async () => {
    const { app } = await start({ configured: ["github"] });
    const { accessToken } = await registerUser(app);
    for (const [provider, code, status] of [
      ["GitHub", "UNSUPPORTED_PROVIDER", 400],
      ["facebook", "UNSUPPORTED_PROVIDER", 400],
      ["discord", "OAUTH_INIT_FAILED", 500],
    ] as const) {
      expectError(
        await app.inject({
          method: "POST",
          url: `/api/v1/oauth/${provider}/link`,
          headers: bearer(accessToken),
        }),
        code,
        status,
      );
    }
  });

  it("the callback of an unknown provider answers UNSUPPORTED_PROVIDER 400", async () => {
    const { app } = await start();
    const trip = await startTrip(app, "github");
    expectError(
      await callback(app, "GitHub", { code: "c", state: trip.state, cookie: trip.cookie }),
      "UNSUPPORTED_PROVIDER",
      400,
    );
  });

  it("a provider refusing the request itself (not the person) answers OAUTH_INIT_FAILED 500, naming what it refused", async () => {
    const { app } = await start();
    const trip = await startTrip(app, "github");
    const refused = await callback(app, "github", {
      error: "invalid_scope",
      state: trip.state,
      cookie: trip.cookie,
    });
    expectError(refused, "OAUTH_INIT_FAILED", 500);
    expect(messageOf(refused)).toBe("GitHub refused the authorization request (invalid_scope)");
    // A browser lands with the code and no reason (not the provider's trouble): "something went wrong".
    const next = await startTrip(app, "github");
    const navigated = await callback(app, "github", {
      error: "invalid_scope",
      state: next.state,
      cookie: next.cookie,
      browser: true,
    });
    const { pathname, search } = new URL(String(navigated.headers.location));
    expect([navigated.statusCode, search]).toEqual([302, "?error=OAUTH_INIT_FAILED&provider=github"]);
    const landing = await app.inject({ method: "GET", url: `${pathname}${search}` });
    expect(headingAndStatusOf(landing.body)).toEqual([
      "Signing in did not work",
      "Something went wrong starting this sign-in with GitHub. Try again later, or sign in another way.",
    ]);
  });

  it.each(["server_error", "temporarily_unavailable"])(
    "a provider's own trouble (%s) answers OAUTH_INIT_FAILED 500 saying so and to try later, and the landing page says it too",
    async (error) => {
      const { app } = await start();
      const trip = await startTrip(app, "github");
      const answered = await callback(app, "github", { error, state: trip.state, cookie: trip.cookie });
      expectError(answered, "OAUTH_INIT_FAILED", 500);
      expect(messageOf(answered)).toBe(
        `GitHub is having trouble and could not start this sign-in (${error}): try again later`,
      );
      const next = await startTrip(app, "github");
      const navigated = await callback(app, "github", {
        error,
        state: next.state,
        cookie: next.cookie,
        browser: true,
      });
      const { pathname, search } = new URL(String(navigated.headers.location));
      expect([navigated.statusCode, search]).toEqual([
        302,
        "?error=OAUTH_INIT_FAILED&provider=github&reason=provider_unavailable",
      ]);
      const landing = await app.inject({ method: "GET", url: `${pathname}${search}` });
      expect(headingAndStatusOf(landing.body)).toEqual([
        "Signing in did not work",
        "GitHub is having trouble right now. Try again in a few minutes, or sign in another way.",
      ]);
      // Without the provider's name in the address, the page names none.
      const unnamed = await app.inject({
        method: "GET",
        url: "/oauth/complete?error=OAUTH_INIT_FAILED&reason=provider_unavailable",
      });
      expect(headingAndStatusOf(unnamed.body)[1]).toBe(
        "The provider is having trouble right now. Try again in a few minutes, or sign in another way.",
      );
      // A hosted page's trip goes back to it with the same reason, for its own words.
      const hosted = await app.inject({
        method: "GET",
        url: `/api/v1/oauth/github?${challengeQuery()}&return_to=/account/sign-in/social`,
      });
      const back = await app.inject({
        method: "GET",
        url: `/api/v1/oauth/github/callback?error=${error}&state=${encodeURIComponent(
          new URL(String(hosted.headers.location)).searchParams.get("state") ?? "",
        )}`,
        cookies: Object.fromEntries(hosted.cookies.map((c) => [c.name, c.value])),
        headers: { accept: "text/html" },
      });
      expect(back.headers.location).toBe(
        "/account/sign-in/social?error=OAUTH_INIT_FAILED&provider=github&reason=provider_unavailable",
      );
    },
  );

  it("linking a second, different identity of a provider the account has answers PROVIDER_ALREADY_LINKED 409", async () => {
    const { app, gateways } = await start();
    const { accessToken } = await registerUser(app);
    gateways.github.answer("one", { subject: "1" });
    gateways.github.answer("two", { subject: "2" });
    const first = await startLink(app, "github", accessToken);
    expect((await callback(app, "github", { code: "one", ...first, json: true })).statusCode).toBe(200);
    const second = await startLink(app, "github", accessToken);
    expectError(
      await callback(app, "github", { code: "two", ...second, json: true }),
      "PROVIDER_ALREADY_LINKED",
      409,
    );
  });

  it("linking for an account deleted meanwhile answers USER_NOT_FOUND 404", async () => {
    const { app, deps, gateways } = await start();
    const { accessToken, user } = await registerUser(app);
    gateways.github.answer("c", {});
    const trip = await startLink(app, "github", accessToken);
    deps.users.deleteUser(user.id as UserId);
    expectError(await callback(app, "github", { code: "c", ...trip }), "USER_NOT_FOUND", 404);
  });

  it("linking for an account deleted just before the link's write answers USER_NOT_FOUND 404, and a browser lands with it", async () => {
    const { app, deps, gateways } = await start();
    const first = await registerUser(app);
    const linkProvider = deps.linkedProviders.linkProvider.bind(deps.linkedProviders);
    // The deletion commits after the callback started, just before the link's write.
    let deleting: UserId = first.user.id as UserId;
    deps.linkedProviders.linkProvider = async (link, guard) => {
      deps.users.deleteUser(deleting);
      return linkProvider(link, guard);
    };
    gateways.github.answer("c", {});
    const trip = await startLink(app, "github", first.accessToken);
    expectError(await callback(app, "github", { code: "c", ...trip, json: true }), "USER_NOT_FOUND", 404);

    const second = await registerUser(app, { ...validRegistration, email: "deleted-at-write@example.com" });
    deleting = second.user.id as UserId;
    gateways.github.answer("b", {});
    const browserTrip = await startLink(app, "github", second.accessToken);
    const landed = await callback(app, "github", { code: "b", ...browserTrip, browser: true });
    expect(landed.statusCode).toBe(302);
    expect(new URL(landed.headers.location as string).searchParams.get("error")).toBe("USER_NOT_FOUND");
  });

  it("linking after the session that started the trip has ended (logout-all) answers INVALID_TOKEN 401 and links nothing", async () => {
    const { app, deps, gateways } = await start();
    const { accessToken, user } = await registerUser(app);
    gateways.github.answer("attacker", { subject: "666" });
    const trip = await startLink(app, "github", accessToken);
    const loggedOut = await app.inject({
      method: "POST",
      url: "/api/v1/auth/logout-all",
      headers: bearer(accessToken),
    });
    expect(loggedOut.statusCode, loggedOut.body).toBe(200);
    expectError(
      await callback(app, "github", { code: "attacker", ...trip, json: true }),
      "INVALID_TOKEN",
      401,
    );
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(user.id as UserId)).toEqual([]);
    expect(await deps.linkedProviders.findLinkedProvider({ provider: "github", subject: "666" })).toBeNull();
  });

  it("signing in through a provider to a disabled account answers ACCOUNT_DISABLED 403, in a browser and for JSON", async () => {
    const { app, deps, gateways } = await start();
    gateways.github.answer("first", { subject: "5" });
    gateways.github.answer("again", { subject: "5" });
    const code = loginCodeOf(await browserSignIn(app, "github", "first"));
    const user = (await exchange(app, code)).json().data.user;
    deps.users.setStatus(user.id as UserId, "disabled");
    expectError(await browserSignIn(app, "github", "again"), "ACCOUNT_DISABLED", 403);
    gateways.github.answer("json", { subject: "5" });
    const trip = await startTrip(app, "github");
    expectError(
      await callback(app, "github", { code: "json", state: trip.state, cookie: trip.cookie, json: true }),
      "ACCOUNT_DISABLED",
      403,
    );
  });

  it("a login code whose account was disabled before it was traded answers ACCOUNT_DISABLED 403 at the exchange", async () => {
    const { app, deps, gateways } = await start();
    gateways.github.answer("first", { subject: "6" });
    const user = (await exchange(app, loginCodeOf(await browserSignIn(app, "github", "first")))).json().data
      .user;
    gateways.github.answer("again", { subject: "6" });
    const code = loginCodeOf(await browserSignIn(app, "github", "again"));
    deps.users.setStatus(user.id as UserId, "disabled");
    const refused = await exchange(app, code);
    expectError(refused, "ACCOUNT_DISABLED", 403);
    expect(refused.body).not.toMatch(/accessToken|refreshToken/);
  });

  it("with REQUIRE_EMAIL_VERIFICATION, a browser sign-in of an account whose address is unverified is refused at the callback (EMAIL_NOT_VERIFIED 403), with no login code", async () => {
    const { app, gateways } = await start({ settings: { requireEmailVerification: true } });
    const { accessToken } = await registerUser(app);
    const link = await startLink(app, "github", accessToken);
    gateways.github.answer("link", { subject: "7", email: "ada@elsewhere.example" });
    const linked = await callback(app, "github", { code: "link", ...link });
    expect(new URL(String(linked.headers.location)).searchParams.get("linked")).toBe("github");
    gateways.github.answer("sign-in", { subject: "7" });
    // As a disabled account's (below): the callback answers the refusal, and no code is made.
    const refused = await browserSignIn(app, "github", "sign-in");
    expectError(refused, "EMAIL_NOT_VERIFIED", 403);
    expect(refused.headers.location).toBeUndefined();
  });

  it("a login code whose account may no longer sign in when it is traded (REQUIRE_EMAIL_VERIFICATION turned on, the address unverified) answers EMAIL_NOT_VERIFIED 403 at the exchange", async () => {
    const { app, deps, gateways } = await start();
    const { accessToken } = await registerUser(app);
    const link = await startLink(app, "github", accessToken);
    gateways.github.answer("link", { subject: "7", email: "ada@elsewhere.example" });
    await callback(app, "github", { code: "link", ...link });
    gateways.github.answer("sign-in", { subject: "7" });
    const code = loginCodeOf(await browserSignIn(app, "github", "sign-in"));
    // The exchange applies every rule of a sign-in again, as they are when it runs.
    (deps.settings as { requireEmailVerification: boolean }).requireEmailVerification = true;
    const refused = await exchange(app, code);
    expectError(refused, "EMAIL_NOT_VERIFIED", 403);
    expect(refused.body).not.toMatch(/accessToken|refreshToken/);
  });

  it("an account deleted while a provider sign-in opens its session answers INVALID_CREDENTIALS 401, at a JSON callback and at the exchange", async () => {
    const { app, deps, gateways } = await start();
    /** Deletes the account when the sign-in next reads its second factor: after the account, before the session. */
    const deleteDuringNextSignIn = () => {
      const find = deps.twoFactor.findTOTPFactor.bind(deps.twoFactor);
      deps.twoFactor.findTOTPFactor = async (userId) => {
        deps.twoFactor.findTOTPFactor = find;
        deps.users.deleteUser(userId);
        return find(userId);
      };
    };
    for (const subject of ["8", "9"]) {
      gateways.github.answer(`first-${subject}`, { subject, email: `gh-${subject}@example.com` });
      expect(
        (await exchange(app, loginCodeOf(await browserSignIn(app, "github", `first-${subject}`)))).statusCode,
      ).toBe(200);
    }

    gateways.github.answer("json", { subject: "8" });
    const trip = await startTrip(app, "github");
    deleteDuringNextSignIn();
    expectError(
      await callback(app, "github", { code: "json", state: trip.state, cookie: trip.cookie, json: true }),
      "INVALID_CREDENTIALS",
      401,
    );

    gateways.github.answer("browser", { subject: "9" });
    const code = loginCodeOf(await browserSignIn(app, "github", "browser"));
    deleteDuringNextSignIn();
    expectError(await exchange(app, code), "INVALID_CREDENTIALS", 401);
  });

  it("answers ACCOUNT_LINK_FAILED 500 when a new identity cannot be linked and no account holds it", async () => {
    const { app, deps, gateways } = await start();
    deps.linkedProviders.createUserWithLinkedProvider = async () => ({
      ok: false,
      error: "PROVIDER_ALREADY_LINKED",
    });
    gateways.google.answer("c", {});
    expectError(await browserSignIn(app, "google", "c"), "ACCOUNT_LINK_FAILED", 500);
  });

  it("answers OAUTH_EMAIL_CONFLICT 409 when the provider has not verified an email our account verified", async () => {
    const { app, deps, gateways } = await start();
    const registered = await registerUser(app);
    await deps.users.markEmailVerified({ userId: registered.user.id as UserId, now: deps.clock.now() });
    gateways.discord.answer("unverified", { email: validRegistration.email, emailVerified: false });
    expectError(await browserSignIn(app, "discord", "unverified"), "OAUTH_EMAIL_CONFLICT", 409);
  });
});

describe("linking and unlinking", () => {
  it("POST /oauth/:provider/link needs a Bearer token", async () => {
    const { app } = await start();
    expectError(await app.inject({ method: "POST", url: "/api/v1/oauth/github/link" }), "UNAUTHORIZED", 401);
    expectError(await app.inject({ method: "GET", url: "/api/v1/oauth/linked" }), "UNAUTHORIZED", 401);
    expectError(
      await app.inject({ method: "DELETE", url: "/api/v1/oauth/github/unlink" }),
      "UNAUTHORIZED",
      401,
    );
  });

  it("keeps the last sign-in method until a password is set, then unlinks", async () => {
    const { app, gateways } = await start();
    gateways.github.answer("only", {});
    const signedIn = (await exchange(app, loginCodeOf(await browserSignIn(app, "github", "only")))).json()
      .data;
    const auth = bearer(signedIn.accessToken);

    expectError(
      await app.inject({ method: "DELETE", url: "/api/v1/oauth/github/unlink", headers: auth }),
      "CANNOT_UNLINK_LAST_AUTH",
      400,
    );
    const password = await app.inject({
      method: "POST",
      url: "/api/v1/user/password",
      headers: auth,
      payload: { newPassword: "Sup3r-secret!" },
    });
    expect(password.statusCode, password.body).toBe(200);
    const unlinked = await app.inject({
      method: "DELETE",
      url: "/api/v1/oauth/github/unlink",
      headers: auth,
    });
    expect(unlinked.json()).toEqual({ success: true, data: { unlinked: true, provider: "github" } });
    expectError(
      await app.inject({ method: "DELETE", url: "/api/v1/oauth/github/unlink", headers: auth }),
      "PROVIDER_NOT_LINKED",
      404,
    );
    expectError(
      await app.inject({ method: "DELETE", url: "/api/v1/oauth/GitHub/unlink", headers: auth }),
      "UNSUPPORTED_PROVIDER",
      400,
    );
  });
});

describe("property: client mistakes never give a 500, and every error is the envelope", () => {
  // A small deterministic generator (no dependency): the same inputs every run.
  let seed = 20261122;
  function random(): number {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  }
  const pieces = [
    "",
    "a",
    "github",
    "GitHub",
    "%00",
    "%F0%9F%92%A5",
    "..%2F",
    "x".repeat(300),
    "' OR 1=1",
    "<script>",
  ];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  it("holds for 300 malformed requests to every OAuth route", async () => {
    const { app, gateways } = await start();
    const { accessToken } = await registerUser(app);
    // Real trips too, so states and signed cookies are mixed up, replayed and sent to the wrong provider.
    const trips = await Promise.all((["github", "discord", "github"] as const).map((p) => startTrip(app, p)));
    for (const gateway of Object.values(gateways)) gateway.answer("good", { subject: "property" });
    const states = [...pieces, ...trips.map((t) => encodeURIComponent(t.state))];
    const cookieValues = [
      ...trips.map((t) => t.cookie),
      `${pick(pieces)}.${pick(pieces)}`,
      `${trips[0]?.state}.`,
    ];
    const requests = Array.from({ length: 300 }, () => {
      const provider = pick([...pieces, "discord", "twitch", "google"]);
      const query = `code=${pick([...pieces, "good"])}&state=${pick(states)}${random() < 0.3 ? `&error=${pick(pieces)}` : ""}${random() < 0.2 ? "&state=dup" : ""}`;
      const cookies = random() < 0.5 ? { [cookieName]: pick(cookieValues) } : undefined;
      const headers: Record<string, string> =
        random() < 0.5 ? bearer(random() < 0.5 ? accessToken : pick(pieces)) : {};
      if (random() < 0.5) headers.accept = "application/json";
      const route = pick([
        { method: "GET", url: `/api/v1/oauth/${provider}${random() < 0.5 ? `?${challengeQuery()}` : ""}` },
        { method: "GET", url: `/oauth/start/${provider}` },
        { method: "GET", url: `/api/v1/oauth/${provider}/callback?${query}` },
        { method: "POST", url: `/api/v1/oauth/${provider}/link` },
        { method: "DELETE", url: `/api/v1/oauth/${provider}/unlink` },
        { method: "GET", url: "/api/v1/oauth/linked" },
        {
          method: "POST",
          url: pick(["/api/v1/oauth/exchange", "/oauth/complete"]),
          payload: pick([
            { code: pick(pieces) },
            { code: 1 },
            { code: pick(pieces), code_verifier: 2 },
            [],
            "x",
          ]),
        },
      ] as const);
      return { ...route, headers, ...(cookies === undefined ? {} : { cookies }) };
    });
    for (const request of requests) {
      const response = await app.inject(request as InjectOptions);
      const described = `${request.method} ${request.url} -> ${response.statusCode} ${response.body}`;
      if (response.statusCode === 302) {
        // The landing page's start continues to the API's on the same origin: a relative Location.
        const location = new URL(String(response.headers.location), "https://api.example");
        expect(location.protocol, described).toBe("https:");
        continue;
      }
      if (response.statusCode === 200) continue;
      expect(response.statusCode, described).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, described).toBeLessThan(500);
      expect(String(response.headers["content-type"]), described).toMatch(/^application\/json/);
      const body = response.json() as { success: boolean; error: ErrorCode; message: string };
      expect(body, described).toStrictEqual({
        success: false,
        error: expect.any(String),
        message: expect.any(String),
      });
    }
  });
});

describe("the built-in landing page binds its own sign-ins (ADR 0013)", () => {
  const landing = "http://127.0.0.1:3000/oauth/complete";

  /** GET /oauth/start/:provider, then the API start it redirects to, as a browser follows them. */
  async function startFromPage(target: FastifyInstance, provider: OAuthProviderId) {
    const pageStart = await target.inject({ method: "GET", url: `/oauth/start/${provider}` });
    expect(pageStart.statusCode, pageStart.body).toBe(302);
    const verifierCookie = pageStart.cookies.find((c) => c.name.endsWith(verifierCookieName));
    if (verifierCookie === undefined) throw new Error("no verifier cookie");
    const apiStart = await target.inject({ method: "GET", url: String(pageStart.headers.location) });
    expect(apiStart.statusCode, apiStart.body).toBe(302);
    const stateCookie = apiStart.cookies.find((c) => c.name.endsWith(cookieName));
    if (stateCookie === undefined) throw new Error("no state cookie");
    const state = new URL(String(apiStart.headers.location)).searchParams.get("state") ?? "";
    return { pageStart, verifierCookie, stateCookie, state };
  }

  /** The whole trip through the page's start and the provider, to the code on the landing page. */
  async function codeForPage(
    target: FastifyInstance,
    gateway: ScriptedOAuthProviderGateway,
    identity: { subject: string; email: string },
  ) {
    const started = await startFromPage(target, gateway.provider);
    gateway.answer(`code-${identity.subject}`, identity);
    const back = await target.inject({
      method: "GET",
      url: `/api/v1/oauth/${gateway.provider}/callback?code=code-${identity.subject}&state=${encodeURIComponent(started.state)}`,
      cookies: { [started.stateCookie.name]: started.stateCookie.value },
    });
    expect(back.statusCode, back.body).toBe(302);
    return { ...started, code: new URL(String(back.headers.location)).searchParams.get("code") ?? "" };
  }

  function pageExchange(
    target: FastifyInstance,
    input: { code: string; verifierCookie?: { name: string; value: string } },
  ) {
    return target.inject({
      method: "POST",
      url: "/oauth/complete",
      payload: { code: input.code },
      ...(input.verifierCookie === undefined
        ? {}
        : { cookies: { [input.verifierCookie.name]: input.verifierCookie.value } }),
    });
  }

  it("starts with a verifier of its own in a signed, HttpOnly cookie for the landing page, and sends its challenge to the API", async () => {
    const { app } = await start({ oauth: { successRedirectURL: landing, secureCookies: false } });
    const { pageStart, verifierCookie } = await startFromPage(app, "github");
    const location = new URL(String(pageStart.headers.location), "http://127.0.0.1:3000");
    expect(location.pathname).toBe("/api/v1/oauth/github");
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(verifierCookie).toMatchObject({
      name: verifierCookieName,
      httpOnly: true,
      sameSite: "Lax",
      path: "/oauth/complete",
      maxAge: 660,
    });
    expect(verifierCookie.secure).toBeFalsy();
    // Signed, and the challenge in the URL is the verifier's, not the verifier.
    const [verifier] = verifierCookie.value.split(".");
    expect(location.searchParams.get("code_challenge")).toBe(
      new InMemorySecretHasher().codeChallengeOf(verifier ?? ""),
    );
    expect(location.searchParams.get("code_challenge")).not.toBe(verifier);
  });

  it("trades the code with the verifier in its cookie, answering as the API's exchange does, and clears the cookie", async () => {
    const { app, gateways } = await start({ oauth: { successRedirectURL: landing, secureCookies: false } });
    const { code, verifierCookie } = await codeForPage(app, gateways.github, {
      subject: "1",
      email: "ada@example.com",
    });
    const traded = await pageExchange(app, { code, verifierCookie });
    expect(traded.statusCode, traded.body).toBe(200);
    expect(traded.json().data).toMatchObject({ user: { email: "ada@example.com" }, tokenType: "Bearer" });
    expect(traded.cookies.find((c) => c.name === verifierCookieName)).toMatchObject({
      value: "",
      path: "/oauth/complete",
    });
  });

  it("refuses with INVALID_LOGIN_CODE 400 an attacker's code opened in a victim's browser, with or without a verifier of its own", async () => {
    const { app, gateways } = await start({ oauth: { successRedirectURL: landing, secureCookies: false } });
    const attacker = await codeForPage(app, gateways.github, {
      subject: "666",
      email: "attacker@example.com",
    });
    const victim = await startFromPage(app, "github");
    const refused = await pageExchange(app, { code: attacker.code, verifierCookie: victim.verifierCookie });
    expectError(refused, "INVALID_LOGIN_CODE", 400);
    // The page shows the message as it comes: a person's words, not the API's code_verifier.
    expect(messageOf(refused)).toBe(
      "This sign-in did not begin in this browser, has expired, or was used already, so you are not signed in. If someone sent you this link, close this page. Start again below, or sign in another way.",
    );
    const another = await codeForPage(app, gateways.github, {
      subject: "667",
      email: "attacker2@example.com",
    });
    expectError(await pageExchange(app, { code: another.code }), "INVALID_LOGIN_CODE", 400);
    // A forged or re-signed cookie counts as none.
    expectError(
      await pageExchange(app, {
        code: (await codeForPage(app, gateways.github, { subject: "668", email: "a3@example.com" })).code,
        verifierCookie: { name: verifierCookieName, value: `${browserVerifier}.forged-signature` },
      }),
      "INVALID_LOGIN_CODE",
      400,
    );
  });

  it("answers UNSUPPORTED_PROVIDER 400 and OAUTH_INIT_FAILED 500 at its start as the API's start does", async () => {
    const { app } = await start();
    expectError(
      await app.inject({ method: "GET", url: "/oauth/start/facebook" }),
      "UNSUPPORTED_PROVIDER",
      400,
    );
    const withoutSecret = await start({ cookieSecret: undefined });
    const refused = await withoutSecret.app.inject({ method: "GET", url: "/oauth/start/github" });
    expectError(refused, "OAUTH_INIT_FAILED", 500);
    expect(refused.cookies).toEqual([]);
  });
});

describe("sign-in cookies when APP_URL is https: __Host- prefixed (RFC 6265bis section 4.1.3.2)", () => {
  const https = { successRedirectURL: landingURL, secureCookies: false, hostPrefixedCookies: true };

  it("sets the state and verifier cookies as __Host-, Secure, Path=/ and without Domain, and the callback reads and clears them", async () => {
    const { app, gateways } = await start({ oauth: https });
    const pageStart = await app.inject({ method: "GET", url: "/oauth/start/github" });
    const apiStart = await app.inject({ method: "GET", url: String(pageStart.headers.location) });
    const verifierCookie = pageStart.cookies.find((c) => c.name === `__Host-${verifierCookieName}`);
    const stateCookie = apiStart.cookies.find((c) => c.name === `__Host-${cookieName}`);
    for (const cookie of [verifierCookie, stateCookie]) {
      expect(cookie).toMatchObject({ secure: true, path: "/", httpOnly: true, sameSite: "Lax" });
      expect(cookie?.domain).toBeUndefined();
    }
    expect(pageStart.cookies.concat(apiStart.cookies).map((c) => c.name)).toEqual([
      `__Host-${verifierCookieName}`,
      `__Host-${cookieName}`,
      "__Host-superoauth_oauth_return",
    ]);
    // Any return target an abandoned trip left is expired, as a browser accepts a __Host- cookie.
    expect(apiStart.cookies.find((c) => c.name === "__Host-superoauth_oauth_return")).toMatchObject({
      value: "",
      secure: true,
      path: "/",
    });

    gateways.github.answer("good", { subject: "9", email: "host@example.com" });
    const state = new URL(String(apiStart.headers.location)).searchParams.get("state") ?? "";
    const back = await app.inject({
      method: "GET",
      url: `/api/v1/oauth/github/callback?code=good&state=${encodeURIComponent(state)}`,
      cookies: { [`__Host-${cookieName}`]: stateCookie?.value ?? "" },
    });
    expect(back.statusCode, back.body).toBe(302);
    expect(back.cookies.find((c) => c.name === `__Host-${cookieName}`)).toMatchObject({
      value: "",
      path: "/",
      secure: true,
    });
    const code = new URL(String(back.headers.location)).searchParams.get("code") ?? "";
    const traded = await app.inject({
      method: "POST",
      url: "/oauth/complete",
      payload: { code },
      cookies: { [`__Host-${verifierCookieName}`]: verifierCookie?.value ?? "" },
    });
    expect(traded.statusCode, traded.body).toBe(200);
    expect(traded.cookies.find((c) => c.name === `__Host-${verifierCookieName}`)).toMatchObject({
      value: "",
      path: "/",
      secure: true,
    });
  });

  it("ignores an unprefixed state cookie: only the __Host- one, which no other host can plant, counts", async () => {
    const { app, gateways } = await start({ oauth: https });
    const trip = await app.inject({ method: "GET", url: `/api/v1/oauth/github?${challengeQuery()}` });
    const stateCookie = trip.cookies.find((c) => c.name === `__Host-${cookieName}`);
    gateways.github.answer("good", {});
    const state = new URL(String(trip.headers.location)).searchParams.get("state") ?? "";
    expectError(
      await app.inject({
        method: "GET",
        url: `/api/v1/oauth/github/callback?code=good&state=${encodeURIComponent(state)}`,
        cookies: { [cookieName]: stateCookie?.value ?? "" },
      }),
      "INVALID_STATE",
      400,
    );
  });
});
