import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generateTOTPCode } from "@superoauth/adapter-crypto";
import {
  type FakeIdentity,
  type FakeProviders,
  fakeClients,
  routeProvidersTo,
  startFakeProviders,
} from "@superoauth/adapter-oauth/testing";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { parseConfig } from "../src/config.ts";
import { axeViolations, freePort, launchChromium, routeGitHubToFake } from "./browser.ts";

// Social sign-in as a person meets it, in Debian's Chromium: the built-in /oauth/complete page
// starts the sign-in through its own start (a PKCE verifier in an HttpOnly cookie, ADR 0013), the
// browser comes back from the provider (the fake GitHub on 127.0.0.1, reached by the server through
// the test's dispatcher) to the callback, lands on the page, which trades the one-time login code
// and, when the account has 2FA on, asks for a code. A code minted for another browser is refused.

const cookieName = "superoauth_oauth_state";
const database = useTestDatabase();
let service: Service;
let fake: FakeProviders;
let restoreDispatcher: (() => void) | undefined;
let browser: Browser;
let baseURL: string;

const octocat: FakeIdentity = {
  subject: "583231",
  email: "octocat@github.example",
  emailVerified: true,
  displayName: "The Octocat",
};

const mallory: FakeIdentity = {
  subject: "6660666",
  email: "mallory@github.example",
  emailVerified: true,
  displayName: "Mallory",
};

beforeAll(async () => {
  const port = await freePort();
  baseURL = `http://127.0.0.1:${port}`;
  fake = await startFakeProviders();
  restoreDispatcher = routeProvidersTo(fake);
  const parsed = parseConfig(
    {
      NODE_ENV: "test",
      PORT: String(port),
      APP_URL: baseURL,
      DATABASE_URL: database.url(),
      JWT_SECRET: "browser-oauth-secret-0123456789-abcdefghijk",
      COOKIE_SECRET: "browser-oauth-cookie-secret-0123456789-abc",
      GITHUB_CLIENT_ID: fakeClients.github.clientId,
      GITHUB_CLIENT_SECRET: fakeClients.github.clientSecret,
    },
    () => "unused",
  );
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  service = await composeService(parsed.config, undefined);
  await service.app.listen({ host: "127.0.0.1", port });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await service?.close();
  restoreDispatcher?.();
  await fake?.close();
});

/**
 * Starts sign-in as a JSON client would (with a challenge of its own) and approves it at the fake
 * GitHub; returns the callback URL the provider sends the browser to, and the signed state cookie.
 */
async function approvedCallback(
  identity: FakeIdentity,
  codeChallenge = createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url"),
): Promise<{ callbackURL: string; cookie: string }> {
  // In-process: the test's dispatcher lets the process reach the fake providers only.
  const start = await service.app.inject({
    method: "GET",
    url: `/api/v1/oauth/github?code_challenge=${codeChallenge}&code_challenge_method=S256`,
  });
  expect(start.statusCode).toBe(302);
  const cookie = start.cookies.find((c) => c.name === cookieName)?.value ?? "";
  const back = fake.approve(String(start.headers.location), identity);
  const query = new URLSearchParams({ code: back.code, state: back.state });
  return { callbackURL: `${baseURL}/api/v1/oauth/github/callback?${query}`, cookie };
}

/**
 * A browser whose trips to github.com reach the fake GitHub instead: it approves the authorization
 * request for `identity` and sends the browser back to the callback, as GitHub would.
 */
async function browserAtGitHub(identity: FakeIdentity): Promise<BrowserContext> {
  const context = await browser.newContext();
  await routeGitHubToFake(context, { fake, identity, baseURL });
  return context;
}

