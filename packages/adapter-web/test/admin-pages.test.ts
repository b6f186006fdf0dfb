import { type Authenticated, createAdmin } from "@superoauth/application";
import { enableTwoFactorFor, linkIdentity, verifyAddress } from "@superoauth/application/testing";
import { ok, type Role } from "@superoauth/domain";
import type { FastifyBaseLogger, LightMyRequestResponse } from "fastify";
import { describe, expect, it, vi } from "vitest";
import { capturingLogger } from "../../adapter-http/test/test-app.ts";
import { pageLinks, pagePosition } from "../src/admin/paging.ts";
import { createAdminPages } from "../src/index.ts";
import { Browser, buildHostedTestApp, strongPassword } from "./test-app.ts";

function expectPage(response: LightMyRequestResponse, status: number): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
  expect(response.headers["content-security-policy"]).toMatch(/^default-src 'none'; script-src 'self';/);
  expect(response.body).not.toMatch(/<script|<style|<[^>]*\s(?:style|on[a-z]+)=/i);
}

/** The HTTP app with the admin console mounted, over in-memory ports. */
async function withConsole(
  options: {
    logger?: FastifyBaseLogger;
    settings?: { staffRequireTwoFactor?: boolean; staffReadsPerHour?: number; staffMailsPerHour?: number };
  } = {},
) {
  const built = await buildHostedTestApp({
    ...options,
    plugins: ({ useCases, browserSessions, cookies, secret }) => [
      createAdminPages({ useCases, browserSessions, cookies, secret }),
    ],
  });
  const { deps, useCases } = built;
  /** Registers `name@example.com` with the role given (set in the store, as `pnpm admin:create` does). */
  async function account(name: string, role: Role = "user"): Promise<Authenticated> {
    const signedUp = await useCases.registerWithPassword({
      email: `${name}@example.com`,
      password: strongPassword,
      nickname: name,
      client: {},
    });
    if (!signedUp.ok) throw new Error(`sign-up of ${name} failed`);
    if (role !== "user") {
      await deps.accountAdministration.updateAccount({
        userId: signedUp.value.user.id,
        change: { role },
        now: deps.clock.now(),
        guard: () => ok(undefined),
      });
    }
    const auth = await useCases.authenticateAccessToken({ token: signedUp.value.accessToken });
    if (!auth.ok) throw new Error(`no session for ${name}`);
    return auth.value;
  }
  /** A browser signed in as `name` at `/account/sign-in`. */
  async function browserOf(name: string): Promise<Browser> {
    const browser = new Browser(built.app);
    const signedIn = await browser.submit(
      "/account/sign-in?next=%2Fadmin",
      "/account/sign-in?next=%2Fadmin",
      {
        email: `${name}@example.com`,
        password: strongPassword,
      },
    );
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe("/admin");
    return browser;
  }
  return { ...built, account, browserOf };
}

/** The mails sent to `address` with `subject`. */
function mailsTo(
  deps: { mailer: { sentTo(to: string): readonly { subject: string }[] } },
  address: string,
  subject: string,
) {
  return deps.mailer.sentTo(address).filter((mail) => mail.subject === subject);
}

/** Posts an action form of a user's page with the CSRF token of a page the browser may open. */
function act(browser: Browser, path: string, form: Record<string, string> = {}) {
  return browser.submit("/account", path, form);
}

// Cold starts on a loaded machine pass the default 5 s: each describe allows 30 s.
describe("the admin console's gate", { timeout: 30_000 }, () => {
  it("sends a signed-out visitor to the account sign-in with the page as next", async () => {
    const { app } = await withConsole();
    const response = await app.inject({ method: "GET", url: "/admin/users?q=ada" });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/account/sign-in?next=%2Fadmin%2Fusers%3Fq%3Dada");
  });

  it("answers a plain user 403 on every page and every action", async () => {
    const { account, browserOf } = await withConsole();
    const target = await account("target");
    await account("plain");
    const browser = await browserOf("plain");
    for (const path of ["/admin", "/admin/users", `/admin/users/${target.user.id}`, "/admin/audit"]) {
      const refused = await browser.get(path);
      expectPage(refused, 403);
      expect(refused.body).toContain("Not allowed");
    }
    for (const action of [
      "disable",
      "enable",
      "unlock",
      "reset-2fa",
      "unlink-provider",
      "resend-verification",
      "send-password-reset",
      "require-new-password",
      "verify-email",
      "revoke-sessions",
      "role",
      "delete",
    ]) {
      expectPage(await act(browser, `/admin/users/${target.user.id}/${action}`, { role: "admin" }), 403);
    }
  });

  it("with STAFF_REQUIRE_2FA, staff without 2FA get a 403 page sending them to set it up, on every page and action", async () => {
    const { account, browserOf, deps } = await withConsole({ settings: { staffRequireTwoFactor: true } });
    const target = await account("target");
    const boss = await account("boss", "admin");
    const browser = await browserOf("boss");
    for (const path of [
      "/admin",
      "/admin/users",
      `/admin/users/${target.user.id}`,
      "/admin/audit",
      "/admin/maintenance-notice",
    ]) {
      const refused = await browser.get(path);
      expectPage(refused, 403);
      expect(refused.body).toContain("Turn on two-factor authentication");
      expect(refused.body).toContain(
        "Staff accounts need two-factor authentication on this service: turn it on in your account, then try again",
      );
      expect(refused.body).toContain('<a href="/account/two-factor">Set up two-factor authentication</a>');
      // The way out: signing out (another account may be let in).
      expect(refused.body).toContain("This browser is signed in as <strong>boss@example.com</strong>.");
      expect(refused.body).toMatch(
        /<form method="post" action="\/account\/sign-out">[\s\S]*<button type="submit">Sign out<\/button>/,
      );
    }
    expectPage(await act(browser, `/admin/users/${target.user.id}/disable`), 403);
    expect((await deps.users.findUserById(target.user.id))?.status).toBe("active");
    // The link's page is open to them: the account center is not staff's.
    expect((await browser.get("/account/two-factor")).statusCode).toBe(200);
    await enableTwoFactorFor(deps, boss.session);
    expectPage(await browser.get("/admin/users"), 200);
  });

  it("the 403 pages of a signed-in account offer signing out, which works", async () => {
    const { account, browserOf } = await withConsole({ settings: { staffRequireTwoFactor: true } });
    await account("boss", "admin");
    await account("plain");
    for (const name of ["boss", "plain"]) {
      const browser = await browserOf(name);
      const refused = await browser.get("/admin/users");
      expectPage(refused, 403);
      const signedOut = await browser.submit("/admin/users", "/account/sign-out", {});
      expect(signedOut.statusCode, signedOut.body).toBe(303);
      expect(signedOut.headers.location).toBe("/account/sign-in");
      expect((await browser.get("/admin/users")).headers.location).toBe(
        "/account/sign-in?next=%2Fadmin%2Fusers",
      );
    }
  });

  it("a staff member's browser session ends 12 hours after its sign-in; a user's goes on", async () => {
    const { account, browserOf, deps } = await withConsole();
    await account("boss", "admin");
    await account("plain");
    const staff = await browserOf("boss");
    const person = await browserOf("plain");
    deps.clock.advance(12 * 60 * 60_000 - 60_000);
    expectPage(await staff.get("/admin/users"), 200);
    deps.clock.advance(2 * 60_000);
    const ended = await staff.get("/admin/users");
    expect(ended.statusCode).toBe(303);
    expect(ended.headers.location).toBe("/account/sign-in?next=%2Fadmin%2Fusers");
    expectPage(await person.get("/account"), 200);
  });

  it("refuses an action without the CSRF token with the 403 page", async () => {
    const { account, browserOf } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    const refused = await browser.post(`/admin/users/${target.user.id}/disable`, {});
    expectPage(refused, 403);
    expect(refused.body).toContain("This form has expired");
  });
});

