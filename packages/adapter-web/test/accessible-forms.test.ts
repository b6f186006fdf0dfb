import { enableTwoFactorFor } from "@superoauth/application/testing";
import { describe, expect, it } from "vitest";
import { expectPage, signIn, withAccount } from "./account-helpers.ts";
import { Browser, loginInteraction, strongPassword } from "./test-app.ts";

// The pages as a screen reader, a password manager and a keyboard meet them: what a refused form
// says first, which account a password field belongs to, what a refused form keeps.

/** The page's <title>. */
function titleOf(body: string): string {
  return /<title>([^<]*)<\/title>/.exec(body)?.[1] ?? "";
}

describe("a refused form's <title>", () => {
  it('starts with "Error: " (GOV.UK), so a screen reader says so first; a form not refused keeps its title', async () => {
    const { browser, interactions } = await withAccount();
    interactions.open(loginInteraction("login-1"));

    const signInPage = await browser.get("/interaction/login-1");
    expect(titleOf(signInPage.body)).toBe("Sign in · SuperOAuth");
    const wrong = await browser.submit("/interaction/login-1", "/interaction/login-1/login", {
      email: "ada@example.com",
      password: "Wrong-password-1",
    });
    expectPage(wrong, 401);
    expect(titleOf(wrong.body)).toBe("Error: Sign in · SuperOAuth");

    const refusals: [
      page: string,
      action: string,
      form: Record<string, string>,
      status: number,
      title: string,
    ][] = [
      [
        "/interaction/login-1/sign-up",
        "/interaction/login-1/sign-up",
        { nickname: "grace", email: "not an address", password: "Another-horse-battery-2!" },
        400,
        "Create your account",
      ],
      ["/forgot-password", "/forgot-password", { email: "nope" }, 400, "Forgot your password?"],
      [
        "/account/password",
        "/account/password",
        {
          current_password: "whatever-it-is-1",
          new_password: "Another-horse-battery-2!",
          confirm_password: "Another-horse-battery-3!",
        },
        400,
        "Password",
      ],
    ];
    await signIn(browser, "/account/password");
    expect(titleOf((await browser.get("/account/password")).body)).toBe("Password · SuperOAuth");
    for (const [page, action, form, status, title] of refusals) {
      const refused = await browser.submit(page, action, form);
      expectPage(refused, status);
      expect(titleOf(refused.body)).toBe(`Error: ${title} · SuperOAuth`);
      // The field's description says what is wrong before its hint (the hint is read every time).
      const invalid = (refused.body.match(/<input\b[^>]*>/g) ?? []).filter((tag) =>
        tag.includes('aria-invalid="true"'),
      );
      expect(invalid.length, page).toBeGreaterThan(0);
      for (const tag of invalid) {
        const described = /aria-describedby="([^"]*)"/.exec(tag)?.[1] ?? "";
        expect(described.split(" ")[0], page).toMatch(/error$/);
      }
    }

    const nickname = await browser.submit("/account/profile", "/account/profile/nickname", { nickname: "" });
    expectPage(nickname, 400);
    expect(titleOf(nickname.body)).toMatch(/^Error: /);
  });
});

describe("a notice after an action", () => {
  it("is said first in the next page's <title>: the status paragraph under the heading, there at load, is not reliably announced", async () => {
    const { browser } = await withAccount();
    await signIn(browser, "/account/sessions");
    // This browser's is the only session (the sign-up's too, when it is there: a sign-out of it
    // says the other notice), so the answer is a notice either way.
    const done = await browser.submit("/account/sessions", "/account/sessions/revoke-others", {});
    expect(done.statusCode).toBe(303);
    const page = await browser.get("/account/sessions");
    const notice = /<p class="notice" role="status">([^<]*)<\/p>/.exec(page.body)?.[1] ?? "";
    expect(notice).toMatch(/signed out|nothing to sign out/);
    expect(titleOf(page.body)).toBe(`${notice} · Sessions · SuperOAuth`);
    // The notice is shown once: the page loaded again has its own title.
    expect(titleOf((await browser.get("/account/sessions")).body)).toBe("Sessions · SuperOAuth");

    // The sign-in page's notices too (one layout): "You are signed out."
    await browser.submit("/account/sessions", "/account/sign-out", {});
    expect(titleOf((await browser.get("/account/sign-in")).body)).toBe(
      "You are signed out. · Sign in to your account · SuperOAuth",
    );
  });
});

