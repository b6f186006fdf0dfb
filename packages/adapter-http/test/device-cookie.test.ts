import {
  InMemorySecretHasher,
  InMemoryTOTPService,
  type ScriptedOAuthProviderGateway,
} from "@superoauth/application/testing";
import { parseEmail, type SecurityEventType, type UserId } from "@superoauth/domain";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import {
  bearer,
  buildTestAppWithGitHub,
  type TestDependencies,
  validRegistration,
  verifyAddressOf,
} from "./test-app.ts";

// The device cookie recognises a device on every route that completes a sign-in (ADR 0008,
// docs/account-security.md#lockout): password, second factor, and social sign-ins alike.

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const verifier = "device-test-verifier".padEnd(43, "0");
const challenge = new URLSearchParams({
  code_challenge: new InMemorySecretHasher().codeChallengeOf(verifier),
  code_challenge_method: "S256",
}).toString();

async function start(https: boolean): ReturnType<typeof buildTestAppWithGitHub> {
  const built = await buildTestAppWithGitHub({ hostPrefixedCookies: https });
  app = built.app;
  return built;
}

/** A request's cookies: name to value. */
type Jar = Record<string, string>;

function keep(jar: Jar, response: LightMyRequestResponse): void {
  for (const cookie of response.cookies) jar[cookie.name] = cookie.value;
}

/** Start and callback as a browser does; `json` asks the callback for tokens instead of a login code. */
async function callback(
  target: FastifyInstance,
  input: { github: ScriptedOAuthProviderGateway; email: string; json: boolean; jar?: Jar; ip?: string },
): Promise<LightMyRequestResponse> {
  const started = await target.inject({ url: `/api/v1/oauth/github?${challenge}` });
  expect(started.statusCode, started.body).toBe(302);
  const state = new URL(String(started.headers.location)).searchParams.get("state") ?? "";
  const providerCode = `code-${input.email}`;
  input.github.answer(providerCode, { subject: input.email, email: input.email, emailVerified: true });
  const stateCookies = Object.fromEntries(started.cookies.map((c) => [c.name, c.value]));
  return target.inject({
    url: `/api/v1/oauth/github/callback?code=${providerCode}&state=${encodeURIComponent(state)}`,
    cookies: { ...input.jar, ...stateCookies },
    headers: { accept: input.json ? "application/json" : "text/html" },
    ...(input.ip === undefined ? {} : { remoteAddress: input.ip }),
  });
}

function loginCodeOf(response: LightMyRequestResponse): string {
  expect(response.statusCode, response.body).toBe(302);
  return new URL(String(response.headers.location)).searchParams.get("code") ?? "";
}

function exchange(
  target: FastifyInstance,
  input: { code: string; jar?: Jar; ip?: string },
): Promise<LightMyRequestResponse> {
  const request: InjectOptions = {
    method: "POST",
    url: "/api/v1/oauth/exchange",
    payload: { code: input.code, code_verifier: verifier },
    cookies: input.jar ?? {},
    ...(input.ip === undefined ? {} : { remoteAddress: input.ip }),
  };
  return target.inject(request);
}

function eventsOf(deps: TestDependencies, userId: string): SecurityEventType[] {
  return deps.securityEvents
    .all()
    .filter((event) => event.userId === (userId as UserId))
    .map((event) => event.type);
}

/** The page's own start, the provider and the callback, to the login code the landing page trades. */
async function pageCode(
  target: FastifyInstance,
  input: { github: ScriptedOAuthProviderGateway; email: string },
): Promise<{ code: string; verifierCookies: Jar }> {
  const pageStart = await target.inject({ url: "/oauth/start/github" });
  const apiStart = await target.inject({ url: String(pageStart.headers.location) });
  const state = new URL(String(apiStart.headers.location)).searchParams.get("state") ?? "";
  input.github.answer("page-code", { subject: input.email, email: input.email, emailVerified: true });
  const back = await target.inject({
    url: `/api/v1/oauth/github/callback?code=page-code&state=${encodeURIComponent(state)}`,
    cookies: Object.fromEntries(apiStart.cookies.map((c) => [c.name, c.value])),
  });
  return {
    code: loginCodeOf(back),
    verifierCookies: Object.fromEntries(pageStart.cookies.map((c) => [c.name, c.value])),
  };
}