describe("user search", { timeout: 30_000 }, () => {
  it("finds by email or nickname and pages with Next and Previous links", async () => {
    const { account, browserOf } = await withConsole();
    await account("boss", "admin");
    for (let index = 0; index < 22; index += 1) await account(`member${String(index).padStart(2, "0")}`);
    const browser = await browserOf("boss");
    expect((await browser.get("/admin")).headers.location).toBe("/admin/users");

    const first = await browser.get("/admin/users?q=MEMBER");
    expectPage(first, 200);
    expect(first.body).toContain('<a href="/admin/users" aria-current="page">Users</a>');
    expect(first.body).toContain('aria-label="Admin"');
    expect(first.body.match(/<tr><td class="wrap address">/g)).toHaveLength(20);
    expect(first.body).toContain("member00@example.com");
    expect(first.body).not.toContain("member20@example.com");
    expect(first.body).not.toContain('rel="prev"');
    const next = /href="([^"]+)" rel="next"/.exec(first.body)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toMatch(/^\/admin\/users\?q=MEMBER&cursor=/);

    const second = await browser.get(next as string);
    expectPage(second, 200);
    expect(second.body.match(/<tr><td class="wrap address">/g)).toHaveLength(2);
    expect(second.body).toContain("member21@example.com");
    expect(second.body).not.toContain('rel="next"');
    expect(/href="([^"]+)" rel="prev"/.exec(second.body)?.[1]).toBe("/admin/users?q=MEMBER");

    const byNickname = await browser.get("/admin/users?q=member07");
    expect(byNickname.body.match(/<tr><td class="wrap address">/g)).toHaveLength(1);
    const none = await browser.get("/admin/users?q=nobody-at-all");
    expect(none.body).toContain("No account matches.");
  });

  it("a search term with a control character is 400 above the search form, lists no one and records nothing", async () => {
    const { account, browserOf, deps } = await withConsole();
    const boss = await account("boss", "admin");
    await account("ada");
    const browser = await browserOf("boss");
    for (const q of ["%00", "ada%00x", "a%09da", "ada%C2%85"]) {
      const refused = await browser.get(`/admin/users?q=${q}`);
      expectPage(refused, 400);
      expect(refused.body).toContain(
        '<p id="form-error" class="error" role="alert">The search must be printable text: it holds a control character (a NUL, a tab, a line break)</p>',
      );
      expect(refused.body).toContain('aria-describedby="form-error" aria-invalid="true"');
      expect(refused.body).toContain('value=""');
      expect(refused.body).not.toContain("ada@example.com");
      expect(refused.body).not.toContain("No account matches");
    }
    const searches = await deps.securityEvents.listSecurityEventsOfUser({ userId: boss.user.id, limit: 50 });
    expect(searches.map((event) => event.type)).not.toContain("users_searched");
  });

  it("steps back through several pages with the cursors carried in the links", () => {
    // Cursors are ids (isPageCursor); anything else in the query is ignored.
    const c = (n: number) => `00000000-0000-7000-8000-00000000000${n}`;
    const position = pagePosition({ cursor: c(2), back: c(1) });
    expect(pageLinks({ path: "/admin/audit", params: {}, position, nextCursor: c(3) })).toEqual({
      previous: `/admin/audit?cursor=${c(1)}`,
      next: `/admin/audit?cursor=${c(3)}&back=${c(1)}%2C${c(2)}`,
    });
    expect(pagePosition({ cursor: "bad cursor", back: c(1) })).toEqual({ cursor: undefined, back: [] });
    expect(pagePosition({ cursor: "not-an-id", back: c(1) })).toEqual({ cursor: undefined, back: [] });
    expect(pagePosition({ cursor: c(9), back: `${c(1)},<x>,c2,${c(2)}` }).back).toEqual([c(1), c(2)]);
  });
});