describe("the pages that choose a new password", () => {
  it('label its two fields alike, "New password" and "Repeat the new password": a list of the fields read "Repeat it" for the second', async () => {
    const { browser } = await withAccount();
    await signIn(browser, "/account/password");
    for (const url of ["/reset-password", "/undo-email-change", "/account/password"]) {
      const page = await browser.get(url);
      expect(page.statusCode, url).toBe(200);
      const labels = (page.body.match(/<label [^>]*>[^<]*<\/label>/g) ?? []).map((label) =>
        label.replace(/<[^>]+>/g, ""),
      );
      expect(labels, url).toContain("New password");
      expect(labels, url).toContain("Repeat the new password");
    }
  });
});

/** The form of `body` holding the field named `name`. */
function formWith(body: string, name: string): string {
  const form = (body.match(/<form\b[^>]*>[\s\S]*?<\/form>/g) ?? []).find((f) => f.includes(`name="${name}"`));
  if (form === undefined) throw new Error(`no form with ${name}`);
  return form;
}

/** The hidden username field a password manager reads, holding `email`, before the form's first password or code field. */
function expectUsernameFieldFirst(form: string, email: string, firstSecret: string): void {
  const username = `<input name="username" type="email" autocomplete="username" value="${email}" readonly hidden>`;
  expect(form).toContain(username);
  expect(form.indexOf(username)).toBeLessThan(form.indexOf(firstSecret));
}

describe("a form that asks only for a password", () => {
  it("names its account to a password manager: a hidden, read-only username field holding the address", async () => {
    const { browser } = await withAccount();
    await signIn(browser, "/account/password");
    for (const [url, field] of [
      ["/account/password", "current_password"],
      ["/account/confirm?next=/account/password", "password"],
    ] as const) {
      const page = await browser.get(url);
      expectPage(page, 200);
      expectUsernameFieldFirst(
        formWith(page.body, field),
        "ada@example.com",
        'autocomplete="current-password"',
      );
    }
  });
});

describe("a form that asks for a code of the signed-in account", () => {
  it("names the account to a password manager too: the 2FA set-up, new backup codes, turning it off", async () => {
    const { browser, deps, useCases, signedUp } = await withAccount({ verified: true });
    await signIn(browser, "/account/two-factor");
    const setup = await browser.submit("/account/two-factor", "/account/two-factor/setup", {});
    expectPage(setup, 200);
    expectUsernameFieldFirst(formWith(setup.body, "code"), "ada@example.com", 'name="code"');
    // Turned on (from another session): both forms of the two-step page, each with its field.
    const auth = await useCases.authenticateAccessToken({ token: signedUp.accessToken });
    if (!auth.ok) throw new Error("no session");
    await enableTwoFactorFor(deps, auth.value.session);
    const page = await browser.get("/account/two-factor");
    expectPage(page, 200);
    const forms =
      page.body.match(/<form\b[^>]*two-factor\/(?:backup-codes|disable)[^>]*>[\s\S]*?<\/form>/g) ?? [];
    expect(forms).toHaveLength(2);
    for (const form of forms) expectUsernameFieldFirst(form, "ada@example.com", 'name="code"');
  });
});

