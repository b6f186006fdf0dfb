import type { LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { Browser, buildHostedTestApp, signUpAda, strongPassword } from "./test-app.ts";

/** A page answer: the status, HTML, the strict CSP, and no inline script or style. */
export function expectPage(response: LightMyRequestResponse, status: number): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
  expect(response.headers["content-security-policy"]).toMatch(/^default-src 'none'; script-src 'self';/);
  expect(response.body).not.toMatch(/<script|<style|<[^>]*\s(?:style|on[a-z]+)=/i);
}

/**
 * The test app with ada signed up (her address verified too with `verified`, as her mailed link
 * would), and a cookie-keeping browser (not signed in yet).
 */
export async function withAccount(
  options: NonNullable<Parameters<typeof buildHostedTestApp>[0]> & { verified?: boolean } = {},
) {
  const { verified, ...appOptions } = options;
  const built = await buildHostedTestApp(appOptions);
  const signedUp = await signUpAda(built.useCases);
  if (verified === true)
    await built.deps.users.markEmailVerified({ userId: signedUp.user.id, now: built.deps.clock.now() });
  return { ...built, signedUp, user: signedUp.user, browser: new Browser(built.app) };
}

/** Signs `browser` in as ada at `/account/sign-in`, returning to `next`. */
export async function signIn(browser: Browser, next = "/account") {
  const query = new URLSearchParams({ next });
  return browser.submit(`/account/sign-in?${query}`, `/account/sign-in?${query}`, {
    email: "ada@example.com",
    password: strongPassword,
  });
}
