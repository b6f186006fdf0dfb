import {
  InMemorySecretHasher,
  InMemoryTOTPService,
  type ScriptedOAuthProviderGateway,
} from "@superoauth/application/testing";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestAppWithGitHub,
  expectError,
  getMe,
  refresh,
  registerUser,
  type TestDependencies,
  validRegistration,
  verifyAddressOf,
} from "./test-app.ts";

// ASVS 5.0 V7.5.1 (issue 7, weak item 3, ADR 0012): an access token alone, stolen or not, may not
// change how the account signs in once its session's last proof is older than REAUTH_MAX_AGE.

const landingURL = "https://app.example/oauth/complete";
const cookieName = "superoauth_oauth_state";
const fiveMinutes = 5 * 60_000;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start() {
  const built = await buildTestAppWithGitHub();
  app = built.app;
  return built;
}

function send(
  target: FastifyInstance,
  method: "POST" | "DELETE",
  url: string,
  accessToken: string,
  payload?: Record<string, unknown>,
): Promise<LightMyRequestResponse> {
  return target.inject({
    method,
    url: `/api/v1${url}`,
    headers: bearer(accessToken),
    ...(payload === undefined ? {} : { payload }),
  });
}

/** The provider's redirect back to the callback, carrying the trip's state and cookie. */
function callback(
  target: FastifyInstance,
  input: { code: string; state: string; cookie: string; json?: boolean },
): Promise<LightMyRequestResponse> {
  return target.inject({
    method: "GET",
    url: `/api/v1/oauth/github/callback?code=${input.code}&state=${encodeURIComponent(input.state)}`,
    cookies: { [cookieName]: input.cookie },
    // No Accept unless JSON: a browser's navigation (text/html) would be sent to a page on failure.
    headers: input.json === true ? { accept: "application/json" } : {},
  });
}

/** The state and cookie of a trip started by a POST that answers {authorizationURL}. */
function tripOf(response: LightMyRequestResponse): { state: string; cookie: string } {
  expect(response.statusCode, response.body).toBe(200);
  const state = new URL(response.json().data.authorizationURL).searchParams.get("state") ?? "";
  const cookie = response.cookies.find((c) => c.name === cookieName)?.value ?? "";
  return { state, cookie };
}

/** Signs in through GitHub as identity `subject` (a new, password-less account); answers its tokens. */
async function signInWithGitHub(
  target: FastifyInstance,
  github: ScriptedOAuthProviderGateway,
  subject: string,
) {
  // A front end binds its sign-in to itself with an S256 challenge (ADR 0013).
  const verifier = `verifier-${subject}`.padEnd(43, "0");
  const challenge = new InMemorySecretHasher().codeChallengeOf(verifier);
  const started = await target.inject({
    method: "GET",
    url: `/api/v1/oauth/github?code_challenge=${challenge}&code_challenge_method=S256`,
  });
  const state = new URL(String(started.headers.location)).searchParams.get("state") ?? "";
  const cookie = started.cookies.find((c) => c.name === cookieName)?.value ?? "";
  github.answer(`sign-in-${subject}`, { subject, email: `${subject}@example.com` });
  const landed = await callback(target, { code: `sign-in-${subject}`, state, cookie });
  const code = new URL(String(landed.headers.location)).searchParams.get("code") ?? "";
  const exchanged = await target.inject({
    method: "POST",
    url: "/api/v1/oauth/exchange",
    payload: { code, code_verifier: verifier },
  });
  expect(exchanged.statusCode, exchanged.body).toBe(200);
  return exchanged.json().data as { accessToken: string; refreshToken: string; user: { id: string } };
}

/** Six minutes on, as a thief would hold it: a fresh access token (by refresh) of an old sign-in. */
async function stolenLater(target: FastifyInstance, deps: TestDependencies, refreshToken: string) {
  return (await tokensLater(target, deps, refreshToken)).accessToken;
}

async function tokensLater(target: FastifyInstance, deps: TestDependencies, refreshToken: string) {
  deps.clock.advance(fiveMinutes + 60_000);
  const refreshed = await refresh(target, refreshToken);
  expect(refreshed.statusCode).toBe(200);
  return refreshed.json().data as { accessToken: string; refreshToken: string };
}

const newPassword = { newPassword: "N3w-passw0rd!" };

