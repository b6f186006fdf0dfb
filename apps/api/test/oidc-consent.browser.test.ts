import { createServer, type Server } from "node:http";
import { generateTOTPCode } from "@superoauth/adapter-crypto";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { UserId } from "@superoauth/domain";
import * as oidc from "openid-client";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../src/compose.ts";
import { axeViolations, launchChromium } from "./browser.ts";
import { callJSONAPI, listenComposedService } from "./test-config.ts";

// Issue 9 end to end, in Debian's Chromium against the composed service: an app registered through
// the JSON API sends a person (with 2FA) through sign-in, the second factor and consent, and gets a
// code at its redirect URI (a local server here) which openid-client exchanges; consent remembered,
// consent denied, and the app revoked. axe-core runs on every page met; screenshots in test-results/oidc.

const shots = "test-results/oidc";
const password = "Str0ng-Passw0rd!x";

const database = useTestDatabase();
let service: Service;
let issuer: string;
let browser: Browser;
let callbackServer: Server;
/** Every request the app's redirect URI received. */
const callbacks: URL[] = [];
let redirectURI: string;
let config: oidc.Configuration;
let clientId: string;
let appSecret: string;
/** The person who registered the app, whose grant to it the first describe follows from consent to revocation. */
let consenter: Person;

/** A person with 2FA on, and what their sign-ins answer the second step with. */
interface Person {
  email: string;
  accessToken: string;
  totpSecret: string;
  /** One-time backup codes: a TOTP code is refused a second time in its window, so later sign-ins use these. */
  backupCodes: string[];
}

const api = (method: string, path: string, body?: unknown, token?: string) =>
  callJSONAPI(issuer, { method, path, body, token });

/** `superoauth_oidc_refreshes_total` of one result, as /metrics serves it now. */
async function thirdPartyRefreshes(result: string): Promise<number> {
  const series = `superoauth_oidc_refreshes_total{result="${result}"} `;
  const line = (await (await fetch(`${issuer}/metrics`)).text())
    .split("\n")
    .find((l) => l.startsWith(series));
  return Number(line?.slice(series.length));
}

beforeAll(async () => {
  ({ service, url: issuer } = await listenComposedService(database.url()));

  // The app's redirect URI: answers with a page showing the query it was given, which tells the
  // window that opened it (a popup sign-in) the result, as oidc-client-ts's signinPopup does. And
  // /popup-start, an app page that opens the authorization URL `?to=` in a popup and shows what the
  // popup tells it in its title.
  callbackServer = createServer((req, res) => {
    const url = new URL(req.url ?? "/", redirectURI);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    if (url.pathname === "/post-start") {
      // An app page whose button posts the authorization request `?to=` as a form (no script).
      const to = new URL(url.searchParams.get("to") ?? "");
      const inputs = [...to.searchParams]
        .map(
          ([name, value]) => `<input type="hidden" name="${name}" value="${value.replace(/"/g, "&quot;")}">`,
        )
        .join("");
      res.end(
        `<!doctype html><html lang="en"><head><title>App</title></head><body><main><form method="post" action="${to.origin}${to.pathname}">${inputs}<button>Sign in with SuperOAuth</button></form></main></body></html>`,
      );
      return;
    }
    if (url.pathname === "/popup-start") {
      res.end(
        '<!doctype html><html lang="en"><head><title>App</title><script>window.addEventListener("message", (event) => { document.title = "told: " + event.data; }); window.open(new URLSearchParams(location.search).get("to"), "sign-in", "popup");</script></head><body><main><h1>The app</h1></main></body></html>',
      );
      return;
    }
    callbacks.push(url);
    res.end(
      '<!doctype html><html lang="en"><head><title>App</title><script>if (window.opener) window.opener.postMessage(location.search, "*");</script></head><body><main><h1>Back at the app</h1></main></body></html>',
    );
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, "127.0.0.1", resolve));
  const address = callbackServer.address();
  if (address === null || typeof address === "string") throw new Error("no callback port");
  redirectURI = `http://127.0.0.1:${address.port}/callback`;

  consenter = await signUpWithTwoFactor("consent@example.com");
  const created = await api(
    "POST",
    "/apps",
    {
      name: "Photo Printer",
      redirectURIs: [redirectURI],
      allowedScopes: ["openid", "profile", "email", "offline_access"],
      type: "confidential",
    },
    consenter.accessToken,
  );
  clientId = String((created.app as { clientId: string }).clientId);
  appSecret = String(created.clientSecret);
  config = await oidc.discovery(
    new URL(issuer),
    clientId,
    undefined,
    oidc.ClientSecretBasic(String(created.clientSecret)),
    { execute: [oidc.allowInsecureRequests] },
  );
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (callbackServer ? callbackServer.close(() => resolve()) : resolve()));
  await service?.close();
});

