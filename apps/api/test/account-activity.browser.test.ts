import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { generateUUIDv7 } from "@superoauth/adapter-crypto";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import { authorizeAppForTest } from "@superoauth/application/testing";
import type { UserId } from "@superoauth/domain";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../src/compose.ts";
import { axeViolations, keptSessions, launchChromium, newCheckedPage } from "./browser.ts";
import { callJSONAPI, listenComposedService } from "./test-config.ts";

// The account center's activity sections (issue 10) in Debian's Chromium against the composed
// service on MySQL: sessions (another browser signed out, then all others), an authorized app
// revoked, a developer app registered (secret shown once), its secret rotated after its
// confirmation step (cancelled once; with JavaScript off) and the app deleted,
// the activity timeline paged with JavaScript off, and a data export requested, prepared by the
// service's worker, downloaded and checked against the SHA-256 the page shows, and the export page
// once the day's allowance is spent (with JavaScript off, on a 360 px screen too). axe-core on
// every page; screenshots in test-results/account-activity.

const shots = "test-results/account-activity";
const email = "activity@example.com";
const password = "Str0ng-Passw0rd!x";
const firefox = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

const database = useTestDatabase();
let service: Service;
let baseURL: string;
let browser: Browser;
let userId: UserId;
let authorizedClientId: string;

const api = (method: string, path: string, body?: unknown, token?: string) =>
  callJSONAPI(baseURL, { method, path, body, token });

