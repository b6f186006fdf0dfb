import { generateTOTPCode } from "@superoauth/adapter-crypto";
import { useTestDatabase } from "@superoauth/adapter-mysql/testing";
import {
  type FakeIdentity,
  type FakeProviders,
  fakeClients,
  routeProvidersTo,
  startFakeProviders,
} from "@superoauth/adapter-oauth/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { parseConfig } from "../src/config.ts";
import { freePort, launchChromium } from "./browser.ts";

// Social sign-in as a person meets it, in Debian's Chromium: the browser comes back from the
// provider (the fake GitHub on 127.0.0.1, reached by the server through the test's dispatcher) to
// the callback, lands on the built-in /oauth/complete page, which trades the one-time login code
// and, when the account has 2FA on, asks for a code.

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
 * Starts sign-in as the browser would and approves it at the fake GitHub; returns the callback
 * URL the provider sends the browser to, and the signed state cookie the start set.
 */
async function approvedCallback(): Promise<{ callbackURL: string; cookie: string }> {
  // In-process: the test's dispatcher lets the process reach the fake providers only.
  const start = await service.app.inject({ method: "GET", url: "/api/v1/oauth/github" });
  expect(start.statusCode).toBe(302);
  const cookie = start.cookies.find((c) => c.name === cookieName)?.value ?? "";
  const back = fake.approve(String(start.headers.location), octocat);
  const query = new URLSearchParams({ code: back.code, state: back.state });
  return { callbackURL: `${baseURL}/api/v1/oauth/github/callback?${query}`, cookie };
}

async function openCallbackInBrowser(): Promise<import("playwright-core").Page> {
  const { callbackURL, cookie } = await approvedCallback();
  const context = await browser.newContext();
  await context.addCookies([
    { name: cookieName, value: cookie, domain: "127.0.0.1", path: "/api/v1/oauth/github/callback" },
  ]);
  const page = await context.newPage();
  await page.goto(callbackURL);
  return page;
}

describe("social sign-in in a real browser", () => {
  it("lands on /oauth/complete, trades the login code and shows who signed in, leaving no code in the address bar", async () => {
    const page = await openCallbackInBrowser();
    await page.getByText("Signed in as").waitFor({ timeout: 10_000 });
    expect(await page.locator("#status").textContent()).toContain("octocat@github.example");
    expect(new URL(page.url()).pathname).toBe("/oauth/complete");
    expect(new URL(page.url()).search).toBe("");
    await page.context().close();
  });

  it("asks for the second factor when the account has 2FA on, and accepts a backup code", async () => {
    // Sign in once as a JSON client to get tokens, then turn 2FA on through the API.
    const { callbackURL, cookie } = await approvedCallback();
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

    const page = await openCallbackInBrowser();
    await page.locator("#mfa").waitFor({ state: "visible", timeout: 10_000 });
    await page.fill("#code", "000000");
    await page.click("#mfa button[type=submit]");
    await page.locator("#status.error").waitFor({ timeout: 10_000 });
    await page.fill("#code", backupCode ?? "");
    await page.click("#mfa button[type=submit]");
    await page.getByText("Signed in as").waitFor({ timeout: 10_000 });
    await page.context().close();
  });
});
