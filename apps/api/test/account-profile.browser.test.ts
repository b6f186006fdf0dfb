import { type SMTPSink, startSMTPSink } from "@superoauth/adapter-mail/testing";
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
import type { Service } from "../src/compose.ts";
import { axeViolations, launchChromium, newCheckedPage, routeGitHubToFake } from "./browser.ts";
import { listenComposedService } from "./test-config.ts";

// The account center's social sign-in, sign-up, linked providers and profile (issue 10) in Debian's
// Chromium against the composed service on MySQL. GitHub is the fake provider on 127.0.0.1: the
// browser's trips to github.com are answered by it (as GitHub would, with a redirect to the
// callback), the server reaches it through the test's dispatcher. Mail goes to a real SMTP sink and
// the browser opens the very link it carries. axe-core on every page; screenshots in
// test-results/account-profile.

const shots = "test-results/account-profile";
const password = "Str0ng-Passw0rd!x";
const database = useTestDatabase();
let service: Service;
let fake: FakeProviders;
let sink: SMTPSink;
let restoreDispatcher: (() => void) | undefined;
let browser: Browser;
let baseURL: string;

/** Signs up through GitHub: the provider is this account's only way in. */
const hubot: FakeIdentity = {
  subject: "480938",
  email: "hubot@github.example",
  emailVerified: true,
  displayName: "Hubot",
};

const adaAtGitHub: FakeIdentity = {
  subject: "815",
  email: "ada@github.example",
  emailVerified: true,
  displayName: "ada-on-github",
};

beforeAll(async () => {
  fake = await startFakeProviders();
  restoreDispatcher = routeProvidersTo(fake);
  sink = await startSMTPSink();
  ({ service, url: baseURL } = await listenComposedService(database.url(), {
    env: {
      GITHUB_CLIENT_ID: fakeClients.github.clientId,
      GITHUB_CLIENT_SECRET: fakeClients.github.clientSecret,
      SMTP_URL: sink.url,
      MAIL_FROM: "SuperOAuth <no-reply@superoauth.test>",
    },
  }));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  restoreDispatcher?.();
  await fake?.close();
  await sink?.close();
});

