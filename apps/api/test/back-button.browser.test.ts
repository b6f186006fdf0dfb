import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { UserId } from "@superoauth/domain";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../src/compose.ts";
import { launchChromium, newCheckedPage } from "./browser.ts";
import { callJSONAPI, listenComposedService } from "./test-config.ts";

// The browser's Back and Forward against what the pages show a signed-in person, in Debian's
// Chromium with its back/forward cache on. Playwright turns that cache off; a person's browser has
// it, and since 2025 Chromium keeps pages sent with Cache-Control: no-store in it too, until one of
// the site's cookies changes. What was found and why: docs/reliability.md, "the Back button".
// Screenshots in test-results/back-button.

const shots = "test-results/back-button";
const password = "Str0ng-Passw0rd!x";

const database = useTestDatabase();
let service: Service;
let baseURL: string;
let browser: Browser;

beforeAll(async () => {
  ({ service, url: baseURL } = await listenComposedService(database.url()));
  browser = await launchChromium({ history: "as shipped" });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
});

/** Signs up an account through the JSON API, its address verified (two-step verification waits for that): its id. */
async function signUp(email: string): Promise<UserId> {
  const registered = await callJSONAPI(baseURL, {
    method: "POST",
    path: "/auth/register",
    body: { email, password, nickname: "backbutton" },
  });
  const userId = (registered.user as { id: UserId }).id;
  await service.storage.users.markEmailVerified({ userId, now: new Date() });
  return userId;
}

async function signIn(page: Page, email: string, next: string): Promise<void> {
  await page.goto(`${baseURL}/account/sign-in?${new URLSearchParams({ next })}`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("button[type=submit].primary");
  await page.waitForURL(`${baseURL}${next}`);
}

/**
 * Presses Back (or Forward). Playwright waits for a load event, which a page restored from the
 * back/forward cache never fires, so this waits for the address to change and the document to be
 * whole; an entry Chromium cannot show without sending its form again ends on its error page.
 */
async function press(page: Page, button: "back" | "forward"): Promise<void> {
  const before = page.url();
  const options = { waitUntil: "commit" as const };
  const go = button === "back" ? page.goBack(options) : page.goForward(options);
  await go.catch((error: Error) => {
    if (!error.message.includes("net::ERR_CACHE_MISS")) throw error;
  });
  await expect.poll(() => page.url()).not.toBe(before);
  await expect.poll(() => page.evaluate("document.readyState").catch(() => "navigating")).toBe("complete");
}

describe("Back, Forward and Reload in Chromium", () => {
  it("after signing out, Back shows no page of the signed-in account", { timeout: 120_000 }, async () => {
    const email = "back-signed-out@example.com";
    await signUp(email);
    const { context, page } = await newCheckedPage(browser);
    await signIn(page, email, "/account/profile");
    await page.click('nav a[href="/account/sessions"]');
    await page.waitForURL(`${baseURL}/account/sessions`);
    await page.click("nav button[type=submit]");
    await page.waitForURL(`${baseURL}/account/sign-in`);
    // Chromium kept the sessions page for Back (no-store no longer stops that) until the sign-out
    // changed the session cookie: the page is loaded again, and the gate sends it to sign in.
    await press(page, "back");
    expect(page.url()).toBe(`${baseURL}/account/sign-in?next=%2Faccount%2Fsessions`);
    expect(await page.content()).not.toContain(email);
    await press(page, "back");
    expect(page.url()).toBe(`${baseURL}/account/sign-in?next=%2Faccount%2Fprofile`);
    await context.close();
  });

  it("after the session was ended from another browser, Back shows no page of the account once this browser was sent to sign in", {
    timeout: 120_000,
  }, async () => {
    const email = "back-ended-elsewhere@example.com";
    await signUp(email);
    const { context, page } = await newCheckedPage(browser);
    const { context: otherContext, page: other } = await newCheckedPage(browser);
    await signIn(page, email, "/account/profile");
    await signIn(other, email, "/account/sessions");
    await page.click('nav a[href="/account/sessions"]');
    await page.waitForURL(`${baseURL}/account/sessions`);
    await other.click("text=Sign out all other sessions");
    await other.waitForURL(`${baseURL}/account/sessions`);

    await page.click('nav a[href="/account"]');
    await page.waitForURL(`${baseURL}/account/sign-in?next=%2Faccount`);
    // The server saw the ended session and cleared its cookie: Chromium then drops the pages it
    // kept for Back, so they load again and go to sign in (they came back as they were, with the
    // sessions list and "Signed in as", for three minutes).
    await press(page, "back");
    await page.screenshot({ path: `${shots}/ended-elsewhere-back.png`, fullPage: true });
    expect(page.url()).toBe(`${baseURL}/account/sign-in?next=%2Faccount%2Fsessions`);
    expect(await page.content()).not.toContain(email);
    await press(page, "back");
    expect(page.url()).toBe(`${baseURL}/account/sign-in?next=%2Faccount%2Fprofile`);
    await otherContext.close();
    await context.close();
  });

  it("a mailed link's token leaves no entry in the history", { timeout: 60_000 }, async () => {
    const { context, page } = await newCheckedPage(browser);
    const token = `00000000-0000-7000-8000-0000000fffff.${"B".repeat(43)}`;
    await page.goto(`${baseURL}/reset-password#token=${token}`);
    await page.goto(`${baseURL}/account/sign-in`);
    await press(page, "back");
    expect(page.url()).toBe(`${baseURL}/reset-password`);
    const cdp = await context.newCDPSession(page);
    const history = (await cdp.send("Page.getNavigationHistory")) as { entries: { url: string }[] };
    expect(history.entries.map((entry) => entry.url).join(" ")).not.toContain(token);
    await context.close();
  });
});