/** Opens the landing page without a code and follows its "Sign in with GitHub" link. */
async function signInFromLandingPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseURL}/oauth/complete`);
  await page.getByRole("link", { name: "Sign in with GitHub" }).click();
  return page;
}

/** The login code GitHub's redirect brings to OAUTH_SUCCESS_REDIRECT, as an attacker would collect it. */
async function attackersLoginCode(): Promise<string> {
  return loginCodeFor(mallory);
}

async function loginCodeFor(identity: FakeIdentity, codeChallenge?: string): Promise<string> {
  const { callbackURL, cookie } = await approvedCallback(identity, codeChallenge);
  const back = await service.app.inject({
    url: callbackURL.slice(baseURL.length),
    cookies: { [cookieName]: cookie },
    headers: { accept: "text/html" },
  });
  expect(back.statusCode).toBe(302);
  return new URL(String(back.headers.location)).searchParams.get("code") ?? "";
}

describe("social sign-in in a real browser", () => {
  it("starts from the landing page, comes back from GitHub, trades the login code and shows who signed in, leaving no code in the address bar", async () => {
    const context = await browserAtGitHub(octocat);
    const page = await signInFromLandingPage(context);
    await page.getByText("Signed in as").waitFor({ timeout: 10_000 });
    expect(await page.locator("#status").textContent()).toContain("octocat@github.example");
    expect(new URL(page.url()).pathname).toBe("/oauth/complete");
    expect(new URL(page.url()).search).toBe("");
    // The verifier was in an HttpOnly cookie the page's script never saw, and is gone after the exchange.
    const names = (await context.cookies()).map((c) => c.name);
    expect(names).not.toContain("superoauth_login_verifier");
    expect(names).not.toContain(cookieName);
    await context.close();
  });

  it("a trip that failed at the callback lands on the page, which says why and offers a new start, with or without JavaScript", async () => {
    for (const javaScriptEnabled of [true, false]) {
      const context = await browser.newContext({ javaScriptEnabled });
      const page = await context.newPage();
      // Back from the provider without the trip's cookie (another browser, or it expired): no JSON page.
      await page.goto(`${baseURL}/api/v1/oauth/github/callback?error=access_denied&state=elsewhere`);
      expect(new URL(page.url()).pathname).toBe("/oauth/complete");
      expect(await page.locator("h1").textContent()).toBe("Signing in did not work");
      expect(await page.locator("#status.error").textContent()).toBe(
        "This sign-in expired, was used already, or began in another browser. Start again below, or sign in another way.",
      );
      if (javaScriptEnabled) {
        await page.getByRole("link", { name: "Sign in with GitHub" }).waitFor({ timeout: 10_000 });
        expect(new URL(page.url()).search).toBe("");
        // Its content in a main landmark, every control named: axe finds nothing.
        expect(await axeViolations(page)).toEqual([]);
      } else {
        // A failed trip has no code to trade and its start below works without JavaScript: the page
        // does not say "Finishing a sign-in here needs JavaScript" above it (it did; the walk of
        // 2026-12-06 read the two as contradicting each other).
        expect(await page.locator("main noscript").count()).toBe(0);
        await page.screenshot({
          path: `${process.env.A11Y_SHOTS ?? "test-results"}/oauth-complete-no-js.png`,
        });
        // "Start again below" has its start in the HTML: the page's own, which sets the verifier's
        // cookie and leads on to the provider, with no token in the link.
        const start = page.getByRole("link", { name: "Sign in with GitHub" });
        expect(await start.getAttribute("href")).toBe("/oauth/start/github");
        const toProvider = page.waitForRequest((request) => request.url().includes("/api/v1/oauth/github?"));
        await start.click();
        expect(new URL((await toProvider).url()).searchParams.get("code_challenge_method")).toBe("S256");
        expect((await context.cookies()).map((c) => c.name)).toContain("superoauth_login_verifier");
      }
      await context.close();
    }
  });

  it("tells a person whose provider is having trouble to try again in a few minutes, and one who cancelled that they cancelled, naming GitHub", async () => {
    const words: [error: string, status: string][] = [
      [
        "temporarily_unavailable",
        "GitHub is having trouble right now. Try again in a few minutes, or sign in another way.",
      ],
      [
        "access_denied",
        "You cancelled at GitHub, so you are not signed in. Start again below, or sign in another way.",
      ],
      [
        "invalid_scope",
        "Something went wrong starting this sign-in with GitHub. Try again later, or sign in another way.",
      ],
    ];
    for (const [error, status] of words) {
      const { callbackURL, cookie } = await approvedCallback(octocat);
      const context = await browser.newContext();
      await context.addCookies([{ name: cookieName, value: cookie, url: callbackURL }]);
      const page = await context.newPage();
      const state = new URL(callbackURL).searchParams.get("state") ?? "";
      await page.goto(`${baseURL}/api/v1/oauth/github/callback?${new URLSearchParams({ error, state })}`);
      expect(new URL(page.url()).pathname).toBe("/oauth/complete");
      expect(await page.locator("h1").textContent()).toBe("Signing in did not work");
      expect(await page.locator("#status.error").textContent()).toBe(status);
      await page.getByRole("link", { name: "Sign in with GitHub" }).waitFor({ timeout: 10_000 });
      await context.close();
    }
  });

  it("tells a person back from re-authenticating or linking through a provider, by its name and in the heading, leaving the address bar clean; other text in the address is not shown as the service's own", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const words: [query: string, heading: string, status: string][] = [
      [
        "reauthenticated=github",
        "Identity confirmed",
        "You signed in again with GitHub. Go back and finish your change.",
      ],
      ["linked=github", "GitHub linked", "Your GitHub account is now linked. You can close this page."],
      // Only a provider's id is put in words: the page is linkable, and anything else would read as ours.
      ...["linked", "reauthenticated"].map((parameter): [string, string, string] => [
        `${parameter}=${encodeURIComponent("bank details leaked. Call 555-0100 now. Your github")}`,
        "Signing in",
        "Nothing to complete here. Start signing in again.",
      ]),
    ];
    for (const [query, heading, status] of words) {
      await page.goto(`${baseURL}/oauth/complete?${query}`);
      await page.locator("#status.ok, #status.error").waitFor({ timeout: 10_000 });
      expect(await page.locator("h1").textContent()).toBe(heading);
      expect(await page.locator("#status").textContent()).toBe(status);
      // A failure the script found is in the title too, where a screen reader says it first.
      const failed = status.startsWith("Nothing to complete");
      expect(await page.title()).toBe(`${failed ? "Error: " : ""}${heading} · SuperOAuth`);
      expect(new URL(page.url()).search).toBe("");
    }
    await context.close();
  });

  it("refuses an attacker's login code opened in a victim's browser (login CSRF), with or without a sign-in of the victim's own under way", async () => {
    const refusedWords =
      "This sign-in did not begin in this browser, has expired, or was used already, so you are not signed in. If someone sent you this link, close this page. Start again below, or sign in another way.";
    // A victim who never started a sign-in, lured to the attacker's landing URL.
    const fresh = await browser.newContext();
    const lured = await fresh.newPage();
    await lured.goto(`${baseURL}/oauth/complete?code=${encodeURIComponent(await attackersLoginCode())}`);
    await lured.locator("#status.error").waitFor({ timeout: 10_000 });
    // Plain words for a person (what happened, what to do), not the API's code_verifier.
    expect(await lured.locator("#status").textContent()).toBe(refusedWords);
    expect(await lured.title()).toBe("Error: Signing in · SuperOAuth");
    await fresh.close();

    // A victim in the middle of their own sign-in: their browser holds a verifier, not the attacker's.
    const midway = await browser.newContext();
    // Its start, up to the trip to GitHub (the context's request client shares the browser's cookies).
    const started = await midway.request.get(`${baseURL}/oauth/start/github`, { maxRedirects: 0 });
    expect(started.status()).toBe(302);
    const victim = await midway.newPage();
    expect((await midway.cookies()).map((c) => c.name)).toContain("superoauth_login_verifier");
    await victim.goto(`${baseURL}/oauth/complete?code=${encodeURIComponent(await attackersLoginCode())}`);
    await victim.locator("#status.error").waitFor({ timeout: 10_000 });
    expect(await victim.locator("#status").textContent()).toBe(refusedWords);
    expect(await victim.locator("#status").textContent()).not.toContain("Signed in");
    await midway.close();
  });

  it("docs/oauth.md's createPKCE, run in the browser, makes a verifier and challenge the API accepts", async () => {
    const markdown = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "oauth.md"), "utf8");
    const snippet = /```js\n((?:\/\/.*\n)*async function createPKCE\(\)[\s\S]*?)```/.exec(markdown)?.[1];
    if (snippet === undefined) throw new Error("no createPKCE snippet in docs/oauth.md");
    const context = await browser.newContext();
    const page = await context.newPage();
    // A page of the API's origin: loopback is a secure context, where crypto.subtle exists.
    await page.goto(`${baseURL}/health`);
    const pair = (await page.evaluate(`${snippet}\ncreatePKCE()`)) as { verifier: string; challenge: string };
    await context.close();
    expect(pair.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.challenge).toBe(createHash("sha256").update(pair.verifier).digest("base64url"));

    const code = await loginCodeFor(octocat, pair.challenge);
    const exchanged = await service.app.inject({
      method: "POST",
      url: "/api/v1/oauth/exchange",
      payload: { code, code_verifier: pair.verifier },
    });
    expect(exchanged.statusCode, exchanged.body).toBe(200);
  });

  it("asks for the second factor when the account has 2FA on, and accepts a backup code", async () => {
    // Sign in once as a JSON client to get tokens, then turn 2FA on through the API.
    const { callbackURL, cookie } = await approvedCallback(octocat);
    const json = await service.app.inject({
      url: callbackURL.slice(baseURL.length),
      cookies: { [cookieName]: cookie },
      headers: { accept: "application/json" },
    });
    expect(json.statusCode).toBe(200);
    const { accessToken } = json.json().data as { accessToken: string };
    const call = async (path: string, payload: Record<string, unknown>) =>
      (
        await service.app.inject({
          method: "POST",
          url: `/api/v1${path}`,
          headers: { authorization: `Bearer ${accessToken}` },
          payload,
        })
      ).json() as { data: Record<string, unknown> };
    const { secret } = (await call("/auth/2fa/setup", {})).data as { secret: string };
    const enabled = await call("/auth/2fa/enable", {
      code: await generateTOTPCode({ secret, now: new Date() }),
    });
    const [backupCode] = enabled.data.backupCodes as string[];

    const context = await browserAtGitHub(octocat);
    const page = await signInFromLandingPage(context);
    await page.locator("#mfa").waitFor({ state: "visible", timeout: 10_000 });
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.getByRole("main").getByLabel("Authentication code").count()).toBe(1);
    await page.fill("#code", "000000");
    await page.click("#mfa button[type=submit]");
    await page.locator("#status.error").waitFor({ timeout: 10_000 });
    await page.fill("#code", backupCode ?? "");
    await page.click("#mfa button[type=submit]");
    await page.getByText("Signed in as").waitFor({ timeout: 10_000 });
    await context.close();
  });
});
