import { randomUUID } from "node:crypto";
import { generateTOTPCode } from "@superoauth/adapter-crypto";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type { Role, UserId } from "@superoauth/domain";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../src/compose.ts";
import { axeViolations, brightnessIn, launchChromium, newCheckedPage } from "./browser.ts";
import { listenComposedService } from "./test-config.ts";

// The admin console and self-service deletion (issue 10) in Debian's Chromium against the composed
// service on MySQL: an admin searches, opens a person, resets their 2FA (their timeline says so),
// disables them (their sign-in then says so), changes a role and deletes with the typed email; a
// support member sees fewer actions; a plain user gets 403; a person deletes their own account and
// the address registers again. axe-core on every page, one action by keyboard alone, one walk with
// JavaScript off; screenshots in test-results/admin-console.

const shots = "test-results/admin-console";
const password = "Str0ng-Passw0rd!x";

const database = useTestDatabase();
let service: Service;
let baseURL: string;
let browser: Browser;
const ids: Record<string, string> = {};

async function api(method: string, path: string, input: { token?: string; body?: unknown } = {}) {
  const response = await fetch(`${baseURL}/api/v1${path}`, {
    method,
    headers: {
      ...(input.body === undefined ? {} : { "content-type": "application/json" }),
      ...(input.token === undefined ? {} : { authorization: `Bearer ${input.token}` }),
    },
    ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
  });
  return { status: response.status, json: (await response.json()) as { data: Record<string, unknown> } };
}

/** Registers `name@example.com` through the API; staff roles are set in the store, as `pnpm admin:create` does. */
async function register(name: string, role: Role = "user"): Promise<string> {
  const registered = await api("POST", "/auth/register", {
    body: {
      email: `${name}@example.com`,
      password,
      nickname: name.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 30),
    },
  });
  expect(registered.status).toBe(201);
  const data = registered.json.data as { user: { id: string }; accessToken: string };
  ids[name] = data.user.id;
  if (role !== "user") {
    const promoted = await service.storage.accountAdministration.updateAccount({
      userId: data.user.id as UserId,
      change: { role },
      now: new Date(),
      guard: () => ({ ok: true, value: undefined }),
    });
    expect(promoted.ok).toBe(true);
  }
  return data.accessToken;
}

