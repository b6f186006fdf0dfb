import { randomUUID } from "node:crypto";
import type { UserId } from "@superoauth/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { useAdminConsole } from "./admin-console-setup.ts";
import { brightnessIn, newCheckedPage } from "./browser.ts";

// What staff read in the admin console (issue 10), in Debian's Chromium against the composed
// service on MySQL: a search and a view show as reads in the audit and in the accounts' own logs,
// on a desktop and a 360 px screen; a member of staff whose hour's reads are spent gets the 429
// page; the signed-in pages never scroll sideways at 320 px. axe-core on every page; screenshots
// in test-results/admin-console. The console's actions are in admin-console.browser.test.ts.

const shots = "test-results/admin-console";
const admin = useAdminConsole(shots);
const { ids, api, register, createAccount, signIn, people, clickAction, expectAccessible } = admin;

beforeAll(async () => {
  await register("boss", "admin");
  await createAccount("quiet");
  await createAccount("target");
}, 120_000);

describe("staff reads in the audit and in the accounts' own logs", () => {
  it("a search and a view show as reads beside a change, in the audit, the person's log and the searcher's", {
    timeout: 180_000,
  }, async () => {
    await register("watched");
    const watchedPath = `/admin/users/${ids.watched}`;
    // Reached with JavaScript off: a search, the person opened, one change (their sessions ended).
    const { context, page } = await people.open("boss", "/admin/users?q=watched", {
      javaScriptEnabled: false,
    });
    await page.click('a:has-text("watched@example.com")');
    await page.waitForURL(`${admin.baseURL}${watchedPath}`);
    expect(await clickAction(page, "End every session", watchedPath)).toContain(
      "Every session of this account has ended",
    );
    await page.goto(`${admin.baseURL}/admin/audit`);
    const rows = (await page.locator("tbody tr").allTextContents()).map((row) => row.replace(/\s+/g, " "));
    const row = (words: string) => rows.find((text) => text.includes(words)) ?? "";
    expect(row('Searched the accounts for "watched" (1 found)')).toContain("Read");
    expect(row("Viewed the account's details")).toContain("watched@example.com");
    expect(row("Viewed the account's details")).toMatch(/ReadViewed/);
    expect(row("(sessions_revoked)")).toMatch(/ChangeSigned out every session of the account/);
    // Where the admin acted from: the address and the browser in words (never on the person's log).
    expect(row("(sessions_revoked)")).toMatch(/boss@example\.com from 127\.0\.0\.1, Chrome on Linux/);
    await page.screenshot({ path: `${shots}/no-js-audit-reads.png`, fullPage: true });
    await page.goto(`${admin.baseURL}/account/activity`);
    expect(await page.textContent(".timeline")).toContain('You searched the accounts for "watched", 1 found');
    await page.screenshot({ path: `${shots}/no-js-staff-own-activity.png`, fullPage: true });
    await context.close();

    const person = await people.open("watched", "/account/activity", { javaScriptEnabled: false });
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
      const checked = await people.open(who, path, { viewport: { width: 1280, height: 800 } });
      for (const width of [1280, 360]) {
        // Opened at 1280 px: a reload only for the other width (each was a reload, the first one a page load of nothing new).
        if (checked.page.viewportSize()?.width !== width) {
          await checked.page.setViewportSize({ width, height: 800 });
          await checked.page.reload();
        }
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
            brightnessIn(admin.browser, await region.screenshot(), [
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
    const keyboard = await people.open("boss", "/admin/audit");
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
    // Verified, as its mailed link would: registering an app waits for that.
    await admin.service.storage.users.markEmailVerified({ userId: ids[name] as UserId, now: new Date() });
    const registered = await api("POST", "/apps", {
      token,
      body: {
        name: "AnAppWhoseNameHasNoSpacesAtAllAndGoesOnAndOn",
        redirectURIs: ["https://a-rather-long-host-name.for-an-app.example.com/oauth/callback/path"],
        allowedScopes: ["openid"],
        type: "confidential",
      },
    });
    expect(registered.status).toBe(201);
    const { context, page, problems } = await people.open(name, "/account", {
      viewport: { width: 320, height: 640 },
    });
    for (const path of [
      "/account",
      "/account/profile",
      "/account/developer-apps",
      "/admin/users",
      `/admin/users/${ids.target}`,
    ]) {
      await page.goto(`${admin.baseURL}${path}`);
      const overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
      await expectAccessible(page, `narrow${path.replaceAll("/", "-").replace(ids.target ?? "", "user")}`);
    }
    expect(problems).toEqual([]);
    await context.close();
    // On a desktop screen the users table, long address and all, fits its card: nothing to scroll.
    const wide = await people.open(name, "/admin/users", { viewport: { width: 1280, height: 800 } });
    const hidden = await wide.page.evaluate(
      `(() => { const region = document.querySelector(".table-scroll"); return region.scrollWidth - region.clientWidth; })()`,
    );
    expect(hidden).toBeLessThanOrEqual(0);
    await wide.page.screenshot({ path: `${shots}/wide-admin-users.png`, fullPage: true });
    await wide.context.close();
  });
});

describe("the staff read allowance in Chromium", () => {
  it("a member of staff whose hour's reads are spent gets a 429 page saying when they can read again, and sees no one", {
    timeout: 120_000,
  }, async () => {
    await createAccount("reader", "support");
    // STAFF_READS_PER_HOUR (300) reads recorded in the last minutes, as 300 search pages would be.
    const now = Date.now();
    for (let i = 0; i < 300; i++) {
      await admin.service.storage.securityEvents.recordSecurityEvent({
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
    const { context, page, problems } = await newCheckedPage(admin.browser);
    await signIn(page, "reader", "/admin/users?q=quiet");
    expect(await page.textContent("h1")).toBe("Users");
    expect(await page.textContent("main")).toContain(
      "You have opened 300 accounts or search pages in the last hour, the most allowed for one member of staff. You can open more in 50 minutes.",
    );
    expect(await page.textContent("main")).not.toContain("quiet@example.com");
    await expectAccessible(page, "read-allowance-spent");
    const again = await page.goto(`${admin.baseURL}/admin/users/${ids.quiet}`);
    expect(again?.status()).toBe(429);
    // The oldest of the 300 leaves the hour 50 minutes after the test began, less the seconds since.
    const retryAfter = Number(await again?.headerValue("retry-after"));
    expect(retryAfter).toBeGreaterThan(2900);
    expect(retryAfter).toBeLessThanOrEqual(3000);
    expect(problems.filter((problem) => !problem.includes("429"))).toEqual([]);
    await context.close();
  });
});