describe("a user's page", { timeout: 30_000 }, () => {
  it("shows the person and, to an admin, every action that applies", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    await enableTwoFactorFor(deps, target.session);
    await account("boss", "admin");
    const page = await (await browserOf("boss")).get(`/admin/users/${target.user.id}`);
    expectPage(page, 200);
    for (const text of [
      "target@example.com",
      "<dt>Role</dt><dd>user</dd>",
      "<dt>Status</dt><dd>active</dd>",
      "<dt>Two-step verification</dt><dd>on</dd>",
      "<dt>Sessions</dt><dd>1</dd>",
      "not locked",
      "/reset-2fa",
      "/send-password-reset",
      "/require-new-password",
      '<p class="hint" id="require-new-password-hint">Require a new password when someone else may know it: the password stops working at once, every session and app\'s access ends, and the address is mailed a link to choose a new one (valid for an hour), saying an administrator asked for it. Sign-in providers and two-step verification stay.</p>',
      "/revoke-sessions",
      "/disable",
      '<select id="role" name="role">',
      `href="/admin/users/${target.user.id}/delete"`,
    ]) {
      expect(page.body).toContain(text);
    }
    expect(page.body).not.toContain("/enable");
    expect(page.body).not.toContain("/unlock");
    // A verified address needs no new link.
    expect(page.body).not.toContain("/resend-verification");
    expect(page.body).not.toContain("Disabled because");
    // The disable asks why, and says who reads it.
    expect(page.body).toContain('<label for="reason">Reason for disabling</label>');
    expect(page.body).toContain("for staff only: the person is not shown it");
    expect(page.body).not.toMatch(/passwordHash|\$argon|totp_secret/i);
    // The account's own log, newest first, in the holder's words: this view, then 2FA turned on.
    const recent = page.body.slice(page.body.indexOf("<h2>Recent activity</h2>"));
    expect(recent).toContain('<ol class="items timeline">');
    const sentences = [...recent.matchAll(/<p class="event">([^<]*)<\/p>/g)].map((match) => match[1]);
    expect(sentences.length).toBeGreaterThanOrEqual(2);
    expect(sentences[0]).toMatch(/support|admin|staff/i);
    expect(sentences).toContain("Two-factor authentication was turned on");
  });

  it("counts the recent activity in words that agree with the count: one event, then events", async () => {
    const { account, browserOf, deps } = await withConsole();
    // A sign-up records nothing, so a new account's first view shows that view alone.
    const target = await account("target");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    const first = await browser.get(`/admin/users/${target.user.id}`);
    expectPage(first, 200);
    expect(first.body).toContain("The account's latest security event, in the person's own words.");
    const other = await account("other");
    await enableTwoFactorFor(deps, other.session);
    const later = await browser.get(`/admin/users/${other.user.id}`);
    expect(later.body).toMatch(
      /The account's latest [2-9] security events, newest first, in the person's own words\./,
    );
  });

  it("offers support only unlock, reset 2FA and revoke sessions, and nothing on an admin", async () => {
    const { account, browserOf, deps, useCases } = await withConsole();
    const target = await account("target");
    await enableTwoFactorFor(deps, target.session);
    for (let attempt = 0; attempt < deps.settings.lockout.threshold; attempt += 1) {
      await useCases.logInWithPassword({
        email: "target@example.com",
        password: "wrong-password-1",
        client: {},
      });
    }
    const boss = await account("boss", "admin");
    await account("helper", "support");
    const browser = await browserOf("helper");
    const page = await browser.get(`/admin/users/${target.user.id}`);
    expectPage(page, 200);
    expect(page.body).toContain("locked until");
    expect(page.body).toContain("/unlock");
    expect(page.body).toContain("/reset-2fa");
    expect(page.body).toContain("/revoke-sessions");
    expect(page.body).not.toContain("/disable");
    // Admins only: it locks the password out.
    expect(page.body).not.toContain("/require-new-password");
    expect(page.body).not.toContain('name="role"');
    expect(page.body).not.toContain("/delete");
    const onAdmin = await browser.get(`/admin/users/${boss.user.id}`);
    expectPage(onAdmin, 200);
    expect(onAdmin.body).toContain("Your role allows no action on this account.");
    expectPage(await browser.get("/admin/audit"), 403);
    expectPage(await browser.get(`/admin/users/${target.user.id}/delete`), 403);
  });

  it("offers an admin to require a new password of an active account, not of their own or a disabled one; done, the page says so and the person's activity shows it", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    const boss = await account("boss", "admin");
    const browser = await browserOf("boss");
    const base = `/admin/users/${target.user.id}`;
    const requiredMails = async () => {
      await deps.backgroundTasks.drain();
      return deps.mailer
        .sentTo("target@example.com")
        .filter((mail) => mail.subject === "Choose a new password for your account");
    };
    expect((await browser.get(`/admin/users/${boss.user.id}`)).body).not.toContain("/require-new-password");
    // Not verified: what the link will take away is said, not that providers and 2FA stay.
    expect((await browser.get(base)).body).toMatch(
      /id="require-new-password-hint">[^<]*saying an administrator asked for it\. The address is not verified yet, so using the link verifies it too: providers linked before are unlinked and a second factor turned on before is turned off\.<\/p>/,
    );

    const required = await act(browser, `${base}/require-new-password`);

    expect(required.statusCode, required.body).toBe(303);
    const after = (await browser.get(base)).body;
    expect(after).toContain(
      '<p class="notice" role="status">The password no longer signs in and every session of the account has ended: a link to choose a new one is on its way to the address.</p>',
    );
    expect(after).toContain("<dt>Password</dt><dd>none</dd>");
    expect(after).toContain("<dt>Sessions</dt><dd>0</dd>");
    expect(after).toContain("You were asked to choose a new password by an administrator");
    expect(await requiredMails()).toHaveLength(1);
    // Pressed again (a double click, a second tab): no second link is promised.
    expect((await act(browser, `${base}/require-new-password`)).statusCode).toBe(303);
    expect((await browser.get(base)).body).toContain(
      '<p class="notice" role="status">The password no longer signs in and every session of the account has ended. This click mailed no link: one mailed less than a minute ago (an earlier click, or the person&#39;s own request) is on its way, and it works.</p>',
    );
    expect(await requiredMails()).toHaveLength(1);
    // Its own refusals, as page errors: one's own account, a disabled one.
    const own = await act(browser, `/admin/users/${boss.user.id}/require-new-password`);
    expectPage(own, 403);
    expect(own.body).toContain("change your password in your account instead");
    await act(browser, `${base}/disable`, { reason: "Spam" });
    expect((await browser.get(base)).body).not.toContain("/require-new-password");
    const refused = await act(browser, `${base}/require-new-password`);
    expectPage(refused, 400);
    expect(refused.body).toContain(
      'role="alert">The account is disabled: enable it before requiring a new password (its reset links are refused)</p>',
    );
  });

  it("offers support an Unlink button per linked provider, with what it does; unlinked, the page says so and the person's activity shows it", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    const helper = await account("helper", "support");
    await linkIdentity(deps, { userId: target.user.id, provider: "github", subject: "gh-1" });
    await linkIdentity(deps, { userId: target.user.id, provider: "google", subject: "g-1" });
    const browser = await browserOf("helper");
    const base = `/admin/users/${target.user.id}`;
    const page = await browser.get(base);
    expectPage(page, 200);
    for (const name of ["GitHub", "Google"]) {
      expect(page.body).toContain(
        `<button type="submit" aria-describedby="unlink-provider-hint">Unlink ${name}</button>`,
      );
    }
    expect(page.body).toContain('<input type="hidden" name="provider" value="github">');
    // The facts name the providers as the buttons do.
    expect(page.body).toMatch(/<dt>Linked providers<\/dt><dd>GitHub, since [^;]+; Google, since /);
    expect(page.body).toContain(
      '<p class="hint" id="unlink-provider-hint">Unlinking a provider means the person can no longer sign in with it (they may link it again themselves); they are mailed about it. Sessions opened with it stay until you end every session. The account\'s password still signs in.</p>',
    );
    // Nobody unlinks their own this way: no button on one's own page, and the use case refuses it.
    await linkIdentity(deps, { userId: helper.user.id, provider: "github", subject: "gh-helper" });
    expect((await browser.get(`/admin/users/${helper.user.id}`)).body).not.toContain("/unlink-provider");
    const own = await act(browser, `/admin/users/${helper.user.id}/unlink-provider`, { provider: "github" });
    expectPage(own, 403);
    expect(own.body).toContain("unlink the provider from your account page");

    const unlinked = await act(browser, `${base}/unlink-provider`, { provider: "github" });

    expect(unlinked.statusCode, unlinked.body).toBe(303);
    const after = (await browser.get(base)).body;
    expect(after).toContain(
      '<p class="notice" role="status">The provider is unlinked: it no longer signs in to this account, and the person is mailed about it.</p>',
    );
    expect(after).not.toContain("Unlink GitHub");
    expect(after).toContain("GitHub was unlinked from your account by support");
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo("target@example.com").map((mail) => mail.subject)).toContain(
      "GitHub was unlinked from your account",
    );
    // The last way in: said before (no password, one provider) and after.
    await deps.users.updatePasswordHash({
      userId: target.user.id,
      passwordHash: null,
      now: deps.clock.now(),
    });
    expect((await browser.get(base)).body).toContain("It is the account's only way to sign in");
    expect((await act(browser, `${base}/unlink-provider`, { provider: "google" })).statusCode).toBe(303);
    expect((await browser.get(base)).body).toContain("it was the account&#39;s last way to sign in");
    // A provider id that is none: 400 with the reason on the page.
    const bad = await act(browser, `${base}/unlink-provider`, { provider: "GitHub" });
    expectPage(bad, 400);
    expect(bad.body).toContain("Supported providers are discord, twitch, google and github");
    // A stale proof goes to "Confirm it is you" first, and back to the page with nothing unlinked.
    await linkIdentity(deps, { userId: target.user.id, provider: "discord", subject: "d-1" });
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const stale = await act(browser, `${base}/unlink-provider`, { provider: "discord" });
    expect(stale.headers.location).toBe(`/account/confirm?next=${encodeURIComponent(base)}`);
    expect(await deps.linkedProviders.listLinkedProvidersOfUser(target.user.id)).toHaveLength(1);
    // Back from the proof, the page asks for the button again: nothing was typed, so it does not say
    // "What you typed is below" (the button's hidden provider field was kept as a draft before).
    await browser.submit(stale.headers.location as string, stale.headers.location as string, {
      password: strongPassword,
    });
    const back = await browser.get(base);
    expect(back.body).toContain("Thanks, you can make the change now.");
    expect(back.body).not.toContain("What you typed");
  });

  it("on a disabled account, the unlink's hint and notice say the way back starts with enabling it (no reset link reaches it before)", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    const other = await account("other");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    // With a password: it signs in again once the account is enabled.
    await linkIdentity(deps, { userId: other.user.id, provider: "github", subject: "gh-other" });
    const otherBase = `/admin/users/${other.user.id}`;
    expect((await act(browser, `${otherBase}/disable`, { reason: "Chargeback fraud" })).statusCode).toBe(303);
    expect((await browser.get(otherBase)).body).toContain(
      '<p class="hint" id="unlink-provider-hint">Unlinking a provider means the person can no longer sign in with it (they may link it again themselves once the account is enabled); they are mailed about it. The account\'s password still signs in once the account is enabled.</p>',
    );
    // Without one: no reset link reaches it until it is enabled.
    await linkIdentity(deps, { userId: target.user.id, provider: "github", subject: "gh-1" });
    await linkIdentity(deps, { userId: target.user.id, provider: "google", subject: "g-1" });
    await deps.users.updatePasswordHash({
      userId: target.user.id,
      passwordHash: null,
      now: deps.clock.now(),
    });
    const base = `/admin/users/${target.user.id}`;
    expect((await act(browser, `${base}/disable`, { reason: "Chargeback fraud" })).statusCode).toBe(303);
    expect((await browser.get(base)).body).toContain(
      "The account has no password: once its last provider is unlinked, once an admin enables the account (no password-reset link reaches it before), the person gets back in by choosing a password with a password-reset link.</p>",
    );
    expect((await act(browser, `${base}/unlink-provider`, { provider: "github" })).statusCode).toBe(303);
    expect((await browser.get(base)).body).toContain(
      "It is the account's only way to sign in: once it is unlinked, once an admin enables the account",
    );

    expect((await act(browser, `${base}/unlink-provider`, { provider: "google" })).statusCode).toBe(303);

    const after = (await browser.get(base)).body;
    expect(after).toContain(
      '<p class="notice" role="status">The provider is unlinked, and it was the account&#39;s last way to sign in: the person is mailed about it. The account is disabled, so no password-reset link reaches it: once an admin enables it, the person gets back in by choosing a password with a password-reset link.</p>',
    );
    await deps.backgroundTasks.drain();
    const mail = deps.mailer.sentTo("target@example.com").at(-1);
    expect(mail?.subject).toBe("Google was unlinked from your account");
    expect(mail?.text).toContain("Your account is disabled, so it cannot sign in");
  });

  it("offers an admin to mark an unverified address verified, with what that means, and not once it is", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    await account("helper", "support");
    const base = `/admin/users/${target.user.id}`;
    expect((await (await browserOf("helper")).get(base)).body).not.toContain("/verify-email");
    const browser = await browserOf("boss");
    const page = await browser.get(base);
    expectPage(page, 200);
    expect(page.body).toContain("<dd>target@example.com (not verified)</dd>");
    expect(page.body).toMatch(
      /<form method="post" action="\/admin\/users\/[^"]+\/verify-email">[\s\S]*?<button type="submit" aria-describedby="verify-email-hint">Mark the address verified<\/button>/,
    );
    expect(page.body).toContain('<p class="hint" id="verify-email-hint">Mark the address verified only once');
    // What it does, all of it, as docs/admin.md says: a support person must not promise the 2FA stays.
    expect(page.body).toContain("a second factor turned on before is turned off");

    const marked = await act(browser, `${base}/verify-email`);

    expect(marked.statusCode, marked.body).toBe(303);
    const after = await browser.get(base);
    expect(after.body).toContain("<dd>target@example.com (verified)</dd>");
    expect(after.body).not.toContain("/verify-email");
    expect(after.body).not.toContain("verify-email-hint");
    expect((await deps.users.findUserById(target.user.id))?.emailVerified).toBe(true);
  });

  /** The links support may have mailed to an account's own address, as the person could ask. */
  const staffMailedLinks = [
    {
      name: "a new verification link for an unverified address",
      path: "resend-verification",
      button: "Send a new verification link",
      hint: "the older links stop working, and at most 3 go out in an hour.",
      subject: "Verify your email address",
      atSignUp: 1,
      notice:
        "A verification link is on its way to the address: the newest link mailed works, older ones do not.",
      logged: "A new link to verify your email address was mailed to you by support",
      audit: 'Mailed the address a new verification link <span class="hint">(verification_resent)</span>',
    },
    {
      name: "a password-reset link for an active account",
      path: "send-password-reset",
      button: "Send a password-reset link",
      // The target's address is not verified: using the link proves it, with what that removes.
      hint: '<p class="hint" id="send-password-reset-hint">A password-reset link goes to the address above, as when the person asks for one themselves: it works for an hour, the older links stop working, and at most 3 go out in an hour. Nothing changes until the person uses it; choosing a new password then ends every session and every app\'s access. The address is not verified yet, so using the link verifies it too, as a verification link would: providers linked before are unlinked and a second factor turned on before is turned off.</p>',
      subject: "Reset your password",
      atSignUp: 0,
      notice:
        "A password-reset link is on its way to the address: the newest link mailed works, older ones do not.",
      logged: "A password-reset link was mailed to you by support",
      audit: 'Mailed the address a password-reset link <span class="hint">(password_reset_requested)</span>',
    },
  ] as const;

  it.each(staffMailedLinks)("offers support $name, sends it with a notice, and records it", async (link) => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    await account("helper", "support");
    const base = `/admin/users/${target.user.id}`;
    const browser = await browserOf("helper");
    const page = await browser.get(base);
    expectPage(page, 200);
    expect(page.body).toMatch(
      new RegExp(
        `action="[^"]+/${link.path}">[\\s\\S]*?<button type="submit" aria-describedby="${link.path}-hint">${link.button}</button>`,
      ),
    );
    expect(page.body).toContain(link.hint);
    const links = () =>
      deps.mailer.sentTo("target@example.com").filter((mail) => mail.subject === link.subject);
    await deps.backgroundTasks.drain();
    expect(links()).toHaveLength(link.atSignUp);
    // Past the minute in which a repeat of the sign-up's link mails nothing (ADR 0053).
    deps.clock.advance(61_000);

    const sent = await act(browser, `${base}/${link.path}`);

    expect(sent.statusCode, sent.body).toBe(303);
    expect(sent.headers.location).toBe(base);
    const after = (await browser.get(base)).body;
    expect(after).toContain(`<p class="notice" role="status">${link.notice}</p>`);
    expect(after).toContain(link.logged);
    await deps.backgroundTasks.drain();
    expect(links()).toHaveLength(link.atSignUp + 1);
    const audit = await (await browserOf("boss")).get("/admin/audit");
    expect(audit.body).toContain(`<td>Change</td><td>${link.audit}</td>`);
  });
  it("offers no new verification link once the address is verified, or on a disabled account; sent by hand, 400 with the reason", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    const base = `/admin/users/${target.user.id}`;
    await act(browser, `${base}/disable`, { reason: "Spam" });
    const disabledPage = (await browser.get(base)).body;
    expect(disabledPage).not.toContain("/resend-verification");
    // Where the button was, why it is not there and what to do.
    expect(disabledPage).not.toContain("/send-password-reset");
    expect(disabledPage).toContain(
      '<p class="hint" id="links-after-enabling-hint">No new verification link or password-reset link goes to a disabled account (its links are refused): they can be sent once an admin enables it.</p>',
    );
    deps.clock.advance(61_000);
    const disabled = await act(browser, `${base}/resend-verification`);
    expectPage(disabled, 400);
    expect(disabled.body).toContain(
      "The account is disabled: enable it before sending it a verification link",
    );
    await act(browser, `${base}/enable`);
    await deps.users.markEmailVerified({ userId: target.user.id, now: deps.clock.now() });
    const page = await browser.get(base);
    expect(page.body).not.toContain("/resend-verification");
    expect(page.body).not.toContain("resend-verification-hint");
    expect(page.body).not.toContain("links-after-enabling-hint");
    const verified = await act(browser, `${base}/resend-verification`);
    expectPage(verified, 400);
    expect(verified.body).toContain(
      'role="alert">The address is already verified: there is no link to send</p>',
    );
  });

  it("past the address's hourly allowance of links, a new one is refused with a 429 page and Retry-After", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    await account("helper", "support");
    const browser = await browserOf("helper");
    const base = `/admin/users/${target.user.id}`;
    // The sign-up's link, then two more: the hour's allowance (3).
    for (let sent = 1; sent < 3; sent += 1) {
      deps.clock.advance(61_000);
      expect((await act(browser, `${base}/resend-verification`)).statusCode).toBe(303);
    }
    deps.clock.advance(61_000);
    const refused = await act(browser, `${base}/resend-verification`);
    expectPage(refused, 429);
    expect(refused.headers["retry-after"]).toBe("3600");
    expect(refused.body).toContain(
      "the most allowed: the newest of them works until it is used or expires; send another later",
    );
  });

  it("says a password-reset link gives an account without a password its first; on a disabled account offers none and says why; sent by hand, 400", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    const user = await deps.users.findUserById(target.user.id);
    if (user === null) throw new Error("no user");
    deps.users.replaceUser({ ...user, emailVerified: true, passwordHash: null });
    const browser = await browserOf("boss");
    const base = `/admin/users/${target.user.id}`;
    expect((await browser.get(base)).body).toContain(
      "choosing a new password then ends every session and every app's access, and gives the account a password (it has none now).</p>",
    );
    // Nor does requiring one say a password stops working: there is none.
    expect((await browser.get(base)).body).toMatch(
      /id="require-new-password-hint">The account has no password: requiring one ends every session and app's access, and the address is mailed a link to choose one \(valid for an hour\), saying an administrator asked for it\./,
    );
    await act(browser, `${base}/disable`, { reason: "Spam" });
    const disabledPage = (await browser.get(base)).body;
    expect(disabledPage).not.toContain("/send-password-reset");
    expect(disabledPage).not.toContain("send-password-reset-hint");
    // The address is verified: only the reset link is named.
    expect(disabledPage).toContain(
      '<p class="hint" id="links-after-enabling-hint">No password-reset link goes to a disabled account (its links are refused): one can be sent once an admin enables it.</p>',
    );
    const refused = await act(browser, `${base}/send-password-reset`);
    expectPage(refused, 400);
    expect(refused.body).toContain(
      'role="alert">The account is disabled: enable it before sending it a password-reset link</p>',
    );
    await deps.backgroundTasks.drain();
    expect(
      deps.mailer.sentTo("target@example.com").filter((mail) => mail.subject === "Reset your password"),
    ).toHaveLength(0);
  });

  it("offers an admin with 2FA on no 2FA reset on their own page, which the use case refuses there", async () => {
    const { account, browserOf, deps } = await withConsole();
    const boss = await account("boss", "admin");
    await account("other", "admin");
    const browser = await browserOf("boss");
    await enableTwoFactorFor(deps, boss.session);
    const page = await browser.get(`/admin/users/${boss.user.id}`);
    expectPage(page, 200);
    expect(page.body).toContain("<dt>Two-step verification</dt><dd>on</dd>");
    expect(page.body).toContain("/revoke-sessions");
    expect(page.body).not.toContain("/reset-2fa");
  });

  it("answers an unknown or malformed id, or an account deleted meanwhile, with the 404 page saying it may have been deleted and linking the search", async () => {
    const { account, browserOf, useCases } = await withConsole();
    const boss = await account("boss", "admin");
    const gone = await account("gone");
    const browser = await browserOf("boss");
    expectPage(await browser.get(`/admin/users/${gone.user.id}`), 200);
    // Another admin deletes it while this page is open.
    expect((await useCases.deleteUser({ actor: boss, userId: gone.user.id })).ok).toBe(true);
    const said = "No account has this id: it may have been deleted.";
    for (const response of [
      await browser.get(`/admin/users/${gone.user.id}`),
      await act(browser, `/admin/users/${gone.user.id}/unlock`),
      await browser.get("/admin/users/0190d7a0-0000-7000-8000-000000000000"),
      await browser.get("/admin/users/not%20an%20id"),
      await act(browser, "/admin/users/0190d7a0-0000-7000-8000-000000000000/unlock"),
    ]) {
      expectPage(response, 404);
      expect(response.body).toContain(`<p>${said}</p>`);
      expect(response.body).toContain('<p><a href="/admin/users">Back to the user search</a></p>');
    }
  });
});

