import { DeletedMeanwhileError, OverloadedError, StorageUnavailableError } from "@superoauth/application";
import { enableTwoFactorFor, InMemoryTOTPService } from "@superoauth/application/testing";
import { ok } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createPageKit, createSignedInArea, defaultTheme, safeNext } from "../src/index.ts";
import { expectPage, expectPrefilledRequest, signIn, withAccount } from "./account-helpers.ts";
import {
  Browser,
  csrfTokenIn,
  formAccountIn,
  hiddenFieldsIn,
  signUpBob,
  strongPassword,
} from "./test-app.ts";

const newPassword = "Another-horse-battery-2!";

describe("safeNext", () => {
  it("accepts a local path and refuses anything that could leave this server", () => {
    expect(safeNext("/account/password")).toBe("/account/password");
    expect(safeNext("/account?tab=1")).toBe("/account?tab=1");
    for (const bad of [
      "",
      "account",
      "//evil.example",
      "/\\evil.example",
      "/a\\b",
      "https://evil.example/",
      "javascript:alert(1)",
      "/with space",
      "/line\nbreak",
      `/${"a".repeat(600)}`,
      42,
      undefined,
    ]) {
      expect(safeNext(bad)).toBeNull();
    }
  });
});

describe("the account area's gate", () => {
  it("sends a signed-out visitor to sign-in with the page as next (303)", async () => {
    const { browser } = await withAccount();
    for (const [url, next] of [
      ["/account", "/account"],
      ["/account/password", "/account/password"],
      ["/account/two-factor", "/account/two-factor"],
    ] as const) {
      const response = await browser.get(url);
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe(`/account/sign-in?${new URLSearchParams({ next })}`);
    }
  });

  it("signs in with a password and returns to next; a foreign next falls back to /account", async () => {
    const { browser } = await withAccount();
    const back = await signIn(browser, "/account/password");
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe("/account/password");
    expect(browser.cookie("superoauth_session")).toBeDefined();

    const other = await withAccount();
    const foreign = await signIn(other.browser, "//evil.example/x");
    expect(foreign.headers.location).toBe("/account");
  });

  it("clears a cookie whose session ended elsewhere, with Clear-Site-Data, on the way to sign-in (303); a visitor without one gets neither", async () => {
    const { browser, useCases, user } = await withAccount();
    const signedOut = await browser.get("/account/profile");
    expect(signedOut.statusCode).toBe(303);
    expect(signedOut.headers["clear-site-data"]).toBeUndefined();
    expect(signedOut.headers["set-cookie"]).toBeUndefined();

    await signIn(browser);
    await useCases.logOutEverywhere({ userId: user.id });
    const ended = await browser.get("/account/profile");
    expect(ended.statusCode).toBe(303);
    expect(ended.headers.location).toBe("/account/sign-in?next=%2Faccount%2Fprofile");
    expect(ended.headers["clear-site-data"]).toBe('"cache"');
    expect(ended.cookies).toContainEqual(expect.objectContaining({ name: "superoauth_session", maxAge: 0 }));
    expect(browser.cookie("superoauth_session")).toBeUndefined();
    // The cookie gone, the next page is an ordinary signed-out visit: nothing to clear again.
    const again = await browser.get("/account/profile");
    expect(again.statusCode).toBe(303);
    expect(again.headers["clear-site-data"]).toBeUndefined();
  });

  it("renders the overview in the signed-in layout: who, the nav with the current item, every section", async () => {
    const { browser } = await withAccount();
    await signIn(browser);
    const page = await browser.get("/account");
    expectPage(page, 200);
    expect(page.body).toContain("ada@example.com");
    expect(page.body).toContain('<a href="/account" aria-current="page">Overview</a>');
    for (const href of ["/account/profile", "/account/sessions", "/account/export", "/account/delete"]) {
      expect(page.body).toContain(`href="${href}"`);
    }
    expect(page.body).toContain('action="/account/sign-out"');
    // Promises no provider by name: a service may offer none of them.
    expect(page.body).toContain("Linked providers</a>: accounts at other services you sign in with");
    expect(page.body).not.toContain("GitHub, Google");
  });

  it("answers a wrong password with the sign-in page and 401, and an unknown page with 404", async () => {
    const { browser } = await withAccount();
    const wrong = await browser.submit("/account/sign-in", "/account/sign-in?next=%2Faccount", {
      email: "ada@example.com",
      password: "wrong-password-123",
    });
    expectPage(wrong, 401);
    expect(wrong.body).toContain("Invalid email or password");
    await signIn(browser);
    expectPage(await browser.get("/account/not-built-yet"), 404);
  });

  it("answers an address with nothing there, or a form's own address opened, with the service's 404 page and its way on", async () => {
    const { browser } = await withAccount();
    await signIn(browser);
    // `/account/two-factor/enable` is where the set-up's answer stands: opened in a new tab, or
    // from the address bar, it has nothing to show. The page is the one the rest of the service
    // answers with, not a dead end.
    for (const path of [
      "/account/not-built-yet",
      "/account/two-factor/enable",
      "/interaction/login-1/login",
    ]) {
      const missing = await browser.get(path);
      expectPage(missing, 404);
      expect(missing.body).toContain("<title>Page not found · SuperOAuth</title>");
      expect(missing.body).toContain('<a href="/account">Your account</a>');
    }
  });

  it("refuses a POST without the CSRF token with the 403 page, signed in or not", async () => {
    const { browser } = await withAccount();
    const anonymous = await browser.post("/account/sign-in", {
      email: "ada@example.com",
      password: strongPassword,
    });
    expectPage(anonymous, 403);
    expect(anonymous.body).toContain("This form has expired");
    await signIn(browser);
    const change = await browser.post("/account/password", {
      current_password: strongPassword,
      new_password: newPassword,
      confirm_password: newPassword,
      csrf_token: "x".repeat(43),
    });
    expectPage(change, 403);
  });

  it("a refused form links back to its page: the one at its address, or the one above it", async () => {
    const { browser } = await withAccount();
    await signIn(browser);
    const password = await browser.post("/account/password", { new_password: newPassword });
    expectPage(password, 403);
    expect(password.body).toContain('<a href="/account/password">Open the form again</a>');
    const email = await browser.post("/account/profile/email", { new_email: "x@example.com" });
    expectPage(email, 403);
    expect(email.body).toContain('<a href="/account/profile">Open the form again</a>');
  });

  it("acts only for the account its page was shown for: after a sign-in as another in another tab, a form is neither done nor its proof checked (409)", async () => {
    const { browser, useCases } = await withAccount();
    await signUpBob(useCases);
    // Tab one: ada's fresh-proof page, and her profile.
    await signIn(browser);
    const confirm = "/account/confirm?next=%2Faccount%2Fpassword";
    const adasProof = await browser.get(confirm);
    const adasProfile = await browser.get("/account/profile");
    // Tab two: signed out, then in as bob.
    await browser.submit("/account", "/account/sign-out", {});
    await browser.submit("/account/sign-in", "/account/sign-in", {
      email: "bob@example.com",
      password: strongPassword,
    });

    // Ada's password, typed in tab one again and again: not checked against bob, nor counted.
    for (let i = 0; i < 12; i++) {
      const refused = await browser.post(confirm, {
        ...hiddenFieldsIn(adasProof.body, confirm),
        password: "Adas-own-password-typed-1",
      });
      expectPage(refused, 409);
      expect(refused.body).toContain(
        "This page opened before this browser signed in as bob@example.com (in another tab, say), so nothing was done. Open it again to continue as bob@example.com.",
      );
      expect(refused.body).toContain(`<a href="${confirm}">Open the page again</a>`);
    }
    // Her nickname form changes nothing of bob's.
    const renamed = await browser.post("/account/profile/nickname", {
      ...hiddenFieldsIn(adasProfile.body, "/account/profile/nickname"),
      nickname: "countess",
    });
    expectPage(renamed, 409);
    const profile = await browser.get("/account/profile");
    expect(profile.body).toContain('value="bob"');
    // A form of a page from before the field (kept open across an update): nothing done, and says so.
    const { account: _account, ...unmarkedForm } = hiddenFieldsIn(profile.body, "/account/profile/nickname");
    const unmarked = await browser.post("/account/profile/nickname", {
      ...unmarkedForm,
      nickname: "countess",
    });
    expectPage(unmarked, 409);
    expect(unmarked.body).toContain(
      "This page was loaded before an update of the service, so nothing was done. Open it again.",
    );
    expect(unmarked.body).not.toContain("signed in as");
    expect((await browser.get("/account/profile")).body).toContain('value="bob"');
    // Bob's own proof, from his page, works: nothing locked him out.
    const proved = await browser.submit(confirm, confirm, { password: strongPassword });
    expect(proved.statusCode).toBe(303);
    expect(proved.headers.location).toBe("/account/password");
  });

  it("changes the password with post-redirect-get and a notice shown once", async () => {
    const { browser, useCases } = await withAccount();
    await signIn(browser);
    const changed = await browser.submit("/account/password", "/account/password", {
      current_password: strongPassword,
      new_password: newPassword,
      confirm_password: newPassword,
    });
    expect(changed.statusCode).toBe(303);
    expect(changed.headers.location).toBe("/account/password");
    const shown = await browser.get("/account/password");
    expectPage(shown, 200);
    expect(shown.body).toContain('role="status">Your password has been changed.');
    expect(shown.body).toContain('<a href="/account/password" aria-current="page">Password</a>');
    const again = await browser.get("/account/password");
    expect(again.body).not.toContain("Your password has been changed.");
    const login = await useCases.logInWithPassword({
      email: "ada@example.com",
      password: newPassword,
      client: {},
    });
    expect(login.ok).toBe(true);
  });

  it("shows a use case's failure with its status: a wrong current password is 401, a weak new one 400", async () => {
    const { browser } = await withAccount();
    await signIn(browser);
    const wrong = await browser.submit("/account/password", "/account/password", {
      current_password: "not-the-password-1",
      new_password: newPassword,
      confirm_password: newPassword,
    });
    expectPage(wrong, 401);
    expect(wrong.body).toContain("The current password is incorrect");
    expect(wrong.body).toMatch(/id="current-password"[^>]*aria-invalid="true" aria-describedby="form-error"/);
    const weak = await browser.submit("/account/password", "/account/password", {
      current_password: strongPassword,
      new_password: "short",
      confirm_password: "short",
    });
    expectPage(weak, 400);
  });

  it("refuses two new passwords that differ (400) and changes nothing", async () => {
    const { browser, useCases } = await withAccount();
    await signIn(browser);
    const differ = await browser.submit("/account/password", "/account/password", {
      current_password: strongPassword,
      new_password: newPassword,
      confirm_password: `${newPassword}x`,
    });
    expectPage(differ, 400);
    expect(differ.body).toContain("The two new passwords differ. Type them again.");
    // The error belongs to the new password's fields, not the current one's.
    expect(differ.body).toMatch(
      /id="confirm-password"[^>]*aria-invalid="true" aria-describedby="form-error"/,
    );
    expect(differ.body).not.toMatch(/id="current-password"[^>]*form-error/);
    const login = await useCases.logInWithPassword({
      email: "ada@example.com",
      password: strongPassword,
      client: {},
    });
    expect(login.ok).toBe(true);
  });

  it("ignores a forged notice key: only the area's fixed words ever show", async () => {
    const { browser, app } = await withAccount();
    await signIn(browser);
    const page = await app.inject({
      method: "GET",
      url: "/account",
      headers: {
        cookie: `superoauth_session=${browser.cookie("superoauth_session")}; superoauth_notice=<b>hi</b>`,
      },
    });
    expectPage(page, 200);
    expect(page.body).not.toContain("hi</b>");
    expect(page.body).not.toContain('class="notice"');
  });

  it("signs out (POST with CSRF): the session ends and /account asks to sign in again", async () => {
    const { browser } = await withAccount();
    await signIn(browser);
    const out = await browser.submit("/account", "/account/sign-out", {});
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe("/account/sign-in");
    // The sign-in page it lands on says so, once.
    const landed = await browser.get(out.headers.location as string);
    expectPage(landed, 200);
    expect(landed.body).toContain('<p class="notice" role="status">You are signed out.</p>');
    const again = await browser.get("/account/sign-in");
    expectPage(again, 200);
    expect(again.body).not.toContain('class="notice"');
    expect((await browser.get("/account")).statusCode).toBe(303);
  });

  it("answers a storage outage with the 503 page", async () => {
    const { browser, useCases } = await withAccount();
    await signIn(browser);
    (useCases as { authenticateBrowserSession: unknown }).authenticateBrowserSession = async () => {
      throw new StorageUnavailableError({ code: "ECONNREFUSED", message: "down" });
    };
    const page = await browser.get("/account");
    expectPage(page, 503);
    expect(page.body).toContain("Try again shortly");
    expect(page.headers["retry-after"]).toBe("5");
    // The way on, besides the browser's Back button: the page again.
    expect(page.body).toContain('<p><a href="/account">Try again</a></p>');
  });

  it("answers a busy database with the 503 page and the Retry-After it gives", async () => {
    const { browser, useCases } = await withAccount();
    await signIn(browser);
    (useCases as { authenticateBrowserSession: unknown }).authenticateBrowserSession = async () => {
      throw new OverloadedError({ message: "busy", retryAfterSeconds: 1 });
    };
    const page = await browser.get("/account");
    expectPage(page, 503);
    expect(page.headers["retry-after"]).toBe("1");
  });

  it("answers a step whose account or app was deleted while it ran with the 404 page that says so", async () => {
    const { browser, useCases } = await withAccount();
    await signIn(browser);
    (useCases as { authenticateBrowserSession: unknown }).authenticateBrowserSession = async () => {
      throw new DeletedMeanwhileError({ cause: new Error("FOREIGN KEY constraint failed") });
    };
    const page = await browser.get("/account");
    expectPage(page, 404);
    expect(page.body).toContain("was deleted while it ran");
    expect(page.body).not.toContain("FOREIGN KEY");
  });
});