/** The TOTP code of this step (enabling 2FA), or of the next one, which the service accepts too:
 * the step enabling used is then spent (replay protection), whenever the sign-in happens. */
async function totpCode(secret: string, step: "current" | "next"): Promise<string> {
  return generateTOTPCode({ secret, now: new Date(Date.now() + (step === "next" ? 30_000 : 0)) });
}

/** Signs `email` up through the JSON API and turns 2FA on (on an address verified as its mailed link would). */
async function signUpWithTwoFactor(email: string): Promise<Person> {
  const registered = await api("POST", "/auth/register", { email, password, nickname: "consenter" });
  const accessToken = String(registered.accessToken);
  // 2FA is turned on only on a verified address (as its mailed link would verify it).
  const userId = (registered.user as { id: UserId }).id;
  await service.storage.users.markEmailVerified({ userId, now: new Date() });
  const setup = await api("POST", "/auth/2fa/setup", undefined, accessToken);
  const totpSecret = String(setup.secret);
  const enabled = await api(
    "POST",
    "/auth/2fa/enable",
    { code: await totpCode(totpSecret, "current") },
    accessToken,
  );
  return { email, accessToken, totpSecret, backupCodes: [...(enabled.backupCodes as string[])] };
}

/** Runs axe-core on the page, then keeps a screenshot of it. */
async function expectAccessible(page: Page, name: string): Promise<void> {
  const violations = await axeViolations(page);
  expect(violations, name).toEqual([]);
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

/** An authorization request with PKCE S256, and what the token exchange needs. */
async function authorization(params: Record<string, string>) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectURI,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

/** The app's token request for the code its redirect URI received, checking state and nonce. */
function exchange(callback: URL, request: { verifier: string; state: string; nonce: string }) {
  return oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
}

/** Sign-in with email, password and the second factor (TOTP the first time, then backup codes). */
async function signIn(
  page: Page,
  person: Person,
  shotPrefix: string | null,
  secondFactor: "totp" | "backup",
): Promise<void> {
  await page.waitForURL(/\/interaction\/[^/]+$/);
  expect(await page.textContent("h1")).toContain("Sign in");
  if (shotPrefix !== null) await expectAccessible(page, `${shotPrefix}sign-in`);
  await page.fill("#email", person.email);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(/\/two-factor$/), page.click("button:has-text('Sign in')")]);
  if (shotPrefix !== null) await expectAccessible(page, `${shotPrefix}two-factor`);
  const code =
    secondFactor === "totp" ? await totpCode(person.totpSecret, "next") : person.backupCodes.shift();
  if (code === undefined) throw new Error("out of backup codes");
  await page.fill("#code", code);
  await page.click("button:has-text('Verify')");
}

async function newContext(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  return { context, page, problems };
}

/** Waits for the browser to land on the app's redirect URI and returns that URL. */
async function landed(page: Page): Promise<URL> {
  try {
    await page.waitForURL((url) => url.href.startsWith(redirectURI), { timeout: 15_000 });
  } catch {
    throw new Error(
      `never reached the app: at ${page.url()}: ${await page.textContent("main").catch(() => "")}`,
    );
  }
  return new URL(page.url());
}

