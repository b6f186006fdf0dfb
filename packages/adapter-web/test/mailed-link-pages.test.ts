import {
  enableTwoFactorFor,
  enableTwoFactorOnUnverifiedAddress,
  linkIdentity,
} from "@superoauth/application/testing";
import { mailRepeatWindowMs } from "@superoauth/domain";
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import { formAccountOf, tokenFromLink } from "../src/index.ts";
import { signIn } from "./account-helpers.ts";
import {
  Browser,
  buildHostedTestApp,
  hiddenFieldsIn,
  signUpAda,
  signUpBob,
  strongPassword,
} from "./test-app.ts";

// The pages account mails link to (/verify-email, /confirm-email, /reset-password,
// /undo-email-change) and the forms
// that mail such links (/forgot-password, /resend-verification), over inject(): what each answers,
// every refusal's status, and that nothing is done on GET.

/** A mailed link's page: HTML under the strict CSP, its one same-origin script, nothing inline. */
function expectLinkPage(response: LightMyRequestResponse, status: number): void {
  expect(response.statusCode).toBe(status);
  expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
  expect(response.headers["content-security-policy"]).toMatch(/^default-src 'none'; script-src 'self';/);
  expect(response.headers["referrer-policy"]).toBe("no-referrer");
  expect(response.body.match(/<script/g) ?? []).toHaveLength(1);
  expect(response.body).toMatch(/<script src="\/assets\/mailed-link-[0-9a-f]{16}\.js" defer><\/script>/);
  expect(response.body).not.toMatch(/<style|<[^>]*\s(?:style|on[a-z]+)=/i);
}

/** What a link's page answers once it did its work: a plain notice, without the script. */
function expectDone(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(200);
  expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
  expect(response.body).not.toContain("<script");
}

/** The page's error line. */
function errorOf(response: LightMyRequestResponse): string | undefined {
  return /role="alert">([^<]*)</.exec(response.body)?.[1];
}

async function withAda() {
  const built = await buildHostedTestApp();
  const signedUp = await signUpAda(built.useCases);
  return { ...built, signedUp, browser: new Browser(built.app) };
}

/** The link of the newest mail to `to` whose text holds `path#token=`. */
async function mailedLink(deps: Awaited<ReturnType<typeof withAda>>["deps"], to: string, path: string) {
  await deps.backgroundTasks.drain();
  const texts = deps.mailer.sentTo(to).map((mail) => mail.text);
  const link = texts
    .map((text) => new RegExp(`https?://\\S+/${path}#token=[A-Za-z0-9._~-]+`).exec(text)?.[0])
    .filter((found) => found !== undefined)
    .at(-1);
  if (link === undefined) throw new Error(`no ${path} link mailed to ${to}`);
  return link;
}