describe("the actions, role by role", { timeout: 30_000 }, () => {
  const actions = [
    // The target is not locked: the click is answered as one that found the lock lifted already.
    {
      path: "unlock",
      support: 303,
      notice:
        "The account was not locked (an earlier click, another tab or another member of staff lifted the lock, or it had none): this click changed nothing.",
    },
    { path: "reset-2fa", support: 303, notice: "Two-step verification is off for this account." },
    { path: "revoke-sessions", support: 303, notice: "Every session of this account has ended." },
    // The target has no GitHub linked: the click is answered as one that found it unlinked already.
    {
      path: "unlink-provider",
      support: 303,
      notice:
        "That provider was not linked any more (an earlier click, another tab or another member of staff unlinked it): this click changed nothing and mailed nothing.",
      form: { provider: "github" },
    },
    {
      path: "require-new-password",
      support: 403,
      notice:
        "The password no longer signs in and every session of the account has ended: a link to choose a new one is on its way to the address.",
    },
    {
      path: "send-password-reset",
      support: 303,
      notice:
        "A password-reset link is on its way to the address: the newest link mailed works, older ones do not.",
    },
    {
      path: "verify-email",
      support: 403,
      notice: "The address is marked verified, and its holder is mailed about it.",
    },
    {
      path: "disable",
      support: 403,
      notice: "The account is disabled and every session of it has ended.",
      form: { reason: "Abusive messages" },
    },
    // The target is active: the enable says it changed and mailed nothing more.
    {
      path: "enable",
      support: 403,
      notice:
        "The account was active already (an earlier click, another tab or another member of staff enabled it): this click changed nothing and mailed nothing more.",
    },
    { path: "role", support: 403, notice: "The role is changed.", form: { role: "support" } },
    { path: "delete", support: 403, notice: "The account is deleted.", form: { confirm_email: "" } },
  ];

  for (const role of ["support", "admin"] as const) {
    for (const action of actions) {
      const expected = role === "admin" ? 303 : action.support;
      it(`${role} ${action.path}: ${expected}`, async () => {
        const { account, browserOf, deps } = await withConsole();
        const target = await account("target");
        await enableTwoFactorFor(deps, target.session);
        await account("staff", role);
        const browser = await browserOf("staff");
        const form = action.path === "delete" ? { confirm_email: "target@example.com" } : (action.form ?? {});
        const response = await act(browser, `/admin/users/${target.user.id}/${action.path}`, form);
        if (expected === 403) {
          expectPage(response, 403);
          expect(response.body).toContain("Not allowed");
          return;
        }
        expect(response.statusCode, response.body).toBe(303);
        const back = action.path === "delete" ? "/admin/users" : `/admin/users/${target.user.id}`;
        expect(response.headers.location).toBe(back);
        const shown = await browser.get(back);
        expect(shown.body).toContain(`<p class="notice" role="status">${action.notice}</p>`);
        expect((await browser.get(back)).body).not.toContain(action.notice);
      });
    }
  }

  it("a second unlock or end of every session (another tab, another member of staff) says it changed nothing; one recorded, one mail", async () => {
    const { account, browserOf, deps, useCases } = await withConsole();
    const target = await account("target");
    for (let attempt = 0; attempt < deps.settings.lockout.threshold; attempt += 1) {
      await useCases.logInWithPassword({
        email: "target@example.com",
        password: "wrong-password-1",
        client: {},
      });
    }
    await account("helper", "support");
    const first = await browserOf("helper");
    const second = await browserOf("helper");
    const base = `/admin/users/${target.user.id}`;
    // Both tabs loaded the page while the account was locked and signed in.
    for (const tab of [first, second]) expect((await tab.get(base)).body).toContain("locked until");
    const notices = [
      ["unlock", "The sign-in lock is lifted."],
      [
        "unlock",
        "The account was not locked (an earlier click, another tab or another member of staff lifted the lock, or it had none): this click changed nothing.",
      ],
      ["revoke-sessions", "Every session of this account has ended."],
      [
        "revoke-sessions",
        "The account had no session left to end (an earlier click, another tab or another member of staff ended them, or it had none): this click changed nothing and mailed nothing.",
      ],
    ] as const;
    for (const [index, [path, notice]] of notices.entries()) {
      const tab = index % 2 === 0 ? first : second;
      expect((await act(tab, `${base}/${path}`)).headers.location).toBe(base);
      expect((await tab.get(base)).body).toContain(`<p class="notice" role="status">${notice}</p>`);
    }
    const recorded = (
      await deps.securityEvents.listSecurityEventsOfUser({ userId: target.user.id, limit: 50 })
    )
      .map((event) => event.type)
      .filter((type) => type === "account_unlocked" || type === "sessions_revoked");
    expect(recorded.sort()).toEqual(["account_unlocked", "sessions_revoked"]);
    await deps.backgroundTasks.drain();
    expect(mailsTo(deps, "target@example.com", "Your account was signed out everywhere")).toHaveLength(1);
  });

  it("'End every session' on one's own page warns it signs this browser out; done, the sign-in page says why and leads back", async () => {
    const { account, browserOf } = await withConsole();
    const boss = await account("boss", "admin");
    const target = await account("target");
    const browser = await browserOf("boss");
    const hint =
      "This is your own account: ending every session includes this one, so you will be signed out of the console and asked to sign in again.";
    const own = await browser.get(`/admin/users/${boss.user.id}`);
    expectPage(own, 200);
    expect(own.body).toContain(
      '<button type="submit" aria-describedby="revoke-sessions-hint">End every session</button>',
    );
    expect(own.body).toContain(`<p class="hint" id="revoke-sessions-hint">${hint}</p>`);
    const other = await browser.get(`/admin/users/${target.user.id}`);
    expect(other.body).toContain("End every session");
    expect(other.body).not.toContain(hint);

    const ended = await act(browser, `/admin/users/${boss.user.id}/revoke-sessions`);
    expect(ended.statusCode, ended.body).toBe(303);
    const signIn = `/account/sign-in?next=%2Fadmin%2Fusers%2F${boss.user.id}`;
    expect(ended.headers.location).toBe(signIn);
    const page = await browser.get(signIn);
    expectPage(page, 200);
    expect(page.body).toContain(
      '<p class="notice" role="status">Every session of your account has ended, this one included, so you are signed out: sign in again to go on.</p>',
    );
    const again = await browser.submit(signIn, signIn, {
      email: "boss@example.com",
      password: strongPassword,
    });
    expect(again.headers.location).toBe(`/admin/users/${boss.user.id}`);
    expectPage(await browser.get(`/admin/users/${boss.user.id}`), 200);
  });

  it("applies each action: disabled, 2FA reset, sessions ended, role changed, deleted", async () => {
    const { account, browserOf, deps, useCases } = await withConsole();
    const target = await account("target");
    await enableTwoFactorFor(deps, target.session);
    const boss = await account("boss", "admin");
    const browser = await browserOf("boss");
    const base = `/admin/users/${target.user.id}`;
    await act(browser, `${base}/reset-2fa`);
    expect(await browser.get(base).then((page) => page.body)).toContain(
      "<dt>Two-step verification</dt><dd>off</dd>",
    );
    await act(browser, `${base}/revoke-sessions`);
    expect(await browser.get(base).then((page) => page.body)).toContain("<dt>Sessions</dt><dd>0</dd>");
    await act(browser, `${base}/disable`, { reason: "Chargeback fraud <ticket 4127>" });
    const disabled = await browser.get(base);
    expect(disabled.body).toContain("<dt>Status</dt><dd>disabled</dd>");
    // The reason beside the status, escaped, for staff.
    expect(disabled.body).toContain(
      '<dt>Disabled because</dt><dd id="disabled-reason">Chargeback fraud &lt;ticket 4127&gt;</dd>',
    );
    expect(disabled.body).toContain("/enable");
    const login = await useCases.logInWithPassword({
      email: "target@example.com",
      password: strongPassword,
      client: {},
    });
    expect(login.ok ? null : login.error).toBe("ACCOUNT_DISABLED");
    // Enabled, then again (a double click's second request, or a stale tab): the second says it did
    // nothing more, not that nothing was done at all (the first mailed the person).
    await act(browser, `${base}/enable`);
    expect((await browser.get(base)).body).toContain(
      '<p class="notice" role="status">The account is enabled again.</p>',
    );
    await act(browser, `${base}/enable`);
    expect((await browser.get(base)).body).toContain(
      '<p class="notice" role="status">The account was active already (an earlier click, another tab or another member of staff enabled it): this click changed nothing and mailed nothing more.</p>',
    );
    await deps.backgroundTasks.drain();
    expect(mailsTo(deps, "target@example.com", "Your account was enabled again")).toHaveLength(1);
    await act(browser, `${base}/role`, { role: "support" });
    expect(await browser.get(base).then((page) => page.body)).toContain("<dt>Role</dt><dd>support</dd>");
    await act(browser, `${base}/delete`, { confirm_email: " TARGET@example.com " });
    expectPage(await browser.get(base), 404);
    // The people of the page are read in one go (one read per person before, with their 2FA,
    // providers, sessions and lock: five statements each).
    const batchReads = vi.spyOn(deps.users, "findUsersByIds");
    const audit = await browser.get("/admin/audit");
    expect(batchReads).toHaveBeenCalledTimes(1);
    expect(batchReads.mock.calls[0]?.[0]).toContain(boss.user.id);
    expectPage(audit, 200);
    expect(audit.body).toContain('<a href="/admin/audit" aria-current="page">Audit log</a>');
    for (const type of [
      "two_factor_reset",
      "sessions_revoked",
      "account_disabled",
      "role_changed",
      "account_deleted",
    ]) {
      expect(audit.body).toContain(`(${type})`);
    }
    // The reason was about the person: deleting the account took it with the entry's other details,
    // and the audit says so rather than that none was given.
    expect(audit.body).toContain("Disabled the account (its reason was erased with the account)");
    expect(audit.body).not.toContain("ticket 4127");
    // People by their email; the deleted account only by its pseudonym.
    expect(audit.body).toMatch(/<a href="\/admin\/users\/[^"]+">boss@example.com<\/a>/);
    expect(audit.body).not.toContain("target@example.com");
    expect(audit.body).toContain("deleted account <code>");
  });
});

