import { type SMTPSink, startSMTPSink, tokenFromReceivedMail } from "@superoauth/adapter-mail/testing";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeService, type Service } from "../src/compose.ts";
import { parseConfig } from "../src/config.ts";
import { axeViolations, freePort, launchChromium, newCheckedPage } from "./browser.ts";
import { ageMailedLinks } from "./email-token-rows.ts";

// A person's path through the mailed links, in a real browser: Debian's Chromium driven by
// playwright-core (never a downloaded browser). The service listens on 127.0.0.1 and mails
// through a real SMTP sink; the browser opens the very link the mail carries, with JavaScript on
// (the page's script moves the token from the fragment into the form) and off (the person pastes
// the link). axe-core on each page, and a screenshot of it in test-results/.

const database = useTestDatabase();
let sink: SMTPSink;
let service: Service;
let browser: Browser;
let baseURL: string;
const password = "Browser-pass1!";

beforeAll(async () => {
  const port = await freePort();
  baseURL = `http://127.0.0.1:${port}`;
  sink = await startSMTPSink();
  const parsed = parseConfig(
    {
      NODE_ENV: "test",
      DATABASE_URL: database.url(),
      JWT_SECRET: "browser-test-secret-0123456789-abcdefghijkl",
      SMTP_URL: sink.url,
      MAIL_FROM: "SuperOAuth <no-reply@superoauth.test>",
      APP_URL: baseURL,
      // Each test signs up the accounts it uses (ten sign-ups, all from 127.0.0.1), and together
      // they ask for links and sign in more than the default budgets (3 sign-ups, 5 mails, 5
      // sign-ins per window) allow. No test here is about the limits (rate-limit tests set theirs).
      RATE_LIMIT_REGISTER_MAX: "100",
      RATE_LIMIT_EMAIL_MAX: "100",
      RATE_LIMIT_LOGIN_MAX: "100",
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
  await sink?.close();
});

async function api(path: string, body: unknown, token?: string) {
  const response = await fetch(`${baseURL}/api/v1${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as { data: Record<string, unknown> } };
}

function linkIn(text: string, page: string): string {
  const match = new RegExp(`${baseURL.replaceAll(".", "\\.")}/${page}#token=\\S+`).exec(text);
  if (match === null) throw new Error(`no ${page} link in the mail:\n${text}`);
  return match[0];
}

/**
 * axe-core finds nothing on the page (it runs as a script: not where JavaScript is off, whose
 * pages the JS-on test of the same page without a token covers), and a screenshot of it is kept.
 */
async function checkPage(page: Page, name: string, input: { axe: boolean } = { axe: true }): Promise<void> {
  if (input.axe) expect(await axeViolations(page), name).toEqual([]);
  await page.screenshot({ path: `test-results/${name}.png`, fullPage: true }).catch(() => undefined);
}

/**
 * Signs up an account of the test's own and waits for its verification mail, so that mail is not
 * still on its way while the test counts the mails after it.
 */
async function signUp(email: string): Promise<void> {
  const before = sink.mails.length;
  expect((await api("/auth/register", { email, password, nickname: "browser" })).status).toBe(201);
  await newestMail(email, /verify/i, before);
}

async function newestMail(to: string, subject: RegExp, after: number) {
  return sink.waitForMail(
    (m) => sink.mails.indexOf(m) >= after && m.to.includes(to) && subject.test(m.subject),
  );
}

/** Sends the sign-in form `page` shows, as `email` (the account center's, before or after a sign-out). */
async function sendSignIn(page: Page, email: string, withPassword = password): Promise<void> {
  await page.fill("#email", email);
  await page.fill("#password", withPassword);
  await page.click("button[type=submit].primary");
}

describe("the mailed links in a real browser", () => {
  it("the verification link: the token moves into the form and out of the address bar; one press verifies", async () => {
    const registered = await api("/auth/register", {
      email: "browser@example.com",
      password,
      nickname: "browser",
    });
    expect(registered.status).toBe(201);
    const mail = await newestMail("browser@example.com", /verify/i, 0);

    const { context, page, problems } = await newCheckedPage(browser);
    await page.goto(linkIn(mail.text, "verify-email"));
    expect(new URL(page.url()).hash).toBe("");
    expect(await page.locator("#link-field").isHidden()).toBe(true);
    // With the field gone, the lead says only to press the button.
    expect(await page.textContent("#mailed-link-lead")).toBe(
      "Press the button to verify the address this link was sent to.",
    );
    await checkPage(page, "mailed-verify-email");
    await page.getByRole("button", { name: "Verify my address" }).click();
    await page.getByText("Your email address is verified").waitFor({ timeout: 10_000 });
    await checkPage(page, "mailed-verify-email-done");
    expect(problems).toEqual([]);
    await context.close();

    const me = await api("/auth/me", undefined, String(registered.json.data.accessToken));
    expect((me.json.data.user as { emailVerified: boolean }).emailVerified).toBe(true);
  });

  it("the same verification link opened again says the address was already verified, and leads to sign in", async () => {
    const before = sink.mails.length;
    expect(
      (await api("/auth/register", { email: "again@example.com", password, nickname: "again" })).status,
    ).toBe(201);
    const mail = await newestMail("again@example.com", /verify/i, before);
    // The link was followed once already (the page's own request, as in the test above).
    expect((await api("/auth/verify-email", { token: tokenFromReceivedMail(mail) })).status).toBe(200);
    const page = await browser.newPage();
    await page.goto(linkIn(mail.text, "verify-email"));
    await page.getByRole("button", { name: "Verify my address" }).click();
    await page.getByRole("status").first().waitFor({ timeout: 10_000 });
    expect(await page.textContent("main")).toContain("Your email address was already verified.");
    await page.getByRole("link", { name: "Sign in", exact: true }).click();
    await page.waitForURL(/\/account\/sign-in/);
    await page.close();
  });

  it("a link that never worked (a made-up token) says so, and where to get a new one", async () => {
    const page = await browser.newPage();
    await page.goto(`${baseURL}/verify-email#token=00000000-0000-7000-8000-0000000fffff.${"A".repeat(43)}`);
    await page.getByRole("button", { name: "Verify my address" }).click();
    await page.getByRole("alert").waitFor({ timeout: 10_000 });
    expect(await page.getByRole("alert").textContent()).toMatch(/invalid|expired|used/i);
    await page.getByRole("link", { name: "Need a new link? Ask for one" }).click();
    await page.getByLabel("Email address").waitFor();
    expect(new URL(page.url()).pathname).toBe("/resend-verification");
    await page.close();
  });

  it("each page as it is without a token in its address (JavaScript off shows the same): axe finds nothing", async () => {
    const { context, page, problems } = await newCheckedPage(browser);
    for (const path of [
      "/verify-email",
      "/confirm-email",
      "/reset-password",
      "/forgot-password",
      "/resend-verification",
    ]) {
      await page.goto(`${baseURL}${path}`);
      await checkPage(page, `mailed${path.replaceAll("/", "-")}-no-token`);
    }
    expect(problems).toEqual([]);
    await context.close();
  });

  it("without JavaScript the page asks for the link; pasting it verifies the address", async () => {
    const before = sink.mails.length;
    expect(
      (await api("/auth/register", { email: "nojs@example.com", password, nickname: "nojs" })).status,
    ).toBe(201);
    const link = linkIn((await newestMail("nojs@example.com", /verify/i, before)).text, "verify-email");

    const { context, page, problems } = await newCheckedPage(browser, { javaScriptEnabled: false });
    await page.goto(link);
    // Nothing ran: the link is still in the address bar, which is where the person copies it from.
    expect(new URL(page.url()).hash).toMatch(/^#token=/);
    await checkPage(page, "mailed-verify-email-nojs", { axe: false });
    await page.getByLabel("The link from the email").fill(page.url());
    await page.getByRole("button", { name: "Verify my address" }).click();
    await page.getByText("Your email address is verified").waitFor({ timeout: 10_000 });
    expect(problems).toEqual([]);
    await context.close();
    const login = await api("/auth/login", { email: "nojs@example.com", password });
    expect((login.json.data.user as { emailVerified: boolean }).emailVerified).toBe(true);
  });

  it("the reset link lets the person choose a new password, which then signs in", async () => {
    await signUp("reset@example.com");
    const before = sink.mails.length;
    await api("/auth/forgot-password", { email: "reset@example.com" });
    const mail = await newestMail("reset@example.com", /reset/i, before);

    const { context, page, problems } = await newCheckedPage(browser);
    await page.goto(linkIn(mail.text, "reset-password"));
    expect(new URL(page.url()).hash).toBe("");
    await checkPage(page, "mailed-reset-password");
    await page.getByLabel("New password", { exact: true }).fill("Brand-new-pass2!");
    await page.getByLabel("Repeat the new password").fill("Brand-new-pass2!");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("heading", { name: "Your password is changed" }).waitFor({ timeout: 10_000 });
    expect(problems).toEqual([]);
    await context.close();

    expect((await api("/auth/login", { email: "reset@example.com", password })).status).toBe(401);
    expect(
      (await api("/auth/login", { email: "reset@example.com", password: "Brand-new-pass2!" })).status,
    ).toBe(200);
  });

  it("on a computer signed in as one account, another's reset link changes that account's password; the page names the account still signed in, and its button signs it out", async () => {
    await signUp("shared-ada@example.com");
    await signUp("shared-bob@example.com");
    const { context, page, problems } = await newCheckedPage(browser);
    await page.goto(`${baseURL}/account/sign-in`);
    await sendSignIn(page, "shared-ada@example.com");
    await page.waitForURL(`${baseURL}/account`);

    const before = sink.mails.length;
    await api("/auth/forgot-password", { email: "shared-bob@example.com" });
    const mail = await newestMail("shared-bob@example.com", /reset/i, before);
    await page.goto(linkIn(mail.text, "reset-password"));
    await page.getByLabel("New password", { exact: true }).fill("Bobs-new-pass3!");
    await page.getByLabel("Repeat the new password").fill("Bobs-new-pass3!");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("heading", { name: "Your password is changed" }).waitFor({ timeout: 10_000 });
    await page
      .getByText("This browser is signed in as shared-ada@example.com, another account")
      .waitFor({ timeout: 10_000 });
    await checkPage(page, "mailed-reset-password-another-account-signed-in");
    await page.getByRole("button", { name: "Sign out of shared-ada@example.com" }).click();
    await page.waitForURL(`${baseURL}/account/sign-in`);
    expect(await page.textContent(".notice")).toBe("You are signed out.");
    await sendSignIn(page, "shared-bob@example.com", "Bobs-new-pass3!");
    await page.waitForURL(`${baseURL}/account`);
    expect(await page.textContent(".signed-in-as")).toBe("Signed in as shared-bob@example.com");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("on a computer signed in as one account, another's notice link to its sessions names the account signed in, not its sessions; signing that out and in as the other opens the other's sessions", async () => {
    await signUp("notice-ada@example.com");
    await signUp("notice-bob@example.com");
    // Bob changes his password elsewhere (the API): his notice carries "Review your sessions".
    const bob = await api("/auth/login", { email: "notice-bob@example.com", password });
    const before = sink.mails.length;
    const changed = await api(
      "/user/password",
      { currentPassword: password, newPassword: "Bobs-new-pass4!" },
      String(bob.json.data.accessToken),
    );
    expect(changed.status).toBe(200);
    const mail = await newestMail("notice-bob@example.com", /password was changed/i, before);
    const link = /Review your sessions: (\S+)\n/.exec(mail.text)?.[1] ?? "";
    expect(link).toMatch(
      new RegExp(`^${baseURL.replaceAll(".", "\\.")}/account/sessions\\?account=[\\w-]{22}$`),
    );

    const { context, page, problems } = await newCheckedPage(browser);
    await page.goto(`${baseURL}/account/sign-in`);
    await sendSignIn(page, "notice-ada@example.com");
    await page.waitForURL(`${baseURL}/account`);

    const opened = await page.goto(link);
    expect(opened?.status()).toBe(409);
    await page.getByRole("heading", { name: "This link is for another account" }).waitFor();
    await page
      .getByText("This browser is signed in as notice-ada@example.com, another account.")
      .waitFor({ timeout: 10_000 });
    // None of ada's account center: no nav saying who is signed in, no list of sessions.
    expect(await page.locator(".signed-in-as").count()).toBe(0);
    expect(await page.getByText("This device").count()).toBe(0);
    await checkPage(page, "account-link-of-another-account-signed-in");
    await page.getByRole("button", { name: "Sign out of notice-ada@example.com" }).click();
    await page.waitForURL(/\/account\/sign-in\?next=/);
    expect(await page.textContent(".notice")).toBe("You are signed out.");
    await sendSignIn(page, "notice-bob@example.com", "Bobs-new-pass4!");
    await page.waitForURL(link);
    expect(await page.textContent(".signed-in-as")).toBe("Signed in as notice-bob@example.com");
    await page.getByRole("heading", { name: "Sessions" }).waitFor();
    await checkPage(page, "account-link-sessions-after-signing-in-as-its-account");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("without JavaScript: forgot password from the sign-in page, then the mailed link pasted, a typo, a weak password, then a good one", {
    timeout: 90_000,
  }, async () => {
    await signUp("reset-nojs@example.com");
    const before = sink.mails.length;
    const { context, page, problems } = await newCheckedPage(browser, { javaScriptEnabled: false });
    await page.goto(`${baseURL}/account/sign-in`);
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await checkPage(page, "mailed-forgot-password-nojs", { axe: false });
    await page.getByLabel("Email address").fill("reset-nojs@example.com");
    await page.getByRole("button", { name: "Mail me a link" }).click();
    await page.getByText("a link to choose a new password is on its way").waitFor({ timeout: 10_000 });
    const link = linkIn(
      (await newestMail("reset-nojs@example.com", /reset/i, before)).text,
      "reset-password",
    );

    await page.goto(link);
    await page.getByLabel("The link from the email").fill(link);
    await page.getByLabel("New password", { exact: true }).fill("Third-pass-3!");
    await page.getByLabel("Repeat the new password").fill("Third-pass-3?");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("The two passwords differ").waitFor({ timeout: 10_000 });
    // The link is kept in the form: only the passwords are asked again.
    expect(await page.getByLabel("The link from the email").count()).toBe(0);
    await page.getByLabel("New password", { exact: true }).fill("alllowercase");
    await page.getByLabel("Repeat the new password").fill("alllowercase");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("must contain an uppercase letter").waitFor({ timeout: 10_000 });
    await checkPage(page, "mailed-reset-password-refused-nojs", { axe: false });
    await page.getByLabel("New password", { exact: true }).fill("Third-pass-3!");
    await page.getByLabel("Repeat the new password").fill("Third-pass-3!");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("heading", { name: "Your password is changed" }).waitFor({ timeout: 10_000 });
    expect(problems).toEqual([]);
    await context.close();
    expect(
      (await api("/auth/login", { email: "reset-nojs@example.com", password: "Third-pass-3!" })).status,
    ).toBe(200);
  });

  it("without JavaScript: a new verification mail asked for from the account's sign-in page", {
    timeout: 60_000,
  }, async () => {
    const before = sink.mails.length;
    expect(
      (await api("/auth/register", { email: "late@example.com", password, nickname: "late" })).status,
    ).toBe(201);
    const first = await newestMail("late@example.com", /verify/i, before);
    // Asked for later than a minute after the registration's mail (one sooner mails nothing).
    await ageMailedLinks(database.db(), { email: "late@example.com", purpose: "verify_email", ms: 61_000 });
    const { context, page } = await newCheckedPage(browser, { javaScriptEnabled: false });
    await page.goto(`${baseURL}/account/sign-in`);
    await page.getByRole("link", { name: "Resend the verification email" }).click();
    await checkPage(page, "mailed-resend-verification-nojs", { axe: false });
    await page.getByLabel("Email address").fill("late@example.com");
    await page.getByRole("button", { name: "Mail me a link" }).click();
    await page.getByText("a new link is on its way").waitFor({ timeout: 10_000 });
    await context.close();
    const second = await newestMail("late@example.com", /verify/i, sink.mails.indexOf(first) + 1);
    expect(linkIn(second.text, "verify-email")).toContain("#token=");
  });
});