/**
 * The authenticator key a setup page shows, as a copy of it reads: the page shows it in groups of
 * four (one box each, no spaces between), so the groups are checked and joined.
 */
function manualKeyIn(html: string): string | undefined {
  const shown = /<code class="code manual-key" id="manual-key">(.*?)<\/code>/.exec(html)?.[1];
  if (shown === undefined) return undefined;
  const groups = [...shown.matchAll(/<span>([^<]*)<\/span>/g)].map((group) => group[1] ?? "");
  expect(groups.join("").length).toBeGreaterThan(0);
  expect(groups.map((group) => `<span>${group}</span>`).join("")).toBe(shown);
  expect(groups.slice(0, -1).every((group) => /^[A-Z2-7]{4}$/.test(group))).toBe(true);
  expect(groups.at(-1)).toMatch(/^[A-Z2-7]{1,4}$/);
  return groups.join("");
}

/** The fields the "Turn on" form of a setup page sends (its hidden inputs, unescaped), as a browser would. */
function enableFormIn(html: string): Record<string, string> {
  return hiddenFieldsIn(html, "/account/two-factor/enable");
}

describe("two-step verification in the account area", () => {
  it("asks for the second factor after the password, then signs in", async () => {
    const { browser, deps, useCases, signedUp } = await withAccount();
    const auth = await useCases.authenticateAccessToken({ token: signedUp.accessToken });
    if (!auth.ok) throw new Error("no session");
    const { codeNow } = await enableTwoFactorFor(deps, auth.value.session);
    const first = await signIn(browser, "/account/two-factor");
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe("/account/sign-in/two-factor?next=%2Faccount%2Ftwo-factor");
    const wrong = await browser.submit(first.headers.location as string, first.headers.location as string, {
      code: "000000",
    });
    expectPage(wrong, 401);
    // A form sent without the field filled in (the field is `required`; a script may send it blank).
    const blank = await browser.submit(first.headers.location as string, first.headers.location as string, {
      code: "  ",
    });
    expectPage(blank, 400);
    expect(blank.body).toContain("Type the code from your authenticator app");
    const done = await browser.submit(first.headers.location as string, first.headers.location as string, {
      code: codeNow(),
    });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/account/two-factor");
    const status = await browser.get("/account/two-factor");
    expect(status.body).toContain("<strong>on</strong>");
  });

  it("checks a code only against the step its page was shown for, not another tab's sign-in begun since", async () => {
    const { browser, deps, useCases, signedUp } = await withAccount();
    const adaAuth = await useCases.authenticateAccessToken({ token: signedUp.accessToken });
    if (!adaAuth.ok) throw new Error("no session");
    const ada = await enableTwoFactorFor(deps, adaAuth.value.session);
    const bobSignedUp = await signUpBob(useCases);
    const bobAuth = await useCases.authenticateAccessToken({ token: bobSignedUp.accessToken });
    if (!bobAuth.ok) throw new Error("no session");
    const bob = await enableTwoFactorFor(deps, bobAuth.value.session);

    // Tab one: ada's password, then her step's page. Tab two: bob's password, which replaces it.
    const adas = (await signIn(browser, "/account/two-factor")).headers.location as string;
    const adasPage = await browser.get(adas);
    const bobsSignIn = await browser.submit("/account/sign-in", "/account/sign-in", {
      email: "bob@example.com",
      password: strongPassword,
    });
    const bobs = bobsSignIn.headers.location as string;
    expect(bobs).toBe("/account/sign-in/two-factor?next=%2Faccount");

    const refused = await browser.post(adas, { ...hiddenFieldsIn(adasPage.body, adas), code: ada.codeNow() });
    expectPage(refused, 409);
    expect(refused.body).toContain("Another sign-in began in this browser after this page opened");
    expect(browser.cookie("superoauth_session")).toBeUndefined();
    const done = await browser.submit(bobs, bobs, { code: bob.codeNow() });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/account");
    expect((await browser.get("/account")).body).toContain("bob@example.com");
  });

  it("a second step finished in another tab: the older page's code goes on to where the sign-in was going", async () => {
    const { browser, deps, useCases, signedUp } = await withAccount();
    const auth = await useCases.authenticateAccessToken({ token: signedUp.accessToken });
    if (!auth.ok) throw new Error("no session");
    const { codeNow } = await enableTwoFactorFor(deps, auth.value.session);
    const older = (await signIn(browser, "/account/two-factor")).headers.location as string;
    const olderPage = await browser.get(older);
    const newer = (await signIn(browser, "/account/sessions")).headers.location as string;
    expect((await browser.submit(newer, newer, { code: codeNow() })).headers.location).toBe(
      "/account/sessions",
    );

    deps.clock.advance(30_000);
    const late = await browser.post(older, { ...hiddenFieldsIn(olderPage.body, older), code: codeNow() });
    // Before: 401, "This sign-in took too long. Sign in again.", while the browser was signed in.
    expect(late.statusCode).toBe(303);
    expect(late.headers.location).toBe("/account/two-factor");
  });

  it("a code step the service could not finish (503) links back to the form, which takes the same code", async () => {
    const { browser, deps, useCases, signedUp } = await withAccount();
    const auth = await useCases.authenticateAccessToken({ token: signedUp.accessToken });
    if (!auth.ok) throw new Error("no session");
    const { codeNow } = await enableTwoFactorFor(deps, auth.value.session);
    const first = await signIn(browser, "/account/two-factor");
    const step = first.headers.location as string;
    const verify = useCases.verifyTwoFactorLogin;
    (useCases as { verifyTwoFactorLogin: unknown }).verifyTwoFactorLogin = async () => {
      throw new StorageUnavailableError({ code: "SQLITE_BUSY", message: "busy" });
    };
    const failed = await browser.submit(step, step, { code: codeNow() });
    expectPage(failed, 503);
    expect(failed.body).toContain("Go back to the form and send it again in a moment.");
    // Before, the page had no way on but the browser's Back button.
    expect(failed.body).toContain(
      '<p><a href="/account/sign-in/two-factor?next=%2Faccount%2Ftwo-factor">Back to the form</a></p>',
    );
    (useCases as { verifyTwoFactorLogin: unknown }).verifyTwoFactorLogin = verify;
    const back = await browser.get(step);
    expectPage(back, 200);
    const done = await browser.submit(step, step, { code: codeNow() });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe("/account/two-factor");
  });

  it("on an unverified address asks for the address's proof first, with a button for a new mail, and offers no setup", async () => {
    const { browser, deps, user } = await withAccount();
    await signIn(browser);
    const page = await browser.get("/account/two-factor");
    expectPage(page, 200);
    expect(page.body).toContain("<strong>off</strong>");
    expect(page.body).toContain("Verify your email address first: open the link we mailed to it.");
    // The new link goes to the account's own address at once, and the person comes back here (it
    // was a link to the public form, which asked for the address again and led "Back to sign in").
    expect(page.body).not.toContain('href="/resend-verification"');
    const links = () =>
      deps.mailer.sentTo(user.email).filter((mail) => mail.subject === "Verify your email address");
    await deps.backgroundTasks.drain();
    const before = links().length;
    deps.clock.advance(61_000);
    const resent = await browser.submit("/account/two-factor", "/account/verification-link", {});
    expect(resent.statusCode, resent.body).toBe(303);
    expect(resent.headers.location).toBe("/account/two-factor");
    expect((await browser.get("/account/two-factor")).body).toContain(
      '<p class="notice" role="status">A new verification link is on its way to your address.',
    );
    await deps.backgroundTasks.drain();
    expect(links()).toHaveLength(before + 1);
    expect(page.body).not.toContain('action="/account/two-factor/setup"');
    // A form kept from before, or typed by hand: refused with the API's words, nothing stored.
    const refused = await browser.post("/account/two-factor/setup", {
      csrf_token: csrfTokenIn(page.body),
      ...formAccountIn(page.body),
    });
    expectPage(refused, 403);
    expect(refused.body).toContain("Verify your email address before turning on two-factor authentication");
    expect(await deps.twoFactor.findTOTPFactor(user.id)).toBeNull();
    // Once verified, the page offers the setup.
    await deps.users.markEmailVerified({ userId: user.id, now: deps.clock.now() });
    const verified = await browser.get("/account/two-factor");
    expect(verified.body).toContain('action="/account/two-factor/setup"');
    // A button kept from before the address was verified (another tab) mails nothing and says why.
    deps.clock.advance(61_000);
    const late = await browser.post("/account/verification-link", {
      ...formAccountIn(page.body),
      back: "/account/two-factor",
      csrf_token: csrfTokenIn(page.body),
    });
    expect(late.headers.location).toBe("/account/two-factor");
    expect((await browser.get("/account/two-factor")).body).toContain(
      '<p class="notice" role="status">Your email address is verified already: no new link is needed.</p>',
    );
    await deps.backgroundTasks.drain();
    expect(links()).toHaveLength(before + 1);
    expect(verified.body).not.toContain("Verify your email address first");
  });

  it("sets up with the key shown, confirms with a code, shows the backup codes once with a download", async () => {
    const { browser, deps } = await withAccount({ verified: true });
    await signIn(browser);
    const setup = await browser.submit("/account/two-factor", "/account/two-factor/setup", {});
    expectPage(setup, 200);
    const secret = manualKeyIn(setup.body);
    expect(secret).toBeDefined();
    expect(setup.body).toContain('src="data:image/');
    const qrCode = /<img class="qr" src="([^"]+)"/.exec(setup.body)?.[1];
    // A mistyped code, or none (the field is `required`; a script may send it blank): the same key
    // and QR code again, with the error, to check what was typed; its form confirms the set-up.
    let shownAgain = setup.body;
    for (const [code, status, says] of [
      ["000000", 401, "The code is not valid"],
      [" ", 400, "Type the code from your authenticator app"],
    ] as const) {
      const again = await browser.post("/account/two-factor/enable", { ...enableFormIn(setup.body), code });
      expectPage(again, status);
      expect(again.body).toContain('role="alert"');
      expect(again.body).toContain(says);
      expect(manualKeyIn(again.body)).toBe(secret);
      expect(/<img class="qr" src="([^"]+)"/.exec(again.body)?.[1]).toBe(qrCode);
      shownAgain = again.body;
    }
    // The key shown again is the pending one, read on the server: nothing posted is shown back.
    const garbled = await browser.post("/account/two-factor/enable", {
      ...enableFormIn(setup.body),
      setup_secret: "<b>not-base32</b>",
      code: "000000",
    });
    expectPage(garbled, 401);
    expect(manualKeyIn(garbled.body)).toBe(secret);
    expect(garbled.body).not.toContain("not-base32");
    const enabled = await browser.post("/account/two-factor/enable", {
      ...enableFormIn(shownAgain),
      code: InMemoryTOTPService.codeAt(secret as string, deps.clock.now()),
    });
    expectPage(enabled, 200);
    expect(enabled.body.match(/<li>[^<]+<\/li>/g)?.length).toBe(10);
    expect(enabled.body).toContain('download="backup-codes.txt" href="data:text/plain;charset=utf-8,');
    expect(enabled.body).toContain("Two-step verification is on. Keep these backup codes somewhere safe");
    // The file names the service, the account and the day, then the codes shown.
    const file = decodeURIComponent(
      /href="data:text\/plain;charset=utf-8,([^"]+)"/.exec(enabled.body)?.[1] ?? "",
    );
    const shown = [...enabled.body.matchAll(/<li>([^<]+)<\/li>/g)].map((match) => match[1]);
    expect(file).toBe(
      [
        "SuperOAuth backup codes for ada@example.com",
        `Made ${deps.clock.now().toISOString().slice(0, 10)}. Each code works once. Codes made before these no longer work.`,
        "",
        ...shown,
        "",
      ].join("\n"),
    );
    const enableForm = {
      ...enableFormIn(shownAgain),
      code: InMemoryTOTPService.codeAt(secret as string, deps.clock.now()),
    };
    // Sent again from the history (Reload on "Confirm Form Resubmission"): the browser remembers
    // the form was answered, and nothing is done or checked again (pages/sent-forms.ts).
    const resent = await browser.post("/account/two-factor/enable", enableForm);
    expectPage(resent, 409);
    expect(resent.body).toContain("This form was sent already");
    expect(resent.body).toContain('href="/account/two-factor"');
    // Sent again with the first answer lost (its cookie never arrived): "already on", and where
    // the codes it never saw are made.
    browser.dropCookie("superoauth_sent");
    const sentAgain = await browser.post("/account/two-factor/enable", enableForm);
    expectPage(sentAgain, 409);
    expect(sentAgain.body).toContain("If you did not see your backup codes, make new ones below");
    expect(sentAgain.body).toContain('action="/account/two-factor/backup-codes"');
  });

  it("the signed-in steps draw from the general budget, as their API twins do: a spent sign-in budget does not refuse them", async () => {
    const { browser, deps } = await withAccount({ loginMax: 1, verified: true });
    expect((await signIn(browser)).statusCode).toBe(303);
    const setup = await browser.submit("/account/two-factor", "/account/two-factor/setup", {});
    const secret = manualKeyIn(setup.body) as string;
    const wrong = await browser.post("/account/two-factor/enable", {
      ...enableFormIn(setup.body),
      code: "000000",
    });
    expectPage(wrong, 401);
    const enabled = await browser.post("/account/two-factor/enable", {
      ...enableFormIn(wrong.body),
      code: InMemoryTOTPService.codeAt(secret, deps.clock.now()),
    });
    expectPage(enabled, 200);
    // The sign-in itself keeps its budget: a second sign-in from this address is refused.
    const again = await signIn(new Browser(browser.app));
    expect(again.statusCode).toBe(429);
  });

  it("pressing Set up again shows the key waiting for its first code; 'Make a new key' makes another", async () => {
    const { browser } = await withAccount({ verified: true });
    await signIn(browser);
    const first = await browser.submit("/account/two-factor", "/account/two-factor/setup", {});
    const key = manualKeyIn(first.body);
    expect(key).toBeDefined();
    // Back, then "Set up" again: the key the app may have already, not a new one it would not know.
    const again = await browser.submit("/account/two-factor", "/account/two-factor/setup", {});
    expectPage(again, 200);
    expect(manualKeyIn(again.body)).toBe(key);
    expect(again.body).toContain("This is the key you were shown before");
    expect(first.body).not.toContain("shown before");
    expect(again.body).toContain(">Make a new key</button>");
    const renewed = await browser.post("/account/two-factor/setup", {
      ...enableFormIn(again.body),
      new_key: "1",
    });
    expectPage(renewed, 200);
    expect(manualKeyIn(renewed.body)).toMatch(/^[A-Z2-7]+$/);
    expect(manualKeyIn(renewed.body)).not.toBe(key);
    expect(renewed.body).toContain("This is a new key: remove the entry of the earlier one from your app.");
  });

  it("a stale session's empty code is sent to the fresh-proof page, never shown the pending key", async () => {
    const { browser, deps } = await withAccount({ verified: true });
    await signIn(browser);
    const setup = await browser.submit("/account/two-factor", "/account/two-factor/setup", {});
    const secret = manualKeyIn(setup.body) as string;
    expect(secret).toBeDefined();
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const blank = await browser.post("/account/two-factor/enable", { ...enableFormIn(setup.body), code: "" });
    expect(blank.statusCode).toBe(303);
    expect(blank.headers.location).toBe("/account/confirm?next=%2Faccount%2Ftwo-factor");
    expect(blank.body).not.toContain(secret.slice(0, 8));
  });

  it("sends a stale session to the fresh-proof page, which says what for and links back, and back to the action page", async () => {
    const { browser, deps } = await withAccount({ verified: true });
    await signIn(browser);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const setup = await browser.submit("/account/two-factor", "/account/two-factor/setup", {});
    expect(setup.statusCode).toBe(303);
    expect(setup.headers.location).toBe("/account/confirm?next=%2Faccount%2Ftwo-factor");
    const wrong = await browser.submit(setup.headers.location as string, setup.headers.location as string, {
      password: "not-the-password-1",
    });
    expectPage(wrong, 401);
    // The page says what the proof is for, links back there without it, and to the password reset;
    // refused, it still does.
    for (const page of [await browser.get(setup.headers.location as string), wrong]) {
      expect(page.body).toContain(
        "Your change under <strong>Two-step verification (2FA)</strong> needs a recent proof that it is you.",
      );
      expect(page.body).toContain(
        '<a href="/forgot-password">Forgot your password?</a> · <a href="/account/two-factor">Cancel and go back to Two-step verification (2FA)</a>',
      );
    }
    // A page of no section (the overview): the general words, and the way back to it.
    const general = await browser.get("/account/confirm?next=%2Faccount%3Fx%3D1");
    expect(general.body).toContain("This change needs a recent proof that it is you.");
    expect(general.body).toContain('<a href="/account?x=1">Cancel</a>');
    const confirmed = await browser.submit(
      setup.headers.location as string,
      setup.headers.location as string,
      {
        password: strongPassword,
      },
    );
    expect(confirmed.statusCode).toBe(303);
    expect(confirmed.headers.location).toBe("/account/two-factor");
    const again = await browser.submit("/account/two-factor", "/account/two-factor/setup", {});
    expectPage(again, 200);
    expect(again.body).toContain('id="manual-key"');
  });
});