beforeAll(async () => {
  ({ service, url: baseURL } = await listenComposedService(database.url()));
  await register("boss", "admin");
  await register("helper", "support");
  await register("plain");
  await register("promoted");
  await register("gone");
  await register("quiet");
  await register("leaving");
  // The person whose second factor the admin resets: 2FA on through the API.
  const token = await register("target");
  await service.storage.users.markEmailVerified({ userId: ids.target as UserId, now: new Date() });
  const setup = await api("POST", "/auth/2fa/setup", { token });
  const secret = setup.json.data.secret as string;
  const enabled = await api("POST", "/auth/2fa/enable", {
    token,
    body: { code: await generateTOTPCode({ secret, now: new Date() }) },
  });
  expect(enabled.status).toBe(200);
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

/** Signs in at /account/sign-in with `next`, landing there. */
async function signIn(page: Page, name: string, next: string, landing = next): Promise<void> {
  await page.goto(`${baseURL}${next}`);
  expect(page.url()).toBe(`${baseURL}/account/sign-in?next=${encodeURIComponent(next)}`);
  await page.fill("#email", `${name}@example.com`);
  await page.fill("#password", password);
  await page.click("button[type=submit].primary");
  await page.waitForURL(`${baseURL}${landing}`);
}

/** Clicks a form button of the user page and waits for the post-redirect-get back to it. */
async function clickAction(page: Page, label: string, back: string): Promise<string> {
  await page.click(`main button:has-text("${label}")`);
  await page.waitForURL(`${baseURL}${back}`);
  return (await page.textContent(".notice")) ?? "";
}

describe("the admin console in Chromium", () => {
  it("an admin searches, opens a person, resets their 2FA, disables them and changes a role", {
    timeout: 180_000,
  }, async () => {
    const { context, page, problems } = await newCheckedPage(browser);
    await signIn(page, "boss", "/admin", "/admin/users");
    expect(await page.getAttribute('nav[aria-label="Admin"] a[aria-current="page"]', "href")).toBe(
      "/admin/users",
    );
    await expectAccessible(page, "users");
    await page.fill("#q", "target");
    await page.press("#q", "Enter");
    await page.waitForURL(`${baseURL}/admin/users?q=target`);
    expect(await page.locator("tbody tr").count()).toBe(1);
    await expectAccessible(page, "users-search");

    const targetPath = `/admin/users/${ids.target}`;
    await page.click('a:has-text("target@example.com")');
    await page.waitForURL(`${baseURL}${targetPath}`);
    expect(await page.textContent("dl")).toContain("Two-step verificationon");
    await expectAccessible(page, "user");

    expect(await clickAction(page, "Reset two-step verification", targetPath)).toContain(
      "Two-step verification is off",
    );
    expect(await page.textContent("dl")).toContain("Two-step verificationoff");
    await expectAccessible(page, "user-two-factor-reset");
    // The person's timeline names the reset (their password alone signs them in now).
    const login = await api("POST", "/auth/login", { body: { email: "target@example.com", password } });
    expect(login.status).toBe(200);
    const events = await api("GET", "/user/security-events", {
      token: login.json.data.accessToken as string,
    });
    expect(JSON.stringify(events.json.data)).toContain("Your two-factor authentication was reset");

    expect(await clickAction(page, "Disable the account", targetPath)).toContain("The account is disabled");
    expect(await page.textContent("dl")).toContain("Statusdisabled");
    const person = await newCheckedPage(browser);
    await person.page.goto(`${baseURL}/account/sign-in`);
    await person.page.fill("#email", "target@example.com");
    await person.page.fill("#password", password);
    await person.page.click("button[type=submit].primary");
    await person.page.waitForSelector("[role=alert]");
    expect(await person.page.textContent("[role=alert]")).toContain("This account has been disabled");
    await expectAccessible(person.page, "disabled-sign-in");
    await person.context.close();

    const promotedPath = `/admin/users/${ids.promoted}`;
    await page.goto(`${baseURL}${promotedPath}`);
    // Not verified: the admin may vouch for the address, told beside the button what that means.
    expect(await page.textContent("dl")).toContain("promoted@example.com (not verified)");
    expect(await page.getAttribute('button:has-text("Mark the address verified")', "aria-describedby")).toBe(
      "verify-email-hint",
    );
    await expectAccessible(page, "user-unverified");
    expect(await clickAction(page, "Mark the address verified", promotedPath)).toContain(
      "The address is marked verified",
    );
    expect(await page.textContent("dl")).toContain("promoted@example.com (verified)");
    expect(await page.locator("#verify-email-hint").count()).toBe(0);
    await page.selectOption("#role", "support");
    expect(await clickAction(page, "Change the role", promotedPath)).toContain("The role is changed");
    expect(await page.textContent("dl")).toContain("Rolesupport");

    await page.click('nav a[href="/admin/audit"]');
    await page.waitForURL(`${baseURL}/admin/audit`);
    const audit = (await page.textContent("tbody")) ?? "";
    for (const type of ["role_changed", "account_disabled", "two_factor_reset", "email_verified"])
      expect(audit).toContain(type);
    await expectAccessible(page, "audit");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("an admin deletes a person after typing their email", { timeout: 120_000 }, async () => {
    const { context, page, problems } = await newCheckedPage(browser);
    await signIn(page, "boss", `/admin/users/${ids.gone}`);
    await page.click('a:has-text("Delete the account")');
    await page.waitForURL(`${baseURL}/admin/users/${ids.gone}/delete`);
    await expectAccessible(page, "delete");
    await page.fill("#confirm-email", "someone@example.com");
    await page.click("main button[type=submit]");
    await page.waitForSelector("[role=alert]");
    expect(await page.textContent("[role=alert]")).toContain("Type the account's email address exactly");
    await expectAccessible(page, "delete-wrong-email");
    await page.fill("#confirm-email", "gone@example.com");
    await page.click("main button[type=submit]");
    await page.waitForURL(`${baseURL}/admin/users`);
    expect(await page.textContent(".notice")).toContain("The account is deleted");
    const missing = await page.goto(`${baseURL}/admin/users/${ids.gone}`);
    expect(missing?.status()).toBe(404);
    await expectAccessible(page, "deleted-user-404");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("ends a person's sessions with the keyboard alone", { timeout: 120_000 }, async () => {
    const { context, page } = await newCheckedPage(browser);
    const quietPath = `/admin/users/${ids.quiet}`;
    await signIn(page, "boss", quietPath);
    let focused = "";
    for (let presses = 0; presses < 30 && focused !== "End every session"; presses += 1) {
      await page.keyboard.press("Tab");
      focused = (await page.evaluate(`document.activeElement?.textContent?.trim() ?? ""`)) as string;
    }
    expect(focused).toBe("End every session");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${baseURL}${quietPath}`);
    await page.waitForSelector(".notice");
    expect(await page.textContent(".notice")).toContain("Every session of this account has ended");
    expect(await page.textContent("dl")).toContain("Sessions0");
    await expectAccessible(page, "sessions-revoked-keyboard");
    await context.close();
  });

  it("an admin puts a notice on the status page and clears it, from the keyboard", {
    timeout: 120_000,
  }, async () => {
    const { context, page, problems } = await newCheckedPage(browser);
    await signIn(page, "boss", "/admin/maintenance-notice");
    await expectAccessible(page, "maintenance-notice-none");
    await page.getByLabel("Notice").focus();
    await page.keyboard.type("Upgrade on Sunday 02:00-02:15 UTC");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".notice");
    expect(await page.textContent("#current-notice")).toBe("Upgrade on Sunday 02:00-02:15 UTC");
    await expectAccessible(page, "maintenance-notice-set");
    const status = await context.newPage();
    await status.goto(`${baseURL}/status`);
    expect(await status.textContent("#maintenance-notice")).toBe("Notice: Upgrade on Sunday 02:00-02:15 UTC");
    expect(await status.textContent("#overall-status")).toBe("All systems operational");
    // In the hosted pages' look (their stylesheet loaded under the pages' CSP), checked by axe.
    expect(await status.evaluate(`getComputedStyle(document.querySelector("main")).borderRadius`)).not.toBe(
      "0px",
    );
    await expectAccessible(status, "status-with-notice");
    await status.close();
    await page.getByRole("button", { name: "Clear the notice" }).click();
    await page.waitForSelector(".notice");
    expect(await page.textContent("#current-notice")).toBe("No notice is shown now.");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("support sees only their actions; the audit log and a plain user get 403", {
    timeout: 120_000,
  }, async () => {
    const support = await newCheckedPage(browser);
    await signIn(support.page, "helper", `/admin/users/${ids.quiet}`);
    const actions = await support.page.locator("main button").allTextContents();
    expect(actions.map((text) => text.trim())).toEqual(["End every session"]);
    expect(await support.page.locator("#role").count()).toBe(0);
    await expectAccessible(support.page, "support-user");
    const audit = await support.page.goto(`${baseURL}/admin/audit`);
    expect(audit?.status()).toBe(403);
    expect(await support.page.textContent("main")).toContain("Not allowed");
    await expectAccessible(support.page, "support-audit-403");
    await support.context.close();

    const plain = await newCheckedPage(browser);
    await plain.page.goto(`${baseURL}/admin`);
    await plain.page.fill("#email", "plain@example.com");
    await plain.page.fill("#password", password);
    await plain.page.click("button[type=submit].primary");
    await plain.page.waitForURL(`${baseURL}/admin`);
    expect(await plain.page.textContent("main")).toContain("Not allowed");
    await expectAccessible(plain.page, "plain-user-403");
    await plain.context.close();
  });

  it("walks the console with JavaScript off: search, open, enable", { timeout: 120_000 }, async () => {
    const { context, page } = await newCheckedPage(browser, { javaScriptEnabled: false });
    await signIn(page, "boss", "/admin/users?q=target");
    await page.screenshot({ path: `${shots}/no-js-users.png`, fullPage: true });
    await page.click('a:has-text("target@example.com")');
    await page.waitForURL(`${baseURL}/admin/users/${ids.target}`);
    expect(await clickAction(page, "Enable the account", `/admin/users/${ids.target}`)).toContain(
      "The account is enabled again",
    );
    await page.screenshot({ path: `${shots}/no-js-enabled.png`, fullPage: true });
    await context.close();
  });
});

describe("staff reads in the audit and in the accounts' own logs", () => {
  it("a search and a view show as reads beside a change, in the audit, the person's log and the searcher's", {
    timeout: 180_000,
  }, async () => {
    await register("watched");
    const watchedPath = `/admin/users/${ids.watched}`;
    // Reached with JavaScript off: a search, the person opened, one change (their sessions ended).
    const { context, page } = await newCheckedPage(browser, { javaScriptEnabled: false });
    await signIn(page, "boss", "/admin/users?q=watched");
    await page.click('a:has-text("watched@example.com")');
    await page.waitForURL(`${baseURL}${watchedPath}`);
    expect(await clickAction(page, "End every session", watchedPath)).toContain(
      "Every session of this account has ended",
    );
    await page.goto(`${baseURL}/admin/audit`);
    const rows = (await page.locator("tbody tr").allTextContents()).map((row) => row.replace(/\s+/g, " "));
    const row = (words: string) => rows.find((text) => text.includes(words)) ?? "";
    expect(row('Searched the accounts for "watched" (1 found)')).toContain("Read");
    expect(row("Viewed the account's details")).toContain("watched@example.com");
    expect(row("Viewed the account's details")).toMatch(/ReadViewed/);
    expect(row("(sessions_revoked)")).toMatch(/ChangeSigned out every session of the account/);
    // Where the admin acted from: the address and the browser in words (never on the person's log).
    expect(row("(sessions_revoked)")).toMatch(/boss@example\.com from 127\.0\.0\.1, Chrome on Linux/);
    await page.screenshot({ path: `${shots}/no-js-audit-reads.png`, fullPage: true });
    await page.goto(`${baseURL}/account/activity`);
    expect(await page.textContent(".timeline")).toContain('You searched the accounts for "watched", 1 found');
    await page.screenshot({ path: `${shots}/no-js-staff-own-activity.png`, fullPage: true });
    await context.close();

    const person = await newCheckedPage(browser, { javaScriptEnabled: false });
    await signIn(person.page, "watched", "/account/activity");
    expect(await person.page.textContent(".timeline")).toContain(
      "Your account's details were viewed by an administrator",
    );
    await person.page.screenshot({ path: `${shots}/no-js-activity-viewed.png`, fullPage: true });
    await person.context.close();

    // The same pages with axe-core, on a desktop and a 360 px screen; the audit table by keyboard.
    for (const [name, who, path] of [
      ["audit-reads", "boss", "/admin/audit"],
      ["staff-own-activity", "boss", "/account/activity"],
      ["activity-viewed", "watched", "/account/activity"],
    ] as const) {
      const checked = await newCheckedPage(browser, { viewport: { width: 1280, height: 800 } });
      await signIn(checked.page, who, path);
      for (const width of [1280, 360]) {
        await checked.page.setViewportSize({ width, height: 800 });
        await checked.page.reload();
        const overflow = await checked.page.evaluate(
          "document.documentElement.scrollWidth - document.documentElement.clientWidth",
        );
        expect(overflow, `${path} at ${width}`).toBeLessThanOrEqual(0);
        if (path === "/admin/audit" && width === 1280) {
          // On a desktop screen every address and date of the audit is on one line, whole.
          const broken = await checked.page.evaluate(
            `[...document.querySelectorAll("tbody a, tbody .day")].filter((e) => e.getClientRects().length > 1).map((e) => e.textContent)`,
          );
          expect(broken).toEqual([]);
        }
        if (path === "/admin/audit" && width === 360) {
          // The table is wider than the screen and scrolls in its region: a shadow at the edge with
          // more of it beyond says so. Sampled in the table's top margin, where no text is.
          const region = checked.page.getByRole("region", { name: "Staff actions" });
          const edges = async () =>
            brightnessIn(browser, await region.screenshot(), [
              [2, 6],
              [-3, 6],
            ]);
          const [leftAtStart = 0, rightAtStart = 0] = await edges();
          expect(leftAtStart, "nothing to the left at first").toBeGreaterThan(250);
          expect(rightAtStart, "a shadow: more to the right").toBeLessThan(240);
          await region.evaluate((element) => {
            element.scrollLeft = element.scrollWidth;
          });
          const [leftAtEnd = 0, rightAtEnd = 0] = await edges();
          expect(leftAtEnd, "a shadow: more to the left").toBeLessThan(240);
          expect(rightAtEnd, "nothing to the right at the end").toBeGreaterThan(250);
          // The caption stays in view wherever the table is scrolled (it scrolled away before 2026-12-05);
          // within a pixel, as scrolling is in whole pixels and the region's edge may not be.
          const [caption, shown] = await Promise.all([
            region.locator("caption > span").boundingBox(),
            region.boundingBox(),
          ]);
          expect(caption?.x ?? -1, "the caption's start in view").toBeGreaterThanOrEqual((shown?.x ?? 0) - 1);
          expect(
            (caption?.x ?? 0) + (caption?.width ?? Infinity),
            "the caption's end in view",
          ).toBeLessThanOrEqual((shown?.x ?? 0) + (shown?.width ?? 0) + 1);
          await checked.page.screenshot({ path: `${shots}/audit-reads-360-scrolled.png`, fullPage: true });
          await region.evaluate((element) => {
            element.scrollLeft = 0;
          });
        }
        await expectAccessible(checked.page, `${name}${width === 360 ? "-360" : ""}`);
      }
      expect(checked.problems).toEqual([]);
      await checked.context.close();
    }
    const keyboard = await newCheckedPage(browser);
    await signIn(keyboard.page, "boss", "/admin/audit");
    let focused = "";
    for (let presses = 0; presses < 40 && focused !== "Staff actions"; presses += 1) {
      await keyboard.page.keyboard.press("Tab");
      focused = (await keyboard.page.evaluate(
        `document.activeElement?.getAttribute("aria-label") ?? ""`,
      )) as string;
    }
    expect(focused).toBe("Staff actions");
    await keyboard.context.close();
  });
});

describe("the signed-in pages on a 320 px screen (WCAG 1.4.10 reflow)", () => {
  it("never scroll sideways, with a long address, a long app name and the admin's tables", {
    timeout: 120_000,
  }, async () => {
    const name = "a.very.long.address.for.reflow+with-a-tag.and.more";
    const token = await register(name, "admin");
    await api("POST", "/apps", {
      token,
      body: {
        name: "AnAppWhoseNameHasNoSpacesAtAllAndGoesOnAndOn",
        redirectURIs: ["https://a-rather-long-host-name.for-an-app.example.com/oauth/callback/path"],
        allowedScopes: ["openid"],
        type: "confidential",
      },
    });
    const { context, page, problems } = await newCheckedPage(browser, {
      viewport: { width: 320, height: 640 },
    });
    await signIn(page, name, "/account");
    for (const path of [
      "/account",
      "/account/profile",
      "/account/developer-apps",
      "/admin/users",
      `/admin/users/${ids.target}`,
    ]) {
      await page.goto(`${baseURL}${path}`);
      const overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
      await expectAccessible(page, `narrow${path.replaceAll("/", "-").replace(ids.target ?? "", "user")}`);
    }
    expect(problems).toEqual([]);
    await context.close();
    // On a desktop screen the users table, long address and all, fits its card: nothing to scroll.
    const wide = await newCheckedPage(browser, { viewport: { width: 1280, height: 800 } });
    await signIn(wide.page, name, "/admin/users");
    const hidden = await wide.page.evaluate(
      `(() => { const region = document.querySelector(".table-scroll"); return region.scrollWidth - region.clientWidth; })()`,
    );
    expect(hidden).toBeLessThanOrEqual(0);
    await wide.page.screenshot({ path: `${shots}/wide-admin-users.png`, fullPage: true });
    await wide.context.close();
  });
});

describe("deleting one's own account in Chromium", () => {
  it("explains, asks for the email, deletes, signs the browser out; the address registers again", {
    timeout: 120_000,
  }, async () => {
    const { context, page, problems } = await newCheckedPage(browser);
    await signIn(page, "leaving", "/account/delete");
    expect(await page.getAttribute('nav a[aria-current="page"]', "href")).toBe("/account/delete");
    await expectAccessible(page, "account-delete");
    await page.fill("#confirm-email", "DELETE");
    await page.click("main button[type=submit]");
    await page.waitForSelector("[role=alert]");
    await expectAccessible(page, "account-delete-wrong-email");
    await page.fill("#confirm-email", "leaving@example.com");
    await page.click("main button[type=submit]");
    await page.waitForURL(`${baseURL}/account/deleted`);
    expect(await page.textContent("main")).toContain("Your account is deleted");
    await expectAccessible(page, "account-deleted");
    expect((await context.cookies()).map((cookie) => cookie.name)).not.toContain("superoauth_session");
    await page.goto(`${baseURL}/account`);
    expect(page.url()).toBe(`${baseURL}/account/sign-in?next=%2Faccount`);
    const again = await api("POST", "/auth/register", {
      body: { email: "leaving@example.com", password, nickname: "leaving" },
    });
    expect(again.status).toBe(201);
    expect((again.json.data.user as { id: string }).id).not.toBe(ids.leaving);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("the staff read allowance in Chromium", () => {
  it("a member of staff whose hour's reads are spent gets a 429 page saying when they can read again, and sees no one", {
    timeout: 120_000,
  }, async () => {
    await register("reader", "support");
    // STAFF_READS_PER_HOUR (300) reads recorded in the last minutes, as 300 search pages would be.
    const now = Date.now();
    for (let i = 0; i < 300; i++) {
      await service.storage.securityEvents.recordSecurityEvent({
        id: randomUUID(),
        userId: ids.reader as UserId,
        type: "users_searched",
        occurredAt: new Date(now - 600_000 + i),
        ip: "127.0.0.1",
        userAgent: "test",
        actorId: ids.reader as UserId,
        details: { query: "", results: 20, nextPage: true, by: "support" },
      });
    }
    const { context, page, problems } = await newCheckedPage(browser);
    await signIn(page, "reader", "/admin/users?q=quiet");
    expect(await page.textContent("h1")).toBe("Users");
    expect(await page.textContent("main")).toContain(
      "You have opened 300 accounts or search pages in the last hour, the most allowed for one member of staff. You can open more in 50 minutes.",
    );
    expect(await page.textContent("main")).not.toContain("quiet@example.com");
    await expectAccessible(page, "read-allowance-spent");
    const again = await page.goto(`${baseURL}/admin/users/${ids.quiet}`);
    expect(again?.status()).toBe(429);
    // The oldest of the 300 leaves the hour 50 minutes after the test began, less the seconds since.
    const retryAfter = Number(await again?.headerValue("retry-after"));
    expect(retryAfter).toBeGreaterThan(2900);
    expect(retryAfter).toBeLessThanOrEqual(3000);
    expect(problems.filter((problem) => !problem.includes("429"))).toEqual([]);
    await context.close();
  });
});