describe("the admins pnpm admin:create made, in the audit log", { timeout: 30_000 }, () => {
  it("an admin made on the server is listed, its actor 'On the server'", async () => {
    const { account, browserOf, deps } = await withConsole();
    const boss = await account("boss");
    await deps.users.markEmailVerified({ userId: boss.user.id, now: deps.clock.now() });
    const made = await createAdmin(deps, { email: "boss@example.com" });
    expect(made.ok && made.value.outcome).toBe("promoted");
    const audit = await (await browserOf("boss")).get("/admin/audit");
    expectPage(audit, 200);
    expect(audit.body).toContain(
      'On the server <span class="hint">(pnpm admin:create)</span></td><td>Change</td><td>Made an admin with pnpm admin:create <span class="hint">(role_changed)</span></td>',
    );
    // The account made an admin, as every target: by its email.
    expect(audit.body).toMatch(
      /\(role_changed\)<\/span><\/td><td class="wrap address"><a href="\/admin\/users\/[^"]+">boss@example.com<\/a>/,
    );
  });
});

describe("staff reads in the audit log", { timeout: 30_000 }, () => {
  it("opening a user's page and searching are recorded, shown as reads beside the changes", async () => {
    const { account, browserOf } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    expectPage(await browser.get("/admin/users?q=target%40example.com"), 200);
    expectPage(await browser.get(`/admin/users/${target.user.id}`), 200);
    // Reloads (every action comes back to the page) fold into the first view.
    expectPage(await browser.get(`/admin/users/${target.user.id}`), 200);
    await act(browser, `/admin/users/${target.user.id}/revoke-sessions`);

    const audit = await browser.get("/admin/audit");
    expectPage(audit, 200);
    const rows = audit.body.split("<tr>").filter((row) => row.includes("<time"));
    const kindAndAction = rows.map((row) => /<td>(Read|Change)<\/td><td>([^<]*)/.exec(row)?.slice(1, 3));
    expect(kindAndAction).toEqual([
      ["Change", "Signed out every session of the account "],
      ["Read", "Viewed the account&#39;s details "],
      ["Read", "Searched the accounts for &quot;t***@example.com&quot; (1 found) "],
    ]);
  });

  it("fails closed: a read that cannot be recorded shows the 500 page, not the account", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    vi.spyOn(deps.securityEvents, "recordStaffEntry").mockRejectedValue(new Error("log store down"));
    for (const path of [`/admin/users/${target.user.id}`, "/admin/users?q=target"]) {
      const response = await browser.get(path);
      expectPage(response, 500);
      expect(response.body).not.toContain("target@example.com");
    }
  });
});