describe("a lock at the password step", () => {
  it("links SUPPORT_URL for a lock that outlasts the wait", async () => {
    const { browser } = await withAccount({
      theme: { ...defaultTheme, supportURL: "https://help.example/" },
    });
    const { first, last } = await browser.signInUntilLocked("/account/sign-in", "/account/sign-in");
    expect(first.body).not.toContain("Still locked once the wait is over?");
    expect(first.body).not.toContain("to lift the lock");
    expectPage(last, 423);
    expect(last.body).toContain(
      '<p>Still locked once the wait is over? <a href="https://help.example/">Contact support</a>.</p>',
    );
  });

  it("links the password reset that lifts it, as its words say, opening with the address typed", async () => {
    const built = await withAccount();
    const { last } = await built.browser.signInUntilLocked("/account/sign-in", "/account/sign-in");
    expectPage(last, 423);
    expect(last.body).toContain("or reset your password");
    await expectPrefilledRequest(built, last, {
      action: "/forgot-password",
      text: "Reset your password to lift the lock",
    });
  });
});

describe("a lock at the second step", () => {
  it("links the password reset that lifts it (the message names it)", async () => {
    const built = await withAccount();
    const { browser, deps, useCases, signedUp } = built;
    const auth = await useCases.authenticateAccessToken({ token: signedUp.accessToken });
    if (!auth.ok) throw new Error("no session");
    await enableTwoFactorFor(deps, auth.value.session);
    const first = await signIn(browser);
    const step = first.headers.location as string;
    let last = await browser.submit(step, step, { code: "000000" });
    expect(last.body).not.toContain('href="/forgot-password"');
    for (let i = 0; i < 10 && last.statusCode !== 423; i++) {
      last = await browser.submit(step, step, { code: "000000" });
    }
    expectPage(last, 423);
    expect(last.body).toContain("reset your password");
    await expectPrefilledRequest(built, last, {
      action: "/forgot-password",
      text: "Reset your password to lift the lock",
    });
  });
});