beforeAll(async () => {
  ({ service, url: baseURL } = await listenComposedService(database.url()));
  const registered = await api("POST", "/auth/register", { email, password, nickname: "activityholder" });
  userId = (registered.user as { id: UserId }).id;
  // Verified, as its mailed link would: registering a developer app below waits for that.
  await service.storage.users.markEmailVerified({ userId, now: new Date() });
  // An app of someone else's, which this account authorized (as the consent page records it).
  const other = await api("POST", "/auth/register", {
    email: "developer@example.com",
    password,
    nickname: "developer",
  });
  const developerId = (other.user as { id: UserId }).id;
  await service.storage.users.markEmailVerified({ userId: developerId, now: new Date() });
  const created = await api(
    "POST",
    "/apps",
    {
      name: "Photo Printer",
      homepageURL: "https://printer.example/",
      redirectURIs: ["https://printer.example/callback"],
      allowedScopes: ["openid", "email", "offline_access"],
      type: "confidential",
    },
    String(other.accessToken),
  );
  authorizedClientId = (created.app as { clientId: string }).clientId;
  await authorizeAppForTest(service.storage, {
    userId,
    clientId: authorizedClientId,
    grantId: "grant-of-the-browser-test",
    scopes: ["openid", "email", "offline_access"],
    now: new Date(),
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
});

/** Runs axe-core on the page, then keeps a screenshot of it. */
async function expectAccessible(page: Page, name: string): Promise<void> {
  expect(await axeViolations(page), name).toEqual([]);
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

async function signIn(page: Page, next: string, as = email): Promise<void> {
  await page.goto(`${baseURL}/account/sign-in?${new URLSearchParams({ next })}`);
  await page.fill("#email", as);
  await page.fill("#password", password);
  await page.click("button[type=submit].primary");
  await page.waitForURL(`${baseURL}${next}`);
}

/** The account holder and the spender, each signed in once for the tests that are not about sessions. */
const people = keptSessions({
  browser: () => browser,
  baseURL: () => baseURL,
  signIn: (page, as) => signIn(page, "/account", as),
});

describe("the account center's activity sections in Chromium", () => {
  it("lists the sessions, signs out another browser, then every other session", {
    timeout: 120_000,
  }, async () => {
    // An account of this test's own: the others' kept session of the account holder stays live.
    const sessionsEmail = "sessions@example.com";
    await api("POST", "/auth/register", { email: sessionsEmail, password, nickname: "sessionsholder" });
    const { context, page, problems } = await newCheckedPage(browser);
    await signIn(page, "/account/sessions", sessionsEmail);
    const otherContext = await browser.newContext({ userAgent: firefox });
    const other = await otherContext.newPage();
    await signIn(other, "/account", sessionsEmail);

    await page.reload();
    expect(await page.locator(".item.current").count()).toBe(1);
    expect(await page.textContent(".item.current")).toContain("This device");
    expect(await page.textContent("main")).toContain("Firefox on Linux");
    await expectAccessible(page, "sessions");

    await page.click('button[aria-label^="Sign out Firefox on Linux"]');
    await page.waitForURL(`${baseURL}/account/sessions`);
    expect(await page.textContent(".notice")).toContain("That session is signed out.");
    expect(await page.textContent("main")).not.toContain("Firefox on Linux");
    await other.goto(`${baseURL}/account`);
    expect(other.url()).toBe(`${baseURL}/account/sign-in?next=%2Faccount`);
    await expectAccessible(page, "sessions-one-signed-out");

    // The API session of the registration is still live: "all others" ends it.
    expect(await page.locator(".item").count()).toBeGreaterThan(1);
    await page.click("text=Sign out all other sessions");
    await page.waitForURL(`${baseURL}/account/sessions`);
    expect(await page.locator(".item").count()).toBe(1);
    expect(await page.textContent("main")).toContain("This is your only session.");
    await expectAccessible(page, "sessions-others-signed-out");
    expect(problems).toEqual([]);
    await otherContext.close();
    await context.close();
  });

  it("shows an authorized app's scopes in words and revokes it", { timeout: 120_000 }, async () => {
    const { context, page, problems } = await people.open(email, "/account/apps");
    expect(await page.textContent("main")).toContain("Photo Printer");
    expect(await page.textContent("main")).toContain("See your email address and whether it is verified");
    await expectAccessible(page, "apps");
    // The same list open in a second tab of the browser, still showing the app.
    const stale = await context.newPage();
    await stale.goto(`${baseURL}/account/apps`);
    await page.click('button[aria-label="Revoke access of Photo Printer"]');
    await page.waitForURL(`${baseURL}/account/apps`);
    expect(await page.textContent(".notice")).toContain("The app can no longer use your account.");
    expect(await page.textContent("main")).toContain("You have not authorized any app.");
    expect(
      await service.storage.appAuthorizations.findAuthorization({ userId, clientId: authorizedClientId }),
    ).toBeNull();
    await expectAccessible(page, "apps-revoked");
    // Removed again from the second tab: the access is gone, and the page says so.
    const again = stale.waitForResponse((response) => response.url().endsWith("/account/apps/revoke"));
    await stale.click('button[aria-label="Revoke access of Photo Printer"]');
    expect((await again).status()).toBe(404);
    expect(await stale.textContent("main")).toContain("That app has no access to your account (any more)");
    await expectAccessible(stale, "apps-revoked-again");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("registers a developer app (secret shown once), rotates its secret and deletes it", {
    timeout: 120_000,
  }, async () => {
    const { context, page, problems } = await people.open(email, "/account/developer-apps");
    await expectAccessible(page, "developer-apps");
    await page.fill("#app-name", "My Blog");
    await page.fill("#redirect-uris", "https://blog.example/callback");
    await page.fill("#homepage-url", "https://blog.example/");
    await page.check("#scope-email");
    await page.click("text=Register app");
    await page.waitForSelector("#client-secret");
    const clientId = (await page.textContent("#client-id"))?.trim() ?? "";
    const secret = (await page.textContent("#client-secret"))?.trim() ?? "";
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await page.textContent("[role=alert]")).toContain("shown only this once");
    await expectAccessible(page, "developer-app-secret");

    await page.click("text=I have copied it");
    await page.waitForURL(`${baseURL}/account/developer-apps/${clientId}`);
    expect(await page.content()).not.toContain(secret);
    expect(await page.inputValue("#redirect-uris")).toBe("https://blog.example/callback");
    await expectAccessible(page, "developer-app");

    await page.fill("#app-name", "My Better Blog");
    await page.click("text=Save changes");
    await page.waitForURL(`${baseURL}/account/developer-apps/${clientId}`);
    expect(await page.textContent(".notice")).toContain("settings are saved");
    expect(await page.inputValue("#app-name")).toBe("My Better Blog");

    // Rotating asks first, on a page of its own, and needs no JavaScript: Cancel rotates nothing.
    const appPath = `/account/developer-apps/${clientId}`;
    const secretHash = async () => (await service.storage.apps.findApp(clientId))?.secretHash;
    const hashBefore = await secretHash();
    const noJS = await people.open(email, appPath, { javaScriptEnabled: false });
    await noJS.page.click("text=Make a new client secret");
    await noJS.page.waitForURL(`${baseURL}${appPath}/secret`);
    expect(await noJS.page.textContent("h1")).toBe("Rotate the secret of My Better Blog?");
    expect(await noJS.page.textContent("main")).toContain("the current secret stops working at once");
    await noJS.page.screenshot({ path: `${shots}/no-js-developer-app-rotate.png`, fullPage: true });
    await noJS.page.click("text=Cancel");
    await noJS.page.waitForURL(`${baseURL}${appPath}`);
    expect(await secretHash()).toBe(hashBefore);
    await noJS.page.click("text=Make a new client secret");
    await noJS.page.click("button:has-text('Rotate the secret')");
    await noJS.page.waitForSelector("#client-secret");
    const rotated = (await noJS.page.textContent("#client-secret"))?.trim() ?? "";
    expect(rotated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rotated).not.toBe(secret);
    expect(await secretHash()).not.toBe(hashBefore);
    await noJS.page.screenshot({ path: `${shots}/no-js-developer-app-rotated.png`, fullPage: true });
    expect(noJS.problems).toEqual([]);
    await noJS.context.close();
    // axe-core runs as a script: both pages again, with JavaScript on.
    await page.goto(`${baseURL}${appPath}/secret`);
    await expectAccessible(page, "developer-app-rotate");
    await page.click("button:has-text('Rotate the secret')");
    await page.waitForSelector("#client-secret");
    await expectAccessible(page, "developer-app-rotated");

    await page.goto(`${baseURL}${appPath}`);
    await page.click("text=Delete this app…");
    await page.waitForURL(`${baseURL}/account/developer-apps/${clientId}/delete`);
    await expectAccessible(page, "developer-app-delete");
    await page.click("text=Delete the app");
    await page.waitForURL(`${baseURL}/account/developer-apps`);
    expect(await page.textContent(".notice")).toContain("Your app is deleted");
    expect(await page.textContent("main")).toContain("You have not registered any app.");
    expect(await service.storage.apps.findApp(clientId)).toBeNull();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("pages through the activity timeline, with JavaScript off", { timeout: 120_000 }, async () => {
    const start = Date.now() - 3_600_000;
    for (let i = 0; i < 25; i++) {
      await service.storage.securityEvents.recordSecurityEvent({
        id: generateUUIDv7(start + i * 1000),
        userId,
        type: i === 0 ? "two_factor_reset" : "login_failed",
        occurredAt: new Date(start + i * 1000),
        ip: "198.51.100.7",
        userAgent: firefox,
        actorId: null,
        details: i === 0 ? { by: "support" } : {},
      });
    }
    const { context, page } = await people.open(email, "/account/activity", { javaScriptEnabled: false });
    expect(await page.locator(".timeline .item").count()).toBe(20);
    expect(await page.locator("text=Newer").count()).toBe(0);
    await page.screenshot({ path: `${shots}/no-js-activity.png`, fullPage: true });
    await page.click("text=Older");
    await page.waitForURL(/\/account\/activity\?before=/);
    const secondURL = page.url();
    expect(await page.textContent("main")).toContain("Your two-factor authentication was reset by support");
    await page.screenshot({ path: `${shots}/no-js-activity-older.png`, fullPage: true });
    await page.click("text=Newer");
    await page.waitForURL(`${baseURL}/account/activity`);
    expect(await page.locator(".timeline .item").count()).toBe(20);
    await context.close();

    const checked = await people.open(email, "/account/activity");
    await expectAccessible(checked.page, "activity");
    await checked.page.goto(secondURL);
    await expectAccessible(checked.page, "activity-older");
    expect(checked.problems).toEqual([]);
    await checked.context.close();
  });

  it("requests an export, waits for the worker, downloads it and checks its SHA-256", {
    timeout: 120_000,
  }, async () => {
    const { context, page, problems } = await people.open(email, "/account/export");
    await expectAccessible(page, "export");
    await page.click("text=Request an export");
    await page.waitForURL(/\/account\/export\/[0-9a-f-]+$/);
    const statusURL = page.url();
    await expectAccessible(page, "export-requested");
    // The service's worker prepares it (waited for in the store, not for a fixed half second); the
    // person follows it with the Refresh link, shown while it runs, or a reload.
    const exportId = new URL(statusURL).pathname.split("/").at(-1) ?? "";
    await expect
      .poll(
        async () => (await service.storage.exportJobs.findExportJobOfUser({ id: exportId, userId }))?.status,
        {
          timeout: 60_000,
          interval: 50,
        },
      )
      .toBe("ready");
    if ((await page.textContent("#export-status")) !== "Ready to download") {
      const refresh = page.locator("text=Refresh");
      if ((await refresh.count()) > 0) await Promise.all([page.waitForNavigation(), refresh.click()]);
      else await page.goto(statusURL);
    }
    expect(await page.textContent("#export-status")).toBe("Ready to download");
    await expectAccessible(page, "export-ready");
    const sha256 = (await page.textContent("#export-sha256"))?.trim() ?? "";
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await page.textContent("pre.command")).toContain(`${sha256}  superoauth-export-`);

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    expect(download.suggestedFilename()).toMatch(/^superoauth-export-[0-9a-f-]+\.zip$/);
    const bytes = await readFile(await download.path());
    expect(bytes.subarray(0, 2).toString("latin1")).toBe("PK");
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(sha256);

    // Back on the request page later, the export is listed and leads to its page.
    await page.goto(new URL("/account/export", statusURL).href);
    await expectAccessible(page, "export-listed");
    await Promise.all([page.waitForURL(statusURL), page.click("text=Requested")]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("says when the next export can start once five are spent, with JavaScript off and on a small screen", {
    timeout: 120_000,
  }, async () => {
    // Five exports through the API, each prepared by the service's worker before the next.
    const spender = "spender@example.com";
    const registered = await api("POST", "/auth/register", { email: spender, password, nickname: "spender" });
    const token = String(registered.accessToken);
    let last = "";
    for (let i = 0; i < 5; i++) {
      last = String((await api("POST", "/user/export", undefined, token)).exportId);
      for (let tries = 0; tries < 100; tries++) {
        if ((await api("GET", `/user/export/${last}`, undefined, token)).status === "ready") break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect((await api("GET", `/user/export/${last}`, undefined, token)).status).toBe("ready");
    }
    // The newest one's archive is removed: its page would offer a new one if any were allowed.
    await service.storage.exportJobs.markExportJobExpired({ id: last, now: new Date() });
    const spentWords =
      /^You have started 5 data exports in the last 24 hours, the most allowed\. You can start another in .+\.$/;

    const { context, page } = await people.open(spender, "/account/export", { javaScriptEnabled: false });
    expect(await page.textContent("#export-allowance")).toMatch(spentWords);
    expect(await page.locator("main form, main button").count()).toBe(0);
    expect(await page.locator(".items .item").count()).toBe(5);
    await page.screenshot({ path: `${shots}/no-js-export-spent.png`, fullPage: true });
    // With the keyboard alone: Tab reaches the newest export's link, Enter opens its page.
    let focused = "";
    for (let presses = 0; presses < 30 && !focused.endsWith(last); presses += 1) {
      await page.keyboard.press("Tab");
      focused = (await page.evaluate(`document.activeElement?.getAttribute("href") ?? ""`)) as string;
    }
    expect(focused).toBe(`/account/export/${last}`);
    await Promise.all([page.waitForURL(`${baseURL}/account/export/${last}`), page.keyboard.press("Enter")]);
    expect(await page.textContent("#export-status")).toBe("Expired");
    expect(await page.textContent("main")).toContain("This export's archive has been removed.");
    expect(await page.textContent("main")).not.toContain("Request a new one");
    expect(await page.textContent("#export-allowance")).toMatch(spentWords);
    expect(await page.locator("main form, main button").count()).toBe(0);
    await page.screenshot({ path: `${shots}/no-js-export-expired-spent.png`, fullPage: true });
    await context.close();

    for (const viewport of [undefined, { width: 360, height: 740 }]) {
      const checked = await people.open(
        spender,
        "/account/export",
        viewport === undefined ? {} : { viewport },
      );
      const suffix = viewport === undefined ? "" : "-360";
      for (const [path, name] of [
        ["/account/export", "export-spent"],
        [`/account/export/${last}`, "export-expired-spent"],
      ] as const) {
        await checked.page.goto(`${baseURL}${path}`);
        const overflow = await checked.page.evaluate(
          "document.documentElement.scrollWidth - document.documentElement.clientWidth",
        );
        expect(overflow, path).toBeLessThanOrEqual(0);
        await expectAccessible(checked.page, `${name}${suffix}`);
      }
      expect(checked.problems).toEqual([]);
      await checked.context.close();
    }
  });
});