describe("refusals shown as page errors", { timeout: 30_000 }, () => {
  it("past the read allowance (STAFF_READS_PER_HOUR), user pages and searches answer a 429 page with Retry-After, sharing the API's count", async () => {
    const { account, browserOf, useCases } = await withConsole({ settings: { staffReadsPerHour: 2 } });
    const target = await account("target");
    const other = await account("other");
    const helper = await account("helper", "support");
    // A read through the API counts toward the same allowance.
    const viaApi = await useCases.getUserDetails({ actor: helper, userId: target.user.id });
    expect(viaApi.ok).toBe(true);
    const browser = await browserOf("helper");
    expectPage(await browser.get("/admin/users?q=target"), 200);
    for (const path of ["/admin/users?q=other", `/admin/users/${other.user.id}`]) {
      const refused = await browser.get(path);
      expectPage(refused, 429);
      expect(refused.headers["retry-after"]).toBe("3600");
      expect(refused.body).toContain(
        "You have opened 2 accounts or search pages in the last hour, the most allowed for one member of staff.",
      );
      expect(refused.body).not.toContain("other@example.com");
    }
    // The account already viewed within 10 minutes opens again: a repeat is not a new read.
    expectPage(await browser.get(`/admin/users/${target.user.id}`), 200);
  });

  it("past the mail allowance (STAFF_MAILS_PER_HOUR), a link is refused with a 429 page and Retry-After, sharing the API's count; nothing mailed", async () => {
    const { account, browserOf, deps, useCases } = await withConsole({ settings: { staffMailsPerHour: 1 } });
    const target = await account("target");
    const other = await account("other");
    const helper = await account("helper", "support");
    // A link sent through the API counts toward the same allowance.
    expect((await useCases.sendUserPasswordReset({ actor: helper, userId: target.user.id })).ok).toBe(true);
    const browser = await browserOf("helper");
    for (const path of ["resend-verification", "send-password-reset"]) {
      const refused = await act(browser, `/admin/users/${other.user.id}/${path}`);
      expectPage(refused, 429);
      expect(refused.headers["retry-after"]).toBe("3600");
      expect(refused.body).toContain(
        "You have had 1 verification or password-reset links mailed in the last hour, the most allowed for one member of staff. You can send more in 60 minutes.",
      );
    }
    await deps.backgroundTasks.drain();
    // Only the sign-up's verification link went to the other account.
    expect(deps.mailer.sentTo("other@example.com")).toHaveLength(1);
  });

  it("support acting on an admin: 403 with the use case's words on the user's page", async () => {
    const { account, browserOf } = await withConsole();
    const boss = await account("boss", "admin");
    await account("helper", "support");
    const browser = await browserOf("helper");
    const refused = await act(browser, `/admin/users/${boss.user.id}/revoke-sessions`);
    expectPage(refused, 403);
    expect(refused.body).toContain('role="alert">Your role does not allow this action on this account</p>');
    expect(refused.body).toContain("boss@example.com");
    // Support acts on users only, a new verification link and a password-reset link included.
    expectPage(await act(browser, `/admin/users/${boss.user.id}/resend-verification`), 403);
    expectPage(await act(browser, `/admin/users/${boss.user.id}/send-password-reset`), 403);
  });

  it("each refusal is logged with who tried, by id and role: the page's gate and the use case's", async () => {
    const entries: unknown[][] = [];
    const { account, browserOf } = await withConsole({ logger: capturingLogger(entries) });
    const boss = await account("boss", "admin");
    const plain = await account("plain");
    const helper = await account("helper", "support");
    expectPage(await (await browserOf("plain")).get("/admin/users?q=boss"), 403);
    expectPage(await act(await browserOf("helper"), `/admin/users/${boss.user.id}/revoke-sessions`), 403);

    const refused = entries.filter((entry) => entry[1] === "access refused").map((entry) => entry[0]);
    expect(refused).toEqual([
      { userId: plain.user.id, role: "user", url: "/admin/users" },
      { userId: helper.user.id, role: "support", url: `/admin/users/${boss.user.id}/revoke-sessions` },
    ]);
  });

  it("the last admin cannot disable, demote or delete themselves (409 LAST_ADMIN)", async () => {
    const { account, browserOf } = await withConsole();
    const boss = await account("boss", "admin");
    const browser = await browserOf("boss");
    const base = `/admin/users/${boss.user.id}`;
    for (const [path, form] of [
      ["disable", { reason: "Leaving" }],
      ["role", { role: "user" }],
    ] as const) {
      const refused = await act(browser, `${base}/${path}`, form);
      expectPage(refused, 409);
      expect(refused.body).toContain("last active admin");
    }
    const deleted = await act(browser, `${base}/delete`, { confirm_email: "boss@example.com" });
    expectPage(deleted, 409);
    expect(deleted.body).toContain("last active admin");
    expect(deleted.body).toContain('name="confirm_email"');
  });

  it("a disable without a reason, or with one too long, is 400 beside the reason field and changes nothing", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    const base = `/admin/users/${target.user.id}`;
    for (const [reason, message] of [
      ["   ", "The reason must not be empty: say why the account is disabled"],
      ["x".repeat(501), "The reason must be at most 500 characters"],
    ] as const) {
      const refused = await act(browser, `${base}/disable`, { reason });
      expectPage(refused, 400);
      // In the disable's form, between the label and the field that takes the focus: not at the
      // page's top, out of sight on a narrow screen once the field low on the page has the focus.
      // What was typed is kept, to correct rather than type again.
      expect(refused.body).not.toContain('id="form-error"');
      expect(refused.body).toContain(
        `<label for="reason">Reason for disabling</label>\n<p id="reason-error" class="error" role="alert">${message}</p>\n<input id="reason" name="reason" required maxlength="500" value="${reason}" aria-describedby="reason-error reason-hint" aria-invalid="true" autofocus>`,
      );
      expect(refused.body).toContain("<dt>Status</dt><dd>active</dd>");
    }
    // Sent without the field at all (a hand-made form): the same refusal.
    expectPage(await act(browser, `${base}/disable`), 400);
    expect((await deps.users.findUserById(target.user.id))?.status).toBe("active");
  });

  it("a disable of an account disabled meanwhile says so (409): the reason that stands, the one typed and dropped, and how to change it", async () => {
    const { account, browserOf, deps, useCases } = await withConsole();
    const target = await account("target");
    const deputy = await account("deputy", "admin");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    const base = `/admin/users/${target.user.id}`;
    // The boss's page shows the account active; the deputy disables it first.
    expect((await browser.get(base)).body).toContain('id="reason"');
    await useCases.changeUserStatus({
      actor: deputy,
      userId: target.user.id,
      status: "disabled",
      reason: "Chargeback fraud <ticket 4127>",
    });
    const late = await act(browser, `${base}/disable`, { reason: " Abusive messages " });
    expectPage(late, 409);
    expect(late.body).toContain(
      '<p id="form-error" class="error" role="alert">This account was disabled after this page was loaded (in another tab, or by someone else), so nothing changed and your reason was not kept: &quot;Abusive messages&quot;. The reason that stands: &quot;Chargeback fraud &lt;ticket 4127&gt;&quot;. To give your reason instead, enable the account, then disable it again with it.</p>',
    );
    expect(late.body).toContain("<dt>Status</dt><dd>disabled</dd>");
    expect(late.body).toContain("/enable");
    expect(await deps.accountAdministration.findDisabledReason(target.user.id)).toBe(
      "Chargeback fraud <ticket 4127>",
    );
    expect(deps.securityEvents.all().filter((event) => event.type === "account_disabled")).toHaveLength(1);
    // The same reason again (a double click): nothing was dropped, a plain success.
    const again = await act(browser, `${base}/disable`, { reason: "Chargeback fraud <ticket 4127>" });
    expect(again.statusCode).toBe(303);
    expect((await browser.get(base)).body).toContain(
      "The account is disabled and every session of it has ended.",
    );
  });

  it("an account disabled before reasons were kept says so beside its status; disabled again, that it has none, and it keeps none", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    // As the migration leaves such an account: disabled, no reason.
    await deps.accountAdministration.updateAccount({
      userId: target.user.id,
      change: { status: "disabled" },
      now: deps.clock.now(),
      guard: () => ok(undefined),
    });
    const page = await (await browserOf("boss")).get(`/admin/users/${target.user.id}`);
    expectPage(page, 200);
    expect(page.body).toContain(
      '<dt>Disabled because</dt><dd id="disabled-reason"><span class="hint">no reason recorded</span></dd>',
    );
    expect(page.body).toContain("/enable");
    expect(page.body).not.toContain('id="reason"');
    // A stale page's disable of it: 409, no reason stands, the one typed not kept.
    const late = await act(await browserOf("boss"), `/admin/users/${target.user.id}/disable`, {
      reason: "Spam",
    });
    expectPage(late, 409);
    expect(late.body).toContain("your reason was not kept: &quot;Spam&quot;. It has no reason recorded.");
    expect(await deps.accountAdministration.findDisabledReason(target.user.id)).toBeNull();
  });

  it("an unknown role is 400 and changes nothing", async () => {
    const { account, browserOf } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    const refused = await act(browser, `/admin/users/${target.user.id}/role`, { role: "owner" });
    expectPage(refused, 400);
    expect(refused.body).toContain("role must be one of user, support, admin");
    expect(refused.body).toContain("<dt>Role</dt><dd>user</dd>");
  });

  it("deleting asks for the email on a second page; a wrong one is 400 and deletes nothing", async () => {
    const { account, browserOf } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    const confirm = await browser.get(`/admin/users/${target.user.id}/delete`);
    expectPage(confirm, 200);
    expect(confirm.body).toContain('<label for="confirm-email">');
    const wrong = await browser.submit(
      `/admin/users/${target.user.id}/delete`,
      `/admin/users/${target.user.id}/delete`,
      { confirm_email: "someone-else@example.com" },
    );
    expectPage(wrong, 400);
    expect(wrong.body).toContain("Type the account&#39;s email address exactly");
    expectPage(await browser.get(`/admin/users/${target.user.id}`), 200);
  });

  it("a stale session is sent to the fresh proof for a sensitive action, then back", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const stale = await act(browser, `/admin/users/${target.user.id}/disable`, {
      reason: "Spam, ticket 4127",
    });
    expect(stale.statusCode).toBe(303);
    expect(stale.headers.location).toBe(
      `/account/confirm?next=${encodeURIComponent(`/admin/users/${target.user.id}`)}`,
    );
    // Asked for by the console, the proof's page shows the console's nav, not the account center's.
    const proofPage = await browser.get(stale.headers.location as string);
    expectPage(proofPage, 200);
    expect(proofPage.body).toContain("<h1>Confirm it is you</h1>");
    expect(proofPage.body).toContain('<nav class="area-nav" aria-label="Admin">');
    expect(proofPage.body).toContain('<a href="/admin/users">Users</a>');
    expect(proofPage.body).not.toContain('href="/account/sessions"');
    // Asked for by the account center, its own.
    const ownProof = await browser.get("/account/confirm?next=%2Faccount%2Fpassword");
    expect(ownProof.body).toContain('<nav class="area-nav" aria-label="Account">');
    expect(ownProof.body).not.toContain('<a href="/admin/users">Users</a>');
    const confirmed = await browser.submit(
      stale.headers.location as string,
      stale.headers.location as string,
      {
        password: strongPassword,
      },
    );
    expect(confirmed.headers.location).toBe(`/admin/users/${target.user.id}`);
    const back = await browser.get(confirmed.headers.location as string);
    // The disable is not done yet: its form holds the reason typed, to send again.
    expect(back.body).toContain("What you typed is below and not saved yet");
    expect(back.body).toMatch(/<input id="reason" name="reason"[^>]*value="Spam, ticket 4127"/);
    expect((await deps.users.findUserById(target.user.id))?.status).toBe("active");
    expect(
      (await act(browser, `/admin/users/${target.user.id}/disable`, { reason: "Spam, ticket 4127" }))
        .statusCode,
    ).toBe(303);
    expect(await deps.accountAdministration.findDisabledReason(target.user.id)).toBe("Spam, ticket 4127");
    // Unlock needs no fresh proof.
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    expect((await act(browser, `/admin/users/${target.user.id}/unlock`)).statusCode).toBe(303);
  });

  it("a stale session with a bad reason is told about the reason first (400, what was typed kept), not sent to the proof for nothing", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const tooLong = `Spam, ticket 4127 ${"x".repeat(500)}`;
    const refused = await act(browser, `/admin/users/${target.user.id}/disable`, { reason: tooLong });
    expectPage(refused, 400);
    expect(refused.body).toContain("The reason must be at most 500 characters");
    expect(refused.body).toMatch(new RegExp(`<input id="reason" name="reason"[^>]*value="${tooLong}"`));
    // Corrected, it goes to the proof, and comes back with the corrected reason.
    const stale = await act(browser, `/admin/users/${target.user.id}/disable`, {
      reason: "Spam, ticket 4127",
    });
    expect(stale.statusCode).toBe(303);
    expect(stale.headers.location).toMatch(/^\/account\/confirm\?next=/);
    expect((await deps.users.findUserById(target.user.id))?.status).toBe("active");
  });

  it("back from the fresh proof, the role form holds the role chosen, and sent again changes it", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target", "support");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    const base = `/admin/users/${target.user.id}`;
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const stale = await act(browser, `${base}/role`, { role: "user" });
    expect(stale.headers.location).toBe(`/account/confirm?next=${encodeURIComponent(base)}`);
    await browser.submit(stale.headers.location as string, stale.headers.location as string, {
      password: strongPassword,
    });
    const back = await browser.get(base);
    expect(back.body).toContain("What you typed is below and not saved yet");
    // Before, the account's own role (support) was selected: sent again, it changed nothing and
    // the page said "The role is changed."
    expect(back.body).toContain('<option value="user" selected>');
    expect(back.body).not.toContain('<option value="support" selected>');
    await browser.submit(base, `${base}/role`, { role: "user" });
    expect((await deps.users.findUserById(target.user.id))?.role).toBe("user");
    expect((await browser.get(base)).body).toContain("The role is changed.");
  });

  it("the role the account has already: says nothing changed, not that the role is changed", async () => {
    const { account, browserOf } = await withConsole();
    const target = await account("target", "support");
    await account("boss", "admin");
    const browser = await browserOf("boss");
    const base = `/admin/users/${target.user.id}`;
    expect((await act(browser, `${base}/role`, { role: "support" })).statusCode).toBe(303);
    const page = await browser.get(base);
    expect(page.body).toContain("The account already has that role: nothing changed.");
    expect(page.body).not.toContain("The role is changed.");
  });

  it("the delete page names the apps the person registered, which go for all their users; back from the proof, the address typed is kept", async () => {
    const { account, browserOf, deps, useCases } = await withConsole();
    const target = await account("target");
    await account("boss", "admin");
    const registered = await useCases.registerApp({
      owner: await verifyAddress(deps, target.user.id),
      settings: {
        name: "Team Wiki",
        homepageURL: "https://wiki.example",
        redirectURIs: ["https://wiki.example/callback"],
        allowedScopes: ["openid"],
        type: "confidential",
      },
    });
    expect(registered.ok).toBe(true);
    const browser = await browserOf("boss");
    const path = `/admin/users/${target.user.id}/delete`;
    expect((await browser.get(path)).body).toContain(
      "The person registered an app (Team Wiki): it is deleted too, and stops working for everyone who signs in to it with this service.",
    );
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const stale = await browser.submit(path, path, { confirm_email: "target@example.com" });
    expect(stale.headers.location).toBe(`/account/confirm?next=${encodeURIComponent(path)}`);
    await browser.submit(stale.headers.location as string, stale.headers.location as string, {
      password: strongPassword,
    });
    const back = await browser.get(path);
    expect(back.body).toContain("What you typed is below and not saved yet");
    expect(back.body).toMatch(/name="confirm_email"[^>]*value="target@example.com"/);
  });

  it("staff with a second factor confirm with a code, not the password", async () => {
    const { account, browserOf, deps } = await withConsole();
    const target = await account("target");
    const boss = await account("boss", "admin");
    const browser = await browserOf("boss");
    const { codeNow } = await enableTwoFactorFor(deps, boss.session);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const stale = await act(browser, `/admin/users/${target.user.id}/disable`, { reason: "Spam" });
    const confirmPage = await browser.get(stale.headers.location as string);
    expect(confirmPage.body).toContain('<label for="code">Authentication code or backup code</label>');
    expect(confirmPage.body).not.toContain('id="password"');
    const confirmed = await browser.submit(
      stale.headers.location as string,
      stale.headers.location as string,
      {
        code: codeNow(),
      },
    );
    expect(confirmed.headers.location).toBe(`/admin/users/${target.user.id}`);
    expect(
      (await act(browser, `/admin/users/${target.user.id}/disable`, { reason: "Spam" })).statusCode,
    ).toBe(303);
    expect((await deps.users.findUserById(target.user.id))?.status).toBe("disabled");
  });
});