/** A fresh profile whose trips to github.com reach the fake GitHub, which approves them for `identity`. */
async function newPageAtGitHub(
  identity: FakeIdentity,
  options: { javaScriptEnabled?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const opened = await newCheckedPage(browser, options);
  await routeGitHubToFake(opened.context, { fake, identity, baseURL });
  return opened;
}

async function expectAccessible(page: Page, name: string): Promise<void> {
  expect(await axeViolations(page), name).toEqual([]);
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

describe("social sign-in, sign-up, linked providers and the profile in Chromium", () => {
  it("signs up with GitHub from /account/sign-in, and refuses to unlink the last way in", {
    timeout: 120_000,
  }, async () => {
    const { context, page, problems } = await newPageAtGitHub(hubot);
    await page.goto(`${baseURL}/account/providers`);
    expect(page.url()).toBe(`${baseURL}/account/sign-in?next=%2Faccount%2Fproviders`);
    await expectAccessible(page, "sign-in-with-providers");
    await page.getByRole("link", { name: "Sign in with GitHub" }).click();
    await page.waitForURL(`${baseURL}/account/providers`);
    expect(await page.textContent("main")).toContain("GitHub");
    expect(await page.textContent(".signed-in-as")).toContain(hubot.email);
    await expectAccessible(page, "providers-after-social-sign-in");

    await page.getByRole("button", { name: "Unlink GitHub" }).click();
    await page.waitForLoadState();
    expect(await page.textContent("[role=alert]")).toContain(
      "GitHub is this account's only way to sign in: set a password or link another provider first",
    );
    await expectAccessible(page, "unlink-last-refused");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("signs in with GitHub and shows the refusal with JavaScript off", { timeout: 120_000 }, async () => {
    // axe-core needs script: this walk keeps screenshots only (the pages were checked above).
    const { context, page } = await newPageAtGitHub(hubot, { javaScriptEnabled: false });
    await page.goto(`${baseURL}/account/providers`);
    await page.getByRole("link", { name: "Sign in with GitHub" }).click();
    await page.waitForURL(`${baseURL}/account/providers`);
    expect(await page.textContent(".signed-in-as")).toContain(hubot.email);
    await page.getByRole("button", { name: "Unlink GitHub" }).click();
    await page.waitForLoadState();
    expect(await page.textContent("[role=alert]")).toContain("GitHub is this account's only way to sign in");
    await page.screenshot({ path: `${shots}/no-js-unlink-last-refused.png`, fullPage: true });
    await context.close();
  });

  it("signs up, changes the nickname, changes the address through the mailed link, links and unlinks GitHub", {
    timeout: 180_000,
  }, async () => {
    const { context, page, problems } = await newPageAtGitHub(adaAtGitHub);
    await page.goto(`${baseURL}/account/sign-in`);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(`${baseURL}/account/sign-up?next=%2Faccount`);
    await expectAccessible(page, "sign-up");
    await page.fill("#nickname", "ada");
    await page.fill("#email", "ada@example.com");
    await page.fill("#password", password);
    await page.click("main button[type=submit]");
    await page.waitForURL(`${baseURL}/account`);
    expect(await page.textContent(".signed-in-as")).toContain("ada@example.com");

    await page.click('nav a[href="/account/profile"]');
    await page.waitForURL(`${baseURL}/account/profile`);
    await expectAccessible(page, "profile");
    await page.fill("#nickname", "countess");
    await page.getByRole("button", { name: "Save nickname" }).click();
    await page.waitForURL(`${baseURL}/account/profile`);
    expect(await page.textContent(".notice")).toContain("Your nickname has been changed.");
    expect(await page.inputValue("#nickname")).toBe("countess");
    await expectAccessible(page, "nickname-changed");

    await page.fill("#new-email", "countess@example.com");
    await page.getByRole("button", { name: "Change email address" }).click();
    await page.waitForURL(`${baseURL}/account/profile`);
    expect(await page.textContent(".notice")).toContain("Check the new address");
    expect(await page.textContent("#current-email")).toBe("ada@example.com");
    await expectAccessible(page, "email-change-sent");
    const mail = await sink.waitForMail((m) => m.to.includes("countess@example.com"));
    const link = new RegExp(`${baseURL.replaceAll(".", "\\.")}/confirm-email#token=\\S+`).exec(
      mail.text,
    )?.[0];
    expect(link).toBeDefined();
    const mailPage = await context.newPage();
    await mailPage.goto(link ?? "");
    await mailPage.getByRole("button", { name: "Use this address" }).click();
    await mailPage.getByText("Your account now uses this email address").waitFor({ timeout: 10_000 });
    await mailPage.close();
    await page.reload();
    expect(await page.textContent("#current-email")).toBe("countess@example.com");
    await expectAccessible(page, "email-changed");

    await page.click('nav a[href="/account/providers"]');
    await page.waitForURL(`${baseURL}/account/providers`);
    expect(await page.textContent("main")).toContain("No provider is linked to your account.");
    await expectAccessible(page, "providers-none");
    await page.getByRole("button", { name: "Link GitHub" }).click();
    await page.waitForURL(`${baseURL}/account/providers`);
    expect(await page.textContent(".notice")).toContain("The provider is linked");
    expect(await page.textContent("main")).toContain("ada-on-github");
    await expectAccessible(page, "provider-linked");

    // A password is left: unlinking is allowed.
    await page.getByRole("button", { name: "Unlink GitHub" }).click();
    await page.waitForURL(`${baseURL}/account/providers`);
    expect(await page.textContent(".notice")).toContain("The provider is unlinked.");
    expect(await page.textContent("main")).toContain("No provider is linked to your account.");
    await expectAccessible(page, "provider-unlinked");
    expect(problems).toEqual([]);
    await context.close();
  });
});