describe("a form that mails a link, refused for the address", () => {
  it("keeps the address typed in its field (escaped), to correct rather than type again", async () => {
    const { browser, interactions } = await withAccount();
    interactions.open(loginInteraction("login-1"));
    const typed = `ada"<b>@example`;
    for (const url of [
      "/forgot-password",
      "/resend-verification",
      "/interaction/login-1/forgot-password",
      "/interaction/login-1/resend-verification",
    ]) {
      const refused = await browser.submit(url, url, { email: typed });
      expectPage(refused, 400);
      expect(formWith(refused.body, "email"), url).toContain('value="ada&quot;&lt;b&gt;@example"');
      expect(refused.body, url).not.toContain("<b>");
    }
  });
});

describe("the second-factor step after the password", () => {
  it("names the account to a password manager: the address of the password step in a hidden username field, never in the URL", async () => {
    const { app, deps, useCases, signedUp, interactions } = await withAccount();
    const auth = await useCases.authenticateAccessToken({ token: signedUp.accessToken });
    if (!auth.ok) throw new Error("no session");
    const { codeNow } = await enableTwoFactorFor(deps, auth.value.session);
    interactions.open(loginInteraction("login-1"));
    const steps = [
      ["/interaction/login-1", "/interaction/login-1/login"],
      ["/account/sign-in", "/account/sign-in"],
    ] as const;
    for (const [page, action] of steps) {
      const browser = new Browser(app);
      const first = await browser.submit(page, action, {
        email: "ada@example.com",
        password: strongPassword,
      });
      expect(first.statusCode).toBe(303);
      const next = String(first.headers.location);
      expect(next).not.toContain("ada");
      const cookie = first.cookies.find((c) => c.name === "superoauth_mfa_email");
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
      const step = await browser.get(next);
      expectPage(step, 200);
      const form = formWith(step.body, "code");
      expectUsernameFieldFirst(form, "ada@example.com", 'name="code"');
      // A backup code has letters: no capital or spelling help from a phone's keyboard.
      expect(form).toContain(
        'inputmode="text" autocomplete="one-time-code" autocapitalize="off" spellcheck="false"',
      );
      // A wrong code keeps it; the step done, the cookie goes with the token's.
      const wrong = await browser.submit(next, next, { code: "000000" });
      expectPage(wrong, 401);
      expectUsernameFieldFirst(formWith(wrong.body, "code"), "ada@example.com", 'name="code"');
      const done = await browser.submit(next, next, { code: codeNow() });
      expect(done.statusCode).toBe(303);
      expect(browser.cookie("superoauth_mfa_email")).toBeUndefined();
      expect(browser.cookie("superoauth_mfa")).toBeUndefined();
      deps.clock.advance(30_000); // the next TOTP period: a code is good once
    }
  });
});

describe("the developer app form", () => {
  it("asks the browser not to fill the app's name and addresses with the person's own (autocomplete=off)", async () => {
    const { browser } = await withAccount({ verified: true });
    await signIn(browser, "/account/developer-apps");
    const page = await browser.get("/account/developer-apps");
    expectPage(page, 200);
    const form = formWith(page.body, "redirect_uris");
    for (const name of ["name", "homepage_url", "logo_url"]) {
      expect(new RegExp(`<input [^>]*name="${name}"[^>]*autocomplete="off"`).test(form), name).toBe(true);
    }
  });
});

describe("the password page refused", () => {
  it("puts the focus on the first field to type again, the current password, whichever field the message is about", async () => {
    const { browser } = await withAccount();
    await signIn(browser, "/account/password");
    const differ = await browser.submit("/account/password", "/account/password", {
      current_password: strongPassword,
      new_password: "Another-horse-battery-2!",
      confirm_password: "Another-horse-battery-3!",
    });
    expectPage(differ, 400);
    const autofocused = (differ.body.match(/<input\b[^>]*\sautofocus\b[^>]*>/g) ?? []).map(
      (tag) => /id="([^"]+)"/.exec(tag)?.[1],
    );
    expect(autofocused).toEqual(["current-password"]);
    expect(differ.body).toMatch(/<input id="new-password"[^>]*aria-invalid="true"/);
  });
});