/**
 * Signs up with a password from 10.1.0.1, keeping the device cookie; the email is then verified on
 * both sides, so a provider's identity with that email links to this account.
 */
async function passwordSignUp(
  target: FastifyInstance,
  deps: TestDependencies,
): Promise<{ id: string; jar: Jar }> {
  const jar: Jar = {};
  const registered = await target.inject({
    method: "POST",
    url: "/api/v1/auth/register",
    payload: validRegistration,
    remoteAddress: "10.1.0.1",
  });
  keep(jar, registered);
  const { id } = registered.json().data.user;
  await deps.users.markEmailVerified({ userId: id as UserId, now: deps.clock.now() });
  return { id, jar };
}

/**
 * The GitHub identity `callback` signs in with, linked to the account as linking it from the
 * account would: a password account is never joined by email (ADR 0043).
 */
async function linkGitHub(deps: TestDependencies, id: string): Promise<void> {
  const email = parseEmail(validRegistration.email);
  if (!email.ok) throw new Error("the registration's email does not parse");
  await deps.linkedProviders.linkProvider({
    userId: id as UserId,
    provider: "github",
    subject: validRegistration.email,
    email: email.value,
    displayName: null,
    linkedAt: deps.clock.now(),
  });
}

describe.each([
  { over: "http", https: false, name: "superoauth_device" },
  { over: "https", https: true, name: "__Host-superoauth_device" },
])("the device cookie over $over", ({ https, name }) => {
  function expectDeviceCookie(response: LightMyRequestResponse): string {
    const cookie = response.cookies.find((c) => c.name === name);
    expect(cookie, `${response.statusCode} ${response.body}`).toMatchObject({
      path: "/",
      httpOnly: true,
      sameSite: "Lax",
      secure: true,
      maxAge: 400 * 24 * 3600,
    });
    expect(cookie?.domain).toBeUndefined();
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    return cookie?.value ?? "";
  }

  it("is set for Path=/ by register, login and the second factor", async () => {
    const { app, deps } = await start(https);
    const registered = await app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: validRegistration,
    });
    expect(registered.statusCode).toBe(201);
    expectDeviceCookie(registered);

    await verifyAddressOf(deps, registered.json().data.user);
    const token = bearer(registered.json().data.accessToken);
    const setup = await app.inject({ method: "POST", url: "/api/v1/auth/2fa/setup", headers: token });
    const { secret } = setup.json().data;
    const code = (): string => InMemoryTOTPService.codeAt(secret, deps.clock.now());
    const enabled = await app.inject({
      method: "POST",
      url: "/api/v1/auth/2fa/enable",
      headers: token,
      payload: { code: code() },
    });
    expect(enabled.statusCode, enabled.body).toBe(200);
    deps.clock.advance(30_000);

    const login = await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: validRegistration });
    expect(login.json().data.mfaRequired).toBe(true);
    expectDeviceCookie(login);
    const verified = await app.inject({
      method: "POST",
      url: "/api/v1/auth/2fa/verify",
      payload: { mfaToken: login.json().data.mfaToken, code: code() },
    });
    expect(verified.statusCode, verified.body).toBe(200);
    expectDeviceCookie(verified);
  });

  it("is set for Path=/ by the callback (browser and JSON), the exchange and the landing page's exchange", async () => {
    const { app, github } = await start(https);
    expectDeviceCookie(await callback(app, { github, email: "json@example.com", json: true }));
    const browser = await callback(app, { github, email: "browser@example.com", json: false });
    expectDeviceCookie(browser);
    const exchanged = await exchange(app, { code: loginCodeOf(browser) });
    expect(exchanged.statusCode, exchanged.body).toBe(200);
    expectDeviceCookie(exchanged);

    const page = await pageCode(app, { github, email: "page@example.com" });
    const traded = await app.inject({
      method: "POST",
      url: "/oauth/complete",
      payload: { code: page.code },
      cookies: page.verifierCookies,
    });
    expect(traded.statusCode, traded.body).toBe(200);
    expectDeviceCookie(traded);
  });

  it("a social sign-in from a new network on a device that signed in with a password is that device: no new-device event", async () => {
    const { app, deps, github } = await start(https);
    const { id, jar } = await passwordSignUp(app, deps);
    await linkGitHub(deps, id);

    const back = await callback(app, {
      github,
      email: validRegistration.email,
      json: false,
      jar,
      ip: "10.2.0.1",
    });
    const exchanged = await exchange(app, { code: loginCodeOf(back), jar, ip: "10.2.0.1" });
    expect(exchanged.json().data.user.id).toBe(id);
    // The device was known, so it keeps its cookie rather than getting a new one.
    expect(exchanged.cookies.find((c) => c.name === name)).toBeUndefined();
    expect(eventsOf(deps, id)).not.toContain("new_device_sign_in");

    // The same sign-in from a third network and a browser without the cookie is new.
    const stranger = await callback(app, {
      github,
      email: validRegistration.email,
      json: false,
      ip: "10.3.0.1",
    });
    const strangerIn = await exchange(app, { code: loginCodeOf(stranger), ip: "10.3.0.1" });
    expect(strangerIn.statusCode, strangerIn.body).toBe(200);
    expect(eventsOf(deps, id).filter((type) => type === "new_device_sign_in")).toHaveLength(1);
  });

  it("changing the password from a known device on a new network passes a lock others put on the account", async () => {
    const { app, deps } = await start(https);
    const { jar } = await passwordSignUp(app, deps);
    const signedIn = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { email: validRegistration.email, password: validRegistration.password },
      cookies: jar,
      remoteAddress: "10.1.0.1",
    });
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    // Someone else's wrong guesses lock the account for every unknown source.
    for (let i = 0; i < 5; i++) {
      await app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { email: validRegistration.email, password: `Wrong-guess-${i}!` },
        remoteAddress: "10.9.0.1",
      });
    }
    const changed = await app.inject({
      method: "POST",
      url: "/api/v1/user/password",
      headers: bearer(signedIn.json().data.accessToken),
      payload: { currentPassword: validRegistration.password, newPassword: "Kx7#mQ2v-Lr9!pT" },
      cookies: jar,
      remoteAddress: "10.4.0.1",
    });
    expect(changed.statusCode, changed.body).toBe(200);
  });

  it("the landing page's exchange recognises the device too", async () => {
    const { app, deps, github } = await start(https);
    const { id, jar } = await passwordSignUp(app, deps);
    await linkGitHub(deps, id);

    const page = await pageCode(app, { github, email: validRegistration.email });
    const traded = await app.inject({
      method: "POST",
      url: "/oauth/complete",
      payload: { code: page.code },
      cookies: { ...page.verifierCookies, ...jar },
      remoteAddress: "10.2.0.1",
    });
    expect(traded.json().data.user.id).toBe(id);
    expect(eventsOf(deps, id)).not.toContain("new_device_sign_in");
  });
});

describe("the device cookie over https", () => {
  it("ignores an unprefixed device cookie, which a sibling subdomain could have planted", async () => {
    const { app } = await start(true);
    const planted = "A".repeat(43);
    const login = await app.inject({
      method: "POST",
      url: "/api/v1/auth/register",
      payload: validRegistration,
      cookies: { superoauth_device: planted },
    });
    const set = login.cookies.find((c) => c.name === "__Host-superoauth_device");
    expect(set?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(set?.value).not.toBe(planted);
  });
});