describe("managing two-step verification", () => {
  async function withTwoFactor() {
    const built = await withAccount();
    const auth = await built.useCases.authenticateAccessToken({ token: built.signedUp.accessToken });
    if (!auth.ok) throw new Error("no session");
    const factor = await enableTwoFactorFor(built.deps, auth.value.session);
    const first = await signIn(built.browser);
    const step = first.headers.location as string;
    const done = await built.browser.submit(step, step, { code: factor.backupCodes[0] as string });
    return { ...built, ...factor, done };
  }

  it("after a sign-in with a backup code, says how to go on without the authenticator", async () => {
    // Someone who lost their phone signs in with a backup code: new backup codes need the lost
    // authenticator, so the pages say the way that works (turn off with a backup code, set up again).
    const { done, ...built } = await withTwoFactor();
    const factor = built;
    expect(done.statusCode).toBe(303);
    const landed = await built.browser.get(done.headers.location as string);
    expectPage(landed, 200);
    expect(landed.body).toContain("You signed in with a backup code, which cannot be used again.");
    expect(landed.body).toContain("Lost your authenticator app?");
    const status = await built.browser.get("/account/two-factor");
    expect(status.body).toContain("9 backup codes left");
    expect(status.body).toContain("turn two-step verification off below with one of your backup codes");
    // A sign-in with the authenticator's code says nothing of the kind.
    const other = new Browser(built.app);
    const again = await signIn(other);
    const step2 = again.headers.location as string;
    // The spent backup code again: refused, without blaming a clock a backup code does not have.
    const spent = await other.submit(step2, step2, { code: factor.backupCodes[0] as string });
    expectPage(spent, 401);
    expect(spent.body).toContain("The backup code is wrong or already used: each backup code works once");
    expect(spent.body).not.toContain("clock");
    const code = await other.submit(step2, step2, { code: factor.codeNow() });
    expect(code.statusCode).toBe(303);
    const plain = await other.get(code.headers.location as string);
    expectPage(plain, 200);
    expect(plain.body).not.toContain("You signed in with a backup code");
  });

  it("regenerates the backup codes with a current code (a wrong one is 401), saying the old ones stopped working", async () => {
    const { browser, codeNow } = await withTwoFactor();
    const page = await browser.get("/account/two-factor");
    expect(page.body).toContain("9 backup codes left");
    const wrong = await browser.submit("/account/two-factor", "/account/two-factor/backup-codes", {
      code: "000000",
    });
    expectPage(wrong, 401);
    expect(wrong.body).toContain("The code is wrong, expired or already used");
    expect(wrong.body).toContain("check that your device&#39;s clock is right");
    // Said in the form that failed, on its field, which gets the focus; the other form is untouched.
    expect(wrong.body).toMatch(/<p id="regenerate-error" class="error" role="alert">The code is wrong/);
    expect(wrong.body).toMatch(
      /<input id="regenerate-code"[^>]*aria-invalid="true" aria-describedby="regenerate-error" autofocus>/,
    );
    expect(wrong.body).not.toMatch(/<input id="disable-code"[^>]*aria-invalid/);
    expect(wrong.body).not.toContain('id="form-error"');
    const fresh = await browser.submit("/account/two-factor", "/account/two-factor/backup-codes", {
      code: codeNow(),
    });
    expectPage(fresh, 200);
    expect(fresh.body.match(/<li>[^<]+<\/li>/g)?.length).toBe(10);
    // New codes replace the old: said, not "Two-step verification is on" as at setup.
    expect(fresh.body).toContain("<title>Your new backup codes");
    expect(fresh.body).toContain("These are your new backup codes: your old ones no longer work.");
  });

  it("turns off with a backup code, after a fresh proof when the session is old", async () => {
    const { browser, backupCodes, deps } = await withTwoFactor();
    const wrong = await browser.submit("/account/two-factor", "/account/two-factor/disable", {
      code: "nope-nope",
    });
    expectPage(wrong, 401);
    expect(wrong.body).toMatch(
      /<input id="disable-code"[^>]*aria-invalid="true" aria-describedby="disable-error" autofocus>/,
    );
    expect(wrong.body).not.toMatch(/<input id="regenerate-code"[^>]*aria-invalid/);
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1000);
    const stale = await browser.submit("/account/two-factor", "/account/two-factor/disable", {
      code: backupCodes[1] as string,
    });
    expect(stale.headers.location).toBe("/account/confirm?next=%2Faccount%2Ftwo-factor");
    await browser.submit(stale.headers.location as string, stale.headers.location as string, {
      password: strongPassword,
    });
    const off = await browser.submit("/account/two-factor", "/account/two-factor/disable", {
      code: backupCodes[1] as string,
    });
    expect(off.statusCode).toBe(303);
    expect(off.headers.location).toBe("/account/two-factor");
    const page = await browser.get("/account/two-factor");
    expect(page.body).toContain(
      "Two-step verification has been turned off, and its backup codes no longer work.",
    );
    expect(page.body.match(/Two-step verification is /g)).toHaveLength(1);
    expect(page.body).toContain("<strong>off</strong>");
  });

  it("refuses a second setup while it is on (409)", async () => {
    const { browser } = await withTwoFactor();
    const again = await browser.submit("/account/two-factor", "/account/two-factor/setup", {});
    expectPage(again, 409);
    expect(again.body).toContain("already on");
  });
});

