import { generateTOTPCode } from "@superoauth/adapter-crypto";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { UserId } from "@superoauth/domain";
import type { Browser, Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../src/compose.ts";
import { axeViolations, launchChromium, newCheckedPage } from "./browser.ts";
import { callJSONAPI, listenComposedService } from "./test-config.ts";

// The browser's Back, Forward and Reload against what the pages show once (a client secret, backup
// codes) and what they show a signed-in person, in Debian's Chromium with its back/forward cache
// on. Playwright turns that cache off; a person's browser has it, and since 2025 Chromium keeps
// pages sent with Cache-Control: no-store in it too, until one of the site's cookies changes. What
// was found and why: docs/reliability.md, "the Back button". Screenshots in
// test-results/back-button.

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

/** A fresh browser profile, signed in at `next` as a new account of `email`. */
async function signedIn(email: string, next: string) {
  const userId = await signUp(email);
  const { context, page } = await newCheckedPage(browser);
  await signIn(page, email, next);
  return { userId, context, page };
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
  // As long as Playwright's own waits (its default, 30 s), not expect.poll's second: a loaded CI
  // machine took longer than that to finish a restored page (2026-12-05, 21:50).
  const waiting = { timeout: 30_000 };
  await expect.poll(() => page.url(), waiting).not.toBe(before);
  await expect
    .poll(() => page.evaluate("document.readyState").catch(() => "navigating"), waiting)
    .toBe("complete");
}

/** Chromium's page for a history entry that was a form's answer: nothing of that answer, a prompt to send it again. */
async function expectResubmissionPrompt(page: Page, secret: string): Promise<void> {
  expect(page.url()).toBe("chrome-error://chromewebdata/");
  expect(await page.textContent("body")).toContain("Confirm Form Resubmission");
  expect(await page.content()).not.toContain(secret);
}

/** Reload on that prompt: the form sent again, as a person who confirms it does. */
async function sendAgain(page: Page): Promise<Response | null> {
  return page.reload();
}

/** The page a form sent again gets: nothing done a second time, nothing shown again. */
async function expectSentAlready(page: Page, answer: Response | null, name: string): Promise<void> {
  expect(answer?.status()).toBe(409);
  expect(await page.textContent("h1")).toBe("This form was sent already");
  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

describe("Back, Forward and Reload in Chromium", () => {
  it("a client secret is shown once: Back and Forward do not show it again, and sending its form again from the history registers and rotates nothing", {
    timeout: 120_000,
  }, async () => {
    const email = "back-secret@example.com";
    const { userId, context, page } = await signedIn(email, "/account/developer-apps");
    await page.fill("#app-name", "My Blog");
    await page.fill("#redirect-uris", "https://blog.example/callback");
    await page.click("text=Register app");
    const secret = (await page.textContent("#client-secret"))?.trim() ?? "";
    const clientId = (await page.textContent("#client-id"))?.trim() ?? "";
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.click("text=I have copied it");
    await page.waitForURL(`${baseURL}/account/developer-apps/${clientId}`);

    // The secret's page was a POST's answer: Chromium keeps no such page for Back (neither in its
    // back/forward cache nor, no-store, in its HTTP cache) and asks before sending the form again.
    await press(page, "back");
    await expectResubmissionPrompt(page, secret);
    await page.screenshot({ path: `${shots}/resubmission-prompt.png` });
    await press(page, "forward");
    expect(page.url()).toBe(`${baseURL}/account/developer-apps/${clientId}`);
    expect(await page.content()).not.toContain(secret);
    await press(page, "back");
    await expectResubmissionPrompt(page, secret);
    // Confirmed: the registration is not made a second time (it was: a second app, a new secret).
    await expectSentAlready(page, await sendAgain(page), "register-sent-again");
    expect(await service.storage.apps.listAppsByOwner(userId)).toHaveLength(1);

    await page.goto(`${baseURL}/account/developer-apps/${clientId}`);
    await page.click("text=Make a new client secret");
    await page.click("button:has-text('Rotate the secret')");
    const rotated = (await page.textContent("#client-secret"))?.trim() ?? "";
    expect(rotated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const hashOfRotated = (await service.storage.apps.findApp(clientId))?.secretHash;
    await page.click('nav a[href="/account"]');
    await page.waitForURL(`${baseURL}/account`);
    await press(page, "back");
    await expectResubmissionPrompt(page, rotated);
    // Confirmed: the secret just copied still works (it was replaced by another, shown instead).
    await expectSentAlready(page, await sendAgain(page), "rotate-sent-again");
    expect(await page.content()).not.toContain(rotated);
    expect((await service.storage.apps.findApp(clientId))?.secretHash).toBe(hashOfRotated);
    // The way on: the page the form was on (the confirmation), where a new secret can be made on purpose.
    await page.click("text=Open the page again");
    await page.waitForURL(`${baseURL}/account/developer-apps/${clientId}/secret`);
    await context.close();
  });

  it("backup codes are shown once: sending their form again from the history makes none and counts no wrong code", {
    timeout: 120_000,
  }, async () => {
    const email = "back-codes@example.com";
    const { userId, context, page } = await signedIn(email, "/account/two-factor");
    await page.click("main button[type=submit]");
    const key = (await page.textContent("#manual-key"))?.trim() ?? "";
    await page.fill("#code", await generateTOTPCode({ secret: key, now: new Date() }));
    await page.click("main button[type=submit]");
    const codes = (await page.locator("#backup-codes li").allTextContents()).map((code) => code.trim());
    expect(codes).toHaveLength(10);
    await page.click("text=Done");
    await page.waitForURL(`${baseURL}/account/two-factor`);
    await press(page, "back");
    await expectResubmissionPrompt(page, codes[0] ?? "");
    await expectSentAlready(page, await sendAgain(page), "enable-sent-again");

    // New codes, with the next step's code (the first was spent turning it on).
    await page.goto(`${baseURL}/account/two-factor`);
    await page.fill(
      "#regenerate-code",
      await generateTOTPCode({ secret: key, now: new Date(Date.now() + 30_000) }),
    );
    await page.click("text=Make new backup codes");
    const renewed = (await page.locator("#backup-codes li").allTextContents()).map((code) => code.trim());
    expect(renewed).toHaveLength(10);
    const failedBefore = await failedSignIns(userId);
    await page.click("text=Done");
    await page.waitForURL(`${baseURL}/account/two-factor`);
    await press(page, "back");
    await expectResubmissionPrompt(page, renewed[0] ?? "");
    // Confirmed: the spent code is not checked again (it was: a wrong code, counted toward the lock).
    await expectSentAlready(page, await sendAgain(page), "backup-codes-sent-again");
    expect(await failedSignIns(userId)).toBe(failedBefore);
    await context.close();
  });

  it("after signing out, Back shows no page of the signed-in account", { timeout: 120_000 }, async () => {
    const email = "back-signed-out@example.com";
    const { context, page } = await signedIn(email, "/account/profile");
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

async function failedSignIns(userId: UserId): Promise<number> {
  const rows = await database
    .db()
    .selectFrom("security_events")
    .select("id")
    .where("user_id", "=", userId)
    .where("type", "=", "login_failed")
    .execute();
  return rows.length;
}