describe("the stolen-token takeover of a social-only account", () => {
  it("a token of a sign-in older than five minutes cannot set a password (REAUTH_REQUIRED 401); after re-authenticating through the provider it can", async () => {
    const { app, deps, github } = await start();
    const signedIn = await signInWithGitHub(app, github, "gh-ada");
    const accessToken = await stolenLater(app, deps, signedIn.refreshToken);

    expectError(await send(app, "POST", "/user/password", accessToken, newPassword), "REAUTH_REQUIRED", 401);
    expect((await getMe(app, accessToken)).json().data.user.hasPassword).toBe(false);

    const trip = tripOf(await send(app, "POST", "/oauth/github/reauthenticate", accessToken));
    github.answer("again", { subject: "gh-ada" });
    const back = await callback(app, { code: "again", ...trip });
    expect(back.statusCode, back.body).toBe(302);
    const landed = new URL(String(back.headers.location));
    expect(`${landed.origin}${landed.pathname}`).toBe(landingURL);
    expect(landed.searchParams.get("reauthenticated")).toBe("github");
    expect(landed.searchParams.get("code")).toBeNull();

    expect((await send(app, "POST", "/user/password", accessToken, newPassword)).statusCode).toBe(200);
  });

  it("with 2FA on, POST /auth/reauthenticate with a current code is the fresh proof", async () => {
    const { app, deps, github } = await start();
    const signedIn = await signInWithGitHub(app, github, "gh-grace");
    const setup = await send(app, "POST", "/auth/2fa/setup", signedIn.accessToken);
    const { secret } = setup.json().data;
    const code = () => InMemoryTOTPService.codeAt(secret, deps.clock.now());
    expect(
      (await send(app, "POST", "/auth/2fa/enable", signedIn.accessToken, { code: code() })).statusCode,
    ).toBe(200);
    const accessToken = await stolenLater(app, deps, signedIn.refreshToken);

    expectError(await send(app, "POST", "/user/password", accessToken, newPassword), "REAUTH_REQUIRED", 401);
    const proved = await send(app, "POST", "/auth/reauthenticate", accessToken, { code: code() });
    expect(proved.json()).toStrictEqual({
      success: true,
      data: { reauthenticatedAt: deps.clock.now().toISOString() },
    });
    expect((await send(app, "POST", "/user/password", accessToken, newPassword)).statusCode).toBe(200);
  });
});

describe("every guarded route answers REAUTH_REQUIRED 401 without a fresh proof", () => {
  it("/auth/2fa/setup, /enable, /disable, /backup-codes, /oauth/:provider/link and /unlink, and /user/password for a password-less account", async () => {
    const { app, deps, github } = await start();
    const registered = await registerUser(app);
    await verifyAddressOf(deps, registered.user);
    const setup = await send(app, "POST", "/auth/2fa/setup", registered.accessToken);
    const code = () => InMemoryTOTPService.codeAt(setup.json().data.secret, deps.clock.now());
    expect(
      (await send(app, "POST", "/auth/2fa/enable", registered.accessToken, { code: code() })).statusCode,
    ).toBe(200);
    const social = await signInWithGitHub(app, github, "gh-linus");
    const accessToken = await stolenLater(app, deps, registered.refreshToken);
    const socialToken = (await refresh(app, social.refreshToken)).json().data.accessToken;

    expectError(await send(app, "POST", "/auth/2fa/setup", accessToken), "REAUTH_REQUIRED", 401);
    expectError(
      await send(app, "POST", "/auth/2fa/enable", accessToken, { code: code() }),
      "REAUTH_REQUIRED",
      401,
    );
    expectError(
      await send(app, "POST", "/auth/2fa/disable", accessToken, { code: code() }),
      "REAUTH_REQUIRED",
      401,
    );
    expectError(
      await send(app, "POST", "/auth/2fa/backup-codes", accessToken, { code: code() }),
      "REAUTH_REQUIRED",
      401,
    );
    expectError(await send(app, "POST", "/oauth/github/link", accessToken), "REAUTH_REQUIRED", 401);
    expectError(await send(app, "DELETE", "/oauth/github/unlink", socialToken), "REAUTH_REQUIRED", 401);
    expectError(await send(app, "POST", "/user/password", socialToken, newPassword), "REAUTH_REQUIRED", 401);
    expect((await getMe(app, accessToken)).json().data.user).toMatchObject({
      twoFactorEnabled: true,
      backupCodesRemaining: 10,
    });
  });

  it("the current password in the request is a fresh proof of its own: changing it and turning 2FA off still work", async () => {
    const { app, deps } = await start();
    const registered = await registerUser(app);
    await verifyAddressOf(deps, registered.user);
    const setup = await send(app, "POST", "/auth/2fa/setup", registered.accessToken);
    const code = () => InMemoryTOTPService.codeAt(setup.json().data.secret, deps.clock.now());
    await send(app, "POST", "/auth/2fa/enable", registered.accessToken, { code: code() });
    const accessToken = await stolenLater(app, deps, registered.refreshToken);
    const password = validRegistration.password;

    const disabled = await send(app, "POST", "/auth/2fa/disable", accessToken, { password, code: code() });
    expect(disabled.json()).toStrictEqual({ success: true, data: { disabled: true } });
    const changed = await send(app, "POST", "/user/password", accessToken, {
      currentPassword: password,
      ...newPassword,
    });
    expect(changed.statusCode, changed.body).toBe(200);
  });
});