describe("the permission gate", () => {
  async function withStaffPage() {
    return withAccount({
      plugins: ({ browserSessions, cookies, secret, useCases }) => [
        async (root) => {
          await root.register(
            async (app) => {
              const kit = createPageKit({ cookies, secret });
              await kit.install(app, { notFound: true });
              const area = createSignedInArea({
                kit,
                browserSessions,
                cookies,
                nav: [{ id: "users", label: "Users", href: "/staff-test" }],
                notices: {},
                signInPath: "/account/sign-in",
                confirmPath: "/account/confirm",
                checkStaffAccess: useCases.checkStaffAccess,
              });
              area.page(app, "/", { permission: "read_users" }, async (page) =>
                page.render("notice", {
                  title: "Users",
                  section: "users",
                  message: "staff only",
                  status: true,
                  link: null,
                }),
              );
            },
            { prefix: "/staff-test" },
          );
        },
      ],
    });
  }

  it("answers 403 to a role without the permission, and renders for one with it", async () => {
    const { browser, deps, user } = await withStaffPage();
    await signIn(browser);
    const refused = await browser.get("/staff-test");
    expectPage(refused, 403);
    expect(refused.body).toContain("Not allowed");
    await deps.accountAdministration.updateAccount({
      userId: user.id,
      change: { role: "support" },
      now: deps.clock.now(),
      guard: () => ok(undefined),
    });
    const allowed = await browser.get("/staff-test");
    expectPage(allowed, 200);
    expect(allowed.body).toContain('<a href="/staff-test" aria-current="page">Users</a>');
  });
});

describe("/.well-known/change-password", () => {
  it("sends a password manager's change-password link to the password page (W3C well-known URL)", async () => {
    const { browser } = await withAccount();
    const response = await browser.get("/.well-known/change-password");
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe("/account/password");
  });
});