describe("the status notice page", { timeout: 30_000 }, () => {
  it("an admin sets the notice, sees it on the page and on /status, replaces it and clears it", async () => {
    const { account, browserOf, app, deps } = await withConsole();
    await account("root", "admin");
    const browser = await browserOf("root");

    const page = await browser.get("/admin/maintenance-notice");
    expectPage(page, 200);
    expect(page.body).toContain('aria-current="page">Status notice</a>');
    expect(page.body).toContain('<p id="current-notice">No notice is shown now.</p>');
    expect(page.body).not.toContain("Clear the notice");

    const set = await act(browser, "/admin/maintenance-notice", {
      decision: "set",
      message: "Upgrade on Sunday 02:00-02:15 UTC",
    });
    expect(set.statusCode).toBe(303);
    expect(set.headers.location).toBe("/admin/maintenance-notice");
    const shown = await browser.get("/admin/maintenance-notice");
    expect(shown.body).toContain("The notice is on the status page");
    expect(shown.body).toContain('<strong id="current-notice">Upgrade on Sunday 02:00-02:15 UTC</strong>');
    expect(shown.body).toContain("Clear the notice");
    expect((await app.inject({ url: "/status.json" })).json().data.notice).toBe(
      "Upgrade on Sunday 02:00-02:15 UTC",
    );

    const cleared = await act(browser, "/admin/maintenance-notice", { decision: "clear", message: "" });
    expect(cleared.statusCode).toBe(303);
    expect((await browser.get("/admin/maintenance-notice")).body).toContain(
      "The status page shows no notice now.",
    );
    expect(await deps.maintenanceNotices.current()).toBeNull();

    const audit = await browser.get("/admin/audit");
    expect(audit.body).toContain("Cleared the maintenance notice");
    expect(audit.body).toContain("Set the maintenance notice: &quot;Upgrade on Sunday 02:00-02:15 UTC&quot;");
  });

  it("refuses an empty or multi-line notice (400, the reason, what was typed kept), the notice unchanged", async () => {
    const { account, browserOf, deps } = await withConsole();
    await account("root", "admin");
    const browser = await browserOf("root");
    const refused = await act(browser, "/admin/maintenance-notice", { decision: "set", message: "   " });
    expectPage(refused, 400);
    // In the form's words: no "message" (the API's field), no "clear the notice" with none shown.
    expect(refused.body).toContain('id="form-error" class="error" role="alert">Type the notice to show.</p>');
    const long = await act(browser, "/admin/maintenance-notice", {
      decision: "set",
      message: "x".repeat(300),
    });
    expectPage(long, 400);
    expect(long.body).toContain("The notice must be at most 280 characters");
    expect(await deps.maintenanceNotices.current()).toBeNull();
    // With a notice shown, an empty one says how to take that one down instead.
    await act(browser, "/admin/maintenance-notice", { decision: "set", message: "Upgrade on Sunday" });
    const emptied = await act(browser, "/admin/maintenance-notice", { decision: "set", message: "" });
    expectPage(emptied, 400);
    expect(emptied.body).toContain(
      "Type the notice to show, or take the one shown down with Clear the notice.",
    );
  });

  it("support gets the 403 page, and its nav shows neither the audit log nor the status notice", async () => {
    const { account, browserOf, deps } = await withConsole();
    await account("helper", "support");
    const browser = await browserOf("helper");
    expectPage(await browser.get("/admin/maintenance-notice"), 403);
    const posted = await act(browser, "/admin/maintenance-notice", { decision: "set", message: "Hi" });
    expectPage(posted, 403);
    expect(await deps.maintenanceNotices.current()).toBeNull();
    const users = await browser.get("/admin/users");
    expectPage(users, 200);
    expect(users.body).toContain('href="/admin/users"');
    expect(users.body).not.toContain('href="/admin/audit"');
    expect(users.body).not.toContain('href="/admin/maintenance-notice"');
  });
});