describe("POST /api/v1/auth/reauthenticate", () => {
  it("with the password answers the time of the proof, and the session may change things for five minutes", async () => {
    const { app, deps } = await start();
    const registered = await registerUser(app);
    await verifyAddressOf(deps, registered.user);
    const { accessToken, refreshToken } = await tokensLater(app, deps, registered.refreshToken);
    const proved = await send(app, "POST", "/auth/reauthenticate", accessToken, {
      password: validRegistration.password,
    });
    expect(proved.json()).toStrictEqual({
      success: true,
      data: { reauthenticatedAt: deps.clock.now().toISOString() },
    });
    deps.clock.advance(fiveMinutes - 1000);
    expect((await send(app, "POST", "/auth/2fa/setup", accessToken)).statusCode).toBe(200);
    // The access token itself lives five minutes too: a refreshed one shows the proof has aged out.
    const refreshed = (await refresh(app, refreshToken)).json().data.accessToken;
    deps.clock.advance(1001);
    expectError(await send(app, "POST", "/auth/2fa/setup", refreshed), "REAUTH_REQUIRED", 401);
  });

  it("answers INVALID_CURRENT_PASSWORD 400, INVALID_TWO_FACTOR_CODE 401, TWO_FACTOR_NOT_ENABLED 400 and VALIDATION_ERROR 400", async () => {
    const { app, deps } = await start();
    const { accessToken, user } = await registerUser(app);
    await verifyAddressOf(deps, user);
    const reauthenticate = (payload: Record<string, unknown>) =>
      send(app, "POST", "/auth/reauthenticate", accessToken, payload);
    expectError(await reauthenticate({ password: "Wr0ng-secret!" }), "INVALID_CURRENT_PASSWORD", 400);
    expectError(await reauthenticate({ code: "123456" }), "TWO_FACTOR_NOT_ENABLED", 400);
    expectError(await reauthenticate({}), "VALIDATION_ERROR", 400);
    expectError(
      await reauthenticate({ password: validRegistration.password, code: "123456" }),
      "VALIDATION_ERROR",
      400,
    );
    const setup = await send(app, "POST", "/auth/2fa/setup", accessToken);
    expect(setup.statusCode).toBe(200);
    expectError(await reauthenticate({ backupCode: "aaaaa-bbbbb" }), "TWO_FACTOR_NOT_ENABLED", 400);
  });

  it("counts wrong passwords toward lockout: the sixth attempt answers ACCOUNT_LOCKED 423 with Retry-After", async () => {
    const { app } = await start();
    const { accessToken } = await registerUser(app);
    for (let i = 0; i < 5; i++) {
      expectError(
        await send(app, "POST", "/auth/reauthenticate", accessToken, { password: `Wr0ng-guess-${i}!` }),
        i < 4 ? "INVALID_CURRENT_PASSWORD" : "ACCOUNT_LOCKED",
        i < 4 ? 400 : 423,
      );
    }
    const locked = await send(app, "POST", "/auth/reauthenticate", accessToken, {
      password: validRegistration.password,
    });
    expectError(locked, "ACCOUNT_LOCKED", 423);
    expect(locked.headers["retry-after"]).toBe("1800");
  });

  it("answers INVALID_TWO_FACTOR_CODE 401 to a wrong code, and UNAUTHORIZED 401 without a Bearer token", async () => {
    const { app, deps } = await start();
    const { accessToken, user } = await registerUser(app);
    await verifyAddressOf(deps, user);
    const setup = await send(app, "POST", "/auth/2fa/setup", accessToken);
    const code = InMemoryTOTPService.codeAt(setup.json().data.secret, deps.clock.now());
    await send(app, "POST", "/auth/2fa/enable", accessToken, { code });
    expectError(
      await send(app, "POST", "/auth/reauthenticate", accessToken, { code: "000000" }),
      "INVALID_TWO_FACTOR_CODE",
      401,
    );
    expectError(
      await app.inject({ method: "POST", url: "/api/v1/auth/reauthenticate", payload: { code } }),
      "UNAUTHORIZED",
      401,
    );
  });
});

