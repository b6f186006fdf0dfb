import { generateTOTPCode } from "@superoauth/adapter-crypto";
import type { UserId } from "@superoauth/domain";
import { beforeAll, describe, expect, it } from "vitest";
import { password, useAdminConsole } from "./admin-console-setup.ts";
import { newCheckedPage } from "./browser.ts";

// The admin console and self-service deletion (issue 10) in Debian's Chromium against the composed
// service on MySQL: an admin searches, opens a person, resets their 2FA (their timeline says so),
// disables them with a reason (their sign-in then says so), changes a role and deletes with the
// typed email, and requires a new password of another; a support member sees fewer actions and
// mails a new verification link and a password-reset link, and unlinks a provider; a plain
// user gets 403; a person deletes their own account and the address registers again. axe-core on every page, one action by keyboard alone, one walk with
// JavaScript off; screenshots in test-results/admin-console. What staff read, the read allowance and
// the pages at 320 px are in admin-reads.browser.test.ts.

const shots = "test-results/admin-console";
const admin = useAdminConsole(shots);
const { ids, api, register, createAccount, changeAccount, signIn, people, clickAction, expectAccessible } =
  admin;

beforeAll(async () => {
  await register("boss", "admin");
  await createAccount("helper", "support");
  await createAccount("plain");
  await createAccount("promoted");
  await createAccount("gone");
  await createAccount("leaving");
  await createAccount("paused");
  // The person whose password the admin requires anew.
  await createAccount("compromised");
  // The person with GitHub and Google linked, one of them someone else's, for support to unlink.
  await createAccount("linked");
  for (const provider of ["github", "google"] as const) {
    await admin.service.storage.linkedProviders.linkProvider({
      userId: ids.linked as UserId,
      provider,
      subject: `${provider}-of-linked`,
      email: null,
      displayName: null,
      linkedAt: new Date(),
    });
  }
  // Through the API: a session of its own, for the admin to end.
  await register("quiet");
  // The person whose second factor the admin resets: 2FA on through the API.
  const token = await register("target");
  await admin.service.storage.users.markEmailVerified({ userId: ids.target as UserId, now: new Date() });
  const setup = await api("POST", "/auth/2fa/setup", { token });
  const secret = setup.json.data.secret as string;
  const enabled = await api("POST", "/auth/2fa/enable", {
    token,
    body: { code: await generateTOTPCode({ secret, now: new Date() }) },
  });
  expect(enabled.status).toBe(200);
}, 120_000);