describe("an OpenID Connect authorization in Chromium", () => {
  // One story, kept in this order when the run shuffles tests (shuffle: false): the consenter's grant
  // to the app is given and remembered, used without a consent page, asked again, and revoked;
  // each step relies on the grant and the tokens the steps before left.
  describe("one person's grant to the app, from consent to revocation", { shuffle: false }, () => {
    let refreshToken: string;
    let appAccessToken: string;

    it("signs in with 2FA, consents, and the app exchanges the code for tokens", {
      timeout: 120_000,
    }, async () => {
      const { context, page, problems } = await newContext();
      const request = await authorization({
        scope: "openid profile email offline_access",
        prompt: "consent",
      });
      await page.goto(request.url.href);
      await signIn(page, consenter, "", "totp");
      await page.waitForURL(/\/interaction\/[^/]+$/);
      expect(await page.textContent("h1")).toBe("Allow Photo Printer?");
      const body = await page.textContent("main");
      expect(body).toMatch(/email address/i);
      expect(body).not.toContain("offline_access");
      await expectAccessible(page, "consent");
      expect(await page.isChecked("#remember")).toBe(true);
      await page.click("button:has-text('Allow')");
      const callback = await landed(page);
      expect(callback.searchParams.get("code")).toMatch(/.+/);
      // The app's server got the same query the browser shows.
      expect(callbacks.filter((url) => url.pathname === "/callback").at(-1)?.search).toBe(callback.search);
      expect(callback.searchParams.get("state")).toBe(request.state);
      await expectAccessible(page, "app-callback");

      const tokens = await exchange(callback, request);
      const claims = tokens.claims();
      expect(claims).toMatchObject({ iss: issuer, aud: clientId, nonce: request.nonce });
      expect(claims?.sub).toMatch(/.+/);
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, String(claims?.sub));
      expect(userinfo).toMatchObject({ email: consenter.email, email_verified: true });
      expect(tokens.refresh_token).toMatch(/.+/);
      refreshToken = String(tokens.refresh_token);
      appAccessToken = tokens.access_token;
      expect(problems).toEqual([]);
      await context.close();
    });

    it("remembers the consent: a new browser signs in again and goes straight to the app", {
      timeout: 120_000,
    }, async () => {
      const { context, page } = await newContext();
      const request = await authorization({ scope: "openid profile email" });
      const seen: string[] = [];
      page.on("framenavigated", (frame) => {
        if (frame === page.mainFrame()) seen.push(new URL(frame.url()).pathname);
      });
      await page.goto(request.url.href);
      await signIn(page, consenter, null, "backup");
      const callback = await landed(page);
      // Sign-in and two-factor pages only: no consent page on the way.
      expect(seen.filter((path) => path.startsWith("/interaction/"))).toEqual([
        expect.stringMatching(/^\/interaction\/[^/]+$/),
        expect.stringMatching(/^\/interaction\/[^/]+\/two-factor$/),
      ]);
      expect((await exchange(callback, request)).claims()?.sub).toMatch(/.+/);

      // The app's page on another site (localhost, not 127.0.0.1) posts the next request as a form
      // (OpenID Connect Core §3.1.2.1): sent on by GET, it carries the SameSite=Lax session cookie,
      // so the person, signed in, goes straight back to the app (ADR 0042).
      const posted = await authorization({ scope: "openid profile" });
      seen.length = 0;
      const appPage = new URL(redirectURI);
      appPage.hostname = "localhost";
      appPage.pathname = "/post-start";
      appPage.searchParams.set("to", posted.url.href);
      await page.goto(appPage.href);
      await page.click("button");
      const postedCallback = await landed(page);
      expect(seen.filter((path) => path.startsWith("/interaction/"))).toEqual([]);
      expect((await exchange(postedCallback, posted)).claims()?.sub).toMatch(/.+/);
      await context.close();
    });

    it("asked again (prompt=consent) lists all it asks for; denied: the app's redirect carries error=access_denied", {
      timeout: 120_000,
    }, async () => {
      const { context, page } = await newContext();
      const request = await authorization({ scope: "openid profile", prompt: "consent" });
      await page.goto(request.url.href);
      await signIn(page, consenter, null, "backup");
      await page.waitForURL(/\/interaction\/[^/]+$/);
      expect(await page.textContent("h1")).toBe("Allow Photo Printer?");
      // Both were remembered by the first test: still listed, neither marked new.
      expect(await page.locator(".scopes li").allTextContents()).toEqual([
        "Know who you are (your account id)",
        "See your nickname",
      ]);
      await expectAccessible(page, "consent-again");
      await page.click("button:has-text('Deny')");
      const callback = await landed(page);
      expect(callback.searchParams.get("error")).toBe("access_denied");
      expect(callback.searchParams.get("code")).toBeNull();
      expect(callback.searchParams.get("state")).toBe(request.state);
      await context.close();
    });

    it("revoking the app kills its refresh token and its access token", async () => {
      expect(await oidc.tokenIntrospection(config, appAccessToken)).toMatchObject({ active: true });
      const rejectedBefore = await thirdPartyRefreshes("rejected");
      await api("DELETE", `/user/apps/${encodeURIComponent(clientId)}`, undefined, consenter.accessToken);
      await expect(oidc.refreshTokenGrant(config, refreshToken)).rejects.toMatchObject({
        error: "invalid_grant",
      });
      expect(await oidc.tokenIntrospection(config, appAccessToken)).toMatchObject({ active: false });
      // The refused refresh shows in the operator's metrics (the provider's report, wired in compose).
      expect(await thirdPartyRefreshes("rejected")).toBe(rejectedBefore + 1);
    });
  });

  it("runs in a popup (display=popup): the app's callback page still reaches the window that opened it", {
    timeout: 120_000,
  }, async () => {
    // The interaction pages keep their opener (no Cross-Origin-Opener-Policy: same-origin): with it,
    // Chromium cuts the popup from the app's window at the sign-in page, for good.
    // A person of its own: whether the consent page shows depends on no other test's grant.
    const person = await signUpWithTwoFactor("popup@example.com");
    const { context, page } = await newContext();
    const request = await authorization({ scope: "openid profile", display: "popup" });
    const start = new URL("/popup-start", redirectURI);
    start.searchParams.set("to", request.url.href);
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.goto(start.href)]);
    await signIn(popup, person, null, "backup");
    await popup.waitForURL(
      (url) => url.href.startsWith(redirectURI) || url.pathname.startsWith("/interaction/"),
    );
    if (popup.url().startsWith(issuer)) await popup.click("button:has-text('Allow')");
    const callback = await landed(popup);
    expect(callback.searchParams.get("code")).toMatch(/.+/);
    await page.waitForFunction('document.title.startsWith("told: ")', undefined, { timeout: 15_000 });
    const told = new URLSearchParams((await page.title()).slice("told: ".length));
    expect(told.get("code")).toBe(callback.searchParams.get("code"));
    expect(told.get("state")).toBe(request.state);
    expect((await exchange(callback, request)).claims()?.sub).toMatch(/.+/);
    await context.close();
  });

  it("an expired interaction shows the error page (400), not a server error", async () => {
    const { context, page } = await newContext();
    const request = await authorization({ scope: "openid profile" });
    await page.goto(request.url.href);
    await page.waitForURL(/\/interaction\/[^/]+$/);
    const uid = new URL(page.url()).pathname.split("/")[2];
    // This browser's interaction cookie gone: the provider no longer knows the interaction.
    await context.clearCookies();
    const expired = await page.goto(`${issuer}/interaction/${uid}`);
    expect(expired?.status()).toBe(400);
    expect(await page.textContent("h1")).toBe("This sign-in has ended");
    await expectAccessible(page, "expired");
    await context.close();
  });

  it("Back from the app after Allow says the sign-in is finished, not that its link has expired", {
    timeout: 120_000,
  }, async () => {
    // A person who pressed Allow and then Back (from the app, the browser returns to the consent
    // page's address): the interaction is over, and the page said "This sign-in has expired. This
    // sign-in link is no longer valid", seconds after it succeeded (a walk of the pages, 2026-12-06).
    const person = await signUpWithTwoFactor("back-after-allow@example.com");
    const { context, page } = await newContext();
    const request = await authorization({ scope: "openid profile", prompt: "consent" });
    await page.goto(request.url.href);
    await signIn(page, person, null, "totp");
    await page.waitForURL(/\/interaction\/[^/]+$/);
    await page.click("button:has-text('Allow')");
    expect((await landed(page)).searchParams.get("code")).toMatch(/.+/);
    const back = await page.goBack();
    expect(new URL(page.url()).pathname).toMatch(/^\/interaction\/[^/]+$/);
    expect(back?.status()).toBe(400);
    expect(await page.textContent("h1")).toBe("This sign-in has ended");
    expect(await page.textContent("main")).toContain("This sign-in is already finished, or it has expired.");
    await expectAccessible(page, "back-after-allow");
    await context.close();
  });
});