describe("POST /api/v1/oauth/:provider/reauthenticate", () => {
  it("answers the sign-in data shape for JSON clients: {reauthenticated, provider}", async () => {
    const { app, github } = await start();
    const { accessToken } = await signInWithGitHub(app, github, "gh-json");
    const trip = tripOf(await send(app, "POST", "/oauth/github/reauthenticate", accessToken));
    github.answer("json", { subject: "gh-json" });
    const back = await callback(app, { code: "json", ...trip, json: true });
    expect(back.json()).toStrictEqual({ success: true, data: { reauthenticated: true, provider: "github" } });
  });

  it("refuses another GitHub identity with REAUTH_IDENTITY_MISMATCH 403, and the session stays unproven", async () => {
    const { app, deps, github } = await start();
    const signedIn = await signInWithGitHub(app, github, "gh-owner");
    await signInWithGitHub(app, github, "gh-thief");
    const accessToken = await stolenLater(app, deps, signedIn.refreshToken);
    const trip = tripOf(await send(app, "POST", "/oauth/github/reauthenticate", accessToken));
    github.answer("thief", { subject: "gh-thief" });
    expectError(await callback(app, { code: "thief", ...trip }), "REAUTH_IDENTITY_MISMATCH", 403);
    expectError(await send(app, "POST", "/user/password", accessToken, newPassword), "REAUTH_REQUIRED", 401);
  });

  it("answers PROVIDER_NOT_LINKED 404 for a provider the account has not linked, UNAUTHORIZED 401 without a token", async () => {
    const { app } = await start();
    const { accessToken } = await registerUser(app);
    expectError(
      await send(app, "POST", "/oauth/github/reauthenticate", accessToken),
      "PROVIDER_NOT_LINKED",
      404,
    );
    expectError(
      await app.inject({ method: "POST", url: "/api/v1/oauth/github/reauthenticate" }),
      "UNAUTHORIZED",
      401,
    );
  });

  it("answers UNSUPPORTED_PROVIDER 400 for an unknown provider, and OAUTH_INIT_FAILED 500 once the linked one's credentials are gone from the server", async () => {
    const { app, deps, github } = await start();
    const { accessToken } = await signInWithGitHub(app, github, "gh-unconfigured");
    expectError(
      await send(app, "POST", "/oauth/GitHub/reauthenticate", accessToken),
      "UNSUPPORTED_PROVIDER",
      400,
    );
    // The operator took GitHub's credentials out of the configuration; the link stays.
    delete (deps.oauthProviders as { github?: ScriptedOAuthProviderGateway }).github;
    expectError(
      await send(app, "POST", "/oauth/github/reauthenticate", accessToken),
      "OAUTH_INIT_FAILED",
      500,
    );
  });

  it("answers VALIDATION_ERROR 400 for an account with a password: it re-authenticates with the password", async () => {
    const { app, github } = await start();
    const { accessToken } = await signInWithGitHub(app, github, "gh-setter");
    const set = await send(app, "POST", "/user/password", accessToken, { newPassword: "Kx7#mQ2v-Lr9!pT" });
    expect(set.statusCode, set.body).toBe(200);
    const refused = await send(app, "POST", "/oauth/github/reauthenticate", accessToken);
    expectError(refused, "VALIDATION_ERROR", 400);
    expect(refused.json().message).toContain("/auth/reauthenticate");
  });

  it("answers INVALID_TOKEN 401 when the session that asked was ended before the provider answered", async () => {
    const { app, github } = await start();
    const { accessToken } = await signInWithGitHub(app, github, "gh-gone");
    const trip = tripOf(await send(app, "POST", "/oauth/github/reauthenticate", accessToken));
    const loggedOut = await send(app, "POST", "/auth/logout", accessToken, {});
    expect(loggedOut.statusCode, loggedOut.body).toBe(200);
    github.answer("late", { subject: "gh-gone" });
    expectError(await callback(app, { code: "late", ...trip }), "INVALID_TOKEN", 401);
  });
});