/** The link labelled `label` in the newest mail to `to` that has one, as a path of this server (`/account/sessions?account=...`). */
async function noticeLink(deps: Awaited<ReturnType<typeof withAda>>["deps"], to: string, label: string) {
  await deps.backgroundTasks.drain();
  const link = deps.mailer
    .sentTo(to)
    .map((mail) => new RegExp(`${label}: (\\S+)`).exec(mail.text)?.[1])
    .filter((found) => found !== undefined)
    .at(-1);
  if (link === undefined) throw new Error(`no "${label}" link mailed to ${to}`);
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

describe("tokenFromLink", () => {
  it.each([
    ["https://auth.example/verify-email#token=abc_DEF-123", "abc_DEF-123"],
    ["  https://auth.example/reset-password#token=abc&x=1 ", "abc"],
    ["token=abc", "abc"],
    ["abc_DEF-123", "abc_DEF-123"],
    ["https://auth.example/verify-email#token=a%2Db", "a-b"],
    ["https://auth.example/verify-email#token=%E0%A4%A", "%E0%A4%A"],
    ["", ""],
    ["   ", ""],
  ])("reads %j as %j", (pasted, token) => {
    expect(tokenFromLink(pasted)).toBe(token);
  });

  it("cuts what it reads to the longest token a link carries", () => {
    expect(tokenFromLink("x".repeat(5000))).toHaveLength(512);
  });
});

describe("/verify-email", () => {
  it("GET does nothing but show the form: the field for a pasted link, the button and a way to a new link", async () => {
    const { browser, deps, signedUp } = await withAda();
    const page = await browser.get("/verify-email");
    expectLinkPage(page, 200);
    expect(page.body).toContain('<form method="post" action="/verify-email" class="stack" data-mailed-link>');
    expect(page.body).toContain('<label for="link">The link from the email</label>');
    expect(page.body).toContain('<a href="/resend-verification">');
    expect((await deps.users.findUserById(signedUp.user.id))?.emailVerified).toBe(false);
  });

  it("without JavaScript, says to paste the link first, then press the button, as the page is laid out; the script's words wait in the lead", async () => {
    const { browser, app } = await withAda();
    const verify = await browser.get("/verify-email");
    expect(verify.body).toContain(
      '<p class="lead" id="mailed-link-lead" data-with-link="Press the button to verify the address this link was sent to.">Paste the link from the email into the field below, then press Verify my address to verify the address it was sent to.</p>',
    );
    const confirm = await new Browser(app).get("/confirm-email");
    expect(confirm.body).toContain(
      `<p class="lead" id="mailed-link-lead" data-with-link="Press the button to make the address this link was sent to your account&#39;s address.">Paste the link from the email into the field below, then press Use this address to make the address it was sent to your account&#39;s address.</p>`,
    );
    // The lead comes before the field it speaks of, and the field before the button.
    for (const page of [verify.body, confirm.body]) {
      const order = ['id="mailed-link-lead"', 'id="link"', 'type="submit"'].map((mark) => page.indexOf(mark));
      expect(order.every((at, i) => at > (order[i - 1] ?? -1))).toBe(true);
    }
  });

  it("the pasted link verifies the address; the same link again says the address was already verified", async () => {
    const { browser, deps, signedUp } = await withAda();
    const link = await mailedLink(deps, "ada@example.com", "verify-email");

    const verified = await browser.submit("/verify-email", "/verify-email", { link });
    expectDone(verified);
    expect(verified.body).toContain("Your email address is verified.");
    // The title and heading say what happened, not the form's "Verify your email address".
    expect(verified.body).toContain("<title>Address verified · SuperOAuth</title>");
    expect(verified.body).toContain("<h1>Address verified</h1>");
    expect(verified.body).toContain('<a href="/account/sign-in">Sign in</a>');
    expect((await deps.users.findUserById(signedUp.user.id))?.emailVerified).toBe(true);

    const again = await browser.submit("/verify-email", "/verify-email", { link });
    expectDone(again);
    expect(again.body).toContain("Your email address was already verified. You can sign in with it.");
    expect(again.body).toContain("<title>Address verified already · SuperOAuth</title>");
    expect(again.body).not.toContain('aria-invalid="true"');
  });

  it("refuses an empty field (400), a made-up token (400) and a form without its CSRF token (403)", async () => {
    const { browser, app } = await withAda();
    const empty = await browser.submit("/verify-email", "/verify-email", { link: "  " });
    expectLinkPage(empty, 400);
    expect(errorOf(empty)).toBe("Paste the link from the email first.");

    const madeUp = await browser.submit("/verify-email", "/verify-email", { link: "token=not-a-real-token" });
    expectLinkPage(madeUp, 400);
    expect(errorOf(madeUp)).toMatch(/invalid|expired|used/i);

    const forged = await new Browser(app).post("/verify-email", { link: "anything" });
    expect(forged.statusCode).toBe(403);
    expect(forged.body).toContain("This form has expired");
    // Not a dead end: the way back to the form.
    expect(forged.body).toContain('<a href="/verify-email">Open the form again</a>');
  });
});

describe("/confirm-email", () => {
  /** Ada, signed in at the account center, asks to move to `to`: the link mailed there. */
  async function emailChangeLink(to: string) {
    const built = await withAda();
    expect((await signIn(built.browser)).statusCode).toBe(303);
    const asked = await built.browser.submit("/account/profile", "/account/profile/email", { new_email: to });
    expect(asked.statusCode).toBe(303);
    return { ...built, link: await mailedLink(built.deps, to, "confirm-email") };
  }

  it("the link mailed to the new address changes it", async () => {
    const { browser, deps, signedUp, link } = await emailChangeLink("countess@example.com");
    expectLinkPage(await browser.get("/confirm-email"), 200);
    const confirmed = await browser.submit("/confirm-email", "/confirm-email", { link });
    expectDone(confirmed);
    expect(confirmed.body).toContain("Your account now uses this email address.");
    expect(confirmed.body).toContain("<title>New address confirmed · SuperOAuth</title>");
    expect((await deps.users.findUserById(signedUp.user.id))?.email).toBe("countess@example.com");
  });

  it("409, the address kept, when another account took it meanwhile", async () => {
    const { browser, deps, useCases, signedUp, link } = await emailChangeLink("taken@example.com");
    const other = await useCases.registerWithPassword({
      email: "taken@example.com",
      password: strongPassword,
      nickname: "other",
      client: {},
    });
    expect(other.ok).toBe(true);
    const refused = await browser.submit("/confirm-email", "/confirm-email", { link });
    expectLinkPage(refused, 409);
    expect(errorOf(refused)).toBe("Another account uses this email address now");
    expect((await deps.users.findUserById(signedUp.user.id))?.email).toBe("ada@example.com");
  });
});

describe("/undo-email-change", () => {
  /** Ada's address changed to `to` from her signed-in session; the undo link mailed to her old address. */
  async function undoLink(to: string) {
    const built = await withAda();
    expect((await signIn(built.browser)).statusCode).toBe(303);
    const asked = await built.browser.submit("/account/profile", "/account/profile/email", { new_email: to });
    expect(asked.statusCode).toBe(303);
    const confirm = await mailedLink(built.deps, to, "confirm-email");
    expectDone(await built.browser.submit("/confirm-email", "/confirm-email", { link: confirm }));
    return { ...built, link: await mailedLink(built.deps, "ada@example.com", "undo-email-change") };
  }

  it("the link mailed to the old address gives the account back, with a new password; the spent link is then refused", async () => {
    const { browser, deps, useCases, signedUp, link } = await undoLink("thief@example.net");
    const page = await browser.get("/undo-email-change");
    expectLinkPage(page, 200);
    expect(page.body).toContain('<form method="post" action="/undo-email-change"');
    expect(page.body).toContain("This gives your account back to the address this link was sent to.");
    expect(page.body).toContain(">Undo the change</button>");

    const differ = await browser.submit("/undo-email-change", "/undo-email-change", {
      link,
      password: "Mine-again-1!",
      confirm: "Mine-again-2!",
    });
    expectLinkPage(differ, 400);
    expect(errorOf(differ)).toBe("The two passwords differ. Type them again.");
    expect(differ.body).toContain(`<input type="hidden" name="link" value="${tokenFromLink(link)}">`);
    // The new password's fields carry the refusal, and the first of them the focus (WCAG 3.3.1).
    expect(differ.body).toMatch(/<input id="password"[^>]*aria-invalid="true" autofocus>/);
    expect(differ.body).toMatch(/<input id="confirm"[^>]*aria-invalid="true">/);

    const posted = await browser.submit("/undo-email-change", "/undo-email-change", {
      link,
      password: "Mine-again-1!",
      confirm: "Mine-again-1!",
    });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe("/undo-email-change?done=1");
    const undone = await browser.get("/undo-email-change?done=1");
    expectDone(undone);
    // Its heading says what happened, not the form's "Undo the change..." again.
    expect(undone.body).toContain("<h1>The change of your email address is undone</h1>");
    expect(undone.body).toContain("Your account is back on this email address");
    // Ada had no provider and no second factor: the page speaks of neither.
    expect(undone.body).not.toContain("unlinked");
    expect(undone.body).not.toContain("two-factor code");
    expect((await deps.users.findUserById(signedUp.user.id))?.email).toBe("ada@example.com");
    const signedIn = await useCases.logInWithPassword({
      email: "ada@example.com",
      password: "Mine-again-1!",
      client: {},
    });
    expect(signedIn.ok).toBe(true);

    const spent = await browser.submit("/undo-email-change", "/undo-email-change", {
      link,
      password: "Mine-again-3!",
      confirm: "Mine-again-3!",
    });
    // Not the form again (an undo link is not sent twice): what to do instead.
    expect(spent.statusCode).toBe(400);
    expect(spent.body).not.toContain('name="password"');
    expect(spent.body).toContain("If you used it already, your account is back on this address");
    expect(spent.body).toContain("If you need help: Ask the team that runs SuperOAuth.");
  });

  it("says the providers were unlinked and that a code is still asked, when the account had them", async () => {
    const { browser, deps, useCases, signedUp, link } = await undoLink("thief@example.net");
    const auth = await useCases.authenticateAccessToken({ token: signedUp.accessToken });
    if (!auth.ok) throw new Error("no session");
    await enableTwoFactorFor(deps, auth.value.session);
    await linkIdentity(deps, { userId: signedUp.user.id, provider: "github", subject: "thief-1" });

    const posted = await browser.submit("/undo-email-change", "/undo-email-change", {
      link,
      password: "Mine-again-1!",
      confirm: "Mine-again-1!",
    });
    expect(posted.headers.location).toBe("/undo-email-change?done=1&outcome=unlinked_two_factor_on");
    const undone = await browser.get(String(posted.headers.location));
    expectDone(undone);
    expect(undone.body).toContain(
      "Every sign-in provider linked to the account was unlinked: once signed in, link yours again. Signing in asks for a code from your authenticator app or a backup code: two-step verification stays as it was.",
    );
    // "Contact support" names a way to do it: SUPPORT_URL's link, or the team that runs the brand.
    expect(undone.body).toContain(
      "If signing in asks for a two-factor code you do not have: Ask the team that runs SuperOAuth.",
    );
    for (const [outcome, says, lacks] of [
      ["unlinked", "was unlinked", "two-factor code"],
      ["two_factor_on", "two-factor code", "unlinked"],
    ] as const) {
      const page = await browser.get(`/undo-email-change?done=1&outcome=${outcome}`);
      expect(page.body).toContain(says);
      expect(page.body).not.toContain(lacks);
    }
  });

  it("409, nothing changed, when another account took the old address meanwhile", async () => {
    const { browser, deps, useCases, signedUp, link } = await undoLink("thief@example.net");
    const squatter = await useCases.registerWithPassword({
      email: "ada@example.com",
      password: strongPassword,
      nickname: "squat",
      client: {},
    });
    expect(squatter.ok).toBe(true);
    const refused = await browser.submit("/undo-email-change", "/undo-email-change", {
      link,
      password: "Mine-again-1!",
      confirm: "Mine-again-1!",
    });
    expectLinkPage(refused, 409);
    expect(errorOf(refused)).toMatch(/^Another account uses this address now/);
    expect(refused.body).toContain("The change cannot be undone here: Ask the team that runs SuperOAuth.");
    expect((await deps.users.findUserById(signedUp.user.id))?.email).toBe("thief@example.net");
    // The link still works (should the address be freed): it stays in the form.
    expect(refused.body).toContain(`<input type="hidden" name="link" value="${tokenFromLink(link)}">`);
  });
});

describe("/reset-password", () => {
  it("the changed page says what became of two-step verification: still on, or turned off as the address had never been verified", async () => {
    const { browser, deps, useCases, signedUp } = await withAda();
    const choosePassword = async (at: Browser, input: { path: string; link: string; password: string }) => {
      const { path, link, password } = input;
      const posted = await at.submit(path, path, { link, password, confirm: password });
      expect(posted.statusCode).toBe(303);
      const location = String(posted.headers.location);
      return { location, page: await at.get(location) };
    };
    const auth = await useCases.authenticateAccessToken({ token: signedUp.accessToken });
    if (!auth.ok) throw new Error("no session");
    await enableTwoFactorFor(deps, auth.value.session);
    await useCases.requestPasswordReset({ email: "ada@example.com" });
    const kept = await choosePassword(browser, {
      path: "/reset-password",
      link: await mailedLink(deps, "ada@example.com", "reset-password"),
      password: "New-password-1!",
    });
    expect(kept.location).toBe("/reset-password?done=1&outcome=on");
    expectDone(kept.page);
    expect(kept.page.body).toContain(
      "Signing in still asks for a code from your authenticator app or a backup code: a new password does not turn two-step verification off.",
    );
    expect(kept.page.body).toContain("Lost your authenticator app and your backup codes too?");

    const bob = await signUpBob(useCases);
    const bobs = await useCases.authenticateAccessToken({ token: bob.accessToken });
    if (!bobs.ok) throw new Error("no session");
    await enableTwoFactorOnUnverifiedAddress(deps, bobs.value.session);
    await useCases.requestPasswordReset({ email: "bob@example.com" });
    const turnedOff = await choosePassword(new Browser(browser.app), {
      path: "/reset-password",
      link: await mailedLink(deps, "bob@example.com", "reset-password"),
      password: "New-password-1!",
    });
    expect(turnedOff.location).toBe("/reset-password?done=1&outcome=turned_off");
    expect(turnedOff.page.body).toContain(
      "Two-step verification is now off: this address had never been verified, so whoever set it up may not have been you.",
    );
    expect(turnedOff.page.body).not.toContain("Lost your authenticator app");

    // The outcome only picks words: one it does not know shows the plain page.
    const unknown = await browser.get("/reset-password?done=1&outcome=%3Cb%3E");
    expectDone(unknown);
    expect(unknown.body).toContain(
      "Every session of the account is signed out. Sign in with the new password.",
    );
    expect(unknown.body).not.toContain("&lt;b&gt;");
    // Nor does a name every object answers to (its prototype's): no "undefined" on the page.
    for (const inherited of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const page = await browser.get(`/reset-password?done=1&outcome=${inherited}`);
      expectDone(page);
      expect(page.body).toContain(
        "Every session of the account is signed out. Sign in with the new password.",
      );
      expect(page.body).not.toContain("undefined");
    }
  });

  it("a mismatch and a weak password keep the link in the form (400); a good one changes it (303 to ?done=1: a reload posts nothing); the spent link is then refused", async () => {
    const { browser, deps, useCases } = await withAda();
    await useCases.requestPasswordReset({ email: "ada@example.com" });
    const link = await mailedLink(deps, "ada@example.com", "reset-password");
    const token = tokenFromLink(link);

    const page = await browser.get("/reset-password");
    expectLinkPage(page, 200);
    expect(page.body).toContain('<a href="/forgot-password">');
    expect(page.body).toContain("a digit and one of !@#$%^&amp;*(),.?&quot;:{}|&lt;&gt;");

    const differ = await browser.submit("/reset-password", "/reset-password", {
      link,
      password: "New-password-1!",
      confirm: "New-password-2!",
    });
    expectLinkPage(differ, 400);
    expect(errorOf(differ)).toBe("The two passwords differ. Type them again.");
    expect(differ.body).toContain(`<input type="hidden" name="link" value="${token}">`);

    const weak = await browser.submit("/reset-password", "/reset-password", {
      link,
      password: "alllowercase",
      confirm: "alllowercase",
    });
    expectLinkPage(weak, 400);
    expect(errorOf(weak)).toMatch(/uppercase letter/);
    expect(weak.body).toContain(`<input type="hidden" name="link" value="${token}">`);

    const posted = await browser.submit("/reset-password", "/reset-password", {
      link,
      password: "New-password-1!",
      confirm: "New-password-1!",
    });
    // Post/Redirect/Get: a reload shows "changed" again instead of posting the spent link again
    // (which answered "invalid, expired or already used").
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe("/reset-password?done=1&outcome=off");
    const changed = await browser.get("/reset-password?done=1&outcome=off");
    expectDone(changed);
    expect(changed.body).toContain("<h1>Your password is changed</h1>");
    expect(changed.body).toContain(
      "Every session of the account is signed out. Sign in with the new password.",
    );
    // No two-step verification: nothing said of it.
    expect(changed.body).not.toContain("wo-step verification");
    expect(changed.body).not.toContain("authenticator app");
    const signedIn = await useCases.logInWithPassword({
      email: "ada@example.com",
      password: "New-password-1!",
      client: {},
    });
    expect(signedIn.ok).toBe(true);

    const spent = await browser.submit("/reset-password", "/reset-password", {
      link,
      password: "Another-password-1!",
      confirm: "Another-password-1!",
    });
    expectLinkPage(spent, 400);
    // Asking twice and opening the first mail is the usual way to get here: the page says so.
    // ...and the form sent again after its answer was lost finds the link spent by a change that worked.
    expect(errorOf(spent)).toBe(
      "The password-reset link is invalid, expired or already used (only the newest link mailed works). If you pressed Change password before and the page did not load, it may have worked: try signing in with the new password.",
    );
    // A spent link is not kept: the field asks for a link again.
    expect(spent.body).toContain('<label for="link">The link from the email</label>');
    expect(
      (await useCases.logInWithPassword({ email: "ada@example.com", password: strongPassword, client: {} }))
        .ok,
    ).toBe(false);
  });

  it("refuses an empty link (400) before looking at the passwords", async () => {
    const { browser } = await withAda();
    const empty = await browser.submit("/reset-password", "/reset-password", {
      link: "",
      password: "New-password-1!",
      confirm: "New-password-1!",
    });
    expectLinkPage(empty, 400);
    expect(errorOf(empty)).toBe("Paste the link from the email first.");
  });
});

describe("a mailed link opened in a browser signed in as another account", () => {
  // A shared computer signed in as ada, where bob opens a link mailed to him (or a person with two
  // accounts). The link is the proof: its work lands on its own account, and the browser stays
  // signed in as ada. The page that follows says so, and offers to sign out of ada where it would
  // have offered "Sign in" (which leads a signed-in browser on into ada's account).

  /** Ada signed in in one browser, bob in another; the app. */
  async function adaAndBob() {
    const built = await withAda();
    const bob = await signUpBob(built.useCases);
    expect((await signIn(built.browser)).statusCode).toBe(303);
    const bobs = new Browser(built.app);
    const signedIn = await bobs.submit("/account/sign-in", "/account/sign-in", {
      email: "bob@example.com",
      password: strongPassword,
    });
    expect(signedIn.statusCode).toBe(303);
    return { ...built, bob, bobs };
  }

  /** The account `browser` is signed in as, from the account center's navigation (null: signed out). */
  async function signedInAs(browser: Browser): Promise<string | null> {
    const page = await browser.get("/account");
    if (page.statusCode !== 200) return null;
    return /Signed in as <strong>([^<]+)<\/strong>/.exec(page.body)?.[1] ?? null;
  }

  /** Sends a password link's form from `browser`, `password` twice: where its 303 leads, and that page. */
  async function choosePassword(browser: Browser, input: { path: string; link: string; password: string }) {
    const { path, link, password } = input;
    const posted = await browser.submit(path, path, { link, password, confirm: password });
    expect(posted.statusCode).toBe(303);
    const location = String(posted.headers.location);
    return { location, page: await browser.get(location) };
  }

  /** What a page says once a link of another account did its work here. */
  function expectNamesTheOtherAccount(response: LightMyRequestResponse): void {
    expect(response.body).toContain("This browser is signed in as <strong>ada@example.com</strong>");
    expect(response.body).toContain('<form method="post" action="/account/sign-out"');
    expect(response.body).not.toContain('<a href="/account/sign-in">Sign in</a>');
  }

  it("bob's verification and change-of-address links verify and move bob, leave ada signed in, and the pages say so", async () => {
    const { browser, bobs, deps, signedUp, bob } = await adaAndBob();
    const verify = await mailedLink(deps, "bob@example.com", "verify-email");
    const verified = await browser.submit("/verify-email", "/verify-email", { link: verify });
    expectDone(verified);
    expect(verified.body).toContain("Your email address is verified.");
    expectNamesTheOtherAccount(verified);
    expect((await deps.users.findUserById(bob.user.id))?.emailVerified).toBe(true);
    expect((await deps.users.findUserById(signedUp.user.id))?.emailVerified).toBe(false);

    const asked = await bobs.submit("/account/profile", "/account/profile/email", {
      new_email: "robert@example.com",
    });
    expect(asked.statusCode).toBe(303);
    const confirm = await mailedLink(deps, "robert@example.com", "confirm-email");
    const confirmed = await browser.submit("/confirm-email", "/confirm-email", { link: confirm });
    expectDone(confirmed);
    expectNamesTheOtherAccount(confirmed);
    expect((await deps.users.findUserById(bob.user.id))?.email).toBe("robert@example.com");
    expect((await deps.users.findUserById(signedUp.user.id))?.email).toBe("ada@example.com");
    expect(await signedInAs(browser)).toBe("ada@example.com");
    expect(await signedInAs(bobs)).toBe("robert@example.com");
  });

  it("bob's reset and undo links sign bob out everywhere and leave ada signed in; the page names ada, and its button signs her out", async () => {
    const { browser, bobs, deps, useCases, app } = await adaAndBob();
    await useCases.requestPasswordReset({ email: "bob@example.com" });
    const reset = await mailedLink(deps, "bob@example.com", "reset-password");
    const { page: changed } = await choosePassword(browser, {
      path: "/reset-password",
      link: reset,
      password: "New-password-1!",
    });
    expectDone(changed);
    expect(changed.body).toContain("Your password is changed");
    expectNamesTheOtherAccount(changed);
    expect(await signedInAs(bobs)).toBeNull();
    expect(await signedInAs(browser)).toBe("ada@example.com");
    const bobAgain = await useCases.logInWithPassword({
      email: "bob@example.com",
      password: "New-password-1!",
      client: {},
    });
    expect(bobAgain.ok).toBe(true);
    const adaStill = await useCases.logInWithPassword({
      email: "ada@example.com",
      password: strongPassword,
      client: {},
    });
    expect(adaStill.ok).toBe(true);

    // Bob, signed in again elsewhere, moves to another address; the undo link reaches his old one.
    const bobs2 = new Browser(app);
    await bobs2.submit("/account/sign-in", "/account/sign-in", {
      email: "bob@example.com",
      password: "New-password-1!",
    });
    await bobs2.submit("/account/profile", "/account/profile/email", { new_email: "thief@example.net" });
    expectDone(
      await bobs2.submit("/confirm-email", "/confirm-email", {
        link: await mailedLink(deps, "thief@example.net", "confirm-email"),
      }),
    );
    const undo = await mailedLink(deps, "bob@example.com", "undo-email-change");
    const { location, page: undone } = await choosePassword(browser, {
      path: "/undo-email-change",
      link: undo,
      password: "Mine-again-1!",
    });
    expectDone(undone);
    expect(undone.body).toContain("Your account is back on this email address");
    expectNamesTheOtherAccount(undone);
    expect(await signedInAs(bobs2)).toBeNull();
    expect(await signedInAs(browser)).toBe("ada@example.com");

    // The page's button signs ada out, to the sign-in page.
    const out = await browser.submit(location, "/account/sign-out", {});
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe("/account/sign-in");
    expect(await signedInAs(browser)).toBeNull();
  });

  it("a link's page opened before the browser signed in as ada (another tab) still does the link's work, and then names ada", async () => {
    const { browser, deps, useCases, bob } = await adaAndBob();
    const loaded = new Browser(browser.app);
    const page = await loaded.get("/reset-password");
    expectLinkPage(page, 200);
    // Another tab of the same browser signs in as ada meanwhile.
    expect((await signIn(loaded)).statusCode).toBe(303);
    await useCases.requestPasswordReset({ email: "bob@example.com" });
    const reset = await mailedLink(deps, "bob@example.com", "reset-password");
    const posted = await loaded.post("/reset-password", {
      link: reset,
      password: "New-password-1!",
      confirm: "New-password-1!",
      csrf_token: /name="csrf_token" value="([^"]+)"/.exec(page.body)?.[1] ?? "",
    });
    expect(posted.statusCode).toBe(303);
    expectNamesTheOtherAccount(await loaded.get(String(posted.headers.location)));
    expect(
      (
        await useCases.logInWithPassword({
          email: "bob@example.com",
          password: "New-password-1!",
          client: {},
        })
      ).ok,
    ).toBe(true);
    expect((await deps.users.findUserById(bob.user.id))?.email).toBe("bob@example.com");
    expect(await signedInAs(loaded)).toBe("ada@example.com");
  });

  // A notice's account-center links ("Review your sessions", "Download my data") carry the mark of
  // the account the mail is about (`?account=`). In ada's browser, bob's link must not show ada's
  // sessions: bob, told of a new sign-in to his account, would sign out ada's sessions and think
  // his own safe.

  /** Bob's new-sign-in notice, as a sign-in from a device and a network his account never used mails it. */
  async function bobsNotice(built: Awaited<ReturnType<typeof adaAndBob>>): Promise<string> {
    const signedIn = await built.useCases.logInWithPassword({
      email: "bob@example.com",
      password: strongPassword,
      client: { ip: "198.51.100.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0" },
    });
    expect(signedIn.ok).toBe(true);
    return noticeLink(built.deps, "bob@example.com", "Review your sessions");
  }

  /** The page a link about another account gets: 409, ada named, her sign-out, nothing of her account's page. */
  function expectLinkForAnotherAccount(response: LightMyRequestResponse, next: string): void {
    expect(response.statusCode).toBe(409);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(response.body).toContain("<h1>This link is for another account</h1>");
    expect(response.body).toContain(
      "This link came in a mail about an account this browser is not signed in as",
    );
    expect(response.body).toContain(
      "This browser is signed in as <strong>ada@example.com</strong>, another account.",
    );
    expect(response.body).toContain('<form method="post" action="/account/sign-out">');
    expect(response.body).toContain(">Sign out of ada@example.com</button>");
    expect(hiddenFieldsIn(response.body, "/account/sign-out").next).toBe(next);
    // Not ada's page: no nav naming her, none of her sessions, exports or their forms.
    expect(response.body).not.toContain("Signed in as <strong>");
    expect(response.body).not.toContain("This device");
    expect(response.body).not.toContain("/account/sessions/revoke");
    expect(response.body).not.toContain('action="/account/export"');
    expect(response.body).not.toContain('name="account"');
  }

  it("bob's notice's sessions link in ada's browser: 409, not ada's sessions; the page names ada and signs her out, and signing in as bob opens his sessions", async () => {
    const built = await adaAndBob();
    const { browser, bob } = built;
    const link = await bobsNotice(built);
    expect(link).toBe(`/account/sessions?${new URLSearchParams({ account: formAccountOf(bob.user.id) })}`);

    const page = await browser.get(link);
    expectLinkForAnotherAccount(page, link);
    expect(await signedInAs(browser)).toBe("ada@example.com");

    // The button signs ada out, and the sign-in it leads to comes back to the link.
    const out = await browser.submit(link, "/account/sign-out", {});
    expect(out.statusCode).toBe(303);
    const signInPage = String(out.headers.location);
    expect(signInPage).toBe(`/account/sign-in?${new URLSearchParams({ next: link })}`);
    expect(await signedInAs(browser)).toBeNull();
    const signedIn = await browser.submit(signInPage, signInPage, {
      email: "bob@example.com",
      password: strongPassword,
    });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe(link);
    const bobsSessions = await browser.get(link);
    expect(bobsSessions.statusCode).toBe(200);
    expect(bobsSessions.body).toContain("Signed in as <strong>bob@example.com</strong>");
    expect(bobsSessions.body).toContain("This device");
    expect(bobsSessions.body).toContain("198.51.100.7");
  });

  it("bob's export link in ada's browser: the same 409 page; the link's own account sees its page", async () => {
    const { browser, bob, signedUp } = await adaAndBob();
    const bobsExport = `/account/export?${new URLSearchParams({ account: formAccountOf(bob.user.id) })}`;
    expectLinkForAnotherAccount(await browser.get(bobsExport), bobsExport);
    // Ada's own links open her pages, as they did without the mark.
    for (const page of ["sessions", "export"]) {
      const own = await browser.get(
        `/account/${page}?${new URLSearchParams({ account: formAccountOf(signedUp.user.id) })}`,
      );
      expect(own.statusCode).toBe(200);
      expect(own.body).toContain("Signed in as <strong>ada@example.com</strong>");
    }
  });

  it("ada's own notice's link in her browser opens her sessions", async () => {
    const { browser, useCases, deps } = await adaAndBob();
    await useCases.logInWithPassword({
      email: "ada@example.com",
      password: strongPassword,
      client: { ip: "198.51.100.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0" },
    });
    const link = await noticeLink(deps, "ada@example.com", "Review your sessions");
    expect(link).toMatch(/^\/account\/sessions\?account=[A-Za-z0-9_-]{22}$/);
    const page = await browser.get(link);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Signed in as <strong>ada@example.com</strong>");
    expect(page.body).toContain("198.51.100.7");
  });

  it("signed out, bob's link leads to sign-in with the link kept as next; signing in there as ada still says the link is bob's", async () => {
    const built = await adaAndBob();
    const link = await bobsNotice(built);
    const browser = new Browser(built.app);
    const first = await browser.get(link);
    expect(first.statusCode).toBe(303);
    const signInPage = String(first.headers.location);
    expect(signInPage).toBe(`/account/sign-in?${new URLSearchParams({ next: link })}`);
    const signedIn = await browser.submit(signInPage, signInPage, {
      email: "ada@example.com",
      password: strongPassword,
    });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe(link);
    expectLinkForAnotherAccount(await browser.get(link), link);
  });

  it("a mark the service never mails (junk, too long, empty, given twice) is ignored: the page as without one, never a 500", async () => {
    const { browser, bob } = await adaAndBob();
    const bobs = formAccountOf(bob.user.id);
    for (const query of [
      "account=%3Cscript%3E",
      `account=${"A".repeat(23)}`,
      `account=${"A".repeat(5000)}`,
      `account=${bobs.slice(0, 21)}%00`,
      "account=",
      `account=${bobs}&account=${bobs}`,
      "account[x]=1",
    ]) {
      const page = await browser.get(`/account/sessions?${query}`);
      expect(page.statusCode, query).toBe(200);
      expect(page.body, query).toContain("Signed in as <strong>ada@example.com</strong>");
    }
  });

  it("the sign-out's next goes through safeNext: another site's address is dropped, to the plain sign-in page", async () => {
    const { browser } = await adaAndBob();
    for (const next of ["//evil.example/account", "https://evil.example/", "/\\evil.example"]) {
      const out = await browser.submit("/account", "/account/sign-out", { next });
      expect(out.statusCode, next).toBe(303);
      expect(out.headers.location, next).toBe("/account/sign-in");
      expect((await signIn(browser)).statusCode).toBe(303);
    }
  });

  it("ada's own links in her browser: verification and a change keep her signed in and lead on to her account; a reset signs this browser out too", async () => {
    const { browser, deps, useCases } = await adaAndBob();
    const verify = await mailedLink(deps, "ada@example.com", "verify-email");
    const verified = await browser.submit("/verify-email", "/verify-email", { link: verify });
    expect(verified.body).toContain('<a href="/account/sign-in">Sign in</a>');
    expect(verified.body).not.toContain("This browser is signed in as");

    await useCases.requestPasswordReset({ email: "ada@example.com" });
    const reset = await mailedLink(deps, "ada@example.com", "reset-password");
    const { location, page: changed } = await choosePassword(browser, {
      path: "/reset-password",
      link: reset,
      password: "New-password-1!",
    });
    expect(location).toBe("/reset-password?done=1&outcome=off");
    expect(changed.body).toContain('<a href="/account/sign-in">Sign in</a>');
    expect(changed.body).not.toContain("This browser is signed in as");
    expect(await signedInAs(browser)).toBeNull();
  });
});