describe("the device flow in Chromium", () => {
  /** A device authorization of the app, as a CLI starts one. */
  const startDevice = () => oidc.initiateDeviceAuthorization(config, { scope: "openid profile" });

  /** The device's token request once: the tokens, or the protocol's error code. */
  async function deviceTokenOutcome(deviceCode: string): Promise<string> {
    const response = await fetch(`${issuer}/oidc/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(appSecret)}`).toString("base64")}`,
      },
      body: new URLSearchParams({
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        device_code: deviceCode,
      }),
    });
    const body = (await response.json()) as { access_token?: string; error?: string };
    return body.access_token === undefined ? String(body.error) : "tokens";
  }

  it("a person types the code into the page's field, allows, signs in, consents: the device gets tokens", {
    timeout: 120_000,
  }, async () => {
    // A person of its own, with no grant another test left: the consent page below shows.
    const person = await signUpWithTwoFactor("device@example.com");
    const device = await startDevice();
    const { context, page, problems } = await newContext();
    await page.goto(device.verification_uri);
    expect(await page.textContent("h1")).toBe("Connect a device");
    // One code field, the labelled one.
    expect(await page.locator('input[name="user_code"]').count()).toBe(1);
    await expectAccessible(page, "device-input");
    // A mistyped code: refused (400, as a form's mistake), and given back in the field to correct.
    await page.getByLabel("Code").fill("BCDF-GHJK");
    const refused = page.waitForResponse(
      (response) => response.url().endsWith("/oidc/device") && response.request().method() === "POST",
    );
    await page.click("button:has-text('Continue')");
    expect((await refused).status()).toBe(400);
    expect(await page.textContent("[role=alert]")).toBe("That code is not valid. Check it and try again.");
    expect(await page.getByLabel("Code").inputValue()).toBe("BCDF-GHJK");
    await page.getByLabel("Code").fill(device.user_code);
    await page.click("button:has-text('Continue')");
    await page.waitForSelector("button:has-text('Allow')");
    expect(await page.textContent("main")).toContain(device.user_code);
    await expectAccessible(page, "device-confirm");
    // Enter pressed at once connects nothing: no button has the focus until the person picks one,
    // having compared the code with the device's (RFC 8628 5.4).
    expect(await page.evaluate(`document.activeElement?.tagName`)).not.toBe("BUTTON");
    const confirmURL = page.url();
    await page.keyboard.press("Enter");
    await page.waitForTimeout(300);
    expect(page.url()).toBe(confirmURL);
    expect(await page.locator("button:has-text('Allow')").count()).toBe(1);
    await page.click("button:has-text('Allow')");
    await signIn(page, person, null, "backup");
    await page.waitForURL(/\/interaction\/[^/]+$/);
    await page.click("button:has-text('Allow')");
    await page.waitForSelector("h1:has-text('Device connected')");
    await expectAccessible(page, "device-done");
    expect(await deviceTokenOutcome(device.device_code)).toBe("tokens");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("the device's link with its code goes on by itself with JavaScript; without, it is our page with a Continue button", {
    timeout: 60_000,
  }, async () => {
    const device = await startDevice();
    const link = device.verification_uri_complete ?? "";
    expect(link).toContain("user_code=");
    // With JavaScript: straight on to the confirmation, which shows the code to compare.
    const withScript = await newContext();
    await withScript.page.goto(link);
    await withScript.page.waitForSelector("button:has-text('Deny')");
    expect(await withScript.page.textContent("main")).toContain(device.user_code);
    expect(withScript.problems).toEqual([]);
    await withScript.context.close();
    // Without it: the in-between form in the pages' look (not the library's bare "Submitting
    // Callback"), checked by axe with the script kept from loading (axe needs JavaScript)...
    const stopped = await newContext();
    await stopped.page.route("**/assets/auto-submit-*.js", (route) => route.abort());
    await stopped.page.goto(link);
    expect(await stopped.page.title()).toMatch(/^Connect a device · /);
    expect(await stopped.page.textContent("main")).toContain(
      "Press Continue to go on with the code your device showed.",
    );
    await expectAccessible(stopped.page, "device-link-continue");
    await stopped.context.close();
    // ...and gone through with JavaScript off: its button sends the code.
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(link);
    await page.click("button:has-text('Continue')");
    await page.waitForSelector("button:has-text('Deny')");
    expect(await page.textContent("main")).toContain(device.user_code);
    await context.close();
  });

  it("Deny on the confirmation declines: the device is told access_denied", { timeout: 60_000 }, async () => {
    const device = await startDevice();
    const { context, page } = await newContext();
    await page.goto(device.verification_uri);
    await page.getByLabel("Code").fill(device.user_code);
    await page.click("button:has-text('Continue')");
    await page.click("button:has-text('Deny')");
    await page.waitForSelector("h1:has-text('Request declined')");
    // Named, as the page that allowed it would name it.
    expect(await page.textContent("main")).toContain("Photo Printer was not connected.");
    expect(await deviceTokenOutcome(device.device_code)).toBe("access_denied");
    await context.close();
  });
});

/** Registers a public app (openid only) through the API, as its developer would; answers its id and openid-client's view. */
async function registerPublicApp(
  developer: Person,
  name: string,
  redirectURI: string,
): Promise<{ clientId: string; config: oidc.Configuration }> {
  const created = await api(
    "POST",
    "/apps",
    { name, redirectURIs: [redirectURI], allowedScopes: ["openid"], type: "public" },
    developer.accessToken,
  );
  const clientId = String((created.app as { clientId: string }).clientId);
  const config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  return { clientId, config };
}

/**
 * Opens an authorization (openid, PKCE, state) in a new browser context, noting every
 * Content-Security-Policy refusal the page logs.
 */
async function openAuthorization(config: oidc.Configuration, redirectURI: string) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectURI,
    scope: "openid",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
  });
  const { context, page } = await newContext();
  const blocked: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) blocked.push(message.text());
  });
  await page.goto(url.href);
  return { context, page, blocked, verifier, state };
}

describe("a native app redirecting to the IPv6 loopback in Chromium", () => {
  it("gets its code at http://[::1] on the port it opened: the consent's form-action lets the redirect through", {
    timeout: 120_000,
  }, async () => {
    // A desktop app's loopback listener on [::1], on whatever port the system gives it (RFC 8252
    // section 7.3). CSP cannot name an IPv6 host, so form-action listed only localhost and
    // 127.0.0.1: Chromium blocked the consent POST's redirect here and the app never heard back.
    const received: URL[] = [];
    const listener = createServer((req, res) => {
      received.push(new URL(req.url ?? "/", "http://[::1]"));
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        '<!doctype html><html lang="en"><head><title>Desktop app</title></head><body><main><h1>Back in the app</h1></main></body></html>',
      );
    });
    await new Promise<void>((resolve) => listener.listen(0, "::1", resolve));
    try {
      const address = listener.address();
      if (address === null || typeof address === "string") throw new Error("no listener port");
      const person = await signUpWithTwoFactor("ipv6@example.com");
      const { clientId: nativeClientId, config: nativeConfig } = await registerPublicApp(
        person,
        "Desktop Viewer",
        "http://[::1]/callback",
      );
      const redirect = `http://[::1]:${address.port}/callback`;
      const { context, page, blocked, verifier, state } = await openAuthorization(nativeConfig, redirect);
      await signIn(page, person, null, "backup");
      await page.waitForURL(/\/interaction\/[^/]+$/);
      expect(await page.textContent("h1")).toBe("Allow Desktop Viewer?");
      await page.click("button:has-text('Allow')");
      await page.waitForURL((landedAt) => landedAt.href.startsWith(redirect), { timeout: 15_000 });
      expect(blocked).toEqual([]);
      // The listener got the code (the browser asks it for a favicon too).
      const callback = received.filter((at) => at.pathname === "/callback").at(-1);
      expect(callback?.searchParams.get("state")).toBe(state);
      const tokens = await oidc.authorizationCodeGrant(nativeConfig, new URL(page.url()), {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      expect(tokens.claims()?.aud).toBe(nativeClientId);
      await context.close();
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});

describe("a mobile app redirecting to its private-use scheme in Chromium", () => {
  it("gets its code at com.example.photos:/oauth2redirect: the consent's form-action names the app's scheme", {
    timeout: 120_000,
  }, async () => {
    const person = await signUpWithTwoFactor("mobile@example.com");
    const { clientId: mobileClientId, config: mobileConfig } = await registerPublicApp(
      person,
      "Photos for Phones",
      "com.example.photos:/oauth2redirect",
    );
    const { context, page, blocked, verifier, state } = await openAuthorization(
      mobileConfig,
      "com.example.photos:/oauth2redirect",
    );
    // The phone's system browser hands the scheme to the app; here the attempt to open it is seen.
    const handedOff = new Promise<string>((resolve) => {
      page.on("request", (request) => {
        if (request.url().startsWith("com.example.photos:")) resolve(request.url());
      });
    });
    await signIn(page, person, null, "backup");
    await page.waitForURL(/\/interaction\/[^/]+$/);
    expect(await page.textContent("h1")).toBe("Allow Photos for Phones?");
    await page.click("button:has-text('Allow')");
    const callback = new URL(
      await Promise.race([
        handedOff,
        new Promise<string>((_, reject) =>
          setTimeout(() => reject(new Error(`not handed off: ${blocked}`)), 15_000),
        ),
      ]),
    );
    expect(blocked).toEqual([]);
    expect(`${callback.protocol}${callback.pathname}`).toBe("com.example.photos:/oauth2redirect");
    const tokens = await oidc.authorizationCodeGrant(mobileConfig, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect(tokens.claims()?.aud).toBe(mobileClientId);
    await context.close();
  });
});