describe("the admin console in Chromium", () => {
  it("sends a signed-out visitor of each page the tests open signed in to sign-in, to come back after", async () => {
    for (const path of [
      "/admin/users",
      "/admin/users?q=target",
      `/admin/users/${ids.quiet}`,
      `/admin/users/${ids.target}/delete`,
      "/admin/audit",
      "/admin/maintenance-notice",
      "/account",
      "/account/activity",
    ]) {
      const response = await fetch(`${admin.baseURL}${path}`, { redirect: "manual" });
      expect(response.status, path).toBe(303);
      expect(response.headers.get("location"), path).toBe(
        `/account/sign-in?next=${encodeURIComponent(path)}`,
      );
    }
  });

  it("an admin searches, opens a person, resets their 2FA, disables them and changes a role", {
    timeout: 180_000,
  }, async () => {
    const { context, page, problems } = await newCheckedPage(admin.browser);
    await signIn(page, "boss", "/admin", "/admin/users");
    expect(await page.getAttribute('nav[aria-label="Admin"] a[aria-current="page"]', "href")).toBe(
      "/admin/users",
    );
    await expectAccessible(page, "users");
    await page.fill("#q", "target");
    await page.press("#q", "Enter");
    await page.waitForURL(`${admin.baseURL}/admin/users?q=target`);
    expect(await page.locator("tbody tr").count()).toBe(1);
    await expectAccessible(page, "users-search");

    const targetPath = `/admin/users/${ids.target}`;
    await page.click('a:has-text("target@example.com")');
    await page.waitForURL(`${admin.baseURL}${targetPath}`);
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

    // The reason is asked for (required: an empty field is not sent) and shown beside the status.
    expect(await page.getAttribute("#reason", "required")).not.toBeNull();
    // The same page open in a second tab, which will disable the account after the first did.
    const second = await context.newPage();
    await second.goto(`${admin.baseURL}${targetPath}`);
    await page.fill("#reason", "Abusive messages (ticket 4127)");
    expect(await clickAction(page, "Disable the account", targetPath)).toContain("The account is disabled");
    expect(await page.textContent("dl")).toContain("Statusdisabled");
    expect(await page.textContent("#disabled-reason")).toBe("Abusive messages (ticket 4127)");
    await expectAccessible(page, "user-disabled");
    // The second tab's disable changes nothing, keeps neither reason silently, and says what stands.
    await second.fill("#reason", "Spam from the second tab");
    await second.click('main button:has-text("Disable the account")');
    await second.waitForSelector("#form-error");
    expect(await second.textContent("#form-error")).toBe(
      'This account was disabled after this page was loaded (in another tab, or by someone else), so nothing changed and your reason was not kept: "Spam from the second tab". The reason that stands: "Abusive messages (ticket 4127)". To give your reason instead, enable the account, then disable it again with it.',
    );
    await expectAccessible(second, "user-disabled-meanwhile");
    await second.close();
    const person = await newCheckedPage(admin.browser);
    await person.page.goto(`${admin.baseURL}/account/sign-in`);
    await person.page.fill("#email", "target@example.com");
    await person.page.fill("#password", password);
    await person.page.click("button[type=submit].primary");
    await person.page.waitForSelector("[role=alert]");
    expect(await person.page.textContent("[role=alert]")).toContain("This account has been disabled");
    await expectAccessible(person.page, "disabled-sign-in");
    await person.context.close();

    const promotedPath = `/admin/users/${ids.promoted}`;
    await page.goto(`${admin.baseURL}${promotedPath}`);
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

    const compromisedPath = `/admin/users/${ids.compromised}`;
    await page.goto(`${admin.baseURL}${compromisedPath}`);
    expect(await page.getAttribute('button:has-text("Require a new password")', "aria-describedby")).toBe(
      "require-new-password-hint",
    );
    expect(await clickAction(page, "Require a new password", compromisedPath)).toContain(
      "The password no longer signs in",
    );
    expect(await page.textContent("dl")).toContain("Passwordnone");
    await expectAccessible(page, "user-new-password-required");
    const refusedSignIn = await api("POST", "/auth/login", {
      body: { email: "compromised@example.com", password },
    });
    expect(refusedSignIn.status).toBe(401);

    await page.click('nav a[href="/admin/audit"]');
    await page.waitForURL(`${admin.baseURL}/admin/audit`);
    const audit = (await page.textContent("tbody")) ?? "";
    for (const type of [
      "role_changed",
      "account_disabled",
      "two_factor_reset",
      "email_verified",
      "password_reset_required",
    ])
      expect(audit).toContain(type);
    expect(audit).toContain('Disabled the account: "Abusive messages (ticket 4127)"');
    await expectAccessible(page, "audit");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("an admin deletes a person after typing their email", { timeout: 120_000 }, async () => {
    const { context, page, problems } = await people.open("boss", `/admin/users/${ids.gone}`);
    await page.click('a:has-text("Delete the account")');
    await page.waitForURL(`${admin.baseURL}/admin/users/${ids.gone}/delete`);
    await expectAccessible(page, "delete");
    await page.fill("#confirm-email", "someone@example.com");
    await page.click("main button[type=submit]");
    await page.waitForSelector("[role=alert]");
    expect(await page.textContent("[role=alert]")).toContain("Type the account's email address exactly");
    await expectAccessible(page, "delete-wrong-email");
    await page.fill("#confirm-email", "gone@example.com");
    await page.click("main button[type=submit]");
    await page.waitForURL(`${admin.baseURL}/admin/users`);
    expect(await page.textContent(".notice")).toContain("The account is deleted");
    const missing = await page.goto(`${admin.baseURL}/admin/users/${ids.gone}`);
    expect(missing?.status()).toBe(404);
    await expectAccessible(page, "deleted-user-404");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("ends a person's sessions with the keyboard alone", { timeout: 120_000 }, async () => {
    const quietPath = `/admin/users/${ids.quiet}`;
    const { context, page } = await people.open("boss", quietPath);
    let focused = "";
    for (let presses = 0; presses < 30 && focused !== "End every session"; presses += 1) {
      await page.keyboard.press("Tab");
      focused = (await page.evaluate(`document.activeElement?.textContent?.trim() ?? ""`)) as string;
    }
    expect(focused).toBe("End every session");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${admin.baseURL}${quietPath}`);
    await page.waitForSelector(".notice");
    expect(await page.textContent(".notice")).toContain("Every session of this account has ended");
    expect(await page.textContent("dl")).toContain("Sessions0");
    await expectAccessible(page, "sessions-revoked-keyboard");
    await context.close();
  });

  it("an admin puts a notice on the status page and clears it, from the keyboard", {
    timeout: 120_000,
  }, async () => {
    const { context, page, problems } = await people.open("boss", "/admin/maintenance-notice");
    await expectAccessible(page, "maintenance-notice-none");
    await page.getByLabel("Notice").focus();
    await page.keyboard.type("Upgrade on Sunday 02:00-02:15 UTC");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".notice");
    expect(await page.textContent("#current-notice")).toBe("Upgrade on Sunday 02:00-02:15 UTC");
    await expectAccessible(page, "maintenance-notice-set");
    const status = await context.newPage();
    await status.goto(`${admin.baseURL}/status`);
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
    const support = await newCheckedPage(admin.browser);
    await signIn(support.page, "helper", `/admin/users/${ids.quiet}`);
    const actions = await support.page.locator("main button").allTextContents();
    // The address is not verified: support may mail it a new link, as the person could ask for one;
    // and a password-reset link, as the person could at /forgot-password.
    expect(actions.map((text) => text.trim())).toEqual([
      "Send a new verification link",
      "Send a password-reset link",
      "End every session",
    ]);
    expect(await support.page.locator("#role").count()).toBe(0);
    await expectAccessible(support.page, "support-user");
    expect(
      await clickAction(support.page, "Send a new verification link", `/admin/users/${ids.quiet}`),
    ).toContain("A verification link is on its way to the address");
    await expectAccessible(support.page, "support-verification-resent");
    expect(
      await clickAction(support.page, "Send a password-reset link", `/admin/users/${ids.quiet}`),
    ).toContain("A password-reset link is on its way to the address");
    expect(await support.page.textContent("main")).toContain(
      "A password-reset link was mailed to you by support",
    );
    await expectAccessible(support.page, "support-password-reset-sent");
    const audit = await support.page.goto(`${admin.baseURL}/admin/audit`);
    expect(audit?.status()).toBe(403);
    expect(await support.page.textContent("main")).toContain("Not allowed");
    await expectAccessible(support.page, "support-audit-403");
    await support.context.close();

    const plain = await newCheckedPage(admin.browser);
    await plain.page.goto(`${admin.baseURL}/admin`);
    await plain.page.fill("#email", "plain@example.com");
    await plain.page.fill("#password", password);
    await plain.page.click("button[type=submit].primary");
    await plain.page.waitForURL(`${admin.baseURL}/admin`);
    expect(await plain.page.textContent("main")).toContain("Not allowed");
    await expectAccessible(plain.page, "plain-user-403");
    await plain.context.close();
  });

  it("support unlinks a provider someone else linked: a button per provider, what it does beside them, a notice after", {
    timeout: 120_000,
  }, async () => {
    const { context, page, problems } = await newCheckedPage(admin.browser);
    const linkedPath = `/admin/users/${ids.linked}`;
    await signIn(page, "helper", linkedPath);
    for (const name of ["GitHub", "Google"]) {
      expect(await page.getAttribute(`main button:has-text("Unlink ${name}")`, "aria-describedby")).toBe(
        "unlink-provider-hint",
      );
    }
    expect(await page.textContent("#unlink-provider-hint")).toContain(
      "the person can no longer sign in with it",
    );
    await expectAccessible(page, "user-unlink-providers");
    expect(await clickAction(page, "Unlink GitHub", linkedPath)).toContain("The provider is unlinked");
    expect(await page.locator('main button:has-text("Unlink GitHub")').count()).toBe(0);
    expect(await page.textContent("main")).toContain("GitHub was unlinked from your account by support");
    await expectAccessible(page, "user-provider-unlinked");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("walks the console with JavaScript off: search, open, enable", { timeout: 120_000 }, async () => {
    // A disabled person of this test's own (it relied on the first test's disabling before).
    await changeAccount("paused", { status: "disabled" });
    const { context, page } = await people.open("boss", "/admin/users?q=paused", {
      javaScriptEnabled: false,
    });
    await page.screenshot({ path: `${shots}/no-js-users.png`, fullPage: true });
    await page.click('a:has-text("paused@example.com")');
    await page.waitForURL(`${admin.baseURL}/admin/users/${ids.paused}`);
    // Disabled in the store with no reason, as an account disabled before reasons were kept.
    expect(await page.textContent("#disabled-reason")).toBe("no reason recorded");
    expect(await clickAction(page, "Enable the account", `/admin/users/${ids.paused}`)).toContain(
      "The account is enabled again",
    );
    await page.screenshot({ path: `${shots}/no-js-enabled.png`, fullPage: true });
    await context.close();
  });
});

describe("deleting one's own account in Chromium", () => {
  it("explains, asks for the email, deletes, signs the browser out; the address registers again", {
    timeout: 120_000,
  }, async () => {
    const { context, page, problems } = await newCheckedPage(admin.browser);
    await signIn(page, "leaving", "/account/delete");
    expect(await page.getAttribute('nav a[aria-current="page"]', "href")).toBe("/account/delete");
    await expectAccessible(page, "account-delete");
    await page.fill("#confirm-email", "DELETE");
    await page.click("main button[type=submit]");
    await page.waitForSelector("[role=alert]");
    await expectAccessible(page, "account-delete-wrong-email");
    await page.fill("#confirm-email", "leaving@example.com");
    await page.click("main button[type=submit]");
    await page.waitForURL(`${admin.baseURL}/account/deleted`);
    expect(await page.textContent("main")).toContain("Your account is deleted");
    await expectAccessible(page, "account-deleted");
    expect((await context.cookies()).map((cookie) => cookie.name)).not.toContain("superoauth_session");
    await page.goto(`${admin.baseURL}/account`);
    expect(page.url()).toBe(`${admin.baseURL}/account/sign-in?next=%2Faccount`);
    const again = await api("POST", "/auth/register", {
      body: { email: "leaving@example.com", password, nickname: "leaving" },
    });
    expect(again.status).toBe(201);
    expect((again.json.data.user as { id: string }).id).not.toBe(ids.leaving);
    expect(problems).toEqual([]);
    await context.close();
  });
});