describe("/forgot-password and /resend-verification", () => {
  it.each([
    ["/forgot-password", "reset-password", "a link to choose a new password is on its way"],
    ["/resend-verification", "verify-email", "a new link is on its way"],
  ])("%s mails the link, and answers the same for an address with no account", async (path, linked, said) => {
    const { browser, deps } = await withAda();
    const form = await browser.get(path);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain(`<form method="post" action="${path}" class="stack" novalidate>`);
    expect(form.body).toContain('<a href="/account/sign-in">Back to sign in</a>');
    const before = deps.mailer.sentTo("ada@example.com").length;
    deps.clock.advance(mailRepeatWindowMs); // not a repeat of the registration's mail

    const posted = await browser.submit(path, path, { email: "ada@example.com" });
    // Post/Redirect/Get: a reload of the notice shows it again and mails nothing.
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe(`${path}?sent=1`);
    const sent = await browser.get(`${path}?sent=1`);
    expect(sent.statusCode).toBe(200);
    expect(sent.body).toContain(said);
    const link = await mailedLink(deps, "ada@example.com", linked);
    expect(deps.mailer.sentTo("ada@example.com").length).toBe(before + 1);
    expect(link).toContain("#token=");
    const reloaded = await browser.get(`${path}?sent=1`);
    expect(reloaded.body).toContain(said);
    await deps.backgroundTasks.drain();
    expect(deps.mailer.sentTo("ada@example.com").length).toBe(before + 1);

    // Past the hour's allowance nothing is mailed and the answer stays the same: the page says so.
    expect(sent.body).toContain(
      "Asking again within 60 seconds sends nothing more: the first mail is still on its way. Only the newest link works, and at most 3 are sent an hour: if none arrives, look in your spam folder, then ask again after an hour.",
    );

    const stranger = await browser.submit(path, path, { email: "nobody@example.com" });
    expect(stranger.statusCode).toBe(303);
    expect(stranger.headers.location).toBe(posted.headers.location);
    expect(stranger.body).toBe(posted.body);
  });

  it("refuses an address that is not one (400, the form again with the reason)", async () => {
    const { browser } = await withAda();
    const refused = await browser.submit("/forgot-password", "/forgot-password", { email: "not an address" });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toMatch(/id="email-error" class="error" role="alert">[^<]+</);
    expect(refused.body).toContain('aria-invalid="true"');
  });
});
