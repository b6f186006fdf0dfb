import type { LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { Browser, buildHostedTestApp, hiddenFieldsIn, signUpAda, strongPassword } from "./test-app.ts";

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

/**
 * A sign-in refusal's button that opens the form of `action` (a lock's reset, a new verification
 * link) with ada's address: a form that posts it in a hidden field, never in a URL. Pressed: that
 * form with the address filled in (200), and nothing mailed yet.
 */
export async function expectPrefilledRequest(
  built: { browser: Browser; deps: { mailer: { sentTo(email: string): readonly unknown[] } } },
  page: LightMyRequestResponse,
  input: { action: string; text: string },
): Promise<void> {
  expect(page.body).toContain(`<button type="submit" class="link">${input.text}</button>`);
  expect(page.body).not.toMatch(/(href|action)="[^"]*ada(@|%40)example\.com/);
  const fields = hiddenFieldsIn(page.body, input.action);
  expect(fields).toMatchObject({ email: "ada@example.com", prefill: "1" });
  const mailed = built.deps.mailer.sentTo("ada@example.com").length;
  const opened = await built.browser.post(input.action, fields);
  expectPage(opened, 200);
  // Showing the form mails nothing: it draws from the page views' budget, not the mail budget.
  expect(opened.headers["x-ratelimit-limit"]).toBe("600");
  expect(opened.body).toMatch(/<input id="email" name="email"[^>]*value="ada@example.com"/);
  expect(built.deps.mailer.sentTo("ada@example.com").length).toBe(mailed);
}
